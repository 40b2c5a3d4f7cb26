"""Rendering a role's folder: every file, any depth, substituted, then checked by its parser.

A `.json` file that does not parse after rendering is an error (the role is not served, a
settings change causing it is refused), as the newest original does. A `.yml`/`.yaml` file that
does not parse is served anyway with a warning (the original never parsed YAML). Certificates
and keys (`.crt`, `.pem`, `.key`) are passed through unchanged, and files that are not UTF-8
are served base64 (only to followers that declare they decode it; see conf/endpoints.py).
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from config_leader.rendering.substitution import substitute, substitute_json

JSON_SUFFIXES = {".json"}
YAML_SUFFIXES = {".yml", ".yaml"}
# TLS material: never substituted (a variable name could stand in base64 between '/' and '+')
VERBATIM_SUFFIXES = {".crt", ".pem", ".key"}
YAML_WARNING = ": served, but not valid YAML after rendering: "


@dataclass(frozen=True)
class RenderedFile:
    """One file as a follower gets it: `path` is "/<relative>" under the role folder."""

    path: str
    content: str
    encoding: str = "utf-8"
    warning: str | None = None  # served anyway: a YAML file that does not parse

    def as_json(self) -> dict[str, str]:
        """The file as it appears in GET /conf (encoding only for non-text files)."""
        body = {"path": self.path, "content": self.content}
        if self.encoding != "utf-8":
            body["encoding"] = self.encoding
        return body


@dataclass(frozen=True)
class TemplateFile:
    """A template on disk, with what identifies its version (for caching)."""

    path: str
    source: str
    stamp: tuple[int, int, int]


def list_templates(data_folder: Path, role: str) -> list[TemplateFile]:
    """Every file under <dataFolder>/<role>/, sorted; a link leading out of dataFolder is refused.

    Regular files are reached without following links, so only links need their target checked
    (this runs on every GET /conf, hence os.scandir rather than pathlib).
    """
    real_data = os.path.realpath(data_folder)
    root = os.path.join(data_folder, role)
    real_root = os.path.realpath(root)
    if not (real_root + os.sep).startswith(real_data + os.sep):
        raise LinkOutside(f"/{role}")
    out: list[TemplateFile] = []
    pending = [""]
    while pending:
        relative_folder = pending.pop()
        with os.scandir(os.path.join(root, relative_folder)) as entries:
            for entry in entries:
                relative = f"{relative_folder}/{entry.name}" if relative_folder else entry.name
                if entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    if not real.startswith(real_data + os.sep):
                        raise LinkOutside(f"/{role}/{relative}")
                    if os.path.isdir(real):
                        raise LinkOutside(
                            f"/{role}/{relative}", "a link to a folder is not followed"
                        )
                    stat = os.stat(real)
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(relative)
                    continue
                elif entry.is_file(follow_symlinks=False):
                    stat = entry.stat(follow_symlinks=False)
                else:
                    continue  # sockets, fifos: not configuration
                stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
                out.append(TemplateFile("/" + relative, entry.path, stamp))
    out.sort(key=lambda template: template.path)
    return out


class LinkOutside(Exception):
    """A link in a role folder leading out of dataFolder (or to a folder)."""

    def __init__(self, path: str, reason: str = "a link leading out of dataFolder is refused"):
        super().__init__(f"{path}: {reason}")


def check_rendered(path: str, text: str) -> str | None:
    """The parser's message if a .json/.yml/.yaml file does not parse after rendering."""
    suffix = Path(path).suffix.lower()
    try:
        if suffix in JSON_SUFFIXES:
            json.loads(text)
        elif suffix in YAML_SUFFIXES:
            for _ in yaml.safe_load_all(text):
                pass
    except (ValueError, yaml.YAMLError) as exc:
        return " ".join(str(exc).split())
    return None


def render_file(template: TemplateFile, values: Mapping[str, Any]) -> RenderedFile:
    """Substitutes one template; a file that is not UTF-8 text is passed through in base64."""
    with open(template.source, "rb") as source:
        raw = source.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return RenderedFile(template.path, base64.b64encode(raw).decode("ascii"), "base64")
    suffix = Path(template.path).suffix.lower()
    if suffix in VERBATIM_SUFFIXES:
        return RenderedFile(template.path, text)
    if suffix in JSON_SUFFIXES:
        return RenderedFile(template.path, substitute_json(text, values))
    return RenderedFile(template.path, substitute(text, values))


def render_templates(
    data_folder: Path, role: str, values: Mapping[str, Any]
) -> tuple[list[RenderedFile], list[str]]:
    """Renders every file of a role; returns the files and one message per file that failed."""
    try:
        templates = list_templates(data_folder, role)
    except LinkOutside as exc:
        return [], [str(exc)]
    rendered: list[RenderedFile] = []
    errors: list[str] = []
    for template in templates:
        try:
            file = render_file(template, values)
        except OSError as exc:
            errors.append(f"/{role}{template.path}: cannot read: {exc.strerror}")
            continue
        if file.encoding == "utf-8":
            problem = check_rendered(file.path, file.content)
            if problem and Path(file.path).suffix.lower() in YAML_SUFFIXES:
                warning = f"/{role}{file.path}{YAML_WARNING}{problem}"
                file = RenderedFile(file.path, file.content, warning=warning)
            elif problem:
                errors.append(f"/{role}{file.path}: invalid after rendering: {problem}")
                continue
        rendered.append(file)
    return rendered, errors
