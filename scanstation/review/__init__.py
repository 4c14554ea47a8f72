"""The supervisor's core: queues, suggestions, resolutions; Qt-free, called by the GUI, the CLI and the tests."""
