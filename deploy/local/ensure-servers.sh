#!/usr/bin/env bash
# Makes sure the etcd and nats-server binaries the integration tests start are installed.
# On Debian as root it installs them (etcd-server, nats-server); elsewhere it says what to install.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

missing=()
have etcd || missing+=(etcd-server)
have nats-server || missing+=(nats-server)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (Debian packages) for the integration tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "the integration tests need: ${missing[*]} (Debian: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
