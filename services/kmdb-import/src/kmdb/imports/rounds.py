"""The `kmdb-import` command's work: one import round, or one every interval (--follow)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiobotocore.session import get_session
from arq import create_pool
from meridian_kit.redis_urls import arq_settings

from kmdb.db import connection
from kmdb.imports.discover import ImportStarted, start_import
from kmdb.schema.service import create_or_upgrade
from kmdb.settings import Settings
from kmdb.sources.open import open_source


async def import_rounds(
    settings: Settings,
    url: str,
    *,
    force: bool,
    interval: float | None,
    report: Callable[[ImportStarted], None],
) -> None:
    """Starts an import of `url` (forced only the first time), then again every `interval`
    seconds if given; `report` hears what each round enqueued."""
    arq = await create_pool(arq_settings(settings.redis_url))
    try:
        async with (
            get_session().create_client("s3", **settings.s3_client_args()) as s3,
            connection(settings) as conn,
        ):
            await create_or_upgrade(conn)
            source = open_source(url, s3)
            first_round = True
            while True:
                report(await start_import(conn, arq, settings, source, force=force and first_round))
                first_round = False
                if interval is None:
                    return
                await asyncio.sleep(interval)
    finally:
        await arq.aclose()
