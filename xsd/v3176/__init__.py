"""Generated XSDs for version 3176 (package data)."""
