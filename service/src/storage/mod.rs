//! Persistence on PostgreSQL or embedded SQLite: one file per table, plus the
//! [`Database`] handle and [`StorageError`].
//!
//! Functions take and return [`crate::domain`] types; rows stay in here. The
//! time is always an argument (`now`): the caller's one instant for the whole
//! operation, never a clock read in a query.

pub mod audit;
mod database;
mod error;
pub mod links;
pub mod mfa;
pub mod outbox;
pub mod passes;
pub mod passkeys;
pub mod session_cache;
pub mod sessions;
pub mod sweep;
pub mod throttle;
pub mod users;

pub use database::{Database, PoolUsage, Pools};
pub use error::StorageError;
