"""Saved dashboards ({type, name, data}) kept in Cassandra."""
