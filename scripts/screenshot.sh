#!/usr/bin/env bash
# The README's screenshot of the HTML report: builds the real Node.js test image
# (testdata/node/build.sh: single-stage, npm install, COPY . . with a local
# node_modules), writes its report and has headless Chromium draw it.
#
#   scripts/screenshot.sh [IMAGE]     # default: the single-stage Node.js image
#
# Needs what testdata/node/build.sh needs (root, buildah, skopeo, node, npm), and
# chromium. Writes docs/report.html's picture to docs/report.png.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
image=${1:-}
if [ -z "$image" ]; then
  testdata/node/build.sh "$work/node" >/dev/null
  image=$work/node/single.tar
fi
cargo build --release --quiet --bin imgsize
target/release/imgsize inspect --format html -o "$work/report.html" "$image"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1280,1000 \
  --screenshot="$PWD/docs/report.png" "file://$work/report.html" >/dev/null 2>&1
echo "docs/report.png ($(stat -c %s docs/report.png) bytes) from $image"
