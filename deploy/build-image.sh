#!/usr/bin/env bash
# Builds Lethe's image without a Docker daemon or a registry: a Debian 12 root filesystem made with debootstrap,
# with this machine's Node 20 copied in, becomes the local base image; then buildah builds deploy/Dockerfile on it
# (chroot isolation: cgroups make the default isolation fail on some hosts) and writes an OCI archive.
#   bash deploy/build-image.sh [target: runtime|gpu] [out.tar]
# Needs root, Debian's debootstrap and buildah (installed when missing), and the Debian mirror and npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-runtime}
out=${2:-lethe-${target}.oci.tar}
work=${LETHE_IMAGE_WORK:-/var/tmp/lethe-image}
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v buildah >/dev/null || need+=(buildah)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; fi
mkdir -p "$work"
if ! buildah images --quiet localhost/lethe-base:bookworm-node20 >/dev/null 2>&1; then
  rm -rf "$work/rootfs"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >/dev/null
  # Node 20 from this machine: the same major the project pins (engines), no download.
  node_root=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  cp -a "$node_root/bin/node" "$work/rootfs/usr/local/bin/node"
  mkdir -p "$work/rootfs/usr/local/lib"
  cp -a "$node_root/lib/node_modules" "$work/rootfs/usr/local/lib/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  # This machine's CA bundle (its npm and apt may go through a TLS-inspecting proxy): the build stage's npm ci trusts
  # what the host trusts. It is in the local base only; a registry base image brings its own.
  mkdir -p "$work/rootfs/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$work/rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
  ctr=$(buildah from scratch)
  buildah add "$ctr" "$work/rootfs.tar" / >/dev/null
  buildah config --env PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt "$ctr"
  buildah commit --quiet "$ctr" localhost/lethe-base:bookworm-node20 >/dev/null
  buildah rm "$ctr" >/dev/null
fi
buildah build --isolation chroot --layers -f deploy/Dockerfile --target "$target" \
  --build-arg BASE=localhost/lethe-base:bookworm-node20 --build-arg BASE_GPU=localhost/lethe-base:bookworm-node20 \
  -t "localhost/lethe:${target}" .
buildah push "localhost/lethe:${target}" "oci-archive:${out}"
echo "built localhost/lethe:${target} -> ${out} ($(du -h "$out" | cut -f1))"
buildah images --format "{{.Name}}:{{.Tag}} {{.Size}}" | grep "lethe"
