"""`finder refresh` (being written)."""
