#!/bin/sh
# Run by the nginx image's entrypoint before nginx starts: makes sure the TLS files exist.
set -eu
domain=$(cat /etc/meridian/domain)
tls=/etc/meridian/tls
if [ -s "$tls/$domain-bundle.crt" ] && [ -s "$tls/$domain-key.pem" ]; then
    exit 0
fi
if [ "${GATEWAY_DEV_TLS:-1}" = 1 ]; then
    bash /usr/local/bin/meridian-dev-tls "$tls" "$domain"
else
    echo "gateway: put $domain-bundle.crt and $domain-key.pem in $tls (GATEWAY_DEV_TLS=0)" >&2
    exit 1
fi
