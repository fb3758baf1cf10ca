"""Append-only audit trail: who did what, when, to which record."""
