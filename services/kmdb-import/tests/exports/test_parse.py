"""Parsing export lines: octal escapes become bytes, UTF-8 is decoded with replacement, no eval."""

from __future__ import annotations

import pytest
from kmdb.exports.parse import BadLine, parse_line, property_value


def test_dispatch_event_alias_property_set():
    assert parse_line(b'{"_p":"a","_t":1,"_n":"Signed Up","plan":"gold"}').kind == "event"
    alias = parse_line(b'{"_p":"a","_t":1,"_p2":"a@example.com"}')
    assert (alias.kind, alias.name) == ("alias", "a@example.com")
    props = parse_line(b'{"_p":"a","_t":1,"sku":"123"}')
    assert (props.kind, props.properties) == ("property", {"sku": "123"})


def test_octal_escape_becomes_a_byte_then_replacement():
    record = parse_line(b'{"_p":"a","_t":1,"_n":"x","name":"Frigidman\\231"}')
    assert record.properties["name"] == "Frigidman\ufffd"


def test_octal_escapes_of_utf8_decode_to_the_character():
    record = parse_line(b'{"_p":"Z\\303\\274rich","_t":1,"_n":"x"}')
    assert record.person == "Zürich"


def test_octal_quote_and_backslash_stay_inside_the_string():
    record = parse_line(b'{"_p":"a","_t":1,"q":"say \\042hi\\042 \\134"}')
    assert record.properties["q"] == 'say "hi" \\'


def test_escaped_backslash_is_not_an_octal_escape():
    record = parse_line(b'{"_p":"a","_t":1,"path":"C:\\\\231"}')
    assert record.properties["path"] == "C:\\231"


def test_invalid_utf8_bytes_are_replaced():
    record = parse_line(b'{"_p":"caf\xe9","_t":1,"_n":"x\xff"}')
    assert (record.person, record.name) == ("caf\ufffd", "x\ufffd")


def test_lone_surrogate_escape_is_replaced():
    record = parse_line(b'{"_p":"a","_t":1,"v":"\\ud800"}')
    assert "\ud800" not in record.properties["v"]
    assert record.properties["v"].encode()  # valid UTF-8 now


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"", "blank line"),
        (b"   \r", "blank line"),
        (b'{"_p":"a","_t":14000', "invalid JSON"),
        (b"__import__('os').system('touch /tmp/pwned')", "invalid JSON"),
        (b'["_p", "a"]', "not a JSON object"),
        (b'{"_t":1,"_n":"x"}', "missing or non-string _p"),
        (b'{"_p":"","_t":1,"_n":"x"}', "empty _p"),
        (b'{"_p":"a","_n":"x"}', "missing or non-integer _t"),
        (b'{"_p":"a","_t":"soon","_n":"x"}', "missing or non-integer _t"),
        (b'{"_p":"a","_t":99999999999999,"_n":"x"}', "out of range"),
        (b'{"_p":"a","_t":1,"_n":""}', "empty or non-string _n"),
    ],
)
def test_bad_lines_say_why(raw, reason):
    with pytest.raises(BadLine, match=reason):
        parse_line(raw)


def test_lenient_types():
    record = parse_line(
        b'{"_p":12345,"_t":"1400000000","_n":"x","n":3,"f":1.5,"b":true,"z":null,"o":{"a":1}}'
    )
    assert (record.person, record.t) == ("12345", 1_400_000_000)
    values = {k: property_value(v) for k, v in record.properties.items()}
    assert values == {"n": "3", "f": "1.5", "b": "true", "z": None, "o": '{"a":1}'}
