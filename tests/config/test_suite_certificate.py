"""The local suite's gateway certificate comes from the leader, as Pryv's roles get theirs: the
leader holds local/nginx/conf/secret/${DOMAIN}-bundle.crt and -key.pem, this machine's follower
writes them (the key 0600) where the gateway's nginx config reads them. Through the gateway,
`/config/conf` and `/config/conf/` both serve the follower's files."""

from __future__ import annotations

import os
import re
import socket
import ssl
import stat
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
