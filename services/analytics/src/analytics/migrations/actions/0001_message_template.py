"""Creates the index template of the daily message indices."""

from analytics.migrations.manager import MigrationContext
from analytics.storage.templates import message_template, put_template


class MessageTemplateMigration:
    number = 1
    name = "message_template"

    async def apply(self, ctx: MigrationContext) -> None:
        await put_template(
            ctx.es, f"{ctx.indices.prefix}memex-message", ctx.indices.messages, message_template()
        )
