"""Generated XSDs for version 4750 (package data)."""
