"""The export generator: deterministic, streamed, and with every quirk of real exports."""

from __future__ import annotations

from collections import Counter

from kmdb.exports.generate import ExportSpec, iter_lines, person, write_export
from kmdb.exports.parse import BadLine, parse_line


def test_same_seed_same_bytes_and_files_independent():
    spec = ExportSpec(files=3, lines_per_file=500, seed=4)
    assert list(iter_lines(spec, 141)) == list(iter_lines(spec, 141))
    assert list(iter_lines(spec, 141)) != list(iter_lines(spec, 142))


def test_every_quirk_is_there(tmp_path):
    spec = ExportSpec(files=3, lines_per_file=20_000, seed=1)
    summaries = write_export(spec, tmp_path)
    assert [s.lines for s in summaries] == [20_000] * 3
    assert (tmp_path / "index.csv").read_text().startswith("filename,min_timestamp")
    reasons: Counter[str] = Counter()
    alias_pairs: Counter[tuple[str, str]] = Counter()
    aliased_to: dict[str, set[str]] = {}
    out_of_order = back_dated = duplicates = octal = numeric_pairs = 0
    for s in summaries:
        raw_lines = (tmp_path / "revisions" / f"{s.revision}.json").read_bytes().split(b"\n")
        last_t, previous = None, None
        for raw in raw_lines[:-1]:
            duplicates += raw == previous and raw != b""
            previous = raw
            octal += b"\\231" in raw or b"\\303" in raw
            try:
                r = parse_line(raw)
            except BadLine as exc:
                reasons[str(exc).split(":")[0]] += 1
                continue
            out_of_order += last_t is not None and r.t < last_t
            back_dated += r.t < s.min_t - 86400
            last_t = r.t
            if r.kind == "alias":
                alias_pairs[(r.person, r.name)] += 1
                numeric_pairs += r.person.isdigit() and r.name.isdigit()
                for a, b in ((r.person, r.name), (r.name, r.person)):
                    aliased_to.setdefault(a, set()).add(b)
        if s.revision == 142:
            assert not raw_lines[-1].endswith(b"}") and raw_lines[-1]  # truncated last line
    assert reasons["blank line"] > 0 and reasons["invalid JSON"] > 0
    assert out_of_order > 100 and back_dated > 0 and duplicates > 0 and octal > 0
    assert numeric_pairs > 0
    assert any(n > 1 for n in alias_pairs.values())  # the same pair repeated
    hub = person(spec, 0)  # every 11th person has three devices
    assert (hub.email and aliased_to.get(hub.email, set()) >= set(hub.anon_ids)) or any(
        len(v) >= 3 for k, v in aliased_to.items() if "@" in k
    )
    invalid_utf8 = sum(
        b"\xff" in line
        for s in summaries
        for line in (tmp_path / "revisions" / f"{s.revision}.json").read_bytes().split(b"\n")
    )
    assert invalid_utf8 > 0


def identities(spec: ExportSpec) -> set[str]:
    """Every _p and _p2 of an export."""
    names: set[str] = set()
    for revision in spec.revisions:
        for raw in iter_lines(spec, revision):
            try:
                r = parse_line(raw.rstrip(b"\n"))
            except BadLine:
                continue
            names |= {r.person, r.name} if r.kind == "alias" else {r.person}
    return names


def test_an_id_offset_shares_no_person_with_the_plain_export():
    plain = ExportSpec(files=2, lines_per_file=3000, seed=2)
    offset = ExportSpec(files=2, lines_per_file=3000, seed=2, id_offset=10**9)
    assert [len(list(iter_lines(offset, r))) for r in offset.revisions] == [3000, 3000]
    ours = identities(offset)
    assert not identities(plain) & ours
    assert any(n.isdigit() and int(n) > 10**9 for n in ours)  # numeric ids stay numeric
