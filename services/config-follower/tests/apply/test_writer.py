"""Applying a set: only changed files, atomically, all or nothing."""

from __future__ import annotations

import os
import stat
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


def test_files_the_set_no_longer_has_are_removed_and_nothing_else(tmp_path: Path) -> None:
    apply_files(tmp_path, [("/keep.txt", b"k"), ("/old/gone.txt", b"g"), ("/gone.env", b"e")])
    (tmp_path / "operator.txt").write_bytes(b"written by someone else")
    result = apply_files(
        tmp_path,
        [("/keep.txt", b"k"), ("/new.txt", b"n")],
        previous=["/keep.txt", "/old/gone.txt", "/gone.env"],
    )
    assert result.removed == ["/gone.env", "/old/gone.txt"]
    assert result.written == ["/new.txt"] and result.unchanged == 1
    assert listing(tmp_path) == {
        "keep.txt": b"k",
        "new.txt": b"n",
        "operator.txt": b"written by someone else",
    }
    assert (tmp_path / "old").is_dir()  # folders stay


def test_removal_skips_what_is_gone_a_link_or_a_path_out_of_the_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not ours")
    (data / "link.txt").symlink_to(outside)
    (data / "folder").mkdir()
    result = apply_files(
        data,
        [("/a.txt", b"a")],
        previous=["/missing.txt", "/link.txt", "/../outside.txt", "/folder"],
    )
    assert result.removed == []
    assert outside.read_bytes() == b"not ours"
    assert (data / "link.txt").is_symlink() and (data / "folder").is_dir()


def test_a_failing_apply_puts_removed_files_back(tmp_path: Path) -> None:
    (tmp_path / "gone.txt").write_bytes(b"old-gone")
    (tmp_path / "blocked").write_bytes(b"a file where a folder is needed")
    with pytest.raises(ApplyFailed, match="previous files kept"):
        apply_files(tmp_path, [("/blocked/d.txt", b"d")], previous=["/gone.txt"])
    assert listing(tmp_path) == {
        "gone.txt": b"old-gone",
        "blocked": b"a file where a folder is needed",
    }


def test_a_file_the_set_now_uses_as_a_folder_is_replaced(tmp_path: Path) -> None:
    apply_files(tmp_path, [("/conf", b"was a file")])
    result = apply_files(tmp_path, [("/conf/app.json", b"{}")], previous=["/conf"])
    assert result.removed == ["/conf"] and result.written == ["/conf/app.json"]
    assert listing(tmp_path) == {"conf/app.json": b"{}"}


def test_keys_and_secret_folders_are_written_for_the_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "nginx" / "conf" / "secret").mkdir(parents=True)
    loose = data / "nginx" / "conf" / "secret" / "a.crt"
    loose.write_bytes(b"cert")
    loose.chmod(0o644)
    files = [
        ("/nginx/conf/secret/a.crt", b"cert"),
        ("/nginx/conf/secret/example.com-key.pem", b"key"),
        ("/tls/server.key", b"key2"),
        ("/conf/app.json", b"{}"),
    ]
    apply_files(data, files)
    modes = {path: stat.S_IMODE((data / path.lstrip("/")).stat().st_mode) for path, _ in files}
    assert modes == {
        "/nginx/conf/secret/a.crt": 0o600,  # unchanged bytes, mode tightened
        "/nginx/conf/secret/example.com-key.pem": 0o600,
        "/tls/server.key": 0o600,
        "/conf/app.json": 0o640,
    }
