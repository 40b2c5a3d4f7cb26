"""A user's timeline: events with their properties, and property sets; no FastAPI here."""

from __future__ import annotations

import datetime as dt

from asyncmy.connection import Connection
from meridian_kit.errors import NotFound

from kmdb.dealias.ids import line_base
from kmdb.users import store
from kmdb.users.schemas import TimelineEvent, TimelineOut

# Properties read per event asked for: an event rarely has more.
PROPERTIES_PER_EVENT = 20


async def timeline(
    conn: Connection, identity: str, *, limit: int, before: dt.datetime | None
) -> TimelineOut:
    """A user's latest events and property sets, found by any identity of theirs."""
    found = await store.find_user(conn, identity)
    if found is None:
        raise NotFound(f"no user has the identity {identity!r}")
    uid, kept = found
    names = await store.identities_of(conn, uid)
    if before is not None and before.tzinfo is not None:
        before = before.astimezone(dt.UTC).replace(tzinfo=None)  # rows hold naive UTC
    upper = before or dt.datetime(9999, 12, 31)
    events = await store.latest_events(conn, uid, before=upper, limit=limit)
    props = await store.latest_properties(
        conn, uid, before=upper, limit=limit * PROPERTIES_PER_EVENT
    )
    entries: dict[int, TimelineEvent] = {
        eid: TimelineEvent(id=eid, t=t, name=n, properties={}) for eid, t, n in events
    }
    for pid, t, key, value, event_id in props:
        base = event_id if event_id is not None else line_base(pid)
        if event_id is None and base not in entries:
            entries[base] = TimelineEvent(id=base, t=t, name=None, properties={})
        if base in entries:
            entries[base].properties[key] = value
    ordered = sorted(entries.values(), key=lambda e: (e.t, e.id), reverse=True)[:limit]
    return TimelineOut(user_id=uid, name=kept, identities=names, events=ordered)
