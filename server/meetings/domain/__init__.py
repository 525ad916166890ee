"""The meetings' rules, with no HTTP and no socket: back-off, people on the board, photos, copy plans, progress."""
