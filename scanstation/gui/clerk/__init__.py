"""The clerk's scan screen: the window and its panels (banner, counters, recent scans, entry, status bar)."""
