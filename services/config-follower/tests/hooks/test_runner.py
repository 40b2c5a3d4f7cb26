"""Hooks: globs against changed files, one run per hook, argv without a shell."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_follower.follower_config import HookConfig
from config_follower.hooks.runner import matching_files, run_hooks
from pydantic import ValidationError


def hook(match: str | list[str], run: list[str]) -> HookConfig:
    return HookConfig.model_validate({"match": match, "run": run})


def test_globs_match_relative_paths_with_globstar() -> None:
    changed = ["/nginx/nginx.conf", "/nginx/sites/a.conf", "/env/ingest.env", "/.hidden.conf"]
    assert matching_files(hook("nginx/**", ["x"]), changed) == [
        "/nginx/nginx.conf",
        "/nginx/sites/a.conf",
    ]
    assert matching_files(hook("/nginx/*.conf", ["x"]), changed) == ["/nginx/nginx.conf"]
    assert matching_files(hook("**/*.conf", ["x"]), changed) == [
        "/nginx/nginx.conf",
        "/nginx/sites/a.conf",
        "/.hidden.conf",
    ]
    assert matching_files(hook(["env/*.env", "none/*"], ["x"]), changed) == ["/env/ingest.env"]


async def test_only_hooks_with_changed_matching_files_run(tmp_path: Path) -> None:
    hooks = [
        hook("*.conf", ["sh", "-c", 'printf "%s" "$CONFIG_CHANGED_FILES" > conf-hook']),
        hook("*.env", ["sh", "-c", "touch env-hook"]),
        hook("*.txt", ["sh", "-c", "echo failing >&2; exit 3"]),
        hook("*.txt", ["/no/such/program"]),
    ]
    runs = await run_hooks(hooks, ["/a.conf", "/b.conf", "/c.txt"], tmp_path)
    assert [(r.cmd[0], r.rc) for r in runs] == [("sh", 0), ("sh", 3), ("/no/such/program", None)]
    assert (tmp_path / "conf-hook").read_text() == "/a.conf\n/b.conf"
    assert not (tmp_path / "env-hook").exists()
    assert runs[1].error == "failing"
    assert runs[2].error is not None and runs[2].error.startswith("cannot start")


async def test_a_hook_past_its_timeout_is_killed(tmp_path: Path) -> None:
    slow = HookConfig.model_validate({"match": "*", "run": ["sleep", "30"], "timeoutSeconds": 0.2})
    [run] = await run_hooks([slow], ["/x"], tmp_path)
    assert run.rc is not None and run.rc < 0
    assert run.error == "killed after 0.2s"


async def test_removed_files_run_their_hooks_and_are_named_apart(tmp_path: Path) -> None:
    report = 'printf "%s|%s" "$CONFIG_CHANGED_FILES" "$CONFIG_REMOVED_FILES" > conf-hook'
    hooks = [hook("*.conf", ["sh", "-c", report]), hook("*.env", ["sh", "-c", "touch env-hook"])]
    runs = await run_hooks(hooks, ["/a.conf"], tmp_path, removed=["/b.conf"])
    assert [(r.files, r.rc) for r in runs] == [(["/a.conf", "/b.conf"], 0)]
    assert (tmp_path / "conf-hook").read_text() == "/a.conf\n/b.conf|/b.conf"
    assert not (tmp_path / "env-hook").exists()


async def test_named_services_pick_the_hooks_that_name_them(tmp_path: Path) -> None:
    record = ["sh", "-c", 'printf "%s;" "$CONFIG_SERVICES" >> ran']
    hooks = [
        HookConfig.model_validate({"services": ["core", "hfs"], "run": record}),
        HookConfig.model_validate({"services": ["register"], "match": "*.conf", "run": record}),
        hook("*.conf", ["sh", "-c", "printf 'files;' >> ran"]),
    ]
    # services named: the hook naming one runs (no file needed), the other is skipped even
    # though its file changed; the hook without services keeps the file rule
    runs = await run_hooks(hooks, ["/a.conf"], tmp_path, services=["core", "mail"])
    assert len(runs) == 2
    assert (tmp_path / "ran").read_text() == "core;files;"
    # no services named: only the file rule
    (tmp_path / "ran").unlink()
    await run_hooks(hooks, ["/a.conf"], tmp_path)
    assert (tmp_path / "ran").read_text() == ";files;"


def test_a_hook_that_could_never_run_is_refused() -> None:
    with pytest.raises(ValidationError, match="`match` globs or `services`"):
        HookConfig.model_validate({"run": ["true"]})
    assert HookConfig.model_validate({"services": ["core"], "run": ["true"]}).patterns == []
