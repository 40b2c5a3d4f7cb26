"""Planning settings migrations: version order, chains, and what a chain changes."""

from __future__ import annotations

import re

import pytest
from config_leader.migrations.plan import (
    MigrationStep,
    MigrationsUnavailable,
    Template,
    migrated,
    pending,
    version_key,
)


def step(versions_from: list[str], version_to: str, **changes: object) -> MigrationStep:
    return MigrationStep.model_validate(
        {"versionsFrom": versions_from, "versionTo": version_to, **changes}
    )


def template(version: str, *steps: MigrationStep, **values: object) -> Template:
    return Template({"TEMPLATE_VERSION": version, **values}, {}, list(steps))


def test_versions_order_by_number_not_text() -> None:
    assert version_key("1.10.0") > version_key("1.9.3")
    with pytest.raises(MigrationsUnavailable):
        version_key("1.x")


def test_steps_chain_from_the_platform_version_up_to_the_target_only() -> None:
    one, two, three = step(["1.0"], "1.1"), step(["1.1", "1.1.1"], "1.2"), step(["1.2"], "1.3")
    assert pending({"TEMPLATE_VERSION": "1.1.1"}, template("1.2", one, two, three)) == [two]
    assert pending({"TEMPLATE_VERSION": "1.0"}, template("1.3", one, two, three)) == [
        one,
        two,
        three,
    ]
    assert pending({"TEMPLATE_VERSION": "1.3"}, template("1.2", one, two)) == []  # newer platform


def test_no_chain_or_no_version_is_refused() -> None:
    with pytest.raises(MigrationsUnavailable, match=re.escape("no migration path from 0.9 to 1.2")):
        pending({"TEMPLATE_VERSION": "0.9"}, template("1.2", step(["1.0"], "1.2")))
    with pytest.raises(
        MigrationsUnavailable, match=re.escape("platform.yml has no TEMPLATE_VERSION")
    ):
        pending({}, template("1.2"))


def test_a_chain_renames_removes_sets_and_adds_the_template_defaults() -> None:
    steps = [
        step(["1.0"], "1.1", rename={"OLD": "NEW"}, remove=["GONE"]),
        step(["1.1"], "1.2", set={"NEW": "overwritten", "EXTRA": 2}),
    ]
    platform = {"TEMPLATE_VERSION": "1.0", "OLD": "kept", "GONE": 1, "MINE": "x"}
    changes, removed, groups = migrated(
        platform, template("1.2", *steps, MINE="default", ADDED=True), steps, {"OLD": "G"}
    )
    assert changes == {"TEMPLATE_VERSION": "1.2", "NEW": "overwritten", "EXTRA": 2, "ADDED": True}
    assert sorted(removed) == ["GONE", "OLD"]
    assert groups == {"NEW": "G"}  # a renamed variable keeps its group
