"""Creates the index template of the daily per-project logging indices."""

from analytics.migrations.manager import MigrationContext
from analytics.storage.templates import logging_template, put_template


class LoggingTemplateMigration:
    number = 3
    name = "logging_template"

    async def apply(self, ctx: MigrationContext) -> None:
        await put_template(
            ctx.es, f"{ctx.indices.prefix}memex-logging", ctx.indices.logs, logging_template()
        )
