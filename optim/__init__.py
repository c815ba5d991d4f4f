"""optim package (filled in by its issue)."""
