"""The local suite's gateway certificate comes from the leader, as Pryv's roles get theirs: the
leader holds local/nginx/conf/secret/${DOMAIN}-bundle.crt and -key.pem, this machine's follower
writes them (the key 0600) where the gateway's nginx config reads them. Through the gateway,
`/config/conf` and `/config/conf/` both serve the follower's files."""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import stat
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.e2e.conftest import CA, GATEWAY, ROOT, tls

LOCAL = ROOT / ".local"
LEADER_SECRET = LOCAL / "config-leader" / "data" / "local" / "nginx" / "conf" / "secret"
FOLLOWER_SECRET = LOCAL / "config-follower" / "data" / "nginx" / "conf" / "secret"


def dev_env(name: str) -> str:
    """A setting of .local/dev.env (the tests' environment has it when make test runs them)."""
    if name in os.environ:
        return os.environ[name]
    for line in (LOCAL / "dev.env").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == name:
            return value.strip().strip("'\"")
    raise KeyError(name)


def served_certificate() -> bytes:
    """The gateway's certificate, DER, as a client verifying it against the dev CA sees it."""
    where = urlsplit(GATEWAY)
    context = ssl.create_default_context(cafile=CA)
    with (
        socket.create_connection((where.hostname, where.port or 443), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=where.hostname) as conn,
    ):
        der = conn.getpeercert(binary_form=True)
    assert der is not None
    return der


def test_the_gateway_serves_the_certificate_the_leader_holds_for_its_role() -> None:
    installed = (LOCAL / "gateway" / "nginx.conf").read_text()
    [cert_path] = re.findall(r"ssl_certificate (\S+);", installed)
    [key_path] = re.findall(r"ssl_certificate_key (\S+);", installed)
    assert os.path.dirname(cert_path) == str(FOLLOWER_SECRET)
    assert os.path.dirname(key_path) == str(FOLLOWER_SECRET)
    bundle = FOLLOWER_SECRET.joinpath(os.path.basename(cert_path)).read_text()
    key = FOLLOWER_SECRET / os.path.basename(key_path)
    assert bundle == (LEADER_SECRET / os.path.basename(cert_path)).read_text()
    assert key.read_bytes() == (LEADER_SECRET / key.name).read_bytes()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first_pem = bundle[: bundle.index("-----END CERTIFICATE-----") + 25] + "\n"
    assert served_certificate() == ssl.PEM_cert_to_DER_cert(first_pem)


def test_conf_with_and_without_a_trailing_slash_through_the_gateway() -> None:
    key = dev_env("CONFIG_FOLLOWER_KEY")
    with httpx.Client(base_url=f"{GATEWAY}/config", verify=tls(), timeout=30) as client:
        plain = client.get("/conf", headers={"Authorization": key})
        slash = client.get("/conf/", headers={"Authorization": key})
        wrong = client.get("/conf/", headers={"Authorization": "wrong"})
    assert plain.status_code == slash.status_code == 200
    assert plain.json()["files"] == slash.json()["files"]
    paths = {f["path"] for f in plain.json()["files"]}
    assert "/gateway/nginx.conf" in paths
    assert any(p.startswith("/nginx/conf/secret/") for p in paths)
    assert wrong.status_code == 401 and "message" in wrong.json()["error"]


def notify_local(admin_key: str) -> dict[str, object]:
    """POST /config/admin/notify for the role `local` through the gateway; its one report."""
    with httpx.Client(base_url=f"{GATEWAY}/config", verify=tls(), timeout=180) as client:
        answer = client.post(
            "/admin/notify", headers={"Authorization": admin_key}, json={"roles": ["local"]}
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["failures"] == []
    [report] = answer.json()["successes"]
    return dict(report)


def put_certificate(files: dict[str, bytes]) -> None:
    """Replaces the leader's copy of the certificate files (each renamed into place)."""
    for name, content in files.items():
        temp = LEADER_SECRET / f".{name}.tmp"
        temp.write_bytes(content)
        os.chmod(temp, 0o600)
        os.replace(temp, LEADER_SECRET / name)


def test_a_new_certificate_on_the_leader_reaches_the_gateway_by_a_reload(tmp_path: Path) -> None:
    admin_key = dev_env("CONFIG_ADMIN_KEY")
    before = {p.name: p.read_bytes() for p in LEADER_SECRET.iterdir() if not p.name.startswith(".")}
    served_before = served_certificate()
    # a new certificate from the same development CA, so every client keeps trusting the gateway
    for name in ("ca.crt", "ca.key"):
        shutil.copy2(LOCAL / "tls" / name, tmp_path / name)
    domain = next(n for n in before if n.endswith("-bundle.crt")).removesuffix("-bundle.crt")
    subprocess.run(
        ["bash", str(ROOT / "gateway" / "dev_tls.sh"), str(tmp_path), domain], check=True
    )
    fresh = {name: (tmp_path / name).read_bytes() for name in before}
    assert fresh != before
    try:
        put_certificate(fresh)
        report = notify_local(admin_key)
        assert sorted(report["files"]) == sorted(f"/nginx/conf/secret/{n}" for n in fresh)
        assert [hook["rc"] for hook in report["hooks"]] == [0], report["hooks"]  # gateway.sh
        bundle = fresh[f"{domain}-bundle.crt"].decode()
        first_pem = bundle[: bundle.index("-----END CERTIFICATE-----") + 25] + "\n"
        new_der = ssl.PEM_cert_to_DER_cert(first_pem)
        # nginx's old workers finish their connections; new connections get the new certificate
        deadline = time.monotonic() + 30
        while served_certificate() != new_der and time.monotonic() < deadline:
            time.sleep(0.2)
        assert served_certificate() == new_der
        assert stat.S_IMODE((FOLLOWER_SECRET / f"{domain}-key.pem").stat().st_mode) == 0o600
    finally:
        put_certificate(before)
        notify_local(admin_key)
    deadline = time.monotonic() + 30
    while served_certificate() != served_before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert served_certificate() == served_before
