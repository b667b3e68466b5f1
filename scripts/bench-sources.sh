#!/usr/bin/env bash
# imgsize reading from a registry and from an engine, against the tools that only
# move the same bytes: `skopeo copy` (the download alone), "skopeo copy, then
# imgsize inspect the copy", `curl --unix-socket .../images/NAME/get` (the engine's
# stream alone), and dive's `--source docker` on the same engine. Prints the
# Markdown tables of BENCHMARKS.md. Called by bench-vs-dive.sh; on its own:
#
#   scripts/bench-sources.sh [WORKDIR]        # 800 MB, 60k files, gzip and zstd
#   QUICK=1 scripts/bench-sources.sh          # 80 MB, to try the script
#
# Needs root, hyperfine, GNU time, curl, skopeo, podman and docker-registry (Debian
# packages); the registry and the Podman service run on a free loopback port and a
# private socket, and stop when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/imgsize-bench}
mkdir -p "$work"
runs=${RUNS:-10}
if [ -n "${QUICK:-}" ]; then files=6000 bytes=80MB runs=3; else files=60000 bytes=800MB; fi
for t in hyperfine curl skopeo podman docker-registry; do
  command -v "$t" >/dev/null || { echo "$t is needed" >&2; exit 2; }
done

cargo build --release --quiet --bin imgsize --example gen_image
bin=$PWD/target/release/imgsize
gen=$PWD/target/release/examples/gen_image
img() { local out="$work/$1"; shift; [ -e "$out" ] || "$gen" "$out" "$@"; echo "$out"; }
common=(--layers 6 --files "$files" --bytes "$bytes")
ocigz=$(img oci-gzip-dir --format oci --compression gzip "${common[@]}")
ocizst=$(img oci-zstd-dir --format oci --compression zstd "${common[@]}")
docker=$(img docker.tar --format docker "${common[@]}")

source scripts/bench-lib.sh

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# The registry.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -rf "$work/registry"; mkdir -p "$work/registry"
cat >"$work/registry.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: 127.0.0.1:$port}
EOF
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
reg=127.0.0.1:$port
skopeo copy --quiet --dest-tls-verify=false "oci:$ocigz" "docker://$reg/bench:gzip"
skopeo copy --quiet --dest-tls-verify=false "oci:$ocizst" "docker://$reg/bench:zstd"

echo
echo "Registry on loopback ($bytes, $files files, 6 layers):"
echo
echo "| layers | imgsize from the registry | skopeo copy alone | skopeo copy, then imgsize | imgsize / copy | imgsize / (copy + imgsize) | imgsize peak RSS | --manifest-only |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for tag in gzip zstd; do
  pull="$work/pull-$tag"
  read -r -a t <<<"$(hf "reg-$tag" \
    "$bin inspect --format json $reg/bench:$tag >/dev/null" \
    "rm -rf $pull; skopeo copy --quiet --src-tls-verify=false docker://$reg/bench:$tag oci:$pull" \
    "rm -rf $pull; skopeo copy --quiet --src-tls-verify=false docker://$reg/bench:$tag oci:$pull && $bin inspect --format json oci:$pull >/dev/null" \
    "$bin inspect --manifest-only --format json $reg/bench:$tag >/dev/null")"
  m=$(peak_mb "$bin" inspect --format json "$reg/bench:$tag")
  echo "| $tag | ${t[0]} s | ${t[1]} s | ${t[2]} s | $(ratio2 "${t[0]}" "${t[1]}") | $(ratio2 "${t[0]}" "${t[2]}") | $m MB | ${t[3]} s |"
done
rm -rf "$work"/pull-*

# The engine: Podman's service with storage of its own.
pod=(podman --root "$work/podman/root" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp" --events-backend file --cgroup-manager cgroupfs)
mkdir -p "$work/podman/tmp"
sock=$work/podman/podman.sock
"${pod[@]}" system service --time=0 "unix://$sock" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
"${pod[@]}" load -q -i "$docker" >/dev/null
name=$("${pod[@]}" images --format '{{.Repository}}:{{.Tag}}' | head -1)
export DOCKER_HOST=unix://$sock
cmds=("$bin inspect --format json $name >/dev/null"
  "curl -s --unix-socket $sock http://d/images/$name/get >/dev/null")
dive_cmd=""
if command -v dive >/dev/null && command -v docker >/dev/null; then
  dive_cmd="CI=true dive --source docker $name --json /dev/null >/dev/null 2>&1"
  # dive asks the docker CLI to save the image; skip it if that cannot reach Podman.
  if bash -c "$dive_cmd"; then cmds+=("$dive_cmd"); else dive_cmd=""; fi
fi
read -r -a t <<<"$(hf engine "${cmds[@]}")"
m=$(peak_mb "$bin" inspect --format json "$name")
echo
echo "Engine (Podman's Docker-compatible service, docker-archive, $bytes, $files files):"
echo
echo "| imgsize from the engine | curl .../images/NAME/get > /dev/null | imgsize / curl | imgsize peak RSS | dive --source docker |"
echo "|---:|---:|---:|---:|---:|"
echo "| ${t[0]} s | ${t[1]} s | $(ratio2 "${t[0]}" "${t[1]}") | $m MB | ${t[2]:-n/a (dive could not reach the engine)}${t[2]:+ s} |"
