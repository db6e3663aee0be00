# The web client: built to wasm with the pinned toolchain by client/build.sh
# (the script `just build-client` runs), then served by an unprivileged nginx
# with an SPA fallback. Build context: the repository root.
#   docker build -f deploy/client.Dockerfile -t vitals-auth-client .

# The exact release rust-toolchain.toml pins, so rustup downloads nothing.
FROM rust:1.95.0-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends npm \
    && rm -rf /var/lib/apt/lists/*
# wasm-bindgen-cli and wasm-split-cli at the versions the justfile pins.
RUN rustup target add wasm32-unknown-unknown \
    && cargo install wasm-bindgen-cli --version =0.2.130 \
    && cargo install wasm-split-cli --version =0.7.10 --locked
WORKDIR /src
COPY client/package.json client/package-lock.json client/
RUN npm ci --prefix client --no-audit --no-fund --ignore-scripts
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    client/build.sh wasm-release

FROM nginxinc/nginx-unprivileged:1.27-alpine
# The image renders /etc/nginx/templates/*.template into conf.d/ at start.
ENV CLIENT_PORT=8080 \
    CLIENT_ROOT=/usr/share/nginx/html
COPY deploy/nginx/client.conf.template /etc/nginx/templates/default.conf.template
COPY --from=build /src/client/dist /usr/share/nginx/html
EXPOSE 8080
