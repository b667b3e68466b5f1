#!/usr/bin/env bash
# Builds the Node.js app in app/ with buildah three times: single-stage,
# multi-stage, and copied then chowned (`RUN chown -R` after `COPY`), and writes
# each as an OCI layout and a docker-archive:
#   OUT/single/ OUT/single.tar   OUT/multi/ OUT/multi.tar   OUT/chown/ OUT/chown.tar
# The base image is busybox plus this machine's node and npm (no registry image is
# needed). npm reaches the registry from inside the RUN steps through this machine's
# CA bundle, mounted for those steps only, so nothing of it lands in the images.
# Needs root, buildah, skopeo, busybox-static, node and npm. Used by tests/it/node.rs.
set -euo pipefail
out=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tag="imgsize-node"
# shellcheck source=testdata/storage.sh
. "$here/../storage.sh"
build_workspace

# Base: busybox, node with its shared libraries, npm.
root="$work/rootfs"
mkdir -p "$root/bin" "$root/usr/bin" "$root/usr/lib/node_modules" "$root/tmp" "$root/etc" "$root/root"
cp /bin/busybox "$root/bin/busybox"
for applet in sh ls mkdir rm cp cat echo env chown chmod; do ln -s busybox "$root/bin/$applet"; done
ln -s /bin/busybox "$root/usr/bin/env"
node=$(readlink -f "$(command -v node)")
cp "$node" "$root/usr/bin/node"
for lib in $(ldd "$node" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp -a "$(npm root -g 2>/dev/null)/npm" "$root/usr/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' > "$root/etc/group"
base=$(buildah from scratch)
buildah copy "$base" "$root" / >/dev/null
buildah config --created-by "ADD node-rootfs /" --env PATH=/usr/bin:/bin "$base"
buildah commit --rm "$base" "$tag-base" >/dev/null

# The build context, with the developer's local node_modules in it.
ctx="$work/ctx"
cp -r "$here/app" "$ctx"
ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
printf 'cafile=/tmp/ca.crt\nfund=false\naudit=false\nupdate-notifier=false\n' > "$work/npmrc"
(cd "$ctx" && npm ci --no-audit --no-fund --cafile "$ca" >/dev/null 2>&1)
for kind in single multi chown; do
  buildah bud --isolation chroot --layers -q \
    -v "$ca:/tmp/ca.crt:ro" -v "$work/npmrc:/tmp/npmrc:ro" \
    --build-arg NPM_CONFIG_USERCONFIG=/tmp/npmrc \
    -f "$here/Containerfile.$kind" -t "$tag-$kind" "$ctx" >/dev/null
  rm -rf "${out:?}/$kind" "$out/$kind.tar"
  skopeo copy -q "containers-storage:localhost/$tag-$kind" "oci:$out/$kind:latest"
  skopeo copy -q "containers-storage:localhost/$tag-$kind" "docker-archive:$out/$kind.tar:app:$kind"
done
