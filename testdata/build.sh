#!/usr/bin/env bash
# Rebuilds the real images in testdata/ with buildah and skopeo (Debian's packages; run
# as root). The base is Debian's busybox-static: small, and it has a shell for RUN.
#
#   sudo apt-get install buildah skopeo busybox-static
#   testdata/build.sh
#
# Outputs (committed; a few MB in all):
#   app.docker.tar   docker-archive (classic `docker save` layout, uncompressed layers)
#   app.oci.tar      OCI archive, gzip layers
#   app.oci/         OCI layout directory, gzip layers (same blobs as app.oci.tar)
#   app.zstd.oci/    OCI layout directory, zstd layers
#   app-slim.oci/    the same app as a two-stage build onto an empty base: what the
#                    README's `diff` example compares (`testdata/build.sh slim`
#                    rebuilds it alone)
set -euo pipefail
only=${1:-all}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
# shellcheck source=testdata/storage.sh
source "$here/storage.sh"
private_storage "$work/storage"
trap 'drop_private_storage; rm -rf "$work"' EXIT
export BUILDAH_ISOLATION=chroot
export TZ=UTC SOURCE_DATE_EPOCH=1700000000

# The base image: busybox and its applet links, nothing else.
root="$work/rootfs"
mkdir -p "$root/bin" "$root/tmp" "$root/etc"
cp /bin/busybox "$root/bin/busybox"
for applet in sh ls mkdir rm cp cat echo dd head seq ln touch; do
  ln -s busybox "$root/bin/$applet"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
base=$(buildah from scratch)
buildah copy "$base" "$root" / >/dev/null
buildah config --cmd /bin/sh --created-by "ADD busybox-rootfs /" "$base"
buildah commit --rm "$base" imgsize-test-base >/dev/null

# An app whose layers show each thing imgsize must get right: a file overwritten in a
# later layer, a directory deleted (whiteout), a cache left behind, a directory
# emptied and refilled (opaque), hardlinks, and metadata-only instructions.
ctx="$work/ctx"
mkdir -p "$ctx/src"
printf 'console.log("hello")\n' > "$ctx/src/index.js"
head -c 40000 /dev/zero | tr '\0' 'x' > "$ctx/src/app.js.map"
cat > "$ctx/Containerfile" <<'CF'
FROM imgsize-test-base
WORKDIR /app
RUN mkdir -p /root/.npm/_cacache && dd if=/dev/zero of=/root/.npm/_cacache/blob bs=1000 count=300 2>/dev/null \
 && mkdir -p /app/node_modules/left-pad && dd if=/dev/zero of=/app/node_modules/left-pad/index.js bs=1000 count=50 2>/dev/null
RUN dd if=/dev/zero of=/app/big.bin bs=1000 count=200 2>/dev/null && ln /app/big.bin /app/big.link
COPY src/ /app/src/
RUN rm -rf /root/.npm && dd if=/dev/zero of=/app/big.bin bs=1000 count=20 2>/dev/null
RUN rm -rf /app/node_modules && mkdir -p /app/node_modules/right-pad && echo right > /app/node_modules/right-pad/index.js
ENV NODE_ENV=production
CMD ["sh"]
CF
buildah bud --isolation chroot --layers -f "$ctx/Containerfile" -t imgsize-test-app "$ctx" >/dev/null

# The fix: a second stage onto an empty base, with only what the app runs.
cat > "$ctx/Containerfile.slim" <<'CF'
FROM imgsize-test-app AS build
RUN echo '{"name":"right-pad","version":"1.0.1"}' > /app/node_modules/right-pad/package.json
FROM scratch
COPY --from=build /etc/passwd /etc/passwd
COPY --from=build /app/src/index.js /app/src/index.js
COPY --from=build /app/node_modules /app/node_modules
ENV NODE_ENV=production
CMD ["/app/src/index.js"]
CF
buildah bud --isolation chroot --layers -f "$ctx/Containerfile.slim" -t imgsize-test-slim "$ctx" >/dev/null
rm -rf "$here/app-slim.oci"
skopeo copy -q --dest-compress-format gzip containers-storage:localhost/imgsize-test-slim "oci:$here/app-slim.oci:slim"

if [ "$only" = all ]; then
  rm -rf "$here/app.docker.tar" "$here/app.oci.tar" "$here/app.oci" "$here/app.zstd.oci"
  skopeo copy -q containers-storage:localhost/imgsize-test-app "docker-archive:$here/app.docker.tar:app:latest"
  skopeo copy -q --dest-compress-format gzip containers-storage:localhost/imgsize-test-app "oci-archive:$here/app.oci.tar:latest"
  skopeo copy -q --dest-compress-format gzip containers-storage:localhost/imgsize-test-app "oci:$here/app.oci:latest"
  skopeo copy -q --dest-compress-format zstd containers-storage:localhost/imgsize-test-app "oci:$here/app.zstd.oci:latest"
fi

du -sh "$here"/app.*
