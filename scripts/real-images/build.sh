#!/usr/bin/env bash
# Builds one more kind of real image for the benchmark (scripts/bench-real.sh), on
# a Debian bookworm base made by debootstrap, with buildah; on demand, never
# committed. Writes OUT/KIND.tar (docker-archive), OUT/KIND-gzip/ and
# OUT/KIND-zstd/ (OCI layouts).
#
#   scripts/real-images/build.sh KIND OUT
#
# KIND:
#   debian-npm  Debian's own nodejs and npm from apt (hundreds of node-* packages
#               under /usr/share/nodejs, each a package folder), the apt lists and
#               cache kept, `npm install` with its cache, `COPY . .` with a local
#               node_modules, `npm run build`: scripts/real-node/app's service.
#   python      a Django/pandas service: python3 from apt, a virtualenv, pip
#               install with its cache, `COPY . .` with a local __pycache__,
#               compileall.
#   static      a Go server (the standard library only) built by Debian's golang
#               in one stage and copied onto an empty base with CA certificates.
#   polyglot    beyond Node, Debian and Python: a Go server with a second module,
#               two Ruby gems installed `--local`, a Composer project from a
#               `path` repository, jars copied outside dpkg, a Spring Boot-style jar
#               and a WAR made by the JDK's `jar`, a Rust program (clap,
#               serde_json) built with `cargo auditable` (polyglot/Containerfile).
#
# Needs root, debootstrap, buildah, skopeo, npm, cargo-auditable (polyglot), and
# the Debian, npm, PyPI and crates.io registries. TLS to the registries goes
# through this machine's CA: mounted for the RUN steps only, so nothing of it
# lands in an image.
set -euo pipefail
kind=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$here/$kind/Containerfile" ] || { echo "unknown kind $kind" >&2; exit 2; }
# shellcheck source=testdata/storage.sh
. "$here/../../testdata/storage.sh"
build_workspace

root="$work/rootfs"
debian_rootfs "$root"
base=$(buildah from scratch)
buildah copy "$base" "$root" / >/dev/null
buildah config --created-by "ADD debian-bookworm /" \
  --env PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin "$base"
buildah commit --rm "$base" imgsize-debian >/dev/null

ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
printf 'cafile=/tmp/ca.crt\nfund=false\naudit=false\nupdate-notifier=false\n' > "$work/npmrc"
ctx="$work/ctx"
case $kind in
  debian-npm)
    # The developer's checkout: the service and its local node_modules.
    cp -r "$here/../real-node/app" "$ctx"
    (cd "$ctx" && npm install --no-audit --no-fund --cafile "$ca" >/dev/null 2>&1)
    ;;
  python)
    cp -r "$here/python/app" "$ctx"
    python3 -m compileall -q "$ctx" >/dev/null
    ;;
  static)
    cp -r "$here/static/app" "$ctx"
    ;;
  polyglot)
    # The gems and the Composer project are the Debian test image's
    # (testdata/debian), the Go server this kind's own.
    cp -r "$here/polyglot/app" "$ctx"
    cp -r "$here/../../testdata/debian/gems" "$here/../../testdata/debian/php" "$ctx/"
    # The Rust program, built here by `cargo auditable` (crates.io), as a build
    # stage would: Debian's rustc is older than cargo-auditable needs.
    CARGO_TARGET_DIR="$work/rust-target" cargo auditable build --release --locked --quiet \
      --manifest-path "$here/polyglot/rust/Cargo.toml"
    cp "$work/rust-target/release/report-tool" "$ctx/report-tool"
    ;;
esac
buildah bud --isolation chroot --layers -q \
  -v "$ca:/tmp/ca.crt:ro" -v "$work/npmrc:/tmp/npmrc:ro" \
  --build-arg NPM_CONFIG_USERCONFIG=/tmp/npmrc --build-arg PIP_CERT=/tmp/ca.crt \
  -f "$here/$kind/Containerfile" -t "imgsize-$kind" "$ctx" >/dev/null
rm -rf "${out:?}/$kind.tar" "$out/$kind-gzip" "$out/$kind-zstd"
skopeo copy -q "containers-storage:localhost/imgsize-$kind" "docker-archive:$out/$kind.tar:$kind:latest"
skopeo copy -q "containers-storage:localhost/imgsize-$kind" "oci:$out/$kind-gzip:latest"
skopeo copy -q --dest-compress-format zstd "containers-storage:localhost/imgsize-$kind" "oci:$out/$kind-zstd:latest"
