# The development image: the toolchain with everything both watchers need.
# Used by deploy/docker-compose.dev.yml, which mounts the source over /src.
# The exact release rust-toolchain.toml pins, so rustup downloads nothing.
FROM rust:1.95.0-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends npm \
    && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
    && cargo install wasm-bindgen-cli --version =0.2.130 \
    && cargo install cargo-watch --locked
WORKDIR /src
