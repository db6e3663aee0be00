//! Live sessions kept in memory, so that an authenticated request on a warm
//! session needs no round trip: [`users::find_by_session`] looks here first.
//!
//! A cached session must never outlive its revocation. Three things make
//! sure of it:
//! - every storage function that changes an account or ends a session
//!   forgets the account here once it has committed ([`SessionCache::forget`]);
//! - on PostgreSQL, triggers on `users` and `sessions` announce the same
//!   changes (`NOTIFY session_cache, '<user id>'`) to every replica, whoever
//!   made them, even by hand in psql; [`Watch`] listens and forgets;
//! - a replica serves from memory only while it can show that it is still
//!   hearing those announcements: it notifies itself every [`BEAT`], and
//!   stops serving [`FRESHNESS`] after the last beat it sent that came
//!   back. PostgreSQL delivers notifications in commit order, so a beat that
//!   comes back proves every change committed before it was sent has been
//!   heard. A revocation is therefore honoured on every replica within
//!   `FRESHNESS`, whatever happened to the listening connection; normally
//!   within the time a notification takes (the tests see the other replica
//!   refuse on its first request, 0.4-2 ms after the change).
//!
//! On SQLite there is one process: the cache is shared by every handle on
//! the same file in this process, and needs no beat.
//!
//! A lookup that misses reads the database; what it read is kept only if no
//! account was forgotten meanwhile (the `epoch`), so a read that raced a
//! revocation cannot put the revoked session back.
//!
//! [`users::find_by_session`]: super::users::find_by_session

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use moka::sync::Cache;
use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};

use crate::domain::{Assurance, SessionId, User, UserId};

/// The channel the triggers of `migrations/postgres` notify.
pub const CHANNEL: &str = "session_cache";
/// How often a replica checks that it still hears the channel.
pub const BEAT: Duration = Duration::from_millis(200);
/// How long after the last beat heard back a replica still serves from
/// memory: the longest a revocation can go unheard by a replica whose
/// listening connection has silently died.
pub const FRESHNESS: Duration = Duration::from_secs(1);
/// Cached entries are also dropped after this long, whatever happens: a
/// bound on any staleness this module has not foreseen.
const TIME_TO_LIVE: Duration = Duration::from_secs(600);
/// What moka spends per entry besides the value (its key, hash, deque and
/// frequency bookkeeping), rounded up.
const ENTRY_OVERHEAD: usize = 256;
/// Sessions kept per account; an account signed in on more devices than
/// this reads the rest from the database.
const SESSIONS_PER_ACCOUNT: usize = 16;

/// The cache of one replica (or, on SQLite, of one database file in this
/// process). Cloning shares it.
#[derive(Clone)]
pub struct SessionCache {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    entries: Cache<UserId, Arc<Account>>,
    /// Bumped, under its lock, whenever an account is forgotten; a read
    /// from the database is kept only if it did not move meanwhile.
    epoch: Mutex<u64>,
    /// Milliseconds since `started` until which entries may be served.
    fresh_until: AtomicU64,
    started: Instant,
}

/// An account and those of its sessions seen lately.
struct Account {
    user: User,
    sessions: Vec<Live>,
}

#[derive(Clone, Copy)]
struct Live {
    id: SessionId,
    assurance: Assurance,
    expires_at: DateTime<Utc>,
}

/// What a lookup that missed needs to keep its answer: the epoch it began in.
#[derive(Clone, Copy)]
pub struct Ticket(u64);

/// A session as the database answered a lookup.
pub struct Found {
    pub user: User,
    pub assurance: Assurance,
    pub expires_at: DateTime<Utc>,
}

impl SessionCache {
    /// No cache: every lookup reads the database.
    pub fn disabled() -> Self {
        Self { inner: None }
    }

    /// A cache that serves only while [`Watch`] keeps it fresh.
    pub fn watched(max_bytes: u64) -> Self {
        Self::new(max_bytes, 0, Instant::now())
    }

    /// The cache of SQLite file `path` in this process, made on first use:
    /// every handle on the file forgets into the same one, so replicas in
    /// one process (as tests run them) cannot disagree.
    pub fn for_file(path: PathBuf, max_bytes: u64) -> Self {
        static FILES: OnceLock<Mutex<HashMap<PathBuf, Weak<Inner>>>> = OnceLock::new();
        if max_bytes == 0 {
            return Self::disabled();
        }
        let mut files = FILES.get_or_init(Default::default).lock().unwrap();
        files.retain(|_, cache| cache.strong_count() > 0);
        if let Some(inner) = files.get(&path).and_then(Weak::upgrade) {
            return Self { inner: Some(inner) };
        }
        let cache = Self::new(max_bytes, u64::MAX, Instant::now());
        if let Some(inner) = &cache.inner {
            files.insert(path, Arc::downgrade(inner));
        }
        cache
    }

    fn new(max_bytes: u64, fresh_until: u64, started: Instant) -> Self {
        if max_bytes == 0 {
            return Self::disabled();
        }
        let entries = Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|_, account: &Arc<Account>| {
                u32::try_from(account.weight()).unwrap_or(u32::MAX)
            })
            .time_to_live(TIME_TO_LIVE)
            .build();
        Self {
            inner: Some(Arc::new(Inner {
                entries,
                epoch: Mutex::new(0),
                fresh_until: AtomicU64::new(fresh_until),
                started,
            })),
        }
    }

    /// The session's account and assurance, if it is cached, alive at `now`,
    /// and the cache is fresh.
    pub fn get(
        &self,
        user: UserId,
        session: SessionId,
        now: DateTime<Utc>,
    ) -> Option<(User, Assurance)> {
        let inner = self.inner.as_ref()?;
        if !inner.fresh() {
            return None;
        }
        let account = inner.entries.get(&user)?;
        let live = account.sessions.iter().find(|live| live.id == session)?;
        (live.expires_at > now).then(|| (account.user.clone(), live.assurance))
    }

    /// Taken before a lookup reads the database.
    pub fn ticket(&self) -> Ticket {
        Ticket(
            self.inner
                .as_ref()
                .map_or(0, |inner| *inner.epoch.lock().unwrap()),
        )
    }

    /// Keeps what a lookup read, unless an account was forgotten since its
    /// `ticket` was taken.
    pub fn keep(&self, ticket: Ticket, session: SessionId, found: &Found, now: DateTime<Utc>) {
        let Some(inner) = &self.inner else { return };
        let epoch = inner.epoch.lock().unwrap();
        if *epoch != ticket.0 {
            return;
        }
        let id = found.user.id;
        let mut sessions: Vec<Live> = inner
            .entries
            .get(&id)
            .map(|account| {
                account
                    .sessions
                    .iter()
                    .filter(|live| live.id != session && live.expires_at > now)
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        if sessions.len() >= SESSIONS_PER_ACCOUNT {
            sessions.remove(0);
        }
        sessions.push(Live {
            id: session,
            assurance: found.assurance,
            expires_at: found.expires_at,
        });
        let account = Account {
            user: found.user.clone(),
            sessions,
        };
        inner.entries.insert(id, Arc::new(account));
        drop(epoch);
    }

    /// Drops the account's sessions: it changed, or one of them ended.
    pub fn forget(&self, user: UserId) {
        if let Some(inner) = &self.inner {
            let mut epoch = inner.epoch.lock().unwrap();
            *epoch += 1;
            inner.entries.invalidate(&user);
        }
    }

    /// Drops everything: changes may have gone unheard.
    pub fn forget_all(&self) {
        if let Some(inner) = &self.inner {
            let mut epoch = inner.epoch.lock().unwrap();
            *epoch += 1;
            inner.entries.invalidate_all();
        }
    }

    /// Whether there is a cache at all (`SESSION_CACHE_MIB` above 0).
    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// Whether lookups are served from memory now.
    pub fn serving(&self) -> bool {
        self.inner.as_ref().is_some_and(|inner| inner.fresh())
    }

    /// The cached entries' weight in bytes, and how many there are, once
    /// pending evictions are done.
    pub fn usage(&self) -> (u64, u64) {
        self.inner.as_ref().map_or((0, 0), |inner| {
            inner.entries.run_pending_tasks();
            (inner.entries.weighted_size(), inner.entries.entry_count())
        })
    }

    fn stop_serving(&self) {
        if let Some(inner) = &self.inner {
            inner.fresh_until.store(0, Ordering::Release);
        }
    }

    /// A beat sent `sent` milliseconds after start came back.
    fn heard_beat(&self, sent: u64) {
        if let Some(inner) = &self.inner {
            let until = sent.saturating_add(FRESHNESS.as_millis() as u64);
            inner.fresh_until.fetch_max(until, Ordering::AcqRel);
        }
    }

    fn millis(&self) -> u64 {
        self.inner
            .as_ref()
            .map_or(0, |inner| inner.started.elapsed().as_millis() as u64)
    }
}

impl Inner {
    fn fresh(&self) -> bool {
        (self.started.elapsed().as_millis() as u64) < self.fresh_until.load(Ordering::Acquire)
    }
}

impl Account {
    /// Bytes it holds, counted high: the strings' capacity, the sessions,
    /// and moka's own share.
    fn weight(&self) -> usize {
        let user = &self.user;
        let text = user.email.capacity()
            + user.username.capacity()
            + user.full_name.as_ref().map_or(0, String::capacity)
            + user.avatar_url.as_ref().map_or(0, String::capacity);
        ENTRY_OVERHEAD + size_of::<Self>() + text + self.sessions.capacity() * size_of::<Live>()
    }
}

/// A replica's ear on PostgreSQL: listens to [`CHANNEL`], forgets what it
/// hears, and beats. Runs until dropped; reconnects by itself.
pub struct Watch {
    cache: SessionCache,
    /// Two connections of its own: the listener's, and one for beats, so
    /// that neither queues behind requests for the main pool.
    pool: PgPool,
    /// Tells this replica's beats from other replicas'.
    replica: uuid::Uuid,
}

impl Watch {
    pub(super) fn new(cache: SessionCache, main: &PgPool) -> Self {
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .max_lifetime(None)
            .idle_timeout(None)
            .acquire_timeout(Duration::from_secs(5))
            .connect_lazy_with((*main.connect_options()).clone());
        Self {
            cache,
            pool,
            replica: uuid::Uuid::new_v4(),
        }
    }

    /// Listens and beats until dropped (both in this one future, so that
    /// aborting its task stops both).
    pub async fn run(self) {
        let beats = Self::beat(self.pool.clone(), self.cache.clone(), self.replica);
        tokio::join!(beats, self.keep_listening());
    }

    async fn keep_listening(&self) {
        let mut delay = Duration::from_millis(100);
        loop {
            let heard = self.listen(&mut delay).await;
            self.cache.stop_serving();
            match heard {
                Ok(()) => tracing::warn!("session cache: listening connection lost"),
                Err(err) => tracing::warn!(error = %err, "session cache: cannot listen"),
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    /// Listens until the connection is lost; once listening, the next
    /// reconnection starts with a short `delay` again.
    async fn listen(&self, delay: &mut Duration) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.eager_reconnect(false);
        listener.listen(CHANNEL).await?;
        *delay = Duration::from_millis(100);
        // Whatever changed while nobody listened was not heard.
        self.cache.forget_all();
        tracing::info!("session cache: listening");
        let beat = format!("beat:{}:", self.replica);
        while let Some(heard) = listener.try_recv().await? {
            let payload = heard.payload();
            if let Some(sent) = payload.strip_prefix(&beat) {
                if let Ok(sent) = sent.parse() {
                    self.cache.heard_beat(sent);
                }
            } else if let Ok(user) = payload.parse::<uuid::Uuid>() {
                self.cache.forget(user.into());
            }
        }
        Ok(())
    }

    async fn beat(pool: PgPool, cache: SessionCache, replica: uuid::Uuid) {
        let mut ticks = tokio::time::interval(BEAT);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let payload = format!("beat:{replica}:{}", cache.millis());
            let sent = sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(payload)
                .execute(&pool)
                .await;
            if let Err(err) = sent {
                tracing::debug!(error = %err, "session cache: beat not sent");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Aal, Locale, Role};

    fn found(name: &str) -> Found {
        let now = Utc::now();
        Found {
            user: User {
                id: UserId::new(),
                email: format!("{name}@example.org"),
                username: name.to_owned(),
                full_name: Some("Someone With A Name".into()),
                role: Role::User,
                is_active: true,
                email_verified: true,
                sign_in_locked: false,
                locale: Locale::En,
                max_chats: 3,
                avatar_url: None,
                created_at: now,
                updated_at: now,
                last_sign_in_at: Some(now),
                mfa_enabled: false,
            },
            assurance: Assurance {
                aal: Aal::One,
                auth_time: now,
            },
            expires_at: now + chrono::Duration::minutes(30),
        }
    }

    /// A cache that does not need beats, as on SQLite.
    fn unwatched(max_bytes: u64) -> SessionCache {
        SessionCache::new(max_bytes, u64::MAX, Instant::now())
    }

    #[test]
    fn a_kept_session_is_served_until_it_expires_or_is_forgotten() {
        let cache = unwatched(1 << 20);
        let (ada, session, now) = (found("ada"), SessionId::new(), Utc::now());
        cache.keep(cache.ticket(), session, &ada, now);
        assert_eq!(cache.get(ada.user.id, session, now).unwrap().0, ada.user);
        assert!(cache.get(ada.user.id, SessionId::new(), now).is_none());
        assert!(cache.get(ada.user.id, session, ada.expires_at).is_none());
        cache.forget(ada.user.id);
        assert!(cache.get(ada.user.id, session, now).is_none());
    }

    #[test]
    fn a_read_that_raced_a_revocation_is_not_kept() {
        let cache = unwatched(1 << 20);
        let (ada, session, now) = (found("ada"), SessionId::new(), Utc::now());
        // The lookup reads the database, the session ends and is forgotten,
        // then the lookup would keep what it read before the end.
        let ticket = cache.ticket();
        cache.forget(ada.user.id);
        cache.keep(ticket, session, &ada, now);
        assert!(cache.get(ada.user.id, session, now).is_none());
        cache.forget_all();
        assert!(cache.usage().1 == 0);
    }

    #[test]
    fn a_watched_cache_serves_only_while_its_beats_come_back() {
        // Started 10 s ago, so that beats can be dated in the past.
        let started = Instant::now() - Duration::from_secs(10);
        let cache = SessionCache::new(1 << 20, 0, started);
        let (ada, session, now) = (found("ada"), SessionId::new(), Utc::now());
        cache.keep(cache.ticket(), session, &ada, now);
        assert!(
            cache.get(ada.user.id, session, now).is_none(),
            "no beat heard yet"
        );

        let just_now = cache.millis();
        cache.heard_beat(just_now - FRESHNESS.as_millis() as u64 - 1);
        assert!(
            !cache.serving(),
            "a beat older than FRESHNESS is not enough"
        );
        cache.heard_beat(just_now);
        assert!(cache.get(ada.user.id, session, now).is_some());

        cache.stop_serving();
        assert!(
            cache.get(ada.user.id, session, now).is_none(),
            "the listener is lost"
        );
    }

    #[test]
    fn a_full_cache_stays_within_its_bound() {
        const BOUND: u64 = 1 << 20;
        let cache = unwatched(BOUND);
        let now = Utc::now();
        let one = Account {
            user: found("someone").user,
            sessions: vec![],
        }
        .weight() as u64;
        // Ten times what fits, each account with two sessions.
        for n in 0..10 * BOUND / one {
            let account = found(&format!("user{n}"));
            for _ in 0..2 {
                cache.keep(cache.ticket(), SessionId::new(), &account, now);
            }
        }
        let (weight, entries) = cache.usage();
        assert!(weight <= BOUND, "{weight} bytes cached");
        assert!(entries > BOUND / one / 4, "only {entries} entries kept");
    }
}
