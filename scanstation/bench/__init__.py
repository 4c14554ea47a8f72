"""scanstation.bench."""
