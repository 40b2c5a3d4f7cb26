"""platform.yml: `vars:` flat or grouped, read as one flat mapping, edited keeping its layout.

Grouped layout: `vars: {GROUP: {name, settings: {KEY: {value, description}}}}`; a top-level
entry is a group when it is a mapping holding a `settings` mapping. Flat and grouped entries
may be mixed. Edits keep comments, order and each variable's place; a new variable is added
flat at the end of `vars`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from meridian_kit.errors import ServiceError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from config_leader.rendering.js_text import YamlTimestamp
from config_leader.rendering.substitution import is_variable_name


class PlatformError(ServiceError):
    """platform.yml cannot be read or does not have the expected shape (a 500 naming why)."""

    status_code = 500


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def to_plain(value: Any) -> Any:
    """A YAML value as plain JSON-able Python (dates become ISO strings)."""
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, YamlTimestamp):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return YamlTimestamp.of(value)  # as the original's Date: 2020-03-09T00:00:00.000Z
    return str(value)


def is_group(entry: Any) -> bool:
    """True for a grouped entry: a mapping with a `settings` mapping."""
    return isinstance(entry, Mapping) and isinstance(entry.get("settings"), Mapping)


def _setting_value(setting: Any) -> Any:
    if isinstance(setting, Mapping) and "value" in setting:
        return setting["value"]
    return setting


def load_document(path: Path) -> Any:
    """The parsed platform.yml (comments kept); a missing file is an empty `vars:`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = "vars: {}\n"
    except OSError as exc:
        raise PlatformError(f"{path}: {exc.strerror}") from None
    try:
        document = _yaml().load(text)
    except YAMLError as exc:
        raise PlatformError(f"{path}: {' '.join(str(exc).split())}") from None
    if document is None:
        document = _yaml().load("vars: {}\n")
    if not isinstance(document, dict):
        raise PlatformError(f"{path}: must be a mapping with a `vars:` key")
    if document.get("vars") is None:
        document["vars"] = {}
    if not isinstance(document["vars"], Mapping):
        raise PlatformError(f"{path}: `vars:` must be a mapping")
    flatten(document, path)
    return document


def flatten(document: Any, path: Path | str = "platform.yml") -> dict[str, Any]:
    """Every variable of the document, groups flattened, as plain values."""
    out: dict[str, Any] = {}
    where: dict[str, str] = {}
    for key, entry in document["vars"].items():
        items = entry["settings"].items() if is_group(entry) else [(key, entry)]
        for name, setting in items:
            name = str(name)
            place = f"group {key}" if is_group(entry) else "vars"
            if not is_variable_name(name):
                raise PlatformError(f"{path}: {name!r} ({place}) is not a valid variable name")
            if name in out:
                raise PlatformError(f"{path}: {name} is defined twice ({where[name]}, {place})")
            where[name] = place
            out[name] = to_plain(_setting_value(setting) if is_group(entry) else setting)
    return out


def _locate(document: Any, name: str) -> tuple[Any, str] | None:
    """The mapping holding `name`'s value and the key of the value in it."""
    variables = document["vars"]
    for entry in variables.values():
        if is_group(entry) and name in entry["settings"]:
            setting = entry["settings"][name]
            if isinstance(setting, Mapping) and "value" in setting:
                return setting, "value"
            return entry["settings"], name
    if name in variables and not is_group(variables[name]):
        return variables, name
    return None


def set_values(
    document: Any, values: Mapping[str, Any], groups: Mapping[str, str] | None = None
) -> None:
    """Sets each variable where it is defined; a new one is added to the group it came in
    (created if needed), else flat."""
    for name, value in values.items():
        place = _locate(document, name)
        group = (groups or {}).get(name)
        if place is not None:
            place[0][place[1]] = value
        elif group is None or (group in document["vars"] and not is_group(document["vars"][group])):
            document["vars"][name] = value
        else:
            entry = document["vars"].setdefault(group, {"name": group, "settings": {}})
            entry["settings"][name] = {"value": value}


def remove_values(document: Any, names: list[str]) -> None:
    """Removes variables (a grouped one leaves its group)."""
    variables = document["vars"]
    for name in names:
        for entry in variables.values():
            if is_group(entry) and name in entry["settings"]:
                del entry["settings"][name]
        if name in variables and not is_group(variables[name]):
            del variables[name]


def dump_document(document: Any) -> bytes:
    """The document as YAML text, comments kept."""
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue().encode("utf-8")


def grouped_view(document: Any) -> dict[str, Any] | None:
    """`vars` as the file holds it (groups with names and descriptions), None for a flat file."""
    if not any(is_group(v) for v in document["vars"].values()):
        return None
    return {str(k): to_plain(v) for k, v in document["vars"].items()}


def flatten_body(body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A PUT body, flat `{VAR: value}` or grouped `{GROUP: {settings: {VAR: {value}}}}`, made
    flat; also which group each grouped variable came in (descriptions are not changed)."""
    values: dict[str, Any] = {}
    groups: dict[str, str] = {}
    for key, entry in body.items():
        if not is_group(entry):
            values[key] = entry
            continue
        for name, setting in entry["settings"].items():
            values[str(name)] = _setting_value(setting)
            groups[str(name)] = str(key)
    return values, groups
