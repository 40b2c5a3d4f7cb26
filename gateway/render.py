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
from pathlib import Path
from typing import Annotated, Any

import jinja2
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

GATEWAY_DIR = Path(__file__).resolve().parent
REPO_ROOT = GATEWAY_DIR.parent
ROUTES_FILE = GATEWAY_DIR / "routes.toml"
TEMPLATE_FILE = GATEWAY_DIR / "nginx.conf.j2"
DEV_TLS_SCRIPT = GATEWAY_DIR / "dev_tls.sh"
SYSTEM_MIME_TYPES = Path("/etc/nginx/mime.types")

MAX_INSTANCES = 9  # per service and host: instance ports stay in 81xx..89xx with the default step
DEFAULT_INSTANCE_PORT_STEP = 100
# Variables that stand alone in nginx.conf.j2, so a name in their place can be substituted later.
PLACEHOLDER_KEYS = {"domain", "https_port", "http_port", "body_limit", "rate", "burst"}
PLACEHOLDER_DASHBOARD = GATEWAY_DIR / "placeholder"

Duration = Annotated[str, Field(pattern=r"^\d+[smh]?$")]
Port = Annotated[int, Field(gt=0, lt=65536)]
Network = Annotated[str, Field(pattern=r"^[0-9A-Fa-f.:]+(/\d+)?$")]
Prefix = Annotated[str, Field(pattern=r"^(/[A-Za-z0-9._-]+)+/$")]  # looks like /name/
FILE_ONLY = {"upstreams", "instances", "root_routes_token"}  # no flag of their own name
SECRETS = {"root_routes_token"}  # never repeated in an error


class GatewayConfigError(Exception):
    """A variable or input file the gateway cannot be rendered with."""


def problems(error: ValidationError) -> str:
    """A validation's problems, each as `where=value: message` (a secret's value left out)."""
    return "; ".join(
        e["msg"]
        if not e["loc"]
        else f"{e['loc'][0]}: {e['msg']}"
        if e["loc"][0] in SECRETS
        else f"{'.'.join(map(str, e['loc']))}={e['input']!r}: {e['msg']}"
        for e in error.errors()
    )


def words(value: object) -> object:
    """A list given as one string (env lines, vars files): its comma- or space-separated words."""
    return value.replace(",", " ").split() if isinstance(value, str) else value


class GatewayVars(BaseModel):
    """The gateway's variables, their defaults and their flags' help; a value nginx would reject or
    misread is refused by name. A key in the validation context's `placeholders` holds a name."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    domain: Annotated[str, Field(pattern=r"^[A-Za-z0-9.*_-]+$")] = Field(
        "localhost", description="server name; TLS files are <domain>-bundle.crt/-key.pem"
    )
    listen_host: Annotated[str, Field(pattern=r"^(?:[0-9A-Fa-f.:*]+|[A-Za-z0-9.-]+)$")] = Field(
        "0.0.0.0", description="address to listen on"
    )
    https_port: Port = 8443
    http_port: Port = 8080
    redirect_port: Port | None = Field(None, description="HTTPS port named in redirects")
    body_limit: Annotated[str, Field(pattern=r"^\d+[kKmMgG]?$")] = Field(
        "20m", description="client_max_body_size, e.g. 20m"
    )
    rate: Annotated[str, Field(pattern=r"^\d+r/[sm]$")] = Field(
        "1000r/s", description="per-client rate, e.g. 1000r/s"
    )
    burst: Annotated[int, Field(ge=0)] = Field(2000, description="per-client burst above the rate")
    rate_limit_exempt: Annotated[list[Network], BeforeValidator(words)] = Field(
        [], description="addresses not rate limited (repeatable)"
    )
    worker_processes: Annotated[str, Field(pattern=r"^(?:auto|\d+)$")] = "auto"
    worker_connections: int = 4096
    proxy_timeout: Duration = "60s"
    connect_timeout: Duration = Field("5s", description="connecting to a service")
    retry_timeout: Duration = Field(
        "10s", description="a request that reached no instance may try another within this time"
    )
    upstream_keepalive_timeout: Duration = Field(
        "4s", description="below the services' own idle keep-alive timeout (uvicorn: 5 s)"
    )
    hsts_max_age: int = 31536000
    websocket_timeout: Duration = "3600s"
    error_log_level: str = "warn"
    user: str | None = Field(
        None, description="user the nginx workers run as (when started as root)"
    )
    prefix_dir: str = Field(
        str(REPO_ROOT / ".local" / "gateway"), description="nginx prefix: logs, pid, temp files"
    )
    tls_dir: str = Field(str(REPO_ROOT / ".local" / "tls"), description="folder of the TLS files")
    tls_cert: str | None = Field(
        None, description="certificate bundle (overrides --tls-dir naming)"
    )
    tls_key: str | None = Field(None, description="private key (overrides --tls-dir naming)")
    dashboard_root: str | None = Field(
        None, description="static console folder (default: routes.toml's [dashboard].root)"
    )
    mime_types: str | None = Field(
        None, description='mime.types to include, or "inline" (default /etc/nginx/mime.types)'
    )
    upstreams: dict[str, list[str]] = {}
    # service -> how many instances run on this host: instance k listens on the route's port plus
    # (k - 1) x routes.toml's instance_port_step (a service has upstreams or a count, not both).
    instances: dict[str, int | str] = {}
    routes_file: str = Field(
        str(ROUTES_FILE), description="routes table (default gateway/routes.toml)"
    )
    # Sent as `Authorization: Bearer <it>` on requests without credentials to the root routes that
    # say adds_token; vars file only. Inside an nginx string: no quote, space, `$` or `;`; and never
    # a guessable one.
    root_routes_token: Annotated[str, Field(pattern=r"^[A-Za-z0-9._~+/=-]{16,512}$")] | None = None
    dev_tls: bool | None = Field(
        None, description="generate a dev certificate when none exists (always on for localhost)"
    )

    @field_validator("*", mode="wrap")
    @classmethod
    def placeholders_pass(cls, value: Any, handler: ValidatorFunctionWrapHandler, info: Any) -> Any:
        """A placeholder's name stands where its value goes, unchecked."""
        if info.field_name in (info.context or {}).get("placeholders", ()):
            return value
        return handler(value)


def check_vars(
    values: dict[str, Any], placeholders: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The variables checked and completed with the defaults, or an error naming each bad one."""
    try:
        model = GatewayVars.model_validate(values, context={"placeholders": placeholders})
    except ValidationError as error:
        raise GatewayConfigError(problems(error)) from None
    return model.model_dump()


class Route(BaseModel):
    """One row of the routes table: a path prefix served by a service's upstream block."""

    prefix: Prefix
    service: str
    port: Port
    websocket: bool = False
    servers: list[str] = []
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


class RootRoute(BaseModel):
    """A path at the site root that a routed service serves as it is (no prefix stripped)."""

    prefix: Prefix
    service: str
    upstream: str = ""  # its service's upstream block, filled from the routes table
    adds_token: StrictBool = False  # gets root_routes_token when a request has no Authorization


class RoutesTable(BaseModel):
    """routes.toml: the routes, the root routes (each naming a route's service), the dashboard."""

    instance_port_step: Annotated[StrictInt, Field(ge=10, le=1000)] = DEFAULT_INSTANCE_PORT_STEP
    routes: list[Route] = []
    root_routes: list[RootRoute] = []
    dashboard: dict[str, str] = {"prefix": "/", "root": ".local/console"}
    unrouted_ports: dict[str, Port] = {}  # services the gateway does not route (the follower)

    @model_validator(mode="after")
    def link_routes(self) -> RoutesTable:
        """Gives each route the instance step and each root route its service's upstream."""
        upstreams = {route.service: route.upstream for route in self.routes}
        for route in self.routes:
            route.instance_port_step = self.instance_port_step
        for root in self.root_routes:
            if root.prefix in {route.prefix for route in self.routes}:
                raise ValueError(f"root route {root.prefix!r} is a route's prefix")
            if root.service not in upstreams:
                raise ValueError(f"root route {root.prefix!r}: no route for {root.service!r}")
            root.upstream = upstreams[root.service]
        return self


def read_routes_table(path: Path) -> RoutesTable:
    """routes.toml, checked."""
    try:
        return RoutesTable.model_validate(tomllib.loads(path.read_text()))
    except ValidationError as error:
        raise GatewayConfigError(f"{path}: {problems(error)}") from None


def local_ports(path: Path = ROUTES_FILE) -> dict[str, int]:
    """Each service's development port (its first instance's), routed or not: routes.toml's."""
    table = read_routes_table(path)
    return {route.service: route.port for route in table.routes} | table.unrouted_ports


def load_routes(path: Path) -> tuple[list[Route], dict[str, str]]:
    """Reads the routes table and the dashboard entry from routes.toml."""
    table = read_routes_table(path)
    return table.routes, table.dashboard


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
            values[name] = value
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
    values = check_vars(values, placeholders)
    table = read_routes_table(Path(values["routes_file"]))
    routes, root_routes, dashboard = table.routes, table.root_routes, table.dashboard
    resolve_routes(routes, values["upstreams"], values["instances"])
    prefix_dir = Path(values["prefix_dir"]).resolve()
    dashboard_root = Path(values["dashboard_root"] or REPO_ROOT / dashboard["root"])
    tls_dir = Path(values["tls_dir"]).resolve()
    domain = values["domain"]
    if values["tls_cert"] and values["tls_key"]:
        cert, key = Path(values["tls_cert"]), Path(values["tls_key"])
    elif render_only or "domain" in placeholders:
        cert, key = tls_dir / f"{domain}-bundle.crt", tls_dir / f"{domain}-key.pem"
    else:
        dev_tls = domain == "localhost" or bool(values["dev_tls"])
        cert, key = ensure_tls(tls_dir, domain, dev_tls=dev_tls)
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
    """The render.py command line: a flag for each of GatewayVars' variables (FILE_ONLY aside);
    each defaults to the vars file, then GatewayVars."""
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
    for name, info in GatewayVars.model_fields.items():
        if name in FILE_ONLY:
            continue
        flag, help = "--" + name.replace("_", "-"), info.description
        if name == "dev_tls":
            p.add_argument(flag, action="store_true", default=None, help=help)
        elif name == "rate_limit_exempt":
            p.add_argument(flag, action="append", metavar="CIDR", help=help)
        else:
            default = "" if info.default is None else f" (default {info.default})"
            p.add_argument(flag, help=f"{help or name.replace('_', ' ')}{default}")
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
    """The vars file, overlaid by the upstreams file and flags (check_vars adds the defaults)."""
    values = read_vars_file(Path(args.vars_file)) if args.vars_file else {}
    upstreams = dict(values.get("upstreams", {}))
    if args.upstreams_file:
        upstreams.update(read_upstreams_file(Path(args.upstreams_file)))
    upstreams.update(map(parse_upstream_flag, args.upstream))
    values["upstreams"] = upstreams
    values["instances"] = dict(values.get("instances", {})) | dict(
        map(parse_instances_flag, args.instances)
    )
    for key in GatewayVars.model_fields.keys() - FILE_ONLY:
        if getattr(args, key) is not None:
            values[key] = getattr(args, key)
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
