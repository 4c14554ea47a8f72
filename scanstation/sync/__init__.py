"""scanstation.sync."""
