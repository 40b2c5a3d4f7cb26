"""Applying a set: only changed files, atomically, all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from config_follower.apply import writer
from config_follower.apply.safe_paths import UnsafePath
from config_follower.apply.writer import ApplyFailed, apply_files


def listing(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_writes_new_files_and_only_rewrites_changed_ones(tmp_path: Path) -> None:
    first = apply_files(tmp_path, [("/a.txt", b"a"), ("/conf/deep/b.json", b"{}")])
    assert first.written == ["/a.txt", "/conf/deep/b.json"] and first.unchanged == 0
    inode = (tmp_path / "a.txt").stat().st_ino
    second = apply_files(tmp_path, [("/a.txt", b"a"), ("/conf/deep/b.json", b'{"x": 1}')])
    assert second.written == ["/conf/deep/b.json"] and second.unchanged == 1
    assert (tmp_path / "a.txt").stat().st_ino == inode  # untouched, not rewritten
    assert listing(tmp_path) == {"a.txt": b"a", "conf/deep/b.json": b'{"x": 1}'}


def test_existing_file_mode_is_kept(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_bytes(b"old")
    os.chmod(tmp_path / "a.env", 0o604)
    apply_files(tmp_path, [("/a.env", b"new")])
    assert (tmp_path / "a.env").stat().st_mode & 0o777 == 0o604


def test_one_unsafe_path_refuses_the_whole_set(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"old")
    with pytest.raises(UnsafePath, match=r"\.\./escape"):
        apply_files(tmp_path, [("/a.txt", b"new"), ("/../escape", b"x")])
    assert listing(tmp_path) == {"a.txt": b"old"}
    assert not (tmp_path.parent / "escape").exists()


def test_a_failing_write_leaves_the_previous_set_intact(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"old-a")
    (tmp_path / "blocked").write_bytes(b"a file where a folder is needed")
    with pytest.raises(ApplyFailed, match="previous files kept"):
        apply_files(
            tmp_path,
            [("/a.txt", b"new-a"), ("/new/c.txt", b"c"), ("/blocked/d.txt", b"d")],
        )
    assert listing(tmp_path) == {"a.txt": b"old-a", "blocked": b"a file where a folder is needed"}
    assert not (tmp_path / "new").exists()


def test_a_folder_where_a_file_should_go_refuses_the_set(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"old-a")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "keep").write_bytes(b"k")
    with pytest.raises(UnsafePath, match="is not a regular file"):
        apply_files(tmp_path, [("/a.txt", b"new-a"), ("/c", b"file over folder")])
    assert listing(tmp_path) == {"a.txt": b"old-a", "c/keep": b"k"}


def test_a_failing_swap_puts_back_the_files_already_swapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: the rename of the second file fails (as on a full or broken disk)."""
    (tmp_path / "a.txt").write_bytes(b"old-a")
    (tmp_path / "b.txt").write_bytes(b"old-b")
    real_replace = os.replace
    swaps: list[str] = []

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == "b.txt" and str(src).endswith(".new"):
            raise OSError(5, "Input/output error", str(dst))
        swaps.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", failing_replace)
    with pytest.raises(ApplyFailed, match="Input/output error"):
        apply_files(tmp_path, [("/a.txt", b"new-a"), ("/b.txt", b"new-b"), ("/n.txt", b"n")])
    assert swaps[0] == "a.txt"  # the first file was swapped, then put back
    assert listing(tmp_path) == {"a.txt": b"old-a", "b.txt": b"old-b"}
