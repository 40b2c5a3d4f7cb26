"""Creates the index template of the daily analytic indices."""

from analytics.migrations.manager import MigrationContext
from analytics.storage.templates import analytic_template, put_template


class AnalyticTemplateMigration:
    number = 2
    name = "analytic_template"

    async def apply(self, ctx: MigrationContext) -> None:
        await put_template(
            ctx.es,
            f"{ctx.indices.prefix}memex-analytic",
            ctx.indices.analytics,
            analytic_template(),
        )
