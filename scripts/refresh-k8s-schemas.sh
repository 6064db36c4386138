#!/usr/bin/env bash
# Downloads the custom-resource schemas in tests/delivery/schemas again from datree's public
# CRDs catalogue (github.com/datreeio/CRDs-catalog, MIT), at the pinned commit or the one given:
#   scripts/refresh-k8s-schemas.sh [COMMIT]
# Only the files already in the folder are refreshed; add a path there to add a kind.
# K8S_SCHEMAS_SOURCE (a base URL) and K8S_SCHEMAS_DIR (the folder) override the two ends.
set -euo pipefail

COMMIT="${1:-7b1e26ef9deea49293714d204c1a2270aab1178f}"
BASE="${K8S_SCHEMAS_SOURCE:-https://raw.githubusercontent.com/datreeio/CRDs-catalog/${COMMIT}}"
DIR="${K8S_SCHEMAS_DIR:-$(cd "$(dirname "$0")/.." && pwd)/tests/delivery/schemas}"

cd "$DIR"
mapfile -t files < <(find . -name '*.json' -printf '%P\n' | sort)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for file in "${files[@]}" LICENSE; do
  mkdir -p "$tmp/$(dirname "$file")"
  if ! curl -fsSL --max-time 30 "$BASE/$file" -o "$tmp/$file"; then
    echo "could not download $BASE/$file; nothing was changed" >&2
    exit 1
  fi
done
for file in "${files[@]}" LICENSE; do
  cp "$tmp/$file" "$DIR/$file"
done
echo "refreshed ${#files[@]} schemas from datreeio/CRDs-catalog@${COMMIT}"
if [ "$COMMIT" != "7b1e26ef9deea49293714d204c1a2270aab1178f" ]; then
  echo "update the commit in tests/delivery/schemas/README.md and in this script" >&2
fi
