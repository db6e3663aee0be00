//! Throttling of what costs a password hash or sends mail: signing in
//! (ASVS 6.3.1), registering, and asking for reset or verification links.
//!
//! Every attempt is counted before its work is done, in the database, by one
//! atomic upsert per key: fifty parallel guesses get fifty distinct counts,
//! so no more than the limit ever reach bcrypt, on any replica.
//!
//! Sign-in failures are counted per (account, client address), so that a
//! stranger guessing at an account from one address is stopped there while
//! its owner elsewhere signs in as usual (ASVS 6.1.1: no malicious lockout).
//! A much higher count per account from all addresses together catches
//! guessing spread over a botnet; past it, the account is locked (see
//! [`super::Auth::login`]).

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use ipnet::Ipv6Net;

use super::{AuthError, tokens};
use crate::config::Config;
use crate::storage::Database;
use crate::storage::throttle::{self, Attempts, Settle};

/// The window of the limits counted per hour.
const HOUR: Duration = Duration::hours(1);

/// How many of something a key may do in a window.
#[derive(Clone, Copy, Debug)]
struct Limit {
    /// Prefixes the key, so that each limit counts on its own.
    name: &'static str,
    most: i32,
    window: Duration,
}

impl Limit {
    fn new(name: &'static str, most: u32, window: Duration) -> Self {
        Self {
            name,
            most: most.try_into().unwrap_or(i32::MAX),
            window,
        }
    }

    fn count(self, key: &str) -> throttle::Count<'_> {
        throttle::Count {
            key,
            window: self.window,
            most: self.most,
        }
    }

    /// Whether an attempt counted as `counted` may go ahead.
    fn verdict(self, counted: &Attempts, now: DateTime<Utc>) -> Verdict {
        if counted.attempts <= self.most {
            return Verdict::Go;
        }
        let left = counted.window_start + self.window - now;
        Verdict::Wait(left.num_seconds().max(1).unsigned_abs())
    }
}

#[derive(Clone)]
pub struct Throttle {
    db: Database,
    /// One account from one address: a stranger's guesses.
    account_address: Limit,
    /// One address at any accounts: a stranger's guesses spread over many
    /// accounts.
    address: Limit,
    /// One account from all addresses: a botnet's guesses.
    account: Limit,
    registrations: Limit,
    mail_per_account: Limit,
    mail_per_address: Limit,
}

/// Whether an attempt may go ahead.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Go,
    /// Over the limit until this many seconds have passed.
    Wait(u64),
}

impl Verdict {
    /// `RATE_LIMITED` unless the attempt may go ahead.
    pub fn or_rate_limited(self) -> Result<(), AuthError> {
        match self {
            Self::Go => Ok(()),
            Self::Wait(retry_after_seconds) => Err(AuthError::RateLimited {
                retry_after_seconds,
            }),
        }
    }
}

/// What counting a password check against an account found.
#[derive(Debug, PartialEq, Eq)]
pub enum PasswordCheck {
    /// Check the password.
    Go,
    /// The account has seen more guesses than its owner would make: lock it.
    Lock,
}

impl Throttle {
    pub fn new(db: Database, config: &Config) -> Self {
        let window = Duration::seconds(config.login_window_seconds.into());
        let hour = HOUR;
        Self {
            db,
            account_address: Limit::new(
                "account-address",
                config.login_max_attempts_per_account_address,
                window,
            ),
            address: Limit::new("address", config.login_max_attempts_per_address, window),
            account: Limit::new("account", config.login_lock_after_attempts, hour),
            registrations: Limit::new("register", config.registrations_per_address_per_hour, hour),
            mail_per_account: Limit::new(
                "mail-account",
                config.mail_requests_per_account_per_hour,
                hour,
            ),
            mail_per_address: Limit::new(
                "mail-address",
                config.mail_requests_per_address_per_hour,
                hour,
            ),
        }
    }

    /// The longest window of any limit: a row whose window started longer
    /// ago counts for nothing (the next attempt starts it over).
    pub fn longest_window(config: &Config) -> Duration {
        Duration::seconds(config.login_window_seconds.into()).max(HOUR)
    }

    /// Counts a sign-in attempt against the client's address, then against
    /// this account from that address, then against the account from all
    /// addresses: in one transaction, committed before any password is
    /// checked. A key over its limit stops the count there, so that an
    /// address over its own limit cannot use the account's counts up.
    /// `RATE_LIMITED` past either of the first two; past the account's,
    /// [`PasswordCheck::Lock`].
    ///
    /// The account is counted whether or not it is locked already: while it
    /// is, its count decides nothing, and lifting the lock forgives it.
    pub async fn sign_in(
        &self,
        account: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<PasswordCheck, AuthError> {
        let mut keys = Vec::with_capacity(3);
        if let Some(address) = address {
            keys.push((self.address, key(self.address, &network(address))));
        }
        let pair = pair_key(account, address);
        keys.push((self.account_address, key(self.account_address, &pair)));
        keys.push((self.account, key(self.account, account)));
        let counts: Vec<_> = keys.iter().map(|(limit, key)| limit.count(key)).collect();
        let counted = throttle::count_attempts(&self.db, &counts, now).await?;
        let last = keys.len() - 1;
        for (i, ((limit, _), attempts)) in keys.iter().zip(&counted).enumerate() {
            match limit.verdict(attempts, now) {
                Verdict::Go => {}
                Verdict::Wait(_) if i == last => return Ok(PasswordCheck::Lock),
                Verdict::Wait(retry_after_seconds) => {
                    return Err(AuthError::RateLimited {
                        retry_after_seconds,
                    });
                }
            }
        }
        Ok(PasswordCheck::Go)
    }

    /// What a correct password settles, for the sign-in's transaction to
    /// run: the account starts over from this address, and the address and
    /// the account's total get their attempt back, so that people behind one
    /// address, or an owner signing in often, do not use up the tries. In
    /// the order [`Self::sign_in`] counts them.
    pub fn settlement(&self, account: &str, address: Option<&str>) -> Vec<Settle> {
        let refund_address =
            address.map(|address| Settle::Refund(key(self.address, &network(address))));
        let pair = key(self.account_address, &pair_key(account, address));
        refund_address
            .into_iter()
            .chain([
                Settle::Clear(pair),
                Settle::Refund(key(self.account, account)),
            ])
            .collect()
    }

    /// [`Self::settlement`] on its own, in one transaction: for a check that
    /// opens no session.
    pub async fn signed_in(&self, account: &str, address: Option<&str>) -> Result<(), AuthError> {
        Ok(throttle::settle(&self.db, &self.settlement(account, address)).await?)
    }

    /// The account's owner proved themselves another way (an unlock link or
    /// a password reset): the guesses so far no longer count.
    pub async fn forgive(&self, account: &str) -> Result<(), AuthError> {
        Ok(throttle::clear(&self.db, &key(self.account, account)).await?)
    }

    /// Counts the start of a passkey sign-in against this address, as a
    /// password attempt: each start stores a ceremony until it expires.
    pub async fn passkey_sign_in(
        &self,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        self.per_address(self.address, address, now).await
    }

    /// Counts a registration from this address.
    pub async fn registration(
        &self,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        self.per_address(self.registrations, address, now).await
    }

    /// Counts a request for a mailed link (reset or verification) from this
    /// address; `RATE_LIMITED` over the limit, which says nothing about any
    /// account.
    pub async fn mail_request_from(
        &self,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        self.per_address(self.mail_per_address, address, now).await
    }

    /// `RATE_LIMITED` once this address (if known) is over `limit`.
    async fn per_address(
        &self,
        limit: Limit,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let Some(address) = address else {
            return Ok(());
        };
        self.count(limit, &network(address), now)
            .await?
            .or_rate_limited()
    }

    /// Counts a mail sent to this account on request.
    pub async fn mail_to(&self, account: &str, now: DateTime<Utc>) -> Result<Verdict, AuthError> {
        self.count(self.mail_per_account, account, now).await
    }

    async fn count(
        &self,
        limit: Limit,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Verdict, AuthError> {
        let counted = throttle::count_attempt(&self.db, &key(limit, id), limit.window, now).await?;
        Ok(limit.verdict(&counted, now))
    }
}

fn key(limit: Limit, id: &str) -> String {
    format!("{}:{id}", limit.name)
}

/// An account and an address together, hashed: the key stays short (an
/// email and an IPv6 address would not fit the column), and the table does
/// not list who signed in from where.
fn pair_key(account: &str, address: Option<&str>) -> String {
    let address = address.map(network).unwrap_or_default();
    tokens::hash_token(&format!("{account}\n{address}"))
}

/// What a limit per address counts: an IPv4 address, or the /64 an IPv6
/// address belongs to, since one subscriber commonly holds a whole /64 and
/// could otherwise step through its 2^64 addresses for fresh counts.
pub(super) fn network(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                Ipv6Net::new(v6, 64).map_or_else(|_| v6.to_string(), |net| net.trunc().to_string())
            }
        },
        _ => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_counts_as_its_64() {
        assert_eq!(network("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(network("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::/64");
        assert_ne!(network("2001:db8:1:3::1"), network("2001:db8:1:2::1"));
        assert_eq!(network("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(network("192.0.2.7"), "192.0.2.7");
        assert_eq!(network("not an address"), "not an address");
    }
}
