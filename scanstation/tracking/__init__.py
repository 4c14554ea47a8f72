"""scanstation.tracking."""
