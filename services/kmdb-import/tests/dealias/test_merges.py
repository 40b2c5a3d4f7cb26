"""De-aliasing: chains, hubs, late aliases, numeric preference, and independence from order."""

from __future__ import annotations

import random
from typing import Any

import pytest
from kmdb.db import fetchall
from kmdb.dealias.ids import name_id, ordered_pair

T0 = 1_400_000_000


def ev(who: str, seq: int) -> dict[str, Any]:
    return {"_p": who, "_t": T0 + seq, "_n": "Visited Site", "seq": str(seq)}


def al(a: str, b: str, seq: int) -> dict[str, Any]:
    return {"_p": a, "_t": T0 + seq, "_p2": b}


async def owners(conn) -> dict[str, str]:
    """seq property -> name of the user its event belongs to."""
    rows = await fetchall(
        conn,
        "SELECT p.value, u.name FROM properties p JOIN users u ON u.id = p.user_id"
        " WHERE p.`key` = %s",
        (name_id("seq"),),
    )
    return dict(rows)


async def groups(conn) -> dict[str, str]:
    """identity -> kept name of its user."""
    rows = await fetchall(
        conn, "SELECT i.name, u.name FROM identities i JOIN users u ON u.id = i.user_id"
    )
    return dict(rows)


async def run(conn, arq, settings, export, kit, files) -> None:
    url = export(files)
    await kit.enqueue(conn, arq, settings, url, min_revision=min(files))
    assert await kit.work(settings) == 0


async def test_chain_across_files_keeps_the_numeric_identity(settings, conn, arq, export, kit):
    await run(
        conn,
        arq,
        settings,
        export,
        kit,
        {
            1: [ev("anon-a", 1), ev("b@example.com", 2), al("anon-a", "b@example.com", 3)],
            2: [ev("anon-a", 4), al("b@example.com", "c-device", 5), ev("c-device", 6)],
            3: [al("c-device", "123", 7), ev("123", 8), ev("anon-a", 9)],
        },
    )
    assert set((await owners(conn)).values()) == {"123"}
    assert set((await groups(conn)).values()) == {"123"}
    assert await fetchall(conn, "SELECT id, name FROM users") == [(name_id("123"), "123")]


async def test_hub_and_lowest_name_kept(settings, conn, arq, export, kit):
    await run(
        conn,
        arq,
        settings,
        export,
        kit,
        {
            1: [ev("zed@example.com", 1), al("zed@example.com", "m-anon", 2), ev("m-anon", 3)],
            2: [ev("k-anon", 4), al("zed@example.com", "k-anon", 5)],
            3: [
                al("b-anon", "zed@example.com", 6),
                al("b-anon", "zed@example.com", 7),
                ev("b-anon", 8),
            ],
            4: [ev("m-anon", 9), ev("zed@example.com", 10)],
        },
    )
    assert set((await owners(conn)).values()) == {"b-anon"}
    assert await fetchall(conn, "SELECT name FROM users") == [("b-anon",)]
    stored = await fetchall(conn, "SELECT name1, name2 FROM aliases ORDER BY id")
    assert stored[0] == ("m-anon", "zed@example.com")  # kept-first order
    assert len(stored) == 4  # the repeated pair is a row of its own (one row per line)


async def test_numeric_pairs_are_ignored_but_bridges_join(settings, conn, arq, export, kit):
    await run(
        conn,
        arq,
        settings,
        export,
        kit,
        {1: [ev("123", 1), ev("456", 2), al("123", "456", 3), ev("789", 4), ev("x", 5)]},
    )
    assert len(set((await owners(conn)).values())) == 4
    await run(conn, arq, settings, export, kit, {2: [al("x", "789", 6), al("123", "x", 7)]})
    assert set((await owners(conn)).values()) == {"456", "123"}
    assert (await owners(conn))["5"] == "123"  # '123' < '789', both numeric


async def test_late_alias_repoints_and_later_events_follow(settings, conn, arq, export, kit):
    await run(conn, arq, settings, export, kit, {1: [ev("visitor-9", 1), ev("visitor-9", 2)]})
    assert set((await owners(conn)).values()) == {"visitor-9"}
    await run(conn, arq, settings, export, kit, {2: [al("visitor-9", "amy@example.com", 3)]})
    assert set((await owners(conn)).values()) == {"amy@example.com"}
    await run(conn, arq, settings, export, kit, {3: [ev("visitor-9", 4)]})
    assert set((await owners(conn)).values()) == {"amy@example.com"}
    assert await fetchall(conn, "SELECT name FROM users") == [("amy@example.com",)]


LINES = [
    ev("a1", 1),
    ev("b1", 2),
    al("a1", "b1", 3),
    ev("c1", 4),
    al("c1", "b1", 5),
    ev("d1", 6),
    al("d1", "77", 7),
    al("c1", "d1", 8),
    ev("e1", 9),
    al("e1", "88", 10),
    ev("88", 11),
    ev("f1", 12),
    al("f1", "a1", 13),
    ev("a1", 14),
    ev("g1", 15),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("batch_size", [1, 4, 100])
async def test_any_order_any_batching_gives_the_same_users(
    settings, conn, arq, export, kit, seed, batch_size
):
    lines = LINES[:]
    random.Random(seed).shuffle(lines)
    files = {n + 1: lines[n * 5 : n * 5 + 5] for n in range(3)}
    small = kit.make_settings(batch_size=batch_size)
    await run(conn, arq, small, export, kit, files)
    expected = {str(i): "77" for i in (1, 2, 4, 6, 12, 14)}
    expected.update({"9": "88", "11": "88", "15": "g1"})
    assert await owners(conn) == expected
    assert sorted(await fetchall(conn, "SELECT name FROM users")) == [("77",), ("88",), ("g1",)]
    pairs = {ordered_pair(x["_p"], x["_p2"]) for x in LINES if "_p2" in x}
    assert set(await fetchall(conn, "SELECT name1, name2 FROM aliases")) == pairs
