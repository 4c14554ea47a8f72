"""scanstation.gui."""
