"""KISSmetrics export lines: parsing them safely and generating realistic ones."""
