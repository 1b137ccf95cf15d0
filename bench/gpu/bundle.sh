#!/usr/bin/env bash
# Packs bench:train into a folder that runs on a machine with a GPU and no Node.js installation:
#   .gpu/node.gz            this machine's node binary (x86-64 Linux)
#   .gpu/bench-train.mjs    the bench with TF.js (core, wasm, webgpu) bundled by esbuild
#   .gpu/*.wasm             TF.js's wasm binaries (found beside the bundle)
#   .gpu/webgpu/            the `webgpu` package's loader, dawn.node gzipped
# and the Vulkan loader .debs (.gl/) that Dawn needs where the image lacks them. Run it with bench/gpu/run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu
rm -rf "$out" && mkdir -p "$out/webgpu/dist/linux-x64"
npx esbuild bench/gpu/entry.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --outfile="$out/bench-train.mjs" --log-level=warning \
  --banner:js="import { createRequire as __cr } from 'node:module'; import { dirname as __dn } from 'node:path'; import { fileURLToPath as __fu } from 'node:url'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$out/"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$out/webgpu/"
gzip -c node_modules/webgpu/dist/linux-x64/dawn.node > "$out/webgpu/dist/linux-x64/dawn.node.gz"
gzip -c "$(command -v node)" > "$out/node.gz"
if [ ! -d .gl ] || [ -z "$(ls .gl/*.deb 2>/dev/null)" ]; then
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update >/dev/null
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
fi
du -sh "$out" .gl
