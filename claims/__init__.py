"""bhyt-claims service: hospital encounters to BHYT claims, submission and reconciliation."""

__version__ = "0.1.0"
