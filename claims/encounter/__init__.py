"""Canonical encounters received from the hospital information system."""
