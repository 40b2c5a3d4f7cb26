#!/usr/bin/env bash
# Makes a development CA and a server certificate for the gateway, with the openssl CLI.
#
#   gateway/dev_tls.sh DIR [NAME]
#
# Writes DIR/ca.crt + DIR/ca.key (the dev CA: trust ca.crt in clients) and
# DIR/NAME-bundle.crt + DIR/NAME-key.pem (NAME defaults to localhost), the names the gateway
# looks for. The certificate covers localhost, 127.0.0.1 and ::1 (and NAME). Idempotent: an
# existing CA is kept, and an existing certificate is kept while it verifies against the CA and
# has more than 30 days left.
set -euo pipefail

dir=${1:?usage: dev_tls.sh DIR [NAME]}
name=${2:-localhost}
mkdir -p "$dir"
umask 077

ca_crt="$dir/ca.crt"
ca_key="$dir/ca.key"
bundle="$dir/$name-bundle.crt"
key="$dir/$name-key.pem"

if [[ ! -s $ca_crt || ! -s $ca_key ]]; then
    openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
        -keyout "$ca_key" -out "$ca_crt" -days 3650 -sha256 \
        -subj "/O=Meridian development/CN=Meridian development CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" 2>/dev/null
    chmod 644 "$ca_crt"
    rm -f "$bundle" "$key"
    echo "dev_tls: made a development CA at $ca_crt"
fi

if [[ -s $bundle && -s $key ]] \
    && openssl verify -CAfile "$ca_crt" "$bundle" >/dev/null 2>&1 \
    && openssl x509 -in "$bundle" -noout -checkend $((30 * 86400)) >/dev/null; then
    exit 0
fi

san="DNS:localhost,IP:127.0.0.1,IP:::1"
if [[ $name != localhost ]]; then
    san="DNS:$name,$san"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/ext.cnf" <<EOF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
subjectAltName = $san
EOF
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$work/key.pem" -out "$work/req.csr" -subj "/O=Meridian development/CN=$name" 2>/dev/null
openssl x509 -req -in "$work/req.csr" -CA "$ca_crt" -CAkey "$ca_key" -CAcreateserial \
    -CAserial "$work/ca.srl" -out "$work/cert.pem" -days 397 -sha256 \
    -extfile "$work/ext.cnf" 2>/dev/null
# The bundle is the certificate followed by its issuer, as operators' bundles are.
cat "$work/cert.pem" "$ca_crt" >"$work/bundle.crt"
chmod 644 "$work/bundle.crt"
mv "$work/key.pem" "$key"
mv "$work/bundle.crt" "$bundle"
echo "dev_tls: made $bundle for $san, signed by $ca_crt"
