"""`kmdb-flush`: create or upgrade the schema, empty the imported data, keep the filter tables."""

from __future__ import annotations

import asyncio

import typer
from meridian_kit.redis_urls import async_redis

from kmdb.cli.options import DatabaseUrl, Queue, RedisUrl, settings_from, setup_logging
from kmdb.db import connection
from kmdb.queue.redis_keys import clear_queue
from kmdb.schema.service import create_or_upgrade, flush

app = typer.Typer(add_completion=False, help=__doc__, rich_markup_mode=None)


@app.command()
def main(
    database_url: DatabaseUrl = None,
    redis_url: RedisUrl = None,
    queue: Queue = "kmdb",
    schema_only: bool = typer.Option(False, "--schema-only", help="Only create or upgrade tables."),
) -> None:
    """Creates or upgrades the schema and empties imported data, dumpfiles and this queue."""
    setup_logging("kmdb-flush")
    settings = settings_from(database_url=database_url, redis_url=redis_url, queue=queue)

    async def run() -> None:
        async with connection(settings) as conn:
            done = await create_or_upgrade(conn)
            if not schema_only:
                done += await flush(conn)
        if not schema_only:
            redis = async_redis(settings.redis_url)
            try:
                done.append(f"removed {await clear_queue(redis, settings)} Redis keys")
            finally:
                await redis.aclose()
        for line in done or ["schema is up to date"]:
            typer.echo(line)

    asyncio.run(run())


if __name__ == "__main__":
    app()
