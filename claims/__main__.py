"""`python -m claims` runs the CLI."""

from claims.cli import app

app()
