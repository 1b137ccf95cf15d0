#!/usr/bin/env bash
# Prints the path of a promtool binary (Prometheus's rule tester, for the chart's alert tests), taking it once into
# node_modules/.cache/lethe-promtool from Debian's prometheus package without installing the package (which would
# start a Prometheus server where systemd runs). $PROMTOOL, when set, is used as is; off Debian, a promtool on the
# PATH is.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -n "${PROMTOOL:-}" ]; then echo "$PROMTOOL"; exit 0; fi
dir=node_modules/.cache/lethe-promtool
if [ ! -x "$dir/promtool" ] && command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # A fresh machine may have no package lists yet: read them once (as root) and try again.
  if ! (cd "$tmp" && apt-get download -qq prometheus >/dev/null 2>&1) && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && (cd "$tmp" && apt-get download -qq prometheus >/dev/null 2>&1) || true
  fi
  deb=$(ls "$tmp"/prometheus_*.deb 2>/dev/null | head -n 1)
  if [ -n "$deb" ]; then
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/bin/promtool
    mkdir -p "$dir"
    mv "$tmp/usr/bin/promtool" "$dir/promtool"
  fi
fi
if [ -x "$dir/promtool" ]; then echo "$PWD/$dir/promtool"; exit 0; fi
if command -v promtool >/dev/null 2>&1; then command -v promtool; exit 0; fi
echo "no promtool: on Debian run this as root once (it reads the package lists), elsewhere install Prometheus's promtool or set PROMTOOL" >&2
exit 1
