#!/usr/bin/env bash
# Builds the web client into client/dist: the wasm app (cargo + wasm-bindgen;
# unless PROFILE is dev, also split by wasm-split-cli and shrunk by wasm-opt),
# the Tailwind stylesheet and the static files. Needs the wasm32 target,
# wasm-bindgen-cli and wasm-split-cli at the versions the justfile pins, and
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

wasm_opt() {
    client/node_modules/.bin/wasm-opt -Oz --strip-debug --enable-bulk-memory \
        --enable-nontrapping-float-to-int --enable-reference-types --enable-mutable-globals "$@"
}

rm -rf client/dist && mkdir -p client/dist
if [ "$profile" = dev ]; then
    cargo build -p client --target wasm32-unknown-unknown --profile dev
    wasm-bindgen --target web --no-typescript --out-dir client/dist --out-name client \
        "$target_dir/wasm32-unknown-unknown/debug/client.wasm"
else
    # The pages in client/src/lazy.rs go into modules of their own, fetched
    # the first time one is shown (README, "What a browser downloads").
    # wasm-split-cli reads the linker's relocations (--emit-relocs) to tell
    # what each page needs, and the exports wasm-bindgen would otherwise drop.
    cargo rustc -p client --target wasm32-unknown-unknown --profile "$profile" --features split \
        -- -Clink-args=--emit-relocs
    linked="$target_dir/wasm32-unknown-unknown/$out_dir/client.wasm"
    work="$target_dir/client-split"
    rm -rf "$work" && mkdir -p "$work"
    wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
        --out-dir "$work/bindgen" --out-name client "$linked"
    wasm-split-cli split "$linked" "$work/bindgen/client_bg.wasm" "$work/split" >"$work/split.log" 2>&1 \
        || { cat "$work/split.log"; exit 1; }
    node client/restore-data.mjs "$work/bindgen/client_bg.wasm" "$work/split/main.wasm"
    cp -r "$work/bindgen/client.js" "$work/bindgen/snippets" client/dist/
    wasm_opt --memory-packing "$work/split/main.wasm" -o client/dist/client_bg.wasm
    mkdir -p client/dist/split
    for module in "$work"/split/module_*.wasm "$work"/split/chunk_*.wasm; do
        wasm_opt "$module" -o "client/dist/split/$(basename "$module")"
    done
    # Its loader imports the app's JavaScript and fetches the modules by the
    # names its own test harness uses.
    sed -e 's#"\./main\.js"#"./client.js"#' -e 's#/harness/split/#/split/#g' \
        "$work/split/__wasm_split.js" >client/dist/__wasm_split.js
fi
client/node_modules/.bin/tailwindcss --cwd client -i input.css -o dist/app.css --minify 2>/dev/null
cp client/index.html client/public/* client/dist/
echo "client/dist: $(du -sh client/dist | cut -f1) on disk; gzipped: $(gzip -9 <client/dist/client_bg.wasm | wc -c) bytes of wasm at first load"
