"""KMDB_READ_DATABASE_URL: the lag-tolerant reads (stats, timelines, files) go to the read database,
imports and filters stay on the primary, and the read database away is a 503 naming it.

The "replica" here is a second database on the suite's MariaDB, reached by a user of this run
that may only SELECT in it: a row only it holds can only be answered through it, and a write
through it would be refused by its grants as well as by the pool's read-only sessions.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from asyncmy import errors as myerrors
from kmdb.db import connection, create_pool, execute, fetchall
from kmdb.schema.service import create_or_upgrade, flush
from kmdb.settings import Settings
from pydantic import ValidationError

PERSON = "only-on-the-read-side"
USER_ID, KEY_ID, REVISION = 4242, 4343, 77
DAY = dt.date(2015, 3, 14)


@dataclass(frozen=True)
class ReadDatabase:
    """A second database and a SELECT-only user of this run on the same MariaDB."""

    name: str
    url: str  # the SELECT-only user's URL
    admin: Settings  # the development user, on the read database


def _url(database: str, *, user: str | None = None, password: str = "") -> str:
    """The development DATABASE_URL pointed at another database (and user, if given)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    netloc = parts.netloc
    if user is not None:
        netloc = f"{quote(user)}:{quote(password)}@{netloc.rpartition('@')[2]}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{database}"))


@pytest.fixture(scope="module")
async def read_database(database: str) -> AsyncIterator[ReadDatabase]:
    """Creates the read database (kmdb's schema) and its SELECT-only user; drops both after."""
    name, user, password = (
        f"{database}_read",
        f"kmdbread_{uuid.uuid4().hex[:8]}",
        secrets.token_hex(12),
    )
    admin = Settings(database_url=_url(name), redis_url="redis://127.0.0.1")
    host = urlsplit(admin.database_url).hostname  # where the API connects from (TCP on loopback)
    async with connection(admin, db=None) as conn:
        await execute(conn, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        await execute(conn, f"CREATE USER '{user}'@'{host}' IDENTIFIED BY '{password}'")
        await execute(conn, f"GRANT SELECT ON `{name}`.* TO '{user}'@'{host}'")
    try:
        async with connection(admin) as conn:
            await create_or_upgrade(conn)
        yield ReadDatabase(name, _url(name, user=user, password=password), admin)
    finally:
        async with connection(admin, db=None) as conn:
            await execute(conn, f"DROP USER IF EXISTS '{user}'@'{host}'")
            await execute(conn, f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
async def read_side(read_database: ReadDatabase, settings: Settings) -> ReadDatabase:
    """The read database holding one person, one event and one file the primary does not have."""
    async with connection(read_database.admin) as conn:
        await flush(conn)
        await execute(conn, "DELETE FROM `keys`")
        await execute(conn, "INSERT INTO users (id, name) VALUES (%s, %s)", (USER_ID, PERSON))
        await execute(
            conn, "INSERT INTO identities (name, user_id) VALUES (%s, %s)", (PERSON, USER_ID)
        )
        await execute(
            conn, "INSERT INTO `keys` (id, string) VALUES (%s, 'read side event')", (KEY_ID,)
        )
        await execute(
            conn,
            "INSERT INTO events (id, t, n, user_id) VALUES (%s, %s, %s, %s)",
            (REVISION << 40, dt.datetime.combine(DAY, dt.time(12)), KEY_ID, USER_ID),
        )
        await execute(
            conn,
            "INSERT INTO dumpfiles (revision, source, status, bad_lines) VALUES (%s, 'file:///x', 'done', 1)",
            (REVISION,),
        )
        await execute(
            conn,
            "INSERT INTO file_errors (revision, line, reason, excerpt) VALUES (%s, 3, 'bad json', '{')",
            (REVISION,),
        )
    return read_database


STATS = f"/stats/events?from={DAY}&to={DAY}"
TIMELINE = f"/users/{PERSON}/timeline"


async def test_reads_are_answered_by_the_read_database(api_client, read_side):
    async with api_client(read_database_url=read_side.url) as client:
        timeline = await client.get(TIMELINE)
        assert timeline.status_code == 200, timeline.text
        assert [e["name"] for e in timeline.json()["events"]] == ["read side event"]
        stats = (await client.get(STATS)).json()
        assert stats == [{"day": str(DAY), "name": "read side event", "count": 1}]
        assert [f["revision"] for f in (await client.get("/files")).json()] == [REVISION]
        assert (await client.get(f"/files/{REVISION}")).json()["status"] == "done"
        errors = (await client.get(f"/files/{REVISION}/errors")).json()
        assert errors["total"] == 1 and errors["errors"][0]["reason"] == "bad json"
    # The same routes on the primary (no read URL) know none of it: the answers above came from
    # the read database.
    async with api_client() as client:
        assert (await client.get(TIMELINE)).status_code == 404
        assert (await client.get(STATS)).json() == []
        assert (await client.get("/files")).json() == []
        assert (await client.get(f"/files/{REVISION}")).status_code == 404


async def test_writes_and_their_reads_stay_on_the_primary(api_client, read_side, conn):
    import_id = uuid.uuid4().hex
    await execute(
        conn, "INSERT INTO imports (id, source) VALUES (%s, 's3://primary-only')", (import_id,)
    )
    async with api_client(read_database_url=read_side.url) as client:
        added = await client.post("/filters/ignored-users", json={"name": "primary-robot"})
        assert added.status_code == 201, added.text
        listed = await client.get("/filters/ignored-users")
        assert [f["name"] for f in listed.json()] == ["primary-robot"]  # read back at once
        read_import = await client.get(f"/imports/{import_id}")
        assert (
            read_import.status_code == 200 and read_import.json()["source"] == "s3://primary-only"
        )
    assert await fetchall(conn, "SELECT name FROM ignored_users") == [("primary-robot",)]
    async with connection(read_side.admin) as read_conn:
        assert await fetchall(read_conn, "SELECT name FROM ignored_users") == []


async def test_the_read_pool_cannot_write_even_on_the_primary(settings):
    """The read pool's sessions are read-only: pointed at the primary with a user that may write,
    an INSERT is still refused."""
    pool = await create_pool(settings, maxsize=1, read=True)
    try:
        async with pool.acquire() as conn:
            with pytest.raises(myerrors.MySQLError) as refused:
                await execute(conn, "INSERT INTO ignored_users (name) VALUES ('sneaky')")
            assert refused.value.args[0] == 1792  # cannot execute in a READ ONLY transaction
    finally:
        pool.close()
        await pool.wait_closed()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_read_database_away_is_a_503_for_its_reads_only(api_client, settings):
    away = f"mysql://nobody:nothing@127.0.0.1:{_closed_port()}/kmdb"
    async with api_client(read_database_url=away) as client:
        for path in (STATS, TIMELINE, "/files", f"/files/{REVISION}", f"/files/{REVISION}/errors"):
            answer = await client.get(path)
            assert answer.status_code == 503, (path, answer.text)
            assert "KMDB_READ_DATABASE_URL" in answer.json()["error"]
            assert answer.headers["retry-after"] == "5"
        assert (await client.post("/filters/ignored-users", json={"name": "n"})).status_code == 201
        assert (await client.get("/filters/ignored-users")).status_code == 200
        ready = await client.get("/readyz")
        assert "mysql" in ready.json()["checks"] and ready.json()["checks"]["mysql"] == "ok"


def test_the_read_url_setting():
    base = {"database_url": "mysql://u:p@127.0.0.1/kmdb", "redis_url": "redis://127.0.0.1"}
    unset = Settings(**base, read_database_url="  ")
    assert unset.read_database_url is None and not unset.reads_elsewhere
    assert unset.mysql_params(read=True) == unset.mysql_params()
    same = Settings(**base, read_database_url=base["database_url"])
    assert not same.reads_elsewhere
    replica = Settings(**base, read_database_url="mysql2://r:s@127.0.0.3:3307/kmdb")
    assert replica.reads_elsewhere
    assert replica.mysql_params(read=True) | {"password": ""} == {
        "host": "127.0.0.3",
        "port": 3307,
        "user": "r",
        "password": "",
        "db": "kmdb",
    }
    assert replica.mysql_params()["host"] == "127.0.0.1"
    with pytest.raises(ValidationError, match="mysql:// or mysql2://"):
        Settings(**base, read_database_url="postgres://r@h/kmdb")
