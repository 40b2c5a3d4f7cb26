"""file:// sources through the API: only inside KMDB_API_FILE_SOURCES, no `..` or symlink escape."""

from __future__ import annotations

import os

T0 = 1_400_000_000


def write_export(root, revision=140):
    """A one-event revision file under root/revisions/."""
    path = root / "revisions" / f"{revision}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'{"_p": "amy", "_t": %d, "_n": "Visited Site"}\n' % T0)
    return root


async def test_file_sources_refused_when_no_folder_is_allowed(api_client, tmp_path):
    folder = write_export(tmp_path / "export")
    async with api_client(api_file_sources="") as client:
        refused = await client.post("/imports", json={"source": f"file://{folder}"})
    assert refused.status_code == 400
    body = refused.json()
    assert "KMDB_API_FILE_SOURCES" in body["error"] and body["detail"]["field"] == "source"
    assert body["detail"]["allowed"] == []


async def test_file_source_inside_an_allowed_folder_is_imported(
    api_client, tmp_path, kit, settings
):
    allowed, other = tmp_path / "allowed", tmp_path / "other"
    folder = write_export(allowed / "export")
    roots = f"{other}{os.pathsep}{allowed}"
    async with api_client(api_file_sources=roots) as client:
        started = await client.post("/imports", json={"source": f"file://{folder}/"})
        assert started.status_code == 202, started.text
        assert started.json()["enqueued"] == [140]
        assert started.json()["source"] == folder.resolve().as_uri()
        assert await kit.work(settings) == 0
        assert (await client.get("/files/140")).json()["events"] == 1


async def test_escapes_from_the_allowed_folder_are_refused(api_client, tmp_path):
    allowed, outside = tmp_path / "allowed", write_export(tmp_path / "outside")
    (allowed / "inner").mkdir(parents=True)
    (allowed / "link").symlink_to(outside, target_is_directory=True)
    write_export(allowed / "files-linked")
    linked_file = allowed / "files-linked" / "revisions" / "141.json"
    linked_file.symlink_to(outside / "revisions" / "140.json")
    (allowed / "dir-linked").mkdir()
    (allowed / "dir-linked" / "revisions").symlink_to(outside / "revisions")
    sources = {
        "outside": f"file://{outside}",
        "dot-dot": f"file://{allowed}/inner/../../outside",
        "symlinked folder": f"file://{allowed}/link",
        "symlinked file": f"file://{allowed}/files-linked",
        "symlinked revisions": f"file://{allowed}/dir-linked",
    }
    async with api_client(api_file_sources=str(allowed)) as client:
        for case, url in sources.items():
            refused = await client.post("/imports", json={"source": url, "min_revision": 140})
            assert refused.status_code == 400, (case, refused.text)
            body = refused.json()
            assert "KMDB_API_FILE_SOURCES" in body["error"], case
            assert body["detail"] == {"field": "source", "allowed": [str(allowed.resolve())]}
        # files-linked's 140.json is fine, but its 141 escapes: the import started nothing
        assert (await client.get("/files/140")).status_code == 404
        assert (await client.get("/files", params={"limit": 10})).json() == []


async def test_the_cli_reads_any_folder(tmp_path, conn, arq, kit, settings):
    folder = write_export(tmp_path / "anywhere")
    started = await kit.enqueue(conn, arq, settings, f"file://{folder}")
    assert started.enqueued == [140]
