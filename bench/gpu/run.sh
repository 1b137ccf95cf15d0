#!/usr/bin/env bash
# Runs the packed bench (bundle.sh) on a GPU machine: unpacks node and dawn.node, installs the Vulkan loader from
# .gl/ when the image lacks one, points Vulkan at the NVIDIA driver's ICD, then runs bench:train with the given
# arguments (default: the batched rows on webgpu and wasm).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! ldconfig -p | grep -q libvulkan; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
gunzip -c .gpu/node.gz > /tmp/node && chmod +x /tmp/node
rm -rf /tmp/lethe-gpu && mkdir -p /tmp/lethe-gpu && cp -r .gpu/. /tmp/lethe-gpu/ && mkdir -p /tmp/lethe-gpu/node_modules
mv /tmp/lethe-gpu/webgpu /tmp/lethe-gpu/node_modules/webgpu
gunzip /tmp/lethe-gpu/node_modules/webgpu/dist/linux-x64/dawn.node.gz
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
[ -f "$icd" ] && export VK_DRIVER_FILES="$icd"
export XDG_RUNTIME_DIR=/tmp/xdg && mkdir -p "$XDG_RUNTIME_DIR"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
cd /tmp/lethe-gpu
if [ "$#" -eq 0 ]; then set -- --synthetic --batched-only --backends webgpu,wasm --json; fi
LETHE_BACKEND=webgpu /tmp/node bench-train.mjs "$@"
