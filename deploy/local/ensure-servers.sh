#!/usr/bin/env bash
# Makes sure what the tests need from Debian is installed: the etcd and nats-server binaries the integration
# tests start, openssl (local clusters and tests make their own CA), and the Fashion-MNIST files
# (dataset-fashion-mnist) of the unlearning scenarios.
# On Debian as root it installs them; elsewhere it says what to install.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

missing=()
have etcd || missing+=(etcd-server)
have nats-server || missing+=(nats-server)
have openssl || missing+=(openssl)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (Debian packages) for the tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "the tests need: ${missing[*]} (Debian: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
