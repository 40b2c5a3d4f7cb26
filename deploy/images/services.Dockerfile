# syntax=docker/dockerfile:1
# The image of each of the six services, one Dockerfile for all (make images builds them with
# deploy/images/images.sh). Build from the repository root (the uv workspace), naming the service
# directory (= its uv package), its console script and its port:
#   docker build -f deploy/images/services.Dockerfile --build-arg SERVICE=analytics \
#     --build-arg COMMAND=analytics --build-arg PORT=8102 -t meridian/analytics .
# The command line is not baked per service: the entrypoint (service_entrypoint.py) starts COMMAND
# and leaves the port to the service's own settings, so the originals' variables keep working
# (analytics' WS_HOST/WS_PORT, metrics-api's METRICS_SERVER_HOST/PORT, HOST/PORT for the others).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13

FROM ${UV_IMAGE} AS uv

# Only the workspace's manifests, so the dependency layer below is rebuilt when they change and
# not on every source edit.
FROM ${PYTHON_IMAGE} AS manifests
WORKDIR /src
COPY pyproject.toml uv.lock ./
COPY libs libs
COPY services services
RUN find . -type f ! -name pyproject.toml ! -name uv.lock -delete

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
COPY --from=uv /uv /usr/local/bin/uv
# SSL_CERT_FILE: uv trusts the system's CA bundle (a podman build here mounts the host's there).
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
WORKDIR /src
COPY --from=manifests /src ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --package "${SERVICE}" --no-dev --no-editable --no-install-workspace
COPY libs libs
COPY services services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --package "${SERVICE}" --no-dev --no-editable

FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
ARG COMMAND
ARG PORT
RUN groupadd --system --gid 10001 meridian \
    && useradd --system --uid 10001 --gid meridian --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin meridian \
    && install -d -o 10001 -g 10001 -m 0750 /data
# The environment stays owned by root: the service can run it, not change it.
COPY --from=build /app/.venv /app/.venv
COPY deploy/images/service_entrypoint.py /usr/local/bin/meridian-service
# Files and state (config-leader's operators, config-follower's files) live in /data, owned by
# the service user; the other services keep nothing there.
VOLUME ["/data"]
LABEL org.opencontainers.image.title="meridian/${SERVICE}"
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MERIDIAN_SERVICE=${SERVICE} \
    MERIDIAN_COMMAND=${COMMAND} \
    MERIDIAN_PORT=${PORT}
WORKDIR /app
USER 10001:10001
EXPOSE ${PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["meridian-service", "--healthcheck"]
ENTRYPOINT ["meridian-service"]
