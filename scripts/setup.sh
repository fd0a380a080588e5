#!/usr/bin/env bash
# Installs the Debian 12 packages otp-cpp needs; does nothing (quickly) when they are all there.
# libboost1.81-dev cannot sit beside the unversioned libboost-*-dev (1.74) packages: never add those.
# Usage: scripts/setup.sh [fuzz | bench]   (fuzz: also clang 14 and its libFuzzer runtime, for
# scripts/fuzz.sh; bench: also CAF 0.17, for the CAF twin that scripts/bench.sh runs)
set -euo pipefail

packages=(g++ cmake make ninja-build libboost1.81-dev libboost-program-options1.81-dev libboost-context1.81-dev
          libboost-filesystem1.81-dev libyaml-cpp-dev libsqlite3-dev libgtest-dev libgmock-dev libbenchmark-dev
          libspdlog-dev libfmt-dev libarchive-dev libssl-dev openssl erlang-base erlang-ssl clang-format
          prometheus chromium)
[[ ${1:-} == fuzz ]] && packages+=(clang-14 libclang-rt-14-dev)
[[ ${1:-} == bench ]] && packages+=(libcaf-dev)

installed=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' "${packages[@]}" 2>/dev/null |
            awk '$1 == "installed" { print $2 }' || true)
missing=()
for package in "${packages[@]}"; do
  grep -qxF "$package" <<<"$installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "setup: installing ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
