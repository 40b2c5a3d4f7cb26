"""Substituting platform variables into template text.

The rule (also in services/config-leader/README.md):

* A variable name is an *identifier*: ASCII letters, digits and `_`, not starting with a digit.
* In a template, a name is replaced only where it stands as a whole identifier: the character
  just before it and the one just after it are not letters, digits or `_`. With `DOMAIN`
  defined, `https://DOMAIN/`, `"DOMAIN"`, `api.DOMAIN` and `$DOMAIN` are replaced, while
  `MY_DOMAIN_X`, `DOMAINS`, `_DOMAIN` and `9DOMAIN` are left alone. Names that are not
  variables are left as they are.
* A string value is inserted as its text; any other value (number, boolean, null, list,
  mapping, YAML timestamp) is inserted as the original's `JSON.stringify` wrote it (compact,
  `1.0` → `1`; see js_text.py). So in a JSON template `"VAR"` yields a JSON string and a
  bare `VAR` yields the JSON value (`8080`, `true`, `{"a":1}`). In `.json` templates a string
  value used *inside a string literal* of the template is also JSON-escaped (quotes,
  backslashes, newlines), so `"VAR"` stays a valid string whatever the value holds; used bare
  it is inserted as its text, as the original does (a string holding JSON becomes that JSON).
* Values may use other names, resolved recursively before substitution, with the same rule
  inside every string of the value (mapping keys are not substituted). A string value that is
  exactly one name is an alias: it takes that variable's value, type included. A cycle
  (`A` uses `B`, `B` uses `A`) is an error naming it: `A -> B -> A`.
* Substituted text is not scanned again, so a value that happens to contain a name after
  resolution is never substituted twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from config_leader.rendering.js_text import YamlTimestamp, js_json

IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*")
# In a JSON template: a string literal (its names are escaped when replaced) or a bare name.
JSON_STRING_OR_NAME = re.compile(r'"(?:[^"\\\n]|\\.)*"|' + IDENTIFIER.pattern)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class CycleError(Exception):
    """Variables that use each other in a loop."""

    def __init__(self, cycle: list[str]):
        super().__init__("variable cycle: " + " -> ".join(cycle))
        self.cycle = cycle


def is_variable_name(name: str) -> bool:
    """True for a valid variable name (an identifier)."""
    return NAME.fullmatch(name) is not None


def value_text(value: Any, *, json_string: bool = False) -> str:
    """The text a value is replaced by: strings as they are, anything else as JSON.stringify."""
    if isinstance(value, str) and not isinstance(value, YamlTimestamp):
        return json.dumps(value, ensure_ascii=False)[1:-1] if json_string else value
    text = js_json(value)
    return json.dumps(text, ensure_ascii=False)[1:-1] if json_string else text


def substitute(text: str, values: Mapping[str, Any], *, json_string: bool = False) -> str:
    """Replaces every whole-identifier occurrence of a name in `values` by its value's text."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(0)
        if name not in values:
            return name
        return value_text(values[name], json_string=json_string)

    return IDENTIFIER.sub(replace, text)


def substitute_json(text: str, values: Mapping[str, Any]) -> str:
    """substitute() for a JSON template: escaped inside its string literals, as text outside."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith('"'):
            return substitute(token, values, json_string=True)
        return value_text(values[token]) if token in values else token

    return JSON_STRING_OR_NAME.sub(replace, text)


class _Resolver:
    """Resolves names inside variable values depth-first, memoised, detecting cycles."""

    def __init__(self, variables: Mapping[str, Any]):
        self.variables = variables
        self.resolved: dict[str, Any] = {}
        self.stack: list[str] = []

    def name(self, name: str) -> Any:
        if name in self.resolved:
            return self.resolved[name]
        if name in self.stack:
            raise CycleError([*self.stack[self.stack.index(name) :], name])
        self.stack.append(name)
        try:
            value = self.value(self.variables[name])
        finally:
            self.stack.pop()
        self.resolved[name] = value
        return value

    def value(self, value: Any) -> Any:
        if isinstance(value, YamlTimestamp):
            return value
        if isinstance(value, str):
            if value in self.variables and is_variable_name(value):
                return self.name(value)
            return IDENTIFIER.sub(self._replace, value)
        if isinstance(value, Mapping):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value

    def _replace(self, match: re.Match[str]) -> str:
        name = match.group(0)
        if name not in self.variables:
            return name
        return value_text(self.name(name))


def resolve_variables(variables: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Resolves names inside values; returns the resolved values and one message per cycle."""
    resolver = _Resolver(variables)
    errors: list[str] = []
    seen_cycles: set[frozenset[str]] = set()
    for name in variables:
        try:
            resolver.name(name)
        except CycleError as cycle:
            key = frozenset(cycle.cycle)
            if key not in seen_cycles:
                seen_cycles.add(key)
                errors.append(str(cycle))
            resolver.stack.clear()
    return resolver.resolved, errors
