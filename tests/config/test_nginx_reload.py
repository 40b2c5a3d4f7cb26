"""A follower hook reloading a real nginx: a variable changed on the leader reaches nginx,
and requests made all through the reload keep succeeding (the dogfooding path of the gateway)."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from conftest import Cluster

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

SITE_TEMPLATE = """\
server {
    listen 127.0.0.1:NGINX_PORT;
    location / {
        default_type text/plain;
        return 200 "GREETING";
    }
}
"""


def main_conf(prefix: Path, site: Path) -> str:
    return f"""\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    include {site};
}}
"""


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")
def test_a_notify_reloads_nginx_without_a_failed_request(
    tmp_path: Path, bare_cluster: Cluster
) -> None:
    cluster = bare_cluster
    nginx_port = cluster.free_port()
    site_folder = cluster.leader.folder / "data" / "gateway" / "nginx"
    site_folder.mkdir(parents=True)
    (site_folder / "site.conf").write_text(SITE_TEMPLATE)
    prefix = tmp_path / "nginx"
    (prefix / "tmp").mkdir(parents=True)
    nginx_conf = prefix / "nginx.conf"
    reload = [NGINX, "-p", str(prefix), "-c", str(nginx_conf), "-s", "reload"]
    gateway = cluster.add_follower("gateway", hooks=[{"match": "nginx/*.conf", "run": reload}])
    cluster.write_leader_config()
    platform = cluster.leader.folder / "platform.yml"
    platform.write_text(
        platform.read_text() + f"  NGINX_PORT: {nginx_port}\n  GREETING: hello-v1\n"
    )
    nginx: subprocess.Popen[bytes] | None = None
    try:
        cluster.start_all()
        nginx_conf.write_text(main_conf(prefix, gateway.data / "nginx" / "site.conf"))
        nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(nginx_conf)])
        url = f"http://127.0.0.1:{nginx_port}/"
        cluster.wait_until(lambda: httpx.get(url).text == "hello-v1", "nginx serving v1")

        answers: Counter[str] = Counter()
        stop = threading.Event()

        def hammer() -> None:
            # A new connection per request: an idle keep-alive connection to an old worker may be
            # closed by the reload as a request is sent on it (the usual keep-alive race, which
            # clients answer by retrying idempotent requests); new connections never fail.
            no_keepalive = httpx.Limits(max_keepalive_connections=0)
            with httpx.Client(limits=no_keepalive, headers={"Connection": "close"}) as client:
                while not stop.is_set():
                    try:
                        response = client.get(url, timeout=5)
                        answers[f"{response.status_code} {response.text}"] += 1
                    except httpx.HTTPError as exc:
                        answers[f"error {type(exc).__name__}"] += 1

        thread = threading.Thread(target=hammer)
        thread.start()
        try:
            cluster.wait_until(lambda: answers["200 hello-v1"] > 20, "requests before the change")
            for version in ("v2", "v3", "v4"):
                cluster.set_vars(GREETING=f"hello-{version}")
                result = cluster.notify()
                [report] = result["successes"]
                assert report["files"] == ["/nginx/site.conf"]
                hooks = [(h["cmd"][-2:], h["rc"]) for h in report["hooks"]]
                assert hooks == [(["-s", "reload"], 0)]
                cluster.wait_until(
                    lambda v=version: answers[f"200 hello-{v}"] > 20, f"answers after {version}"
                )
        finally:
            stop.set()
            thread.join()
        assert set(answers) == {f"200 hello-{v}" for v in ("v1", "v2", "v3", "v4")}, answers
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait()
