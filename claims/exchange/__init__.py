"""XML 130 exchange: typed model, writer, tolerant reader and validation (the only place XML names appear)."""
