"""xsd package."""
