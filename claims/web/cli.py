"""`claims ui-messages`: keep the web UI's gettext catalogues up to date."""

from __future__ import annotations

from typing import Annotated

import typer


def ui_messages_command(
    compile_only: Annotated[bool, typer.Option("--compile", help="Only compile the .po files into .mo.")] = False,
) -> None:
    """Extract the UI messages, update claims/web/locale/*/messages.po and compile them to .mo."""
    from claims.web import messages

    if not compile_only:
        for lang, missing in messages.update(messages.extract()).items():
            typer.echo(f"{lang}: {missing} messages without translation")
    for path in messages.compile_all():
        typer.echo(f"compiled {path}")


def register(app: typer.Typer) -> None:
    app.command("ui-messages")(ui_messages_command)
