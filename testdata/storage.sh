# Sourced by the image build scripts (testdata/node, testdata/debian,
# scripts/real-node, scripts/real-images). `build_workspace` gives a script its
# temporary folder `$work` with a private storage in it, both removed when it
# exits, and buildah's chroot isolation; `debian_rootfs DIR` debootstraps a minimal
# Debian bookworm into DIR. `private_storage DIR` points buildah and skopeo at a
# containers storage of their own under DIR, so that nothing a build makes stays in
# the machine's storage: not its tagged images, nor the untagged images that
# `buildah bud --layers` commits for each step of a stage it does not tag (a
# multi-stage build's builder). Two builds running at once do not meet, so image
# names need not be unique. `drop_private_storage` removes it (after removing any
# container left mounted); call it from the script's exit trap.
private_storage() {
  storage_dir=$1
  mkdir -p "$storage_dir/graph" "$storage_dir/run"
  printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
    "$storage_dir/graph" "$storage_dir/run" > "$storage_dir/storage.conf"
  export CONTAINERS_STORAGE_CONF="$storage_dir/storage.conf"
}

drop_private_storage() {
  [[ -n ${storage_dir:-} && -d $storage_dir ]] || return 0
  buildah rm --all >/dev/null 2>&1 || true
  rm -rf "$storage_dir"
}

build_workspace() {
  work=$(mktemp -d)
  trap 'drop_private_storage; rm -rf "$work"' EXIT
  private_storage "$work/containers"
  export BUILDAH_ISOLATION=chroot
}

debian_rootfs() {
  debootstrap --variant=minbase bookworm "$1" http://deb.debian.org/debian >/dev/null
  rm -f "$1"/var/cache/apt/archives/*.deb
}
