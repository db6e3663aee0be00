# The service: built with the pinned toolchain (rust-toolchain.toml), run on
# a slim Debian as an unprivileged user. Build context: the repository root.
#   docker build -f deploy/service.Dockerfile -t vitals-auth-service .

# The exact release rust-toolchain.toml pins, so rustup downloads nothing.
FROM rust:1.95.0-slim-bookworm AS build
# npm: GraphiQL's pinned assets (service/graphiql), which build.rs embeds.
RUN apt-get update \
    && apt-get install -y --no-install-recommends npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN npm ci --prefix service/graphiql --no-audit --no-fund --ignore-scripts
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p service \
    && cp target/release/service /usr/local/bin/service

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin service
COPY --from=build /usr/local/bin/service /usr/local/bin/service
USER 10001
# Production defaults; docker-compose.yml passes the rest (SECRET_KEY is required).
ENV ENVIRONMENT=production \
    BIND_ADDR=0.0.0.0:8000 \
    LOG_FORMAT=json
EXPOSE 8000
# `serve` applies pending migrations before it listens.
ENTRYPOINT ["service"]
CMD ["serve"]
