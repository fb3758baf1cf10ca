"""Web UI: templates, static files, translations."""
