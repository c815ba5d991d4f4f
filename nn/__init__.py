"""nn package (filled in by its issue)."""
