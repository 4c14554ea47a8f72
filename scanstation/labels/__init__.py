"""scanstation.labels."""
