"""redis_urls: redis+sentinel:// URLs become clients that find the master through real Sentinels.

The Sentinel tests start a private redis-server and a Sentinel watching it on free ports of
127.0.0.1 (Debian's redis-server, packages.tsv), and stop them after.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from arq.connections import create_pool
from meridian_kit.process_testing import free_port
from meridian_kit.redis_urls import (
    arq_settings,
    async_redis,
    celery_url,
    parse_sentinel_url,
    sync_redis,
)

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
MASTER = "kit-test"


def test_a_sentinel_url_names_sentinels_master_and_database() -> None:
    target = parse_sentinel_url("redis+sentinel://:s3cret@h1:26380,h2/my%20master/3")
    assert target is not None
    assert target.sentinels == [("h1", 26380), ("h2", 26379)]
    assert (target.master, target.db, target.password) == ("my master", 3, "s3cret")


def test_other_urls_are_not_sentinel_urls() -> None:
    assert parse_sentinel_url("redis://127.0.0.1:6379/0") is None
    assert celery_url("redis://127.0.0.1:6379/1") == ("redis://127.0.0.1:6379/1", {})


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis+sentinel://h1:26379", "the path must be"),
        ("redis+sentinel://h1:26379/m/x", "the database must be a number"),
        ("redis+sentinel://h1:port/m", "bad Sentinel port"),
        ("redis+sentinel://h1:26379,/m", "empty Sentinel host"),
    ],
)
def test_a_bad_sentinel_url_is_refused_with_its_problem(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_sentinel_url(url)


def test_celery_gets_one_sentinel_url_per_sentinel_and_the_master_name() -> None:
    url, options = celery_url("redis+sentinel://h1:26379,h2:26380/meridian/1")
    assert url == "sentinel://h1:26379/1;sentinel://h2:26380/1"
    assert options == {"master_name": "meridian"}


def wait_until(check, what: str, seconds: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {seconds} s")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def sentinel_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A private redis-server and a Sentinel watching it: (redis+sentinel URL, the master's port)."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed (make up installs it)")
    tmp = tmp_path_factory.mktemp("sentinel")
    master_port, sentinel_port = free_port(), free_port()
    conf = tmp / "sentinel.conf"
    conf.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp}\n"
        f"sentinel monitor {MASTER} 127.0.0.1 {master_port} 1\n"
    )
    started = [
        subprocess.Popen(
            [REDIS_SERVER, "--port", str(master_port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        ),
        subprocess.Popen([REDIS_SERVER, str(conf), "--sentinel"], stdout=subprocess.DEVNULL),
    ]
    try:
        sentinel = redis.Redis("127.0.0.1", sentinel_port)
        wait_until(lambda: sentinel.sentinel_get_master_addr_by_name(MASTER), "the Sentinel")
        yield f"redis+sentinel://127.0.0.1:{sentinel_port}/{MASTER}/2", master_port
    finally:
        for process in started:
            process.terminate()
            process.wait(timeout=10)


def test_a_blocking_client_writes_to_the_master_the_sentinel_names(sentinel_url) -> None:  # type: ignore[no-untyped-def]
    url, master_port = sentinel_url
    key = f"kit-test:{uuid.uuid4().hex}"
    client = sync_redis(url, socket_timeout=3, socket_connect_timeout=3)
    client.set(key, "sync", ex=60)
    assert redis.Redis("127.0.0.1", master_port, db=2).get(key) == b"sync"
    client.close()


async def test_an_async_client_writes_to_the_master_the_sentinel_names(sentinel_url) -> None:  # type: ignore[no-untyped-def]
    url, master_port = sentinel_url
    key = f"kit-test:{uuid.uuid4().hex}"
    client = async_redis(url, socket_timeout=3, socket_connect_timeout=3)
    await client.set(key, "async", ex=60)
    assert redis.Redis("127.0.0.1", master_port, db=2).get(key) == b"async"
    await client.aclose()


async def test_arq_settings_reach_the_master_through_the_sentinel(sentinel_url) -> None:  # type: ignore[no-untyped-def]
    url, master_port = sentinel_url
    pool = await create_pool(arq_settings(url))
    job = await pool.enqueue_job("kit_test_job", _queue_name=f"kit-test:{uuid.uuid4().hex}")
    assert job is not None
    assert redis.Redis("127.0.0.1", master_port, db=2).exists(f"arq:job:{job.job_id}")
    await pool.aclose()


@pytest.mark.parametrize("through", ["plain", "sentinel"])
async def test_a_task_cancelled_in_the_midst_of_commands_stops(sentinel_url, through: str) -> None:  # type: ignore[no-untyped-def]
    """A loop of commands cancelled at 300 different moments ends every time (redis-py's writes
    under Python 3.11's wait_for dropped about one cancellation in ten), and the replies still
    answer their own commands after."""
    url, master_port = sentinel_url
    if through == "plain":
        url = f"redis://127.0.0.1:{master_port}/2"
    client = async_redis(url, socket_timeout=3, socket_connect_timeout=3)
    key = f"kit-test:{uuid.uuid4().hex}"

    async def commands() -> None:
        while True:
            await client.incr(key)

    for moment in range(300):
        task = asyncio.create_task(commands())
        for _ in range(moment % 30):  # every step of a command's round trip, in turn
            await asyncio.sleep(0)
        await asyncio.sleep(moment % 7 * 0.0003)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=2)
        while not task.done():  # it swallowed the cancellation: stop it before failing
            task.cancel()
            await asyncio.wait({task}, timeout=2)
        assert done, f"the task cancelled at moment {moment} kept running"
    for n in range(20):
        await client.set(key, f"value {n}")
        assert await client.get(key) == f"value {n}".encode()
    await client.aclose()


def test_plain_urls_still_give_plain_clients() -> None:
    client = sync_redis("redis://127.0.0.1:1/0")
    assert client.connection_pool.connection_kwargs["port"] == 1
    assert arq_settings("redis://127.0.0.1:1/4").database == 4
