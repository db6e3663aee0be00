//! Mail: writing the security messages ([`Composer`]), and sending what the
//! outbox holds ([`Postman`], a background worker) over a [`Transport`].
//!
//! Requests never wait on SMTP. `auth` writes each message to the outbox in
//! the transaction of the change it announces and rings the [`Doorbell`];
//! the worker sends it, retrying with backoff through outages.

mod compose;
mod transport;
mod worker;

pub use compose::{Composer, Recipient};
pub use transport::{SendError, Transport};
pub use worker::{Doorbell, Postman, Round};
