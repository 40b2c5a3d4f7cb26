"""Renders the gateway's nginx config from gateway/routes.toml and gateway/nginx.conf.j2.

Variables come from, in rising priority: built-in defaults, a --vars-file (JSON, or KEY=value
lines with GATEWAY_* names), then command-line flags. Run nginx on the result with:

    nginx -p PREFIX_DIR -c OUT -e PREFIX_DIR/logs/error.log -g 'daemon off;'

`--placeholder body_limit=GATEWAY_BODY_LIMIT` writes the name GATEWAY_BODY_LIMIT where the body limit
goes (unchecked), making the output a template for the configuration leader, which substitutes it.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

GATEWAY_DIR = Path(__file__).resolve().parent
REPO_ROOT = GATEWAY_DIR.parent
ROUTES_FILE = GATEWAY_DIR / "routes.toml"
TEMPLATE_FILE = GATEWAY_DIR / "nginx.conf.j2"
DEV_TLS_SCRIPT = GATEWAY_DIR / "dev_tls.sh"
SYSTEM_MIME_TYPES = Path("/etc/nginx/mime.types")

DEFAULTS: dict[str, Any] = {
    "domain": "localhost",
    "listen_host": "0.0.0.0",
    "https_port": 8443,
    "http_port": 8080,
    "redirect_port": None,  # the port in HTTP->HTTPS redirects; defaults to https_port
    "body_limit": "20m",
    "rate": "1000r/s",
    "burst": 2000,
    "rate_limit_exempt": [],
    "worker_processes": "auto",
    "worker_connections": 4096,
    "proxy_timeout": "60s",
    "connect_timeout": "5s",  # connecting to a service
    "retry_timeout": "10s",  # a request that reached no instance may try another within this time
    "upstream_keepalive_timeout": "4s",  # below the services' own idle keep-alive timeout (uvicorn: 5 s)
    "hsts_max_age": 31536000,
    "websocket_timeout": "3600s",
    "error_log_level": "warn",
    "user": None,
    "prefix_dir": str(REPO_ROOT / ".local" / "gateway"),
    "tls_dir": str(REPO_ROOT / ".local" / "tls"),
    "tls_cert": None,
    "tls_key": None,
    "dashboard_root": None,  # defaults to routes.toml's [dashboard].root under the repo root
    "mime_types": None,
    "upstreams": {},
    # service -> how many instances run on this host: instance k listens on the route's port plus
    # (k - 1) x routes.toml's instance_port_step (a service has upstreams or a count, not both).
    "instances": {},
    "routes_file": str(ROUTES_FILE),
    # Sent as `Authorization: Bearer <it>` on requests without credentials to the root routes that
    # say adds_token; vars file only.
    "root_routes_token": None,
}
INT_KEYS = {
    "https_port",
    "http_port",
    "redirect_port",
    "burst",
    "worker_connections",
    "hsts_max_age",
}
LIST_KEYS = {"rate_limit_exempt"}
# Variables that stand alone in nginx.conf.j2, so a name in their place can be substituted later.
PLACEHOLDER_KEYS = {"domain", "https_port", "http_port", "body_limit", "rate", "burst"}
PLACEHOLDER_DASHBOARD = GATEWAY_DIR / "placeholder"
MAX_INSTANCES = 9  # per service and host: instance ports stay in 81xx..89xx with the default step
DEFAULT_INSTANCE_PORT_STEP = 100


class GatewayConfigError(Exception):
    """A variable or input file the gateway cannot be rendered with."""


@dataclass
class Route:
    """One row of the routes table: a path prefix served by a service's upstream block."""

    prefix: str
    service: str
    port: int
    websocket: bool = False
    servers: list[str] = field(default_factory=list)
    instance_port_step: int = DEFAULT_INSTANCE_PORT_STEP

    def instance_ports(self, count: int) -> list[int]:
        """The ports of instances 1..count on one host: port, port + step, port + 2 x step ..."""
        return [self.port + self.instance_port_step * k for k in range(count)]

    @property
    def prefix_path(self) -> str:
        """The prefix without its trailing slash, as sent in X-Forwarded-Prefix."""
        return self.prefix.rstrip("/")

    @property
    def upstream(self) -> str:
        """The nginx upstream block's name."""
        return "meridian_" + re.sub(r"[^A-Za-z0-9]", "_", self.service)


def load_routes(path: Path) -> tuple[list[Route], dict[str, str]]:
    """Reads the routes table and the dashboard entry from routes.toml."""
    data = tomllib.loads(path.read_text())
    step = data.get("instance_port_step", DEFAULT_INSTANCE_PORT_STEP)
    if not isinstance(step, int) or not 10 <= step <= 1000:
        raise GatewayConfigError(f"{path}: instance_port_step must be an integer from 10 to 1000")
    routes = []
    for row in data.get("routes", []):
        prefix = row["prefix"]
        if not re.fullmatch(r"(/[A-Za-z0-9._-]+)+/", prefix):
            raise GatewayConfigError(f"{path}: route prefix {prefix!r} must look like /name/")
        route = Route(prefix, row["service"], int(row["port"]), bool(row.get("websocket", False)))
        route.instance_port_step = step
        routes.append(route)
    dashboard = data.get("dashboard", {"prefix": "/", "root": ".local/console"})
    return routes, dashboard


@dataclass
class RootRoute:
    """A path at the site root that a routed service serves as it is (no prefix stripped)."""

    prefix: str
    service: str
    upstream: str
    adds_token: bool = False  # gets root_routes_token when a request has no Authorization


def load_root_routes(path: Path, routes: list[Route]) -> list[RootRoute]:
    """Reads routes.toml's [[root_routes]], each naming a service of the routes table."""
    upstreams = {route.service: route.upstream for route in routes}
    prefixes = {route.prefix for route in routes}
    root_routes = []
    for row in tomllib.loads(path.read_text()).get("root_routes", []):
        prefix, service = row["prefix"], row["service"]
        if not re.fullmatch(r"(/[A-Za-z0-9._-]+)+/", prefix) or prefix in prefixes:
            raise GatewayConfigError(
                f"{path}: root route {prefix!r} must look like /name/ and be no route's prefix"
            )
        if service not in upstreams:
            raise GatewayConfigError(f"{path}: root route {prefix!r}: no route for {service!r}")
        adds_token = row.get("adds_token", False)
        if not isinstance(adds_token, bool):
            raise GatewayConfigError(f"{path}: root route {prefix!r}: adds_token is true or false")
        root_routes.append(RootRoute(prefix, service, upstreams[service], adds_token))
    return root_routes


def read_vars_file(path: Path) -> dict[str, Any]:
    """Reads variables from a JSON object, or from KEY=value lines with GATEWAY_* names."""
    text = path.read_text()
    if path.suffix == ".json" or text.lstrip().startswith("{"):
        values = json.loads(text)
        if not isinstance(values, dict):
            raise GatewayConfigError(f"{path}: expected a JSON object")
        return values
    values = {}
    upstreams: dict[str, list[str]] = {}
    instances: dict[str, str] = {}
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "export":
            words = words[1:]
        if not words or "=" not in words[0]:
            continue
        key, _, value = words[0].partition("=")
        if key.startswith("GATEWAY_UPSTREAM_"):
            service = key.removeprefix("GATEWAY_UPSTREAM_").lower().replace("_", "-")
            upstreams[service] = value.replace(",", " ").split()
        elif key.startswith("GATEWAY_INSTANCES_"):
            instances[key.removeprefix("GATEWAY_INSTANCES_").lower().replace("_", "-")] = value
        elif key.startswith("GATEWAY_"):
            name = key.removeprefix("GATEWAY_").lower()
            values[name] = value.replace(",", " ").split() if name in LIST_KEYS else value
    if upstreams:
        values["upstreams"] = upstreams
    if instances:
        values["instances"] = instances
    return values


def read_upstreams_file(path: Path) -> dict[str, list[str]]:
    """Reads {"<service>": ["host:port", ...]} from a JSON file."""
    values = json.loads(path.read_text())
    if not isinstance(values, dict):
        raise GatewayConfigError(f"{path}: expected a JSON object of service -> [host:port]")
    return values


def parse_upstream_flag(text: str) -> tuple[str, list[str]]:
    """Parses --upstream SERVICE=HOST:PORT[,HOST:PORT...]."""
    service, sep, servers = text.partition("=")
    if not sep or not servers:
        raise GatewayConfigError(f"--upstream {text!r}: expected SERVICE=HOST:PORT[,HOST:PORT]")
    return service, [s for s in servers.split(",") if s]


def parse_instances_flag(text: str) -> tuple[str, str]:
    """Parses --instances SERVICE=N (N checked with the other instance counts)."""
    service, sep, count = text.partition("=")
    if not sep or not service or not count:
        raise GatewayConfigError(f"--instances {text!r}: expected SERVICE=N")
    return service, count


def parse_placeholder_flag(text: str) -> tuple[str, str]:
    """Parses --placeholder KEY=NAME: KEY a variable of the template, NAME an identifier."""
    key, sep, name = text.partition("=")
    if not sep or key not in PLACEHOLDER_KEYS:
        raise GatewayConfigError(
            f"--placeholder {text!r}: expected KEY=NAME with KEY one of {sorted(PLACEHOLDER_KEYS)}"
        )
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise GatewayConfigError(f"--placeholder {text!r}: {name!r} is not an identifier")
    return key, name


def check_vars(values: dict[str, Any], placeholders: frozenset[str] = frozenset()) -> None:
    """Refuses values nginx would reject or misread, naming the variable; placeholders pass."""
    for key in INT_KEYS - placeholders:
        if values.get(key) is not None:
            try:
                values[key] = int(values[key])
            except (TypeError, ValueError):
                raise GatewayConfigError(f"{key} must be an integer, not {values[key]!r}") from None
    if "burst" not in placeholders and values["burst"] < 0:
        raise GatewayConfigError(f"burst must be 0 or more, not {values['burst']}")
    for key in {"https_port", "http_port", "redirect_port"} - placeholders:
        if values.get(key) is not None and not 0 < values[key] < 65536:
            raise GatewayConfigError(f"{key} must be a TCP port, not {values[key]}")
    checks = {
        "rate": r"\d+r/[sm]",
        "body_limit": r"\d+[kKmMgG]?",
        "domain": r"[A-Za-z0-9.*_-]+",
        "listen_host": r"[0-9A-Fa-f.:*]+|[A-Za-z0-9.-]+",
        "worker_processes": r"auto|\d+",
        "proxy_timeout": r"\d+[smh]?",
        "websocket_timeout": r"\d+[smh]?",
        "connect_timeout": r"\d+[smh]?",
        "retry_timeout": r"\d+[smh]?",
        "upstream_keepalive_timeout": r"\d+[smh]?",
    }
    for key, pattern in checks.items():
        if key not in placeholders and not re.fullmatch(pattern, str(values[key])):
            raise GatewayConfigError(f"{key}={values[key]!r} does not match {pattern}")
    token = values.get("root_routes_token")
    if token is not None and not re.fullmatch(r"[A-Za-z0-9._~+/=-]{16,512}", str(token)):
        # Inside an nginx string: no quote, space, `$` or `;`; and never a guessable one.
        raise GatewayConfigError(
            "root_routes_token must be 16 to 512 characters of A-Z a-z 0-9 . _ ~ + / = -"
        )
    for network in values["rate_limit_exempt"]:
        if not re.fullmatch(r"[0-9A-Fa-f.:]+(/\d+)?", network):
            raise GatewayConfigError(f"rate_limit_exempt: {network!r} is not an address or CIDR")


def instance_count(service: str, value: object) -> int:
    """An instance count: an integer from 1 to MAX_INSTANCES, else an error naming the service."""
    try:
        count = int(str(value))
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_INSTANCES:
        raise GatewayConfigError(
            f"instances of {service}: {value!r} is not a count from 1 to {MAX_INSTANCES}"
        )
    return count


def resolve_routes(
    routes: list[Route],
    upstreams: dict[str, list[str]],
    instances: dict[str, object] | None = None,
) -> None:
    """Fills each route's servers: the configured upstreams, else the service's instances on
    127.0.0.1 (one at <port> unless an instance count says more)."""
    instances = instances or {}
    known = {route.service for route in routes}
    for what, given in (("upstreams", upstreams), ("instances", instances)):
        unknown = set(given) - known
        if unknown:
            raise GatewayConfigError(
                f"{what} for unknown services {sorted(unknown)}; routes.toml has {sorted(known)}"
            )
    both = set(upstreams) & set(instances)
    if both:
        raise GatewayConfigError(f"both upstreams and an instance count for {sorted(both)}")
    for route in routes:
        count = instance_count(route.service, instances.get(route.service, 1))
        ports = route.instance_ports(count)
        if ports[-1] > 65535:
            raise GatewayConfigError(
                f"instances of {route.service}: port {ports[-1]} is no TCP port"
            )
        local = [f"127.0.0.1:{port}" for port in ports]
        servers = upstreams.get(route.service) or local
        for server in servers:
            if not re.fullmatch(r"unix:/\S+|\[?[A-Za-z0-9.:_-]+\]?:\d+", server):
                raise GatewayConfigError(f"upstream {route.service}: {server!r} is not host:port")
        route.servers = list(servers)


def ensure_tls(tls_dir: Path, domain: str, *, dev_tls: bool) -> tuple[Path, Path]:
    """The operator's ${DOMAIN}-bundle.crt and -key.pem, or a dev certificate made on demand."""
    cert, key = tls_dir / f"{domain}-bundle.crt", tls_dir / f"{domain}-key.pem"
    if cert.is_file() and key.is_file():
        return cert, key
    if not dev_tls:
        raise GatewayConfigError(
            f"no certificate for {domain}: put {cert.name} and {key.name} in {tls_dir} "
            "(or pass --dev-tls to generate a development one)"
        )
    result = subprocess.run(
        ["bash", str(DEV_TLS_SCRIPT), str(tls_dir), domain], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise GatewayConfigError(f"{DEV_TLS_SCRIPT.name} failed: {result.stderr.strip()}")
    return cert, key


def prepare_prefix(prefix_dir: Path) -> None:
    """Creates the writable folders nginx needs under its prefix dir."""
    for sub in ("logs", "tmp/client_body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (prefix_dir / sub).mkdir(parents=True, exist_ok=True)


def ensure_dashboard(root: Path) -> Path:
    """The dashboard folder if it has an index.html, else gateway/placeholder."""
    if (root / "index.html").is_file():
        return root
    print(f"gateway: no dashboard at {root}; serving {PLACEHOLDER_DASHBOARD}", file=sys.stderr)
    return PLACEHOLDER_DASHBOARD


def build_context(
    values: dict[str, Any], *, render_only: bool, placeholders: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Turns the merged variables into the template's context, preparing files unless render_only.

    Keys in `placeholders` hold names left for a later substitution: they are not checked, and a
    placeholder domain names the TLS files without looking for them.
    """
    check_vars(values, placeholders)
    routes, dashboard = load_routes(Path(values["routes_file"]))
    resolve_routes(routes, values["upstreams"], values["instances"])
    root_routes = load_root_routes(Path(values["routes_file"]), routes)
    prefix_dir = Path(values["prefix_dir"]).resolve()
    dashboard_root = Path(values["dashboard_root"] or REPO_ROOT / dashboard["root"])
    tls_dir = Path(values["tls_dir"]).resolve()
    domain = values["domain"]
    if values["tls_cert"] and values["tls_key"]:
        cert, key = Path(values["tls_cert"]), Path(values["tls_key"])
    elif render_only or "domain" in placeholders:
        cert, key = tls_dir / f"{domain}-bundle.crt", tls_dir / f"{domain}-key.pem"
    else:
        dev_tls = values.get("dev_tls")
        cert, key = ensure_tls(tls_dir, domain, dev_tls=domain == "localhost" or bool(dev_tls))
    mime_types = values["mime_types"]
    if mime_types is None and SYSTEM_MIME_TYPES.is_file():
        mime_types = str(SYSTEM_MIME_TYPES)
    elif mime_types == "inline":
        mime_types = None  # the template's own short types block
    user = values["user"]
    if not render_only:
        prepare_prefix(prefix_dir)
        dashboard_root = ensure_dashboard(dashboard_root.resolve())
        if user is None and os.geteuid() == 0:
            # A root master would run workers as "nobody", who may not read files under the prefix.
            user = getpass.getuser()
    listen_host = values["listen_host"]
    redirect_port = values["redirect_port"] or values["https_port"]
    return {
        **values,
        "listen_host": f"[{listen_host}]" if ":" in listen_host else listen_host,
        "user": user,
        "mime_types": mime_types,
        "prefix_dir": str(prefix_dir),
        "temp_dir": str(prefix_dir / "tmp"),
        "pid_path": str(prefix_dir / "logs" / "nginx.pid"),
        "error_log": str(prefix_dir / "logs" / "error.log"),
        "access_log": str(prefix_dir / "logs" / "access.log"),
        "tls_cert": str(cert),
        "tls_key": str(key),
        "redirect_port_suffix": "" if redirect_port == 443 else f":{redirect_port}",
        "routes": routes,
        "root_routes": root_routes,
        "dashboard": {"prefix": dashboard.get("prefix", "/"), "root": str(dashboard_root)},
    }


def render(context: dict[str, Any]) -> str:
    """Renders nginx.conf.j2 with the given context."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_FILE.parent)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    return env.get_template(TEMPLATE_FILE.name).render(**context)


def argument_parser() -> argparse.ArgumentParser:
    """The render.py command line; every flag defaults to the vars file, then DEFAULTS."""
    p = argparse.ArgumentParser(description="Render the Meridian gateway's nginx config.")
    p.add_argument("--out", required=True, help="where to write the nginx config (- for stdout)")
    p.add_argument("--vars-file", help="JSON object or GATEWAY_*=value lines (flags win)")
    p.add_argument("--upstreams-file", help='JSON {"<service>": ["host:port", ...]}')
    p.add_argument(
        "--upstream", action="append", default=[], metavar="SERVICE=HOST:PORT[,HOST:PORT]"
    )
    p.add_argument(
        "--instances",
        action="append",
        default=[],
        metavar="SERVICE=N",
        help="N instances of SERVICE on 127.0.0.1, ports from routes.toml (repeatable)",
    )
    p.add_argument("--domain", help="server name; TLS files are <domain>-bundle.crt/-key.pem")
    p.add_argument("--tls-dir", help="folder of the TLS files (default .local/tls)")
    p.add_argument("--tls-cert", help="certificate bundle path (overrides --tls-dir naming)")
    p.add_argument("--tls-key", help="private key path (overrides --tls-dir naming)")
    p.add_argument(
        "--dev-tls",
        action="store_true",
        default=None,
        help="generate a dev certificate when none exists (always on for localhost)",
    )
    p.add_argument(
        "--prefix-dir", help="nginx prefix: logs, pid, temp files (default .local/gateway)"
    )
    p.add_argument("--dashboard-root", help="static console folder (default .local/console)")
    p.add_argument("--listen-host", help="address to listen on (default 0.0.0.0)")
    p.add_argument("--https-port", type=int)
    p.add_argument("--http-port", type=int)
    p.add_argument("--redirect-port", type=int, help="HTTPS port named in redirects")
    p.add_argument("--body-limit", help="client_max_body_size, e.g. 20m")
    p.add_argument("--rate", help="per-client rate, e.g. 1000r/s")
    p.add_argument("--burst", type=int, help="per-client burst above the rate")
    p.add_argument(
        "--rate-limit-exempt",
        action="append",
        metavar="CIDR",
        help="addresses not rate limited (repeatable)",
    )
    p.add_argument("--worker-processes")
    p.add_argument("--user", help="user the nginx workers run as (when started as root)")
    p.add_argument(
        "--mime-types",
        help='mime.types to include, or "inline" (default /etc/nginx/mime.types if present)',
    )
    p.add_argument("--routes-file", help="routes table (default gateway/routes.toml)")
    p.add_argument(
        "--placeholder",
        action="append",
        default=[],
        metavar="KEY=NAME",
        help="write NAME where KEY's value goes, for a config leader to substitute (repeatable)",
    )
    p.add_argument(
        "--render-only",
        action="store_true",
        help="only write --out: no folders, TLS or dashboard checks (for another host)",
    )
    return p


def merged_values(args: argparse.Namespace) -> dict[str, Any]:
    """Defaults, overlaid by the vars file, then the upstreams file and flags."""
    values = dict(DEFAULTS)
    if args.vars_file:
        file_values = read_vars_file(Path(args.vars_file))
        unknown = set(file_values) - set(DEFAULTS) - {"dev_tls"}
        if unknown:
            raise GatewayConfigError(f"{args.vars_file}: unknown variables {sorted(unknown)}")
        values.update(file_values)
    upstreams = dict(values["upstreams"])
    if args.upstreams_file:
        upstreams.update(read_upstreams_file(Path(args.upstreams_file)))
    for flag in args.upstream:
        service, servers = parse_upstream_flag(flag)
        upstreams[service] = servers
    values["upstreams"] = upstreams
    values["instances"] = dict(values["instances"]) | dict(
        map(parse_instances_flag, args.instances)
    )
    for key in [*DEFAULTS, "dev_tls"]:
        flag_value = getattr(args, key, None)
        if flag_value is not None and key not in ("upstreams", "instances"):
            values[key] = flag_value
    if isinstance(values["rate_limit_exempt"], str):
        values["rate_limit_exempt"] = values["rate_limit_exempt"].replace(",", " ").split()
    values.update(parse_placeholder_flag(flag) for flag in args.placeholder)
    return values


def main(argv: list[str] | None = None) -> int:
    """Renders the config to --out and prints how to run nginx on it."""
    args = argument_parser().parse_args(argv)
    try:
        context = build_context(
            merged_values(args),
            render_only=args.render_only,
            placeholders=frozenset(parse_placeholder_flag(flag)[0] for flag in args.placeholder),
        )
    except (GatewayConfigError, OSError, KeyError, tomllib.TOMLDecodeError) as error:
        print(f"render.py: {error}", file=sys.stderr)
        return 2
    if args.out == "-":  # for tools that render into their own files (e.g. config-leader)
        sys.stdout.write(render(context))
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(context))
    if context["root_routes_token"]:
        out.chmod(0o600)  # it holds a credential
    command = ["nginx", "-p", context["prefix_dir"], "-c", str(out.resolve())]
    command += ["-e", context["error_log"], "-g", "daemon off;"]
    print(f"gateway config written to {out}; run: {shlex.join(command)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
