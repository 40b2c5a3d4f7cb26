"""Turns: the front stage of a worker's pipeline, granted in the order its jobs were announced."""

from __future__ import annotations

import asyncio

from kmdb.importer.run import Turns


async def _take(turns: Turns, key: str, order: list[str], hold: float = 0.0) -> None:
    async with turns.turn(key):
        order.append(key)
        await asyncio.sleep(hold)


async def _second_waiting(first: str, second: str) -> tuple[Turns, list[str], asyncio.Task]:
    """Two keys announced in order, the second one already asking for its turn: it waits."""
    turns, order = Turns(), []
    turns.announce(first)
    turns.announce(second)
    waiting = asyncio.create_task(_take(turns, second, order))
    await asyncio.sleep(0.05)
    assert order == []  # the second came first but waits for the first
    return turns, order, waiting


async def test_announced_keys_get_their_turn_in_order_whoever_comes_first():
    turns, order, later = await _second_waiting("rev140", "rev141")
    await _take(turns, "rev140", order)
    await later
    assert order == ["rev140", "rev141"]
    assert turns.announced == []


async def test_a_key_that_leaves_without_its_turn_lets_the_next_one_go():
    turns, order, waiting = await _second_waiting("superseded", "next")
    turns.leave("superseded")  # its job ended before reaching the stage
    await asyncio.wait_for(waiting, 5)
    assert order == ["next"]


async def test_one_at_a_time_and_unannounced_keys_first_come_first_served():
    turns, order = Turns(), []
    first = asyncio.create_task(_take(turns, "a", order, hold=0.1))
    await asyncio.sleep(0)
    second = asyncio.create_task(_take(turns, "b", order))
    await asyncio.sleep(0.05)
    assert order == ["a"]  # b waits for the lock a holds
    await asyncio.gather(first, second)
    assert order == ["a", "b"]
