"""Shared helpers: exact money columns, domain errors, database wiring, pagination."""
