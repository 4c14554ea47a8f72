"""scanstation.store."""
