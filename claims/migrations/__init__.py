"""Alembic migrations (shipped as package data; run with `claims migrate`)."""
