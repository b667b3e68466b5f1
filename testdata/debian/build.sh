#!/usr/bin/env bash
# Builds a Debian image with pip packages, Ruby gems and a Composer project in it,
# and writes it as an OCI layout and a docker-archive:  OUT/python/  OUT/python.tar
# The base is this machine's own Debian packages (python3, pip, ruby, composer, the
# coreutils their scripts run through /usr/bin/env, and everything they depend on,
# with dash for /bin/sh): their files as dpkg lists
# them, their stanzas of var/lib/dpkg/status and their info/*.list files, so the
# image holds real dpkg records. pip reaches PyPI from the RUN step through this
# machine's CA bundle, mounted for that step only, so nothing of it lands in the
# image; the gems (gems/) and the Composer packages (php/, a `path` repository)
# come from the build context.
# Needs root, buildah, skopeo, dpkg-query, python3-pip, ruby, composer. Used by
# tests/it/debian.rs.
set -euo pipefail
out=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
tag="imgsize-debian"
# shellcheck source=testdata/storage.sh
. "$here/../storage.sh"
build_workspace

# The installed dependency closure of the roots (first alternative of each).
closure() {
  declare -A seen=()
  local queue=("$@") p deps d first
  while ((${#queue[@]})); do
    p=${queue[0]}
    queue=("${queue[@]:1}")
    [[ -n ${seen[$p]:-} ]] && continue
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || continue
    seen[$p]=1
    deps=$(dpkg-query -W -f='${Pre-Depends}, ${Depends}' "$p")
    IFS=',' read -ra parts <<< "$deps"
    for d in "${parts[@]}"; do
      first=$(sed 's/|.*//; s/([^)]*)//; s/:any//; s/ //g' <<< "$d")
      [[ -n $first ]] && queue+=("$first")
    done
  done
  printf '%s\n' "${!seen[@]}" | sort
}

root="$work/rootfs"
mkdir -p "$root/var/lib/dpkg/info" "$root/tmp" "$root/root" "$root/etc"
# Merged /usr, as Debian 12 has it: /bin, /lib, /lib64 and /sbin are links into
# /usr, while dpkg still lists the files under the links' names.
merged="bin lib lib64 sbin"
for d in $merged; do
  mkdir -p "$root/usr/$d"
  ln -s "usr/$d" "$root/$d"
done
closure python3-minimal python3-pip dash coreutils ruby ruby-rubygems composer > "$work/packages"
# Every listed path that is not a directory (directories come with their files).
while read -r p; do
  dpkg-query -L "$p" | while read -r f; do
    case " $merged " in *" ${f#/} "*) continue ;; esac
    if [[ -L $f || ( -e $f && ! -d $f ) ]]; then printf '%s\n' "${f#/}"; fi
  done
done < "$work/packages" | sort -u > "$work/files"
tar -C / --no-recursion -cf - -T "$work/files" | tar -C "$root" -xf -
# dpkg's records for exactly these packages.
while read -r p; do
  dpkg-query -s "$p"
  echo
  arch=$(dpkg-query -W -f='${Architecture}' "$p")
  for list in "/var/lib/dpkg/info/$p:$arch.list" "/var/lib/dpkg/info/$p.list"; do
    if [[ -f $list ]]; then cp "$list" "$root/var/lib/dpkg/info/"; break; fi
  done
done < "$work/packages" > "$root/var/lib/dpkg/status"
ln -sf dash "$root/usr/bin/sh"
# What dpkg does not list, which its maintainer scripts made: the alternatives'
# links, and PHP's configuration (php.ini and the extensions enabled, written from
# templates; composer needs mbstring).
mkdir -p "$root/etc/alternatives"
for name in php; do
  cp -P "/usr/bin/$name" "$root/usr/bin/$name"
  cp -P "/etc/alternatives/$name" "$root/etc/alternatives/$name"
done
cp -a /etc/php "$root/etc/"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"

base=$(buildah from scratch)
buildah copy "$base" "$root" / >/dev/null
buildah config --created-by "ADD debian-rootfs /" --env PATH=/usr/local/bin:/usr/bin:/bin "$base"
buildah commit --rm "$base" "$tag-base" >/dev/null

cp -r "$here/gems" "$here/php" "$work/"
ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
buildah bud --isolation chroot --layers -q -v "$ca:/tmp/ca.crt:ro" --build-arg PIP_CERT=/tmp/ca.crt \
  -f "$here/Containerfile" -t "$tag-python" "$work" >/dev/null
rm -rf "${out:?}/python" "$out/python.tar"
skopeo copy -q "containers-storage:localhost/$tag-python" "oci:$out/python:latest"
skopeo copy -q "containers-storage:localhost/$tag-python" "docker-archive:$out/python.tar:python:latest"
