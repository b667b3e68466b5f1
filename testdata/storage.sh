# Sourced by the image build scripts (testdata/node, testdata/debian,
# scripts/real-node). `private_storage DIR` points buildah and skopeo at a
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
