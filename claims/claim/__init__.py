"""Claims: the aggregate with its lines, frozen versions and status machine."""
