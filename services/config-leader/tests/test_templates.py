"""Rendering a role folder: any depth, any file type, parser checks, links, caching."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from config_leader.rendering.service import RenderFailed, RoleRenderer, check_all_roles
from config_leader.rendering.templates import render_templates
from meridian_kit.errors import NotFound


@pytest.fixture
def data(tmp_path: Path) -> Path:
    (tmp_path / "data" / "web" / "conf" / "deep").mkdir(parents=True)
    return tmp_path / "data"


def test_every_file_any_depth_is_rendered_with_its_relative_path(data: Path) -> None:
    (data / "web" / "conf" / "deep" / "app.yml").write_text("domain: DOMAIN\nport: PORT\n")
    (data / "web" / "nginx.conf").write_text("server_name DOMAIN;\n")
    (data / "web" / "logo.bin").write_bytes(b"\xff\xfeDOMAIN\x00")
    files, errors = render_templates(data, "web", {"DOMAIN": "example.com", "PORT": 80})
    assert errors == []
    by_path = {f.path: f for f in files}
    assert sorted(by_path) == ["/conf/deep/app.yml", "/logo.bin", "/nginx.conf"]
    assert by_path["/conf/deep/app.yml"].content == "domain: example.com\nport: 80\n"
    assert by_path["/nginx.conf"].content == "server_name example.com;\n"
    binary = by_path["/logo.bin"]
    assert binary.encoding == "base64"
    assert base64.b64decode(binary.content) == b"\xff\xfeDOMAIN\x00"


def test_invalid_json_and_yaml_after_rendering_name_the_file_and_parser_message(
    data: Path,
) -> None:
    (data / "web" / "conf" / "app.json").write_text('{"port": PORT}')
    (data / "web" / "conf" / "app.yaml").write_text("key: VALUE\n")
    (data / "web" / "conf" / "fine.txt").write_text("{{{ PORT")
    _, errors = render_templates(data, "web", {"PORT": "not a number", "VALUE": "[unclosed"})
    assert len(errors) == 2
    assert errors[0].startswith("/web/conf/app.json: invalid after rendering: Expecting")
    assert errors[1].startswith("/web/conf/app.yaml: invalid after rendering: ")
    assert "flow sequence" in errors[1]


def test_a_link_leading_out_of_data_folder_is_refused(data: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("private")
    os.symlink(secret, data / "web" / "conf" / "leak.txt")
    _, errors = render_templates(data, "web", {})
    assert errors == ["/web/conf/leak.txt: a link leading out of dataFolder is refused"]


def test_a_link_inside_data_folder_is_read(data: Path) -> None:
    (data / "shared.txt").write_text("hello DOMAIN")
    os.symlink(data / "shared.txt", data / "web" / "shared.txt")
    files, errors = render_templates(data, "web", {"DOMAIN": "d"})
    assert errors == []
    assert [(f.path, f.content) for f in files] == [("/shared.txt", "hello d")]


def test_renderer_404_for_a_missing_role_folder_and_500_listing_errors(data: Path) -> None:
    renderer = RoleRenderer(data)
    with pytest.raises(NotFound, match="Configuration folder not found for 'api'"):
        renderer.render("api", {})
    (data / "web" / "x.json").write_text("A")
    with pytest.raises(RenderFailed) as failed:
        renderer.render("web", {"A": "B", "B": "A"})
    assert failed.value.detail == ["variable cycle: A -> B -> A"]


def test_renderer_rerenders_when_a_template_or_variable_changes(data: Path) -> None:
    template = data / "web" / "x.txt"
    template.write_text("v=A")
    renderer = RoleRenderer(data)
    assert renderer.render("web", {"A": 1})[0].content == "v=1"
    assert renderer.render("web", {"A": 2})[0].content == "v=2"
    template.write_text("value=A")
    assert renderer.render("web", {"A": 2})[0].content == "value=2"


def test_check_all_roles_lists_every_error_of_every_role(data: Path) -> None:
    (data / "api").mkdir()
    (data / "api" / "a.json").write_text("X")
    (data / "web" / "b.yml").write_text("k: X")
    (data / "web" / "c.json").write_text("Y")
    errors = check_all_roles(data_folder=data, variables={"X": "[", "Y": "Y2", "Y2": "Y"})
    assert errors[0] == "variable cycle: Y -> Y2 -> Y"
    assert [e.split(":")[0] for e in errors[1:]] == ["/api/a.json", "/web/b.yml", "/web/c.json"]
