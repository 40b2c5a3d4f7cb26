# The local stand-in for the official nginx image (bookworm), which gateway/Dockerfile builds on:
# Debian's nginx with what the gateway image expects of nginx's: an `nginx` user, curl (its
# healthcheck), /etc/nginx/mime.types, and an entrypoint that runs /docker-entrypoint.d/*.sh first.
ARG BASE_IMAGE=meridian-local/python:3.11-bookworm
FROM ${BASE_IMAGE}
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update \
    && apt-get install -y --no-install-recommends nginx curl \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
    && groupadd --system nginx \
    && useradd --system --gid nginx --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin nginx \
    && install -d /docker-entrypoint.d
COPY nginx-entrypoint.sh /docker-entrypoint.sh
RUN chmod 0755 /docker-entrypoint.sh
ENTRYPOINT ["/docker-entrypoint.sh"]
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
