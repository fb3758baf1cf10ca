"""Remittance: the office's answers (assessment results, payment notices) matched to claim lines; variances, denials."""
