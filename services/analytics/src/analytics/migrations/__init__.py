"""Ordered Elasticsearch migrations, each applied once and recorded in MIGRATION_MANAGER_INDEX."""
