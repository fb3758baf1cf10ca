"""The `claims` command line. Each domain registers its own sub-commands here."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="bhyt-claims: BHYT claims from encounters to payment.")


@app.callback()
def main() -> None:
    """bhyt-claims command line."""


def _register_domains() -> None:
    from claims.review.cli import register as register_review

    register_review(app)


_register_domains()


if __name__ == "__main__":  # pragma: no cover
    app()
