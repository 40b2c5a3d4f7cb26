"""Importing files end to end (real MariaDB and Redis, file:// source): rows, errors, filters."""

from __future__ import annotations

from typing import Any

from kmdb.dealias.ids import name_id, row_base
from kmdb.exports.generate import ExportSpec, write_export

T0 = 1_400_000_000


async def test_one_row_per_line_and_bad_lines_reported(settings, conn, arq, export, kit: Any):
    url = export(
        {
            140: [
                {"_p": "alice", "_t": T0, "_n": "Visited Site", "url": "/a", "sku": "123"},
                {"_p": "alice", "_t": T0, "_n": "Visited Site", "url": "/a", "sku": "123"},
                b"\n",
                {"_p": "bob", "_t": T0 + 5, "plan": "gold", "billing amount": "15.95"},
                b'{"_p": "carol", "_t": 1400000009, "_n": "Bought", "name": "Frigidman\\231"}\n',
                b'{"_p": "dave", "_t": 1400000010, "_n": "Bought", "city": "Z\\303\\274rich"}\n',
                b'{"_p": "eve\xff", "_t": 1400000011, "_n": "Bought"}\n',
                b"__import__('os').system('false')\n",
                b'{"_p": "frank", "_t": 14000',
            ]
        }
    )
    started = await kit.enqueue(conn, arq, settings, url)
    assert started.enqueued == [140]
    assert await kit.work(settings) == 0
    # The two identical lines are two events; the property set gives two property rows.
    assert await kit.count(conn, "events") == 5
    assert await kit.count(conn, "properties") == 2 * 2 + 2 + 1 + 1
    assert await kit.count(conn, "events", "user_id = %s", (name_id("alice"),)) == 2
    errors = await conn_rows(conn, "SELECT line, reason FROM file_errors ORDER BY line")
    assert [(line, reason.split(":")[0]) for line, reason in errors] == [
        (3, "blank line"),
        (8, "invalid JSON"),
        (9, "invalid JSON"),
    ]
    values = dict(
        await conn_rows(
            conn,
            "SELECT u.name, p.value FROM properties p JOIN users u ON u.id = p.user_id WHERE p.`key` IN (%s, %s)",
            (name_id("name"), name_id("city")),
        )
    )
    assert values == {"carol": "Frigidman\ufffd", "dave": "Zürich"}
    assert await kit.count(conn, "users", "name = %s", ("eve\ufffd",)) == 1
    row = (await conn_rows(conn, "SELECT status, line, bad_lines, events FROM dumpfiles"))[0]
    assert row == ("done", 9, 3, 5)
    ids = [r[0] for r in await conn_rows(conn, "SELECT id FROM events ORDER BY id")]
    assert ids[0] == row_base(140, 1)


async def conn_rows(conn, sql, args=None):
    from kmdb.db import fetchall

    return await fetchall(conn, sql, args)


async def test_same_files_twice_and_force_never_duplicate(settings, conn, arq, tmp_path, kit: Any):
    write_export(ExportSpec(files=3, lines_per_file=400, seed=7), tmp_path)
    url = f"file://{tmp_path}"
    await kit.enqueue(conn, arq, settings, url)
    assert await kit.work(settings) == 0
    first = await kit.snapshot(conn)
    assert len(first["events"]) > 900
    again = await kit.enqueue(conn, arq, settings, url, min_revision=140)
    assert again.enqueued == [] and again.already_done == [140, 141, 142]
    assert await kit.work(settings) == 0
    assert await kit.snapshot(conn) == first
    forced = await kit.enqueue(conn, arq, settings, url, min_revision=140, force=True)
    assert forced.enqueued == [140, 141, 142]
    assert await kit.work(settings) == 0
    assert await kit.snapshot(conn) == first


async def test_empty_whitelist_imports_every_event(settings, conn, arq, export, kit: Any):
    url = export({1: [{"_p": "a", "_t": T0, "_n": n} for n in ("x", "y", "z")]})
    await kit.enqueue(conn, arq, settings, url)
    await kit.work(settings)
    assert await kit.count(conn, "events") == 3


async def test_filters(settings, conn, arq, export, kit: Any):
    for table, name in [
        ("whitelisted_events", "Signed Up"),
        ("blacklisted_properties", "password"),
        ("ignored_users", "robot"),
    ]:
        await conn_rows(conn, f"INSERT INTO {table} (name) VALUES (%s)", (name,))
    url = export(
        {
            1: [
                {"_p": "a", "_t": T0, "_n": "Signed Up", "password": "x", "plan": "gold"},
                {"_p": "a", "_t": T0, "_n": "Visited Site"},
                {"_p": "robot", "_t": T0, "_n": "Signed Up"},
                {"_p": "a", "_t": T0, "_p2": "robot"},
                {"_p": "b", "_t": T0, "password": "y"},
            ]
        }
    )
    await kit.enqueue(conn, arq, settings, url)
    await kit.work(settings)
    rows = await conn_rows(conn, "SELECT u.name FROM events e JOIN users u ON u.id = e.user_id")
    assert rows == [("a",)]
    keys = await conn_rows(
        conn, "SELECT k.string FROM properties p JOIN `keys` k ON k.id = p.`key`"
    )
    assert keys == [("plan",)]
    assert await kit.count(conn, "aliases") == 0
    skipped = (await conn_rows(conn, "SELECT skipped FROM dumpfiles"))[0][0]
    assert skipped == 4


async def test_ignored_user_matched_on_the_dealiased_identity(
    settings, conn, arq, export, kit: Any
):
    url = export(
        {
            1: [
                {"_p": "anon-7", "_t": T0, "_n": "Visited Site"},
                {"_p": "anon-7", "_t": T0 + 1, "_p2": "tester@example.com"},
                {"_p": "anon-8", "_t": T0, "_n": "Visited Site"},
            ]
        }
    )
    await kit.enqueue(conn, arq, settings, url)
    await kit.work(settings)
    assert await kit.count(conn, "events") == 2
    # Filters are read at each job's start: from now on tester@example.com is ignored.
    await conn_rows(conn, "INSERT INTO ignored_users (name) VALUES ('tester@example.com')")
    url = export(
        {
            2: [
                {"_p": "anon-7", "_t": T0 + 9, "_n": "Visited Site"},  # de-aliased: tester
                {"_p": "tester@example.com", "_t": T0 + 9, "_n": "Visited Site"},
                {"_p": "anon-9", "_t": T0 + 9, "_n": "Visited Site"},
            ]
        }
    )
    await kit.enqueue(conn, arq, settings, url, min_revision=2)
    await kit.work(settings)
    rows = await conn_rows(
        conn,
        "SELECT u.name, e.t FROM events e JOIN users u ON u.id = e.user_id ORDER BY u.name, e.t",
    )
    assert [r[0] for r in rows] == ["anon-7", "anon-8", "anon-9"]
    assert (await conn_rows(conn, "SELECT skipped FROM dumpfiles WHERE revision = 2"))[0][0] == 2


async def test_case_sensitive_names_and_keys(settings, conn, arq, export, kit: Any):
    url = export(
        {
            1: [
                {"_p": "John", "_t": T0, "_n": "Visited Site", "Plan": "a"},
                {"_p": "john", "_t": T0, "_n": "visited site", "plan": "b"},
                {"_p": "john ", "_t": T0, "_n": "Visited Site ", "plan ": "c"},
                {"_p": "ñandú😀", "_t": T0, "_n": "Visité 😀"},
            ]
        }
    )
    await kit.enqueue(conn, arq, settings, url)
    await kit.work(settings)
    assert await kit.count(conn, "users") == 4
    names = {r[0] for r in await conn_rows(conn, "SELECT string FROM `keys`")}
    assert {
        "Visited Site",
        "visited site",
        "Visited Site ",
        "Plan",
        "plan",
        "plan ",
        "Visité 😀",
    } <= names


async def test_values_with_percent_signs_and_loaded_escapes_are_kept_verbatim(
    settings, conn, arq, export, kit: Any
):
    """Rows travel as text with a %s for the user id: a value's own % signs, tabs, newlines
    and backslashes come out as they went in, on the right event and user."""
    values = ["50% off", "%s", "100%%", "%(x)s %d", "tab\there", "line\nbreak", "back\\slash %"]
    line = {"_p": "p%s", "_t": T0, "_n": "Sale 100%", **{f"v{i}": v for i, v in enumerate(values)}}
    url = export({1: [line, {"_p": "q%", "_t": T0 + 1, "plan": "%%"}]})
    await kit.enqueue(conn, arq, settings, url)
    assert await kit.work(settings) == 0
    rows = await conn_rows(
        conn,
        "SELECT p.value, p.event_id, u.name FROM properties p JOIN users u ON u.id = p.user_id",
    )
    event = row_base(1, 1)
    assert sorted(rows) == sorted([(v, event, "p%s") for v in values] + [("%%", None, "q%")])
    assert await conn_rows(conn, "SELECT id, user_id FROM events") == [(event, name_id("p%s"))]


async def test_a_batch_written_again_after_a_lost_commit_reply_changes_nothing(
    settings, conn, arq, export, kit: Any
):
    """The server committed the batch but the reply was lost: the retry finds its checkpoint
    done and writes nothing twice (aliases and bad lines included), without failing."""
    from kmdb.db import connection
    from kmdb.filters.store import load_filters
    from kmdb.importer.batches import Batcher
    from kmdb.importer.writer import FileJob, write_batch
    from kmdb.sources.base import split_lines
    from kmdb.sources.open import open_source

    url = export(
        {
            150: [
                {"_p": "anon-1", "_t": T0, "_n": "Visited Site"},
                {"_p": "anon-1", "_p2": "42", "_t": T0 + 1},
                {"_p": "42", "_t": T0 + 2, "plan": "gold"},
                b"not json\n",
            ]
        }
    )
    await kit.enqueue(conn, arq, settings, url)
    assert await kit.work(settings) == 0
    before = await kit.snapshot(conn)
    generation = (await conn_rows(conn, "SELECT generation FROM dumpfiles"))[0][0]
    batcher = Batcher(150, settings.batch_size, await load_filters(conn))
    chunks = open_source(url, None).chunks(150, 0)
    batches = [b async for b in batcher.batches(split_lines(chunks), 1, 0)]
    assert len(batches) == 1 and batches[0].aliases and batches[0].errors

    async with connection(settings, local_infile=True) as writer_conn:
        assert await write_batch(writer_conn, FileJob(150, generation), batches[0]) is None
    assert await kit.snapshot(conn) == before
    assert await kit.count(conn, "file_errors") == 1


async def test_a_file_is_done_with_its_last_batch_and_an_empty_one_too(
    settings, conn, arq, export, kit: Any
):
    lines = [{"_p": "ann", "_t": T0 + i, "_n": "Visited Site"} for i in range(120)]
    url = export({140: lines, 141: []})
    assert (await kit.enqueue(conn, arq, settings, url)).enqueued == [140, 141]
    assert await kit.work(settings) == 0
    rows = await conn_rows(
        conn,
        "SELECT revision, status, line, `offset` = `length`, finished_at IS NOT NULL, events"
        " FROM dumpfiles ORDER BY revision",
    )
    assert rows == [(140, "done", 120, 1, 1, 120), (141, "done", 0, 1, 1, 0)]
