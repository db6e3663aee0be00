# Tasks for the auth service. `just` lists them.
# Every recipe installs what it needs; the service reads `.env` itself.

set shell := ["bash", "-euo", "pipefail", "-c"]

# PostgreSQL for the test suite (each test creates and drops its own database).
export TEST_DATABASE_URL := env("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

default:
    @just --list

# wasm-bindgen-cli must match the wasm-bindgen crate exactly (see client/Cargo.toml).
wasm_bindgen_version := "0.2.130"

# Build the client, then run the whole product on SQLite: http://127.0.0.1:8000
run *ARGS: build-client
    STATIC_DIR=client/dist cargo run -p service -- serve {{ARGS}}

# Build the web client into client/dist (PROFILE=dev for a faster, bigger build)
build-client PROFILE="wasm-release": _client-tools
    #!/usr/bin/env bash
    set -euo pipefail
    target_dir=$(cargo metadata --no-deps --format-version 1 \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    out_dir={{ if PROFILE == "dev" { "debug" } else { PROFILE } }}
    cargo build -p client --target wasm32-unknown-unknown --profile {{PROFILE}}
    rm -rf client/dist && mkdir -p client/dist
    wasm-bindgen --target web --no-typescript --out-dir client/dist --out-name client \
        "$target_dir/wasm32-unknown-unknown/$out_dir/client.wasm"
    if [ "{{PROFILE}}" != dev ]; then
        client/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
            client/dist/client_bg.wasm -o client/dist/client_bg.wasm
    fi
    client/node_modules/.bin/tailwindcss --cwd client -i input.css -o dist/app.css --minify 2>/dev/null
    cp client/index.html client/public/* client/dist/
    echo "client/dist: $(du -sh client/dist | cut -f1) on disk; gzipped: $(cat client/dist/client_bg.wasm | gzip -9 | wc -c) bytes wasm"

# The wasm target, wasm-bindgen-cli and the client's npm tools (installed once)
_client-tools:
    #!/usr/bin/env bash
    set -euo pipefail
    rustup target list --installed | grep -qx wasm32-unknown-unknown \
        || rustup target add wasm32-unknown-unknown
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen {{wasm_bindgen_version}}" ]; then
        # Without --locked: its lockfile pins a crate version the registry may lack.
        cargo install wasm-bindgen-cli --version ={{wasm_bindgen_version}} --force
    fi
    if [ ! -x client/node_modules/.bin/tailwindcss ] \
        || [ client/package-lock.json -nt client/node_modules/.package-lock.json ]; then
        npm ci --prefix client --no-audit --no-fund --ignore-scripts
    fi

# Run the service and restart it whenever the code changes
dev:
    command -v cargo-watch >/dev/null || cargo install cargo-watch --locked
    cargo watch -w service -w migrations -x 'run -p service -- serve'

# Run every test: the Rust suites (service on PostgreSQL and SQLite, client logic), then the browser smoke test
test: test-rust smoke

# The Rust tests only (faster; no browser)
test-rust *ARGS: _postgres-reachable
    cargo test --workspace {{ARGS}}

# Browser smoke test: the built client served by the service, in headless Chromium
smoke: build-client _browser-tools
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build -p service
    target_dir=$(cargo metadata --no-deps --format-version 1 \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    SERVICE_BIN="$target_dir/debug/service" SCREENSHOT_DIR="$target_dir/screenshots" \
        node --test client/e2e/
    echo "screenshots: $target_dir/screenshots"

# Debian's Chromium for the browser tests (never a browser downloaded by a test tool)
_browser-tools:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! -x /usr/bin/chromium ]; then
        if [ "$(id -u)" = 0 ]; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
        else
            echo "Install Chromium first: sudo apt-get install -y chromium" >&2; exit 1
        fi
    fi

# Formatting and lints, as CI checks them
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Format the code
fmt:
    cargo fmt --all

# Apply database migrations (DATABASE_URL, default: the SQLite file under data/)
migrate:
    cargo run -q -p service -- migrate

# Create the first admin from FIRST_ADMIN_EMAIL / _USERNAME / _PASSWORD (idempotent)
seed-admin:
    cargo run -q -p service -- seed-admin

# Regenerate schema.graphql from the code (a test fails when they differ)
schema:
    cargo run -q -p service -- print-schema > schema.graphql

_postgres-reachable:
    #!/usr/bin/env bash
    set -euo pipefail
    hostport=$(sed -E 's#^[a-z]+://([^@/]*@)?([^/?]+).*#\2#' <<<"$TEST_DATABASE_URL")
    host=${hostport%:*}; port=${hostport##*:}
    [[ "$hostport" == *:* ]] || port=5432
    if ! timeout 3 bash -c "</dev/tcp/$host/$port" 2>/dev/null; then
        echo "PostgreSQL is not reachable at $host:$port (TEST_DATABASE_URL=$TEST_DATABASE_URL)." >&2
        echo "The tests run on PostgreSQL and SQLite; start PostgreSQL, for example:" >&2
        echo "  pg_ctlcluster 15 main start      (Debian, trust auth for user postgres)" >&2
        echo "  docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16" >&2
        echo "or set TEST_DATABASE_URL to a server where you may create databases." >&2
        exit 1
    fi
