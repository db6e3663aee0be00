#!/usr/bin/env bash
# Builds the web client into client/dist: the wasm app (cargo + wasm-bindgen,
# then wasm-opt unless PROFILE is dev), the Tailwind stylesheet and the static
# files. Needs the wasm32 target, wasm-bindgen-cli matching the crate, and
# `npm ci --prefix client`; `just build-client` installs them first, and
# deploy/client.Dockerfile runs this same script. Cargo's target directory is
# $CARGO_TARGET_DIR (the justfile sets it), or else ./target.
#
# Usage: client/build.sh [wasm-release|dev]
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-wasm-release}"
out_dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
target_dir="${CARGO_TARGET_DIR:-target}"

cargo build -p client --target wasm32-unknown-unknown --profile "$profile"
rm -rf client/dist && mkdir -p client/dist
wasm-bindgen --target web --no-typescript --out-dir client/dist --out-name client \
    "$target_dir/wasm32-unknown-unknown/$out_dir/client.wasm"
if [ "$profile" != dev ]; then
    client/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
        client/dist/client_bg.wasm -o client/dist/client_bg.wasm
fi
client/node_modules/.bin/tailwindcss --cwd client -i input.css -o dist/app.css --minify 2>/dev/null
cp client/index.html client/public/* client/dist/
echo "client/dist: $(du -sh client/dist | cut -f1) on disk; gzipped: $(gzip -9 <client/dist/client_bg.wasm | wc -c) bytes wasm"
