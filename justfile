# Tasks for the auth service. `just` lists them.
# Every recipe installs what it needs; the service reads `.env` itself.

set shell := ["bash", "-euo", "pipefail", "-c"]

# PostgreSQL for the test suite (each test creates and drops its own database).
export TEST_DATABASE_URL := env("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

default:
    @just --list

# Run the service on the embedded SQLite database (http://127.0.0.1:8000/graphql)
run *ARGS:
    cargo run -p service -- serve {{ARGS}}

# Run the service and restart it whenever the code changes
dev:
    command -v cargo-watch >/dev/null || cargo install cargo-watch --locked
    cargo watch -w service -w migrations -x 'run -p service -- serve'

# Run every test, on PostgreSQL and SQLite
test *ARGS: _postgres-reachable
    cargo test --workspace {{ARGS}}

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
