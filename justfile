# Tasks for the auth service. `just` lists them.
# Every recipe installs what it needs; the service reads `.env` itself.

set shell := ["bash", "-euo", "pipefail", "-c"]

# PostgreSQL for the test suite (each test creates and drops its own database).
export TEST_DATABASE_URL := env("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

# Cargo's target directory, found once here for every recipe and client/build.sh.
export CARGO_TARGET_DIR := env("CARGO_TARGET_DIR", justfile_directory() + "/target")

default:
    @just --list

# wasm-bindgen-cli must match the wasm-bindgen crate exactly (see client/Cargo.toml).
wasm_bindgen_version := "0.2.130"
# wasm-split-cli must match the wasm-splitter crate (client/Cargo.toml).
wasm_split_version := "0.7.10"

# Build the client, then run the whole product on SQLite: http://127.0.0.1:8000
run *ARGS: build-client _graphiql
    STATIC_DIR=client/dist cargo run -p service -- serve {{ARGS}}

# Build the web client into client/dist (PROFILE=dev for a faster, bigger build)
build-client PROFILE="wasm-release": _client-tools
    client/build.sh {{PROFILE}}

# The wasm target, wasm-bindgen-cli, wasm-split-cli and the client's npm tools (installed once)
_client-tools: (_npm-ci "client")
    #!/usr/bin/env bash
    set -euo pipefail
    rustup target list --installed | grep -qx wasm32-unknown-unknown \
        || rustup target add wasm32-unknown-unknown
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen {{wasm_bindgen_version}}" ]; then
        # Without --locked: its lockfile pins a crate version the registry may lack.
        cargo install wasm-bindgen-cli --version ={{wasm_bindgen_version}} --force
    fi
    if ! cargo install --list | grep -qx "wasm-split-cli v{{wasm_split_version}}:"; then
        cargo install wasm-split-cli --version ={{wasm_split_version}} --locked --force
    fi

# GraphiQL's pinned files, which the service embeds when it is built (see service/build.rs)
_graphiql: (_npm-ci "service/graphiql")

# `npm ci` in DIR, unless its node_modules already matches its lockfile
_npm-ci DIR:
    #!/usr/bin/env bash
    set -euo pipefail
    installed="{{DIR}}/node_modules/.package-lock.json"
    if [ ! -f "$installed" ] || [ "{{DIR}}/package-lock.json" -nt "$installed" ]; then
        npm ci --prefix "{{DIR}}" --no-audit --no-fund --ignore-scripts
    fi

# Local hot reload without Docker: the service restarts and the client rebuilds on every change
dev: _client-tools _graphiql
    #!/usr/bin/env bash
    set -euo pipefail
    command -v cargo-watch >/dev/null || cargo install cargo-watch --locked
    client/build.sh dev
    # Both watchers stop together on Ctrl-C.
    trap 'kill 0' EXIT
    cargo watch -q --postpone -w client -s 'client/build.sh dev' &
    STATIC_DIR=client/dist cargo watch -w service -w migrations -x 'run -p service -- serve'

# Run every test: the Rust suites (service on PostgreSQL and SQLite, client logic), the GraphQL over HTTP audit, then the end-to-end suite
test: test-rust audit e2e

# The Rust tests only (faster; no browser)
test-rust *ARGS: _postgres-reachable _graphiql
    cargo test --workspace {{ARGS}}

# The GraphQL over HTTP audit (npm graphql-http) against the service binary on loopback
audit: _graphiql (_npm-ci "service/audit")
    cargo build -p service
    SERVICE_BIN="$CARGO_TARGET_DIR/debug/service" node --test service/audit/audit.test.mjs

# End-to-end: two PostgreSQL-backed replicas and the client behind deploy/nginx, driven in headless Chromium
[positional-arguments]
e2e *ARGS: build-client _graphiql _e2e-tools _postgres-reachable
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build -p service
    SERVICE_BIN="$CARGO_TARGET_DIR/debug/service" SCREENSHOT_DIR="$CARGO_TARGET_DIR/screenshots" \
        node --test "$@" client/e2e/
    echo "screenshots: $CARGO_TARGET_DIR/screenshots"

# Benchmark the release build with wrk on loopback (PostgreSQL and SQLite, about 4 minutes after the builds); see BENCHMARKS.md
bench *ARGS: build-client _graphiql _postgres-reachable (_debian-tools "wrk=wrk" "/usr/bin/chromium=chromium") _pgbench
    cargo build --release -p service -p bench
    "$CARGO_TARGET_DIR/release/bench" --service-bin "$CARGO_TARGET_DIR/release/service" \
        --static-dir client/dist --out "$CARGO_TARGET_DIR/bench" {{ARGS}}

# Before/after in one run: build REV (a commit) apart, then bench it beside this tree
bench-compare REV *ARGS:
    #!/usr/bin/env bash
    set -euo pipefail
    worktree=$(mktemp -d)
    trap 'git worktree remove --force "$worktree"' EXIT
    git worktree add --detach "$worktree" {{REV}}
    npm ci --prefix "$worktree/service/graphiql" --no-audit --no-fund --ignore-scripts
    # Its own target dir: the baseline must not overwrite this tree's binary.
    CARGO_TARGET_DIR="$CARGO_TARGET_DIR/baseline" cargo build --release -p service --manifest-path "$worktree/Cargo.toml"
    mkdir -p "$CARGO_TARGET_DIR/bench"
    cp "$CARGO_TARGET_DIR/baseline/release/service" "$CARGO_TARGET_DIR/bench/service-baseline"
    just bench --baseline-bin "$CARGO_TARGET_DIR/bench/service-baseline" {{ARGS}}

# Debian's Chromium, nginx and psql for the end-to-end suite (never a browser downloaded by a test tool)
_e2e-tools: (_debian-tools "/usr/bin/chromium=chromium" "nginx=nginx-light" "psql=postgresql-client" "prometheus=prometheus")

# pgbench, for the bench's db-ceiling. Not through _debian-tools: /usr/bin/pgbench
# is Debian's wrapper (postgresql-client-common), there without the program,
# which comes with the server's package; so ask it for its version instead.
_pgbench:
    #!/usr/bin/env bash
    set -euo pipefail
    pgbench --version >/dev/null 2>&1 && exit 0
    if [ "$(id -u)" != 0 ]; then
        echo "Install first: sudo apt-get install -y postgresql-contrib" >&2; exit 1
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-contrib

# Installs each `command=package` whose command is missing (apt as root; otherwise says what to install)
[positional-arguments]
_debian-tools +NEEDS:
    #!/usr/bin/env bash
    set -euo pipefail
    missing=()
    for need in "$@"; do
        command -v "${need%%=*}" >/dev/null || [ -x "/usr/sbin/${need%%=*}" ] || missing+=("${need#*=}")
    done
    [ ${#missing[@]} -eq 0 ] && exit 0
    if [ "$(id -u)" != 0 ]; then
        echo "Install first: sudo apt-get install -y ${missing[*]}" >&2; exit 1
    fi
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"

# Validate the deployment: both compose files, nginx -t on the rendered proxy and client configs, and the Kubernetes overlays (schemas and checkov)
check-deploy: (_debian-tools "docker-compose=docker-compose" "nginx=nginx-light" "promtool=prometheus") (_npm-ci "client") _kubectl _pip-tools
    docker-compose --env-file .env.example -f docker-compose.yml --profile metrics config -q
    docker-compose --env-file .env.example -f docker-compose.yml -f deploy/docker-compose.dev.yml --profile metrics config -q
    echo "docker-compose.yml and deploy/docker-compose.dev.yml: valid"
    promtool check config deploy/prometheus/prometheus.yml
    node client/e2e/stack.mjs check-nginx
    DEPLOY_TOOLS="{{deploy_tools}}" K8S_VERSIONS="{{k8s_versions}}" deploy/k8s/check.sh

# Print the Kubernetes manifests an overlay renders to (dev, prod; both by default)
k8s-render *OVERLAYS: _kubectl
    #!/usr/bin/env bash
    set -euo pipefail
    overlays=({{ if OVERLAYS == "" { "dev prod" } else { OVERLAYS } }})
    for overlay in "${overlays[@]}"; do
        echo "# deploy/k8s/overlays/$overlay"
        kubectl kustomize "deploy/k8s/overlays/$overlay"
        echo "---"
    done

# The Kubernetes versions the overlays are validated against: the oldest
# they need (1.30) and the newest kubernetes-validate carries.
k8s_versions := "1.30.0 1.37.0"

# kubernetes-validate and checkov, pinned in deploy/k8s/requirements.txt, in a
# virtualenv outside the repository.
deploy_tools := env("DEPLOY_TOOLS", home_directory() / ".cache/vitals/deploy-tools")

# The virtualenv of deploy/k8s/requirements.txt, made again only when that file changes
_pip-tools:
    #!/usr/bin/env bash
    set -euo pipefail
    venv="{{deploy_tools}}"
    # A copy of the pins it was made from, written last: an install cut
    # short is done again.
    if cmp -s deploy/k8s/requirements.txt "$venv/requirements.txt" 2>/dev/null; then exit 0; fi
    if ! python3 -m venv --clear "$venv" 2>/dev/null; then
        # Debian's python3 has venv in a package of its own.
        if [ "$(id -u)" != 0 ]; then
            echo "Install first: sudo apt-get install -y python3-venv" >&2; exit 1
        fi
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
        python3 -m venv --clear "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check -r deploy/k8s/requirements.txt
    cp deploy/k8s/requirements.txt "$venv/requirements.txt"

# kubectl with kustomize v5 for `kubectl kustomize` (no cluster needed)
_kubectl:
    #!/usr/bin/env bash
    set -euo pipefail
    if ! command -v kubectl >/dev/null && [ "$(id -u)" = 0 ]; then
        # Where an apt source carries it (this project's machines have it
        # installed already).
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubectl || true
    fi
    kustomize=$(kubectl version --client -o json 2>/dev/null \
        | python3 -c 'import json, sys; print(json.load(sys.stdin).get("kustomizeVersion", ""))' || true)
    case "$kustomize" in
        v5.*|v6.*) ;;
        *)
            echo "kubectl with kustomize v5 (kubectl 1.27 or newer) is needed; found: ${kustomize:-no kubectl}." >&2
            echo "Debian 12's own kubernetes-client is 1.20 (kustomize v2): install kubectl from the" >&2
            echo "Kubernetes project's apt repository, or your distribution's recent one." >&2
            exit 1 ;;
    esac

# Build and start the product in Docker (PostgreSQL, two service replicas, client, nginx): http://localhost:8080
up: _env-file
    just _compose up --build -d
    @# nginx looks up the replicas' addresses when it starts; recreated
    @# containers may have new ones.
    just _compose restart nginx
    @echo "up: http://localhost:$(sed -n 's/^HTTP_PORT=//p' .env | grep . || echo 8080) (first admin: just seed-admin-compose)"

# The same with hot reload of the service and the client (deploy/docker-compose.dev.yml)
up-dev: _env-file
    just _compose -f docker-compose.yml -f deploy/docker-compose.dev.yml up --build

# Stop the containers (the database volume stays; `docker compose down -v` drops it)
down:
    just _compose down

# Create the first admin inside the running compose deployment (FIRST_ADMIN_* from .env)
seed-admin-compose:
    #!/usr/bin/env bash
    set -euo pipefail
    set -a; source .env; set +a
    just _compose exec -e FIRST_ADMIN_EMAIL -e FIRST_ADMIN_USERNAME -e FIRST_ADMIN_PASSWORD \
        service service seed-admin

# Docker Compose v2 (`docker compose`), or v1 (`docker-compose`) where that is all there is
[positional-arguments]
_compose *ARGS:
    #!/usr/bin/env bash
    set -euo pipefail
    if docker compose version >/dev/null 2>&1; then exec docker compose "$@"; fi
    if command -v docker-compose >/dev/null; then exec docker-compose "$@"; fi
    echo "Docker Compose is not installed (https://docs.docker.com/compose/install/)." >&2
    exit 1

# A .env with fresh secrets, unless there is one
_env-file:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ -f .env ]; then
        # A .env copied from .env.example for `just run` would leave the
        # production containers refusing to start, over and over.
        if grep -q '^SECRET_KEY=change-me' .env || grep -q '^POSTGRES_PASSWORD=change-this' .env; then
            echo ".env still has the example SECRET_KEY or POSTGRES_PASSWORD; set real ones" >&2
            echo "(or move .env away and run this again to get fresh ones)." >&2
            exit 1
        fi
        exit 0
    fi
    secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
    sed -e "s/^SECRET_KEY=.*/SECRET_KEY=$(secret)/" \
        -e "s/^POSTGRES_PASSWORD=.*/POSTGRES_PASSWORD=$(secret)/" \
        -e "s/^FIRST_ADMIN_PASSWORD=.*/FIRST_ADMIN_PASSWORD=$(secret | cut -c1-24)/" \
        .env.example > .env
    chmod 600 .env
    echo "wrote .env from .env.example with a fresh SECRET_KEY, POSTGRES_PASSWORD and FIRST_ADMIN_PASSWORD"

# Formatting and lints, as CI checks them
lint: _graphiql
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    @# The client as the release build compiles it: the `split` feature's code exists only there.
    rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
    cargo clippy -p client --target wasm32-unknown-unknown --features split -- -D warnings

# Format the code
fmt:
    cargo fmt --all

# Apply database migrations (DATABASE_URL, default: the SQLite file under data/)
migrate: _graphiql
    cargo run -q -p service -- migrate

# Create the first admin from FIRST_ADMIN_EMAIL / _USERNAME / _PASSWORD (idempotent)
seed-admin: _graphiql
    cargo run -q -p service -- seed-admin

# Regenerate schema.graphql from the code (a test fails when they differ)
schema: _graphiql
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
