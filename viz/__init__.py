"""viz package (filled in by its issue)."""
