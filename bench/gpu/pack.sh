#!/usr/bin/env bash
# Packs what bench/gpu/device.sh needs into .devbench/ (git-ignored): the lent GPU machine has no Node and no
# npm registry, and the working tree that travels there is limited to 64 MiB, so Node, the bundled benchmark
# child (bench/nodeTrain.ts), tfjs's wasm binaries and the `webgpu` package's Linux Dawn build go compressed.
#
# It also fetches into .gl/ (git-ignored) the Vulkan loader and the glvnd libraries NVIDIA's Vulkan driver needs, which
# the GPU image lacks (Debian amd64 packages, unpacked there by device.sh).
#
#   bash bench/gpu/pack.sh      # then copy the repo with .devbench and .gl to the GPU machine and run device.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.devbench
rm -rf "$out"
mkdir -p "$out/node_modules/webgpu"
# an ESM bundle of CommonJS dependencies needs require/__dirname back
banner="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
npx esbuild bench/nodeTrain.ts --bundle --platform=node --format=esm --target=node20 --external:webgpu \
  --outfile="$out/nodeTrain.mjs" --log-level=warning --banner:js="$banner"
# the bundle loads tfjs's wasm binaries from its own folder
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$out/"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$out/node_modules/webgpu/"
xz -9 -c node_modules/webgpu/dist/linux-x64/dawn.node >"$out/dawn.node.xz"
strip -o "$out/node" "$(command -v node)"
xz -9 -T0 "$out/node"
mkdir -p .gl/x /tmp/amd64/partial
apt_amd64=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64)
apt-get "${apt_amd64[@]}" update -qq
(cd .gl && apt-get "${apt_amd64[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
(cd .gl/x && apt-get "${apt_amd64[@]}" download libx11-6 libxext6 libxcb1 libxau6 libxdmcp6)
du -sh "$out" .gl
