"""The `claims` command line. Each domain registers its own sub-commands here."""

from __future__ import annotations

import typer

from claims.exchange.cli import register as register_xml
from claims.pricing.cli import register as register_pricing

app = typer.Typer(no_args_is_help=True, help="bhyt-claims: BHYT claims from encounters to payment.")
register_xml(app)
register_pricing(app)


@app.callback()
def main() -> None:
    """bhyt-claims command line."""


if __name__ == "__main__":  # pragma: no cover
    app()
