#!/usr/bin/env bash
# One dominant layer on both cores: eStargz and zstd:chunked layers against the
# same layers as one gzip or zstd stream, and against imgsize before the layers
# were cut (BEFORE, a git revision built in a worktree). Prints the Markdown table
# of BENCHMARKS.md ("One layer on both cores").
#
#   scripts/bench-parallel.sh [WORKDIR]      # about 15 minutes
#
# Images: generated (gen_image, 2.5 GB, 250,000 files, 60% in one layer; eStargz
# written by imgsize's generator, zstd:chunked and zstd by `skopeo copy
# --dest-compress-format`), each also cut down to its largest layer alone
# (scripts/one-layer.py); and, when REAL names the real service's gzip OCI layout
# (scripts/real-node/build.sh), its largest layer (the apt layer) alone and the
# whole image, as gzip and zstd:chunked. Beside them: the largest layer's blob
# decoded alone on one core (examples/decompress.rs), the floor of a layer that is
# not cut; below 1.0x, the layer was read faster than one core decodes it.
#
# Needs hyperfine, GNU time, skopeo, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/imgsize-bench/parallel}
runs=${RUNS:-10}
before=${BEFORE:-23bc27a}
mkdir -p "$work"
source scripts/bench-lib.sh
cargo build --release --quiet --bin imgsize --example gen_image --example decompress
bin=$PWD/target/release/imgsize
gen=$PWD/target/release/examples/gen_image
dec=$PWD/target/release/examples/decompress
if [ ! -x "$work/before/target/release/imgsize" ]; then
  rm -rf "$work/before"
  git worktree add --force --detach "$work/before" "$before" >/dev/null 2>&1
  (cd "$work/before" && cargo build --release --quiet --bin imgsize)
fi
old=$work/before/target/release/imgsize

layout() { # NAME COMPRESSION: a 2.5 GB generated OCI layout
  local d="$work/$1"
  [ -e "$d" ] && return
  case $2 in
    gzip|estargz)
      "$gen" "$d" --format oci --compression "$2" --layers 6 --files 250000 \
        --bytes 2.5GB --largest-layer 0.6 >/dev/null ;;
    zstd|zstd:chunked)
      layout gen-gzip gzip
      skopeo copy -q --dest-compress-format "$2" "oci:$work/gen-gzip" "oci:$d" ;;
  esac
}
largest_blob() { # LAYOUT: path of its largest layer blob
  python3 - "$1" <<'PY'
import json, os, sys
root = sys.argv[1]
b = lambda d: os.path.join(root, "blobs", *d.split(":"))
idx = json.load(open(os.path.join(root, "index.json")))
man = json.load(open(b(idx["manifests"][0]["digest"])))
print(b(max(man["layers"], key=lambda l: l["size"])["digest"]))
PY
}
row() { # LABEL LAYOUT
  local blob; blob=$(largest_blob "$2")
  read -r t_old t_new <<<"$(hf "par-$(basename "$2")" \
    "$old inspect --no-progress --format json $2 >/dev/null" \
    "$bin inspect --no-progress --format json $2 >/dev/null")"
  local floor; floor=$(hf "dec-$(basename "$2")" "$dec $blob >/dev/null")
  local m_old m_new
  m_old=$(peak_mb "$old" inspect --no-progress --format json "$2")
  m_new=$(peak_mb "$bin" inspect --no-progress --format json "$2")
  echo "| $1 | $t_old s | $t_new s | $(ratio2 "$t_old" "$t_new") | $floor s | $(ratio2 "$t_new" "$floor") | $m_old / $m_new MB |"
}

echo "| image | before | now | before / now | largest layer decoded alone, one core | now / that | peak memory before / now |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for c in gzip estargz zstd zstd:chunked; do
  name=gen-${c/:/-}
  layout "$name" "$c"
  [ -e "$work/$name-one" ] || python3 scripts/one-layer.py "$work/$name" "$work/$name-one" >/dev/null
  row "generated 2.5 GB, 60% in one layer, $c" "$work/$name"
  row "its largest layer alone (1.5 GB, 150,000 files), $c" "$work/$name-one"
done
if [ -n "${REAL:-}" ]; then
  [ -e "$work/real-zstd-chunked" ] ||
    skopeo copy -q --dest-compress-format zstd:chunked "oci:$REAL" "oci:$work/real-zstd-chunked"
  for c in gzip zstd-chunked; do
    src=$REAL; [ "$c" = gzip ] || src=$work/real-$c
    [ -e "$work/real-$c-one" ] || python3 scripts/one-layer.py "$src" "$work/real-$c-one" >/dev/null
    row "real service, whole image, $c" "$src"
    row "real service, its apt layer alone, $c" "$work/real-$c-one"
  done
fi
