#!/usr/bin/env bash
# `imgsize overlap` at scale: generated fleets of 10, 50 and 200 services
# (examples/gen_fleet.rs: 40,000 files and 500 MB per image, an OS layer all share,
# two runtime releases, each service's own `npm ci` and app layers, gzip OCI
# layouts of zero-filled files), then real images. For each: the distinct layers
# and files read, the median time (hyperfine) and the peak memory (GNU time).
# Prints the Markdown tables of BENCHMARKS.md.
#
#   scripts/bench-fleet.sh [WORKDIR] [REAL_IMAGE...]
#
# The fleets take about 1.4 GB of disk (zero-filled layers compress well) and are
# left in WORKDIR/fleet-N for re-runs. REAL_IMAGE arguments (any input imgsize
# reads) are measured as one more fleet, beside the sum of `imgsize inspect` on
# each: reading each layer once should cost no more than inspecting the images.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/imgsize-bench}
shift || true
runs=${RUNS:-5}
mkdir -p "$work"
source scripts/bench-lib.sh
cargo build --release --quiet --bin imgsize
cargo build --release --quiet --features synth --example gen_fleet
bin=$PWD/target/release/imgsize
gen=$PWD/target/release/examples/gen_fleet

summary() { # json report -> "distinct layers|distinct files|node bytes"
  python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
t = v["totals"]
print("%d|%d|%.1f GB|%.1f GB" % (t["distinct_layers"], t["layers"], t["node_bytes"] / 1e9, t["sum_of_sizes"] / 1e9))
' "$1"
}

echo "| Images | Layers (distinct) | Bytes (distinct) | Time | Per distinct layer | Peak memory |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in 10 50 200; do
  fleet="$work/fleet-$n"
  if [ ! -e "$fleet/svc$(printf %03d $((n - 1)))/index.json" ]; then
    rm -rf "$fleet"
    "$gen" "$fleet" "$n" >/dev/null
  fi
  "$bin" overlap --no-progress --format json "$fleet/svc*" >"$work/fleet-$n.json"
  IFS='|' read -r distinct layers node sum <<<"$(summary "$work/fleet-$n.json")"
  t=$(HF_ROUNDS=1 hf "fleet-$n" "$bin overlap --no-progress --format json '$fleet/svc*'")
  mem=$(peak_mb "$bin" overlap --no-progress --format json "$fleet/svc*")
  per=$(python3 -c "print('%.1f ms' % ($t * 1000 / $distinct))")
  echo "| $n | $layers ($distinct) | $sum ($node) | ${t} s | $per | ${mem} MB |"
done

if [ "$#" -ge 2 ]; then
  echo
  echo "| Real images | Layers (distinct) | Bytes (distinct) | overlap | inspect, each image | Peak memory (overlap) |"
  echo "|---|---:|---:|---:|---:|---:|"
  "$bin" overlap --no-progress --format json "$@" >"$work/fleet-real.json"
  IFS='|' read -r distinct layers node sum <<<"$(summary "$work/fleet-real.json")"
  t=$(HF_ROUNDS=1 hf fleet-real "$bin overlap --no-progress --format json $*")
  each=0
  for img in "$@"; do
    ti=$(HF_ROUNDS=1 hf "inspect-$(basename "$img")" "$bin inspect --no-progress --format json $img")
    each=$(python3 -c "print($each + $ti)")
  done
  mem=$(peak_mb "$bin" overlap --no-progress --format json "$@")
  echo "| $# images | $layers ($distinct) | $sum ($node) | ${t} s | $(printf %.3f "$each") s | ${mem} MB |"
fi
