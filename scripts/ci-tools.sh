#!/usr/bin/env bash
# Installs the command-line tools the test suite and scripts/ensure-services.sh need, when missing.
# Safe to run any number of times; does nothing when every tool is already on PATH.
set -euo pipefail

declare -A package_of=(
  [shellcheck]=shellcheck
  [pg_isready]=postgresql-client
  [redis-cli]=redis-tools
  [redis-server]=redis-server
  [prometheus]=prometheus
  [promtool]=prometheus
  [chromium]=chromium
  [chromedriver]=chromium-driver
  [valgrind]=valgrind
  [callgrind_control]=valgrind
)

missing=()
for tool in "${!package_of[@]}"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    missing+=("${package_of[$tool]}")
  fi
done

# The account page is Korean first; Debian's chromium brings no Korean font, so its browser
# tests and screenshots need one (fontconfig comes with chromium).
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=ko | grep -q .; }; then
  missing+=(fonts-nanum)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "ci-tools: ${!package_of[*]} and a Korean font are present"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi

echo "ci-tools: installing ${missing[*]}"
# Debian starts redis-server's service on install, and in CI a Redis container already holds
# port 6379, which would fail the install: packages get installed, no service gets started.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${as_root[@]}" chmod +x /usr/sbin/policy-rc.d
  trap '"${as_root[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
