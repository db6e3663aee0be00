//! The service's integration tests, in one binary (one build, one link): each
//! module drives the real service over HTTP or WebSocket, on a fresh
//! PostgreSQL database or SQLite file of its own.

#[macro_use]
mod helpers;

mod auth_api;
mod faults;
mod fuzz;
mod hardening;
mod http_surface;
mod load;
mod storage_schema;
