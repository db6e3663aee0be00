//! `auth_events`, the audit trail, and `audit_blocks`, the hash chain that
//! seals it. Events are written by the storage function of the change they
//! record, in its transaction ([`insert_query!`]); reads join in the accounts
//! they name, by pseudonym (`users.audit_id`), while those exist.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Database, Pools, StorageError};
use crate::domain::{
    ActorKind, AuditAccount, AuditEvent, AuditKind, ClientInfo, EventCursor, EventFilter, NewEvent,
    Outcome, UserId,
};
use crate::{with_pool, with_writer};

/// The insert, not yet run, so it runs in the transaction of the change the
/// event records. `$session` overrides the event's session (a session the
/// same transaction just created). The subject and the acting admin are
/// stored as their pseudonyms, looked up here, so the account's row must
/// still exist (an account's deletion is recorded before the row goes).
macro_rules! insert_query {
    ($event:expr, $session:expr, $at:expr) => {{
        let event: &$crate::domain::NewEvent<'_> = $event;
        let (subject_id, subject_email) = match event.subject {
            $crate::domain::Subject::Id(id) => (Some(id.as_uuid()), None),
            $crate::domain::Subject::Email(email) => (None, Some(email)),
            $crate::domain::Subject::Nobody => (None, None),
        };
        let session: Option<$crate::domain::SessionId> = $session.or(event.session);
        sqlx::query(
            "INSERT INTO auth_events (id, occurred_at, kind, outcome, actor, subject, actor_subject,
                                      session_id, ip_address, user_agent, detail)
             VALUES ($1, $2, $3, $4, $5,
                     COALESCE((SELECT audit_id FROM users WHERE id = $6),
                              (SELECT audit_id FROM users WHERE email = $7)),
                     (SELECT audit_id FROM users WHERE id = $8),
                     $9, $10, $11, $12)",
        )
        .bind(uuid::Uuid::new_v4())
        .bind($crate::storage::audit::to_micros($at))
        .bind(event.kind.as_str())
        .bind(event.outcome.as_str())
        .bind(event.actor.as_str())
        .bind(subject_id)
        .bind(subject_email)
        .bind(event.actor.admin().map($crate::domain::UserId::as_uuid))
        .bind(session.map($crate::domain::SessionId::as_uuid))
        .bind(event.client.and_then(|client| client.ip_address()))
        .bind(event.client.and_then(|client| client.user_agent()))
        .bind(event.detail_json())
    }};
}
pub(super) use insert_query;

/// What both engines store: PostgreSQL keeps microseconds, so an event's
/// time is cut to them before it is written, and reads back (and hashes)
/// the same on either.
pub fn to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

/// An event with no change beside it: a refused sign-in, a data export.
pub async fn record(
    db: &Database,
    event: &NewEvent<'_>,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    with_writer!(db, |pool| {
        insert_query!(event, None, now)
            .execute(pool)
            .await
            .map(drop)
    })?;
    Ok(())
}

/// Events with the accounts they name (a macro, so that queries can
/// `concat!` onto it and stay literals).
macro_rules! select_events {
    () => {
        "SELECT e.id, e.occurred_at, e.kind, e.outcome, e.actor, e.subject,
        e.actor_subject, e.session_id, e.ip_address, e.user_agent, e.detail,
        s.id AS account_id, s.email AS account_email, s.username AS account_username,
        a.id AS actor_id, a.email AS actor_email, a.username AS actor_username
 FROM auth_events AS e
 LEFT JOIN users AS s ON s.audit_id = e.subject
 LEFT JOIN users AS a ON a.audit_id = e.actor_subject"
    };
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    occurred_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    kind: AuditKind,
    #[sqlx(try_from = "String")]
    outcome: Outcome,
    #[sqlx(try_from = "String")]
    actor: ActorKind,
    subject: Option<Uuid>,
    actor_subject: Option<Uuid>,
    session_id: Option<Uuid>,
    ip_address: Option<String>,
    user_agent: Option<String>,
    detail: String,
    account_id: Option<Uuid>,
    account_email: Option<String>,
    account_username: Option<String>,
    actor_id: Option<Uuid>,
    actor_email: Option<String>,
    actor_username: Option<String>,
}

fn account(
    id: Option<Uuid>,
    email: Option<String>,
    username: Option<String>,
) -> Option<AuditAccount> {
    Some(AuditAccount {
        id: UserId::from(id?),
        email: email?,
        username: username?,
    })
}

impl From<EventRow> for AuditEvent {
    fn from(row: EventRow) -> Self {
        Self {
            id: row.id,
            occurred_at: row.occurred_at,
            kind: row.kind,
            outcome: row.outcome,
            actor: row.actor,
            subject: row.subject,
            actor_subject: row.actor_subject,
            session: row.session_id.map(Into::into),
            // Stored as the request gave them (already cut to the columns).
            client: ClientInfo::new(row.user_agent.as_deref(), row.ip_address.as_deref()),
            detail: row.detail,
            account: account(row.account_id, row.account_email, row.account_username),
            actor_account: account(row.actor_id, row.actor_email, row.actor_username),
        }
    }
}

/// Which events a page shows.
pub enum Scope<'a> {
    /// The events about this account.
    Account(UserId),
    /// An admin's search.
    Filter(&'a EventFilter),
}

/// A page of events, newest first, after `after` (exclusive).
pub async fn page(
    db: &Database,
    scope: Scope<'_>,
    after: Option<EventCursor>,
    limit: i64,
) -> Result<Vec<AuditEvent>, StorageError> {
    let (user, kinds, since, until) = match scope {
        Scope::Account(user) => (Some(user), &[][..], None, None),
        Scope::Filter(filter) => (filter.user, &filter.kinds[..], filter.since, filter.until),
    };
    let rows = with_pool!(db, |pool| {
        let mut query = sqlx::QueryBuilder::new(select_events!());
        query.push(" WHERE 1 = 1");
        if let Some(user) = user {
            query
                .push(" AND e.subject = (SELECT audit_id FROM users WHERE id = ")
                .push_bind(user.as_uuid())
                .push(")");
        }
        if !kinds.is_empty() {
            query.push(" AND e.kind IN (");
            let mut list = query.separated(", ");
            for kind in kinds {
                list.push_bind(kind.as_str());
            }
            query.push(")");
        }
        if let Some(since) = since {
            query.push(" AND e.occurred_at >= ").push_bind(since);
        }
        if let Some(until) = until {
            query.push(" AND e.occurred_at < ").push_bind(until);
        }
        if let Some(after) = after {
            query
                .push(" AND (e.occurred_at, e.id) < (")
                .push_bind(to_micros(after.occurred_at))
                .push(", ")
                .push_bind(after.id)
                .push(")");
        }
        query
            .push(" ORDER BY e.occurred_at DESC, e.id DESC LIMIT ")
            .push_bind(limit);
        query.build_query_as::<EventRow>().fetch_all(pool).await
    })?;
    Ok(rows.into_iter().map(AuditEvent::from).collect())
}

/// Every event about this account, oldest first (for its data export).
pub async fn all_for_account(db: &Database, user: UserId) -> Result<Vec<AuditEvent>, StorageError> {
    let rows = with_pool!(db, |pool| {
        sqlx::query_as::<_, EventRow>(concat!(
            select_events!(),
            " WHERE e.subject = (SELECT audit_id FROM users WHERE id = $1)
             ORDER BY e.occurred_at, e.id"
        ))
        .bind(user.as_uuid())
        .fetch_all(pool)
        .await
    })?;
    Ok(rows.into_iter().map(AuditEvent::from).collect())
}

/// A sealed block of events.
#[derive(Debug, sqlx::FromRow)]
pub struct Block {
    pub seq: i64,
    pub sealed_at: DateTime<Utc>,
    pub event_count: i32,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub previous_hash: String,
    pub hash: String,
}

/// Seals up to `limit` unsealed events, oldest first, into the next block:
/// its hash (by `hash`, given the previous block's hash, the new block's
/// number and the events) is stored, and the events are marked with the
/// block, in one transaction. `None` when nothing waited, or another
/// replica is sealing (PostgreSQL: an advisory lock; SQLite: one writer).
/// An event that commits while a block is sealed is left for the next.
pub async fn seal_next(
    db: &Database,
    now: DateTime<Utc>,
    limit: i64,
    hash: impl Fn(&str, i64, &[AuditEvent]) -> String,
) -> Result<Option<Block>, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        if matches!(db.pools(), Pools::Postgres(_)) {
            let ours: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
                .bind(SEAL_LOCK)
                .fetch_one(&mut *tx)
                .await?;
            if !ours {
                return Ok(None);
            }
        }
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_blocks ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        let events: Vec<AuditEvent> = sqlx::query_as::<_, EventRow>(concat!(
            select_events!(),
            " WHERE e.block IS NULL ORDER BY e.occurred_at, e.id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(AuditEvent::from)
        .collect();
        let (Some(first), Some(newest)) = (events.first(), events.last()) else {
            return Ok(None);
        };
        let (previous_seq, previous_hash) =
            last.unwrap_or((0, crate::domain::GENESIS_HASH.to_owned()));
        let block = Block {
            seq: previous_seq + 1,
            sealed_at: now,
            event_count: i32::try_from(events.len()).unwrap_or(i32::MAX),
            first_at: first.occurred_at,
            last_at: newest.occurred_at,
            hash: hash(&previous_hash, previous_seq + 1, &events),
            previous_hash,
        };
        sqlx::query(
            "INSERT INTO audit_blocks (seq, sealed_at, event_count, first_at, last_at, previous_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(block.seq)
        .bind(block.sealed_at)
        .bind(block.event_count)
        .bind(block.first_at)
        .bind(block.last_at)
        .bind(&block.previous_hash)
        .bind(&block.hash)
        .execute(&mut *tx)
        .await?;
        let mut mark = sqlx::QueryBuilder::new("UPDATE auth_events SET block = ");
        mark.push_bind(block.seq)
            .push(" WHERE block IS NULL AND id IN (");
        let mut ids = mark.separated(", ");
        for event in &events {
            ids.push_bind(event.id);
        }
        mark.push(")");
        let marked = mark.build().execute(&mut *tx).await?.rows_affected();
        if marked != events.len() as u64 {
            // Cannot happen while this transaction holds the seal; if it
            // did, sealing fewer events than hashed would break the chain.
            return Err(StorageError::Database(sqlx::Error::Protocol(format!(
                "sealed {marked} of {} events; block {} rolled back",
                events.len(),
                block.seq
            ))));
        }
        tx.commit().await?;
        Ok(Some(block))
    })
}

/// The advisory lock key that lets one replica at a time seal
/// ("audit" in ASCII).
const SEAL_LOCK: i64 = 0x0061_7564_6974;

/// Every block, oldest first.
pub async fn blocks(db: &Database) -> Result<Vec<Block>, StorageError> {
    Ok(with_pool!(db, |pool| {
        sqlx::query_as::<_, Block>(
            "SELECT seq, sealed_at, event_count, first_at, last_at, previous_hash, hash
             FROM audit_blocks ORDER BY seq",
        )
        .fetch_all(pool)
        .await
    })?)
}

/// The events sealed in block `seq`, in the order its hash covers them.
pub async fn sealed_in(db: &Database, seq: i64) -> Result<Vec<AuditEvent>, StorageError> {
    let rows = with_pool!(db, |pool| {
        sqlx::query_as::<_, EventRow>(concat!(
            select_events!(),
            " WHERE e.block = $1 ORDER BY e.occurred_at, e.id"
        ))
        .bind(seq)
        .fetch_all(pool)
        .await
    })?;
    Ok(rows.into_iter().map(AuditEvent::from).collect())
}

/// When the oldest event not yet sealed happened, if one waits.
pub async fn oldest_unsealed(db: &Database) -> Result<Option<DateTime<Utc>>, StorageError> {
    let oldest: Option<(DateTime<Utc>,)> = with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT occurred_at FROM auth_events WHERE block IS NULL
             ORDER BY occurred_at, id LIMIT 1",
        )
        .fetch_optional(pool)
        .await
    })?;
    Ok(oldest.map(|(at,)| at))
}

/// Drops the oldest block if every event in it happened before `cutoff`,
/// with its events, in one transaction (a block is kept or dropped whole, so
/// what remains still verifies); gives how many events went. The newest
/// block always stays: the chain keeps a head, and an emptied table does
/// not start a fresh chain that would verify whatever was put in it.
pub async fn drop_expired_block(
    db: &Database,
    cutoff: DateTime<Utc>,
) -> Result<Option<u64>, StorageError> {
    with_writer!(db, |pool| {
        let mut tx = pool.begin().await?;
        let oldest: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM audit_blocks
             WHERE last_at < $1 AND seq < (SELECT max(seq) FROM audit_blocks)
               AND seq = (SELECT min(seq) FROM audit_blocks)",
        )
        .bind(cutoff)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(seq) = oldest else {
            return Ok(None);
        };
        let events = sqlx::query("DELETE FROM auth_events WHERE block = $1")
            .bind(seq)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM audit_blocks WHERE seq = $1")
            .bind(seq)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(events))
    })
}
