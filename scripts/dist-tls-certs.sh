#!/usr/bin/env bash
# Usage: scripts/dist-tls-certs.sh DIR NAME [HOST...]
# Makes certificates for distribution over TLS (docs/distribution.md, "TLS") with the openssl
# command: a certificate authority DIR/ca.pem (key DIR/ca.key), made on the first call and reused
# by the next ones, and DIR/NAME.pem with its key DIR/NAME.key, signed by it, for both TLS roles
# (serverAuth and clientAuth). HOST, default "localhost 127.0.0.1", is each host part the node's
# name may have: every one goes in the certificate as a DNS name (Erlang matches a node's host part
# as one), and an IP address also as an IP address (otp-cpp matches it as one). Keys are P-256,
# unencrypted, readable by their owner only; certificates are valid for 825 days.
# For tests and small clusters; a real deployment signs with its own CA.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 DIR NAME [HOST...]" >&2
  exit 2
fi
dir=$1
name=$2
shift 2
hosts=("$@")
[[ ${#hosts[@]} -gt 0 ]] || hosts=(localhost 127.0.0.1)
mkdir -p "$dir"
umask 077
quiet() { "$@" 2>/dev/null >/dev/null || { echo "$0: failed: $*" >&2; exit 1; }; }

if [[ ! -f $dir/ca.pem ]]; then
  quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
    -subj "/CN=otp-cpp distribution CA" -keyout "$dir/ca.key" -out "$dir/ca.pem"
fi

names=()
for host in "${hosts[@]}"; do
  names+=("DNS:$host")
  [[ $host =~ ^[0-9.]+$ || $host == *:* ]] && names+=("IP:$host")
done
extensions=$(mktemp)
trap 'rm -f "$extensions" "$dir/$name.csr"' EXIT
{
  echo "subjectAltName=$(IFS=,; echo "${names[*]}")"
  echo "extendedKeyUsage=serverAuth,clientAuth"
} >"$extensions"
quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$name" \
  -keyout "$dir/$name.key" -out "$dir/$name.csr"
quiet openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 825 -extfile "$extensions" -out "$dir/$name.pem"
chmod 0644 "$dir/ca.pem" "$dir/$name.pem"
