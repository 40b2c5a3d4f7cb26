"""kmdb: imports KISSmetrics "Data Export" revision files into MySQL/MariaDB."""
