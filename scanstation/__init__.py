"""scanstation: the receiving-dock scanning station."""

__version__ = "0.1.0"
