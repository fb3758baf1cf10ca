"""Pricing domain: CLI and vector checks around the pure :mod:`rules` engine."""
