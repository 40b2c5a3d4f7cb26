"""The substitution rule: JSON typing, recursion, cycles, whole-identifier matching."""

from __future__ import annotations

import json

import pytest
from config_leader.rendering.substitution import resolve_variables, substitute, substitute_json


def render(text: str, variables: dict, *, json_file: bool = False) -> str:
    resolved, errors = resolve_variables(variables)
    assert errors == []
    return substitute_json(text, resolved) if json_file else substitute(text, resolved)


def test_string_in_quotes_and_object_bare_give_json_types() -> None:
    variables = {"DOMAIN": "example.com", "PORT": 8443, "TLS": True, "OPTS": {"a": [1, None]}}
    text = '{"domain": "DOMAIN", "port": PORT, "tls": TLS, "opts": OPTS}'
    assert json.loads(render(text, variables, json_file=True)) == {
        "domain": "example.com",
        "port": 8443,
        "tls": True,
        "opts": {"a": [1, None]},
    }


def test_string_values_are_json_escaped_in_json_files_only() -> None:
    variables = {"MOTD": 'say "hi"\\\nbye'}
    assert json.loads(render('{"m": "MOTD"}', variables, json_file=True)) == {
        "m": 'say "hi"\\\nbye'
    }
    assert render("motd=MOTD", variables) == 'motd=say "hi"\\\nbye'


def test_lookalike_names_are_left_alone() -> None:
    variables = {"DOMAIN": "example.com"}
    text = "DOMAIN MY_DOMAIN_X DOMAINS _DOMAIN 9DOMAIN DOMAIN9 api.DOMAIN $DOMAIN (DOMAIN)"
    assert render(text, variables) == (
        "example.com MY_DOMAIN_X DOMAINS _DOMAIN 9DOMAIN DOMAIN9 api.example.com $example.com "
        "(example.com)"
    )


def test_names_that_are_not_variables_are_kept() -> None:
    assert render("UNKNOWN stays", {"DOMAIN": "x"}) == "UNKNOWN stays"


def test_values_are_resolved_recursively() -> None:
    variables = {
        "URL": "https://HOST:PORT/api",
        "HOST": "api.DOMAIN",
        "DOMAIN": "example.com",
        "PORT": 8443,
        "ENDPOINTS": {"main": "URL", "list": ["HOST", "x-DOMAIN"]},
    }
    assert render("URL", variables) == "https://api.example.com:8443/api"
    assert json.loads(render("ENDPOINTS", variables)) == {
        "main": "https://api.example.com:8443/api",
        "list": ["api.example.com", "x-example.com"],
    }


def test_a_string_that_is_one_name_is_an_alias_keeping_the_type() -> None:
    variables = {"LIMITS": {"rps": 10}, "GATEWAY_LIMITS": "LIMITS", "N": 3, "COUNT": "N"}
    assert json.loads(render('{"l": GATEWAY_LIMITS, "c": COUNT}', variables)) == {
        "l": {"rps": 10},
        "c": 3,
    }


def test_substituted_text_is_not_scanned_again() -> None:
    resolved, _ = resolve_variables({"A": "B", "B": "x"})
    assert substitute("A", {"A": "B-literal", "B": "x"}) == "B-literal"
    assert resolved == {"A": "x", "B": "x"}


@pytest.mark.parametrize(
    ("variables", "cycle"),
    [
        ({"A": "A"}, "A -> A"),
        ({"A": "x-B", "B": "y-A"}, "A -> B -> A"),
        ({"A": {"k": ["B"]}, "B": "C", "C": "pre A post"}, "A -> B -> C -> A"),
    ],
)
def test_a_cycle_is_an_error_naming_it(variables: dict, cycle: str) -> None:
    _, errors = resolve_variables(variables)
    assert errors == [f"variable cycle: {cycle}"]


def test_every_cycle_is_reported_once_and_the_rest_resolves() -> None:
    resolved, errors = resolve_variables(
        {"A": "B", "B": "A", "C": "D", "D": "C", "OK": "fine", "USES": "OK!"}
    )
    assert sorted(errors) == ["variable cycle: A -> B -> A", "variable cycle: C -> D -> C"]
    assert resolved["USES"] == "fine!"
