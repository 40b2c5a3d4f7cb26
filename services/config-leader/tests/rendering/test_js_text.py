"""Values written as the original's JSON.stringify writes them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from config_leader.rendering.js_text import YamlTimestamp, js_json, js_number
from config_leader.rendering.substitution import resolve_variables, substitute
from config_leader.settings_store.platform_file import flatten, load_document


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (1500.0, "1500"),
        (-2.5, "-2.5"),
        (0.1, "0.1"),
        (-0.0, "0"),
        (1e21, "1e+21"),
        (1.5e22, "1.5e+22"),
        (1e20, "100000000000000000000"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (1.25e-9, "1.25e-9"),
        (123456.789, "123456.789"),
        (float("nan"), "null"),
        (float("inf"), "null"),
    ],
)
def test_numbers_as_javascript_prints_them(value: float, text: str) -> None:
    assert js_number(value) == text


def test_objects_and_lists_are_compact_and_big_integers_exact() -> None:
    value = {"tokens": ["adminToken", "personalToken"], "n": 2**64 + 1, "r": 1.0, "é": None}
    assert js_json(value) == (
        '{"tokens":["adminToken","personalToken"],"n":18446744073709551617,"r":1,"é":null}'
    )


def test_integer_like_keys_come_first_as_in_a_javascript_object() -> None:
    value = {"b": 1, "10": 2, "a": 3, "2": 4, "007": 5, "-1": 6}
    assert js_json(value) == '{"2":4,"10":2,"b":1,"a":3,"007":5,"-1":6}'


def test_yaml_numbers_and_dates_render_as_the_original(tmp_path: Path) -> None:
    platform = tmp_path / "platform.yml"
    platform.write_text(
        "vars:\n  ONE: 1.0\n  BIG: 1.5e3\n  DAY: 2020-03-09\n"
        "  AT: 2020-03-09 10:20:30.5\n  LIST: [a, 1.0]\n"
    )
    variables = flatten(load_document(platform))
    assert isinstance(variables["DAY"], YamlTimestamp)
    resolved, errors = resolve_variables(variables)
    assert errors == []
    text = substitute("ONE BIG DAY AT LIST", resolved)
    assert text == ('1 1500 "2020-03-09T00:00:00.000Z" "2020-03-09T10:20:30.500Z" ["a",1]')


def test_a_timestamp_with_an_offset_is_written_in_utc() -> None:
    moment = dt.datetime(2020, 3, 9, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert YamlTimestamp.of(moment) == "2020-03-08T23:00:00.000Z"
