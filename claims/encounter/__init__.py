"""Canonical encounters: the one shape every intake adapter produces and every later step reads."""
