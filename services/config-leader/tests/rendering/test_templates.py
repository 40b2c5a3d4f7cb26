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


def test_invalid_json_is_an_error_and_invalid_yaml_is_served_with_a_warning(
    data: Path,
) -> None:
    (data / "web" / "conf" / "app.json").write_text('{"port": "PORT", "x": {{}')
    (data / "web" / "conf" / "app.yaml").write_text("key: VALUE\n")
    (data / "web" / "conf" / "fine.txt").write_text("{{{ PORT")
    files, errors = render_templates(data, "web", {"PORT": "not a number", "VALUE": "[unclosed"})
    assert len(errors) == 1
    assert errors[0].startswith("/web/conf/app.json: invalid after rendering: Expecting")
    by_path = {f.path: f for f in files}
    assert sorted(by_path) == ["/conf/app.yaml", "/conf/fine.txt"]
    yaml_file = by_path["/conf/app.yaml"]
    assert yaml_file.content == "key: [unclosed\n"
    assert yaml_file.warning is not None
    assert yaml_file.warning.startswith("/web/conf/app.yaml: served, but not valid YAML")
    assert "flow sequence" in yaml_file.warning
    assert by_path["/conf/fine.txt"].warning is None


def test_a_string_holding_json_used_bare_in_a_json_file_is_inserted_as_that_json(
    data: Path,
) -> None:
    (data / "web" / "app.json").write_text('{"opts": OPTS, "name": "NAME OPTS"}\n')
    files, errors = render_templates(data, "web", {"OPTS": '{"a": [1, 2]}', "NAME": 'say "x"'})
    assert errors == []
    assert files[0].content == (
        '{"opts": {"a": [1, 2]}, "name": "say \\"x\\" {\\"a\\": [1, 2]}"}\n'
    )


def test_certificates_and_keys_are_passed_through_unsubstituted(data: Path) -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIE+DOMAIN/abc\n-----END PRIVATE KEY-----\n"
    (data / "web" / "conf" / "example.com-key.pem").write_text(pem)
    files, _ = render_templates(data, "web", {"DOMAIN": "example.com"})
    assert files[0].content == pem


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
    check = check_all_roles(data_folder=data, variables={"X": "[", "Y": "Y2", "Y2": "Y"})
    errors = check.errors
    assert errors[0] == "variable cycle: Y -> Y2 -> Y"
    assert [e.split(":")[0] for e in errors[1:]] == ["/api/a.json", "/web/c.json"]
    assert [w.split(":")[0] for w in check.warnings] == ["/web/b.yml"]
