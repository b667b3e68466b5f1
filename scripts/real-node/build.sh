#!/usr/bin/env bash
# Builds the benchmark's real Node.js image: a Debian bookworm base (debootstrap
# minbase) with this machine's node and npm in /usr/local, then Containerfile (apt
# build tools, npm install of app/'s few hundred real dependencies, `COPY . .` with
# a local node_modules, tsc with source maps). Writes, under OUT:
#   real.tar (docker-archive)   real-gzip/ (OCI, gzip)   real-zstd/ (OCI, zstd)
# Built on demand, never committed. Needs root, debootstrap, buildah, skopeo, node,
# npm, and the Debian and npm registries. Used by scripts/bench-vs-dive.sh.
set -euo pipefail
out=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tag="imgsize-real"
# shellcheck source=testdata/storage.sh
. "$here/../../testdata/storage.sh"
build_workspace

root="$work/rootfs"
debian_rootfs "$root"
# node and npm as their release tarball installs them.
cp "$(readlink -f "$(command -v node)")" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$(npm root -g)/npm" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
base=$(buildah from scratch)
buildah copy "$base" "$root" / >/dev/null
buildah config --created-by "ADD debian-bookworm-node20 /" \
  --env PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin "$base"
buildah commit --rm "$base" "$tag-base" >/dev/null

# The build context, with the developer's local node_modules in it.
ctx="$work/ctx"
cp -r "$here/app" "$ctx"
ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
printf 'cafile=/tmp/ca.crt\nfund=false\naudit=false\nupdate-notifier=false\n' > "$work/npmrc"
(cd "$ctx" && npm install --no-audit --no-fund --cafile "$ca" >/dev/null 2>&1)
buildah bud --isolation chroot --layers -q \
  -v "$ca:/tmp/ca.crt:ro" -v "$work/npmrc:/tmp/npmrc:ro" \
  --build-arg NPM_CONFIG_USERCONFIG=/tmp/npmrc \
  -f "$here/Containerfile" -t "$tag" "$ctx" >/dev/null
rm -rf "${out:?}/real.tar" "$out/real-gzip" "$out/real-zstd"
skopeo copy -q "containers-storage:localhost/$tag" "docker-archive:$out/real.tar:real:latest"
skopeo copy -q "containers-storage:localhost/$tag" "oci:$out/real-gzip:latest"
skopeo copy -q --dest-compress-format zstd "containers-storage:localhost/$tag" "oci:$out/real-zstd:latest"
