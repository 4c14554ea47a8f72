"""The supervisor's screens (exception queue, resolutions, reports) over the Qt-free core in scanstation.review."""
