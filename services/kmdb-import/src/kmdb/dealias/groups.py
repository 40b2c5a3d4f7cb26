"""Which users a batch's alias pairs join: union-find over users, no database."""

from __future__ import annotations

from kmdb.dealias.ids import name_id


def merged_users(person: dict[str, int], pairs: list[tuple[str, str]]) -> list[list[int]]:
    """The groups of users the alias pairs join (each of two users or more)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:
            nxt = parent.get(x, x)
            parent[x] = root
            x = nxt
        return root

    # A name without an identity yet is its own new user (create_identities gives it that id).
    of = {n: person[n] if n in person else name_id(n) for pair in pairs for n in pair}
    for a, b in pairs:
        ra, rb = find(of[a]), find(of[b])
        if ra != rb:
            parent[ra] = rb
    components: dict[int, list[int]] = {}
    for uid in set(of.values()):
        components.setdefault(find(uid), []).append(uid)
    return [sorted(members) for members in components.values() if len(members) > 1]


def existing_merged(person: dict[str, int], pairs: list[tuple[str, str]]) -> list[int]:
    """The users (with an identity already) that the pairs merge with another."""
    existing = set(person.values())
    return sorted(u for group in merged_users(person, pairs) for u in group if u in existing)
