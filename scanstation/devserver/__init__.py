"""scanstation.devserver."""
