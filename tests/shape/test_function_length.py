"""No function of the services or the kit grows past 60 lines (issue 18: split by what it does)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*ROOT.glob("services/*/src/**/*.py"), *ROOT.glob("libs/meridian-kit/src/**/*.py")]
MAX_LINES = 60


def long_functions(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(root)}:{node.lineno} {node.name} ({lines} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (lines := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_LINES
    ]


def test_the_sources_are_found() -> None:
    assert len(SOURCES) > 200


def test_no_function_is_longer_than_60_lines() -> None:
    found = [entry for path in SOURCES for entry in long_functions(path)]
    assert found == []


def test_a_long_function_is_found(tmp_path: Path) -> None:
    body = "\n".join(f"    x{n} = {n}" for n in range(MAX_LINES))
    (tmp_path / "long.py").write_text(f"def f() -> None:\n{body}\n")
    assert long_functions(tmp_path / "long.py", tmp_path) == ["long.py:1 f (61 lines)"]
