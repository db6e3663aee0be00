//! The service's integration tests, in one binary (one build, one link). The
//! modules drive the real service over HTTP or WebSocket, each test on a
//! fresh PostgreSQL database or SQLite file of its own (`helpers::TestApp`).

#[macro_use]
mod helpers;

mod abuse;
mod admins;
mod architecture;
mod audit;
mod auth_api;
mod authenticator;
mod cross_site;
mod data_rights;
mod faults;
mod fuzz;
mod hardening;
mod http_surface;
mod load;
mod mail;
mod metrics;
mod mfa;
mod passwords;
mod profile;
mod session_cache;
mod sessions;
mod smtp;
mod storage_schema;
mod sweep;
mod tokens;
