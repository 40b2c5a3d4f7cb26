"""Issue 14 §1: an original follower (1.0.10, modelled in original_follower.py) fetching from our
leader writes exactly the files the original leader's rules give; ours gets binary files too.

The expected files below are written by hand from the original's rules: each name replaced by its
value, strings as their text, anything else as `JSON.stringify` writes it (compact, `1.0` → `1`,
`1.5e3` → `1500`, a YAML date → `"2020-03-09T00:00:00.000Z"`), names inside values replaced too.
"""

from __future__ import annotations

import base64
import json
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.config import original_follower

if TYPE_CHECKING:
    from conftest import Cluster

PLATFORM_YML = """\
vars:
  MAIN:
    name: Main
    settings:
      DOMAIN:
        value: pryv.example.com
        description: the platform's domain
      EDGE_PORT_TLS:
        value: 443
      EDGE_PORT:
        value: 80
      CORE_PORT:
        value: 3000
  API:
    name: API settings
    settings:
      ACCOUNT_DELETION:
        value:
          - adminToken
          - personalToken
      SESSION_MAX_AGE:
        value: 1.2096e6
      RATIO:
        value: 1.0
      LAUNCH_DATE:
        value: 2020-03-09
      SERVICE_INFO:
        value:
          name: Pryv Lab
          support: https://DOMAIN/support
          limits: {rps: 1.5e3, burst: 2.5}
      CUSTOM_EXTENSION:
        value: '{"enabled": true, "hooks": ["audit"]}'
"""

TEMPLATES = {
    "core/pryv.yml": (
        'services:\n  core:\n    image: pryvio/core:1.9\n    ports: ["CORE_PORT:CORE_PORT"]\n'
    ),
    "core/core/conf/core.json": (
        "{\n"
        '  "http": {"port": CORE_PORT, "ip": "0.0.0.0"},\n'
        '  "api": "https://api.DOMAIN:EDGE_PORT_TLS/",\n'
        '  "auth": {"adminAccessKey": "ADMIN_ACCESS_KEY", "sessionMaxAge": SESSION_MAX_AGE},\n'
        '  "accountDeletion": ACCOUNT_DELETION,\n'
        '  "ratio": RATIO,\n'
        '  "launch": LAUNCH_DATE,\n'
        '  "service": SERVICE_INFO,\n'
        '  "customExtension": CUSTOM_EXTENSION\n'
        "}\n"
    ),
    "core/core/conf/nested/deep/hfs.yml": (
        "domain: DOMAIN\nhttp:\n  port: CORE_PORT\ndeletion: ACCOUNT_DELETION\n"
        "info: SERVICE_INFO\nlaunch: LAUNCH_DATE\nratio: RATIO\nsecret: FILES_READ_TOKEN_SECRET\n"
    ),
    "core/core/templates/welcome-email.txt": (
        "Welcome to DOMAIN!\nWrite to https://DOMAIN/support if anything is odd.\n"
    ),
    "core/nginx/conf/nginx.conf": (
        "server {\n  listen EDGE_PORT_TLS ssl;\n  server_name DOMAIN *.DOMAIN;\n"
        "  ssl_certificate /app/conf/secret/DOMAIN-bundle.crt;\n"
        "  ssl_certificate_key /app/conf/secret/DOMAIN-key.pem;\n"
        "  location / { proxy_pass http://core:CORE_PORT; }\n}\n"
        "server { listen EDGE_PORT; return 301 https://$host$request_uri; }\n"
    ),
    "core/nginx/conf/secret/pryv.example.com-bundle.crt": (
        "-----BEGIN CERTIFICATE-----\nMIIB+DOMAIN/fakecert==\n-----END CERTIFICATE-----\n"
    ),
    "core/nginx/conf/secret/pryv.example.com-key.pem": (
        "-----BEGIN PRIVATE KEY-----\nMIIE+fakekey/DOMAIN==\n-----END PRIVATE KEY-----\n"
    ),
    "core/core/data/not-conf.txt": "the original follower does not write this: DOMAIN\n",
    "reg/reg/conf/register.json": '{"dns": {"domain": "DOMAIN", "port": EDGE_PORT}}\n',
}
LOGO = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe DOMAIN \x00"


def expected_for_original(secrets: dict[str, str]) -> dict[str, str]:
    """What pryv/service-config-follower 1.0.10 writes from the original leader, by hand."""
    service = (
        '{"name":"Pryv Lab","support":"https://pryv.example.com/support",'
        '"limits":{"rps":1500,"burst":2.5}}'
    )
    return {
        "pryv.yml": 'services:\n  core:\n    image: pryvio/core:1.9\n    ports: ["3000:3000"]\n',
        "core/conf/core.json": (
            "{\n"
            '  "http": {"port": 3000, "ip": "0.0.0.0"},\n'
            '  "api": "https://api.pryv.example.com:443/",\n'
            f'  "auth": {{"adminAccessKey": "{secrets["ADMIN_ACCESS_KEY"]}",'
            ' "sessionMaxAge": 1209600},\n'
            '  "accountDeletion": ["adminToken","personalToken"],\n'
            '  "ratio": 1,\n'
            '  "launch": "2020-03-09T00:00:00.000Z",\n'
            f'  "service": {service},\n'
            '  "customExtension": {"enabled": true, "hooks": ["audit"]}\n'
            "}\n"
        ),
        "core/conf/nested/deep/hfs.yml": (
            'domain: pryv.example.com\nhttp:\n  port: 3000\ndeletion: ["adminToken","personalToken"]\n'
            f'info: {service}\nlaunch: "2020-03-09T00:00:00.000Z"\nratio: 1\n'
            f"secret: {secrets['FILES_READ_TOKEN_SECRET']}\n"
        ),
        "core/templates/welcome-email.txt": (
            "Welcome to pryv.example.com!\n"
            "Write to https://pryv.example.com/support if anything is odd.\n"
        ),
        "nginx/conf/nginx.conf": (
            "server {\n  listen 443 ssl;\n  server_name pryv.example.com *.pryv.example.com;\n"
            "  ssl_certificate /app/conf/secret/pryv.example.com-bundle.crt;\n"
            "  ssl_certificate_key /app/conf/secret/pryv.example.com-key.pem;\n"
            "  location / { proxy_pass http://core:3000; }\n}\n"
            "server { listen 80; return 301 https://$host$request_uri; }\n"
        ),
        # certificates pass through unsubstituted (the original would substitute inside them,
        # which the whole-name rule would do here too: `+DOMAIN/`)
        "nginx/conf/secret/pryv.example.com-bundle.crt": TEMPLATES[
            "core/nginx/conf/secret/pryv.example.com-bundle.crt"
        ],
        "nginx/conf/secret/pryv.example.com-key.pem": TEMPLATES[
            "core/nginx/conf/secret/pryv.example.com-key.pem"
        ],
    }


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_an_original_follower_writes_the_originals_bytes_and_ours_gets_every_file(
    bare_cluster: Cluster, tmp_path: Path
) -> None:
    cluster = bare_cluster
    data = cluster.leader.folder / "data"
    shutil.rmtree(data)
    for relative, text in TEMPLATES.items():
        (data / relative).parent.mkdir(parents=True, exist_ok=True)
        (data / relative).write_text(text)
    (data / "core/core/conf/logo.png").write_bytes(LOGO)
    (cluster.leader.folder / "platform.yml").write_text(PLATFORM_YML)
    ours = cluster.add_follower("core")
    reg = cluster.add_follower("reg")
    original_key = "core-original-" + ours.key
    cluster.write_leader_config(
        internals={"ADMIN_ACCESS_KEY": "SECRET", "FILES_READ_TOKEN_SECRET": "SECRET"}
    )
    config = json.loads(cluster.leader.config.read_text())
    config["followers"][original_key] = {"url": "http://127.0.0.1:9/", "role": "core"}
    cluster.leader.config.write_text(json.dumps(config))
    cluster.start_all()

    secrets = json.loads(cluster.leader.config.read_text())["internals"]
    assert all(len(value) == 32 for value in secrets.values())
    original_data = tmp_path / "original"
    original_follower.sync(cluster.leader.url + "/", original_key, original_data)
    written = {k: v.decode() for k, v in files_under(original_data).items()}
    assert written == expected_for_original(secrets)

    # our follower: the same bytes, plus the binary file (decoded) and the files the original
    # follower leaves out; the key readable by its owner only
    mine = files_under(ours.data)
    expected = {k: v.encode() for k, v in expected_for_original(secrets).items()}
    expected["core/conf/logo.png"] = LOGO
    expected["core/data/not-conf.txt"] = b"the original follower does not write this: DOMAIN\n"
    expected["core/data/not-conf.txt"] = expected["core/data/not-conf.txt"].replace(
        b"DOMAIN", b"pryv.example.com"
    )
    assert mine == expected
    key = ours.data / "nginx/conf/secret/pryv.example.com-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((ours.data / "core/conf/core.json").stat().st_mode) == 0o640

    # another role never gets the certificates; the leader's log names the file left out for
    # the original follower and never holds the key
    assert files_under(reg.data) == {
        "reg/conf/register.json": b'{"dns": {"domain": "pryv.example.com", "port": 80}}\n'
    }
    log = cluster.leader.log_text()
    assert "/core/conf/logo.png" in log and "base64" in log
    # declaring it in the query works as well as the header our follower sends
    declared = httpx.get(
        f"{cluster.leader.url}/conf",
        params={"encodings": "base64"},
        headers={"Authorization": original_key},
    ).json()["files"]
    [logo] = [f for f in declared if f["path"] == "/core/conf/logo.png"]
    assert logo["encoding"] == "base64" and base64.b64decode(logo["content"]) == LOGO
    assert "fakekey" not in log and "fakekey" not in ours.log_text()


def test_integers_beyond_2_53_stay_exact_where_the_original_rounds(bare_cluster: Cluster) -> None:
    cluster = bare_cluster
    data = cluster.leader.folder / "data"
    shutil.rmtree(data)
    (data / "core/conf").mkdir(parents=True)
    (data / "core/conf/ids.json").write_text('{"big": BIG_ID, "list": [BIG_ID]}')
    (cluster.leader.folder / "platform.yml").write_text("vars:\n  BIG_ID: 12345678901234567891\n")
    follower = cluster.add_follower("core")
    cluster.write_leader_config()
    cluster.start_all()
    # the original (JavaScript numbers) would write 12345678901234567000
    assert follower.files() == {
        "conf/ids.json": '{"big": 12345678901234567891, "list": [12345678901234567891]}'
    }
    response = httpx.get(f"{cluster.leader.url}/conf", headers={"Authorization": follower.key})
    assert "12345678901234567891" in response.text
