"""platform.yml: flat and grouped vars, edits keeping comments and layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_leader.settings_store.platform_file import (
    PlatformError,
    dump_document,
    flatten,
    load_document,
    remove_values,
    set_values,
)

GROUPED = """\
# Platform settings
vars:
  MACHINES:
    name: Machines and platform settings
    settings:
      DOMAIN:
        value: example.com  # the public domain
        description: Domain of the platform
      PORT:
        value: 8443
        description: HTTPS port
  EXTRA: flat-value
"""


def test_flat_and_grouped_vars_are_flattened(tmp_path: Path) -> None:
    path = tmp_path / "platform.yml"
    path.write_text(GROUPED)
    assert flatten(load_document(path)) == {
        "DOMAIN": "example.com",
        "PORT": 8443,
        "EXTRA": "flat-value",
    }


def test_edits_keep_comments_groups_and_add_new_names_flat(tmp_path: Path) -> None:
    path = tmp_path / "platform.yml"
    path.write_text(GROUPED)
    document = load_document(path)
    set_values(document, {"DOMAIN": "example.org", "EXTRA": [1, 2], "NEW": {"a": True}})
    remove_values(document, ["PORT"])
    text = dump_document(document).decode()
    assert "# Platform settings" in text
    assert "value: example.org  # the public domain" in text
    assert "description: Domain of the platform" in text
    path.write_text(text)
    assert flatten(load_document(path)) == {
        "DOMAIN": "example.org",
        "EXTRA": [1, 2],
        "NEW": {"a": True},
    }


def test_missing_file_is_empty_and_bad_files_name_the_problem(tmp_path: Path) -> None:
    assert flatten(load_document(tmp_path / "absent.yml")) == {}
    bad = tmp_path / "bad.yml"
    bad.write_text("vars: [1, 2]\n")
    with pytest.raises(PlatformError, match="`vars:` must be a mapping"):
        load_document(bad)
    bad.write_text("vars:\n  G:\n    settings:\n      A: {value: 1}\n  A: 2\n")
    with pytest.raises(PlatformError, match="A is defined twice"):
        load_document(bad)
    bad.write_text("vars:\n  not-a-name: 1\n")
    with pytest.raises(PlatformError, match=r"'not-a-name' .* not a valid variable name"):
        load_document(bad)
    bad.write_text("vars: {a: [}\n")
    with pytest.raises(PlatformError, match=r"bad\.yml"):
        load_document(bad)
