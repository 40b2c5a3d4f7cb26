"""The memex seed's scripts (main, id_email, apps_usage), working over HTTP against an analytics."""
