"""The `claims` command line. Each domain registers its own sub-commands here."""

from __future__ import annotations

import typer

from claims.insurer.cli import register as register_insurer

app = typer.Typer(no_args_is_help=True, help="bhyt-claims: BHYT claims from encounters to payment.")
register_insurer(app)


@app.callback()
def main() -> None:
    """bhyt-claims command line."""


if __name__ == "__main__":  # pragma: no cover
    app()
