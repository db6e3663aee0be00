//! The `mail_outbox` table: mail written in the transaction of the change it
//! announces, and sent later by a worker that claims rows a batch at a time.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{Database, Pools, StorageError};
use crate::domain::{Mail, MailKind};
use crate::{with_pool, with_writer};

/// The insert, not yet run, so it can run in the transaction of whatever the
/// message announces.
macro_rules! insert_query {
    ($mail:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO mail_outbox
                 (id, recipient, subject, text_body, html_body, kind, created_at, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(uuid::Uuid::new_v4())
        .bind($mail.to.as_str())
        .bind($mail.subject.as_str())
        .bind($mail.text.as_str())
        .bind($mail.html.as_str())
        .bind($mail.kind.as_str())
        .bind($at)
    };
}
pub(super) use insert_query;

/// A message claimed for sending.
#[derive(Debug)]
pub struct Queued {
    pub id: Uuid,
    /// Attempts so far, this one included.
    pub attempts: i32,
    pub mail: Mail,
}

#[derive(sqlx::FromRow)]
struct QueuedRow {
    id: Uuid,
    attempts: i32,
    recipient: String,
    subject: String,
    text_body: String,
    html_body: String,
    #[sqlx(try_from = "String")]
    kind: MailKind,
}

impl From<QueuedRow> for Queued {
    fn from(row: QueuedRow) -> Self {
        Self {
            id: row.id,
            attempts: row.attempts,
            mail: Mail {
                to: row.recipient,
                subject: row.subject,
                text: row.text_body,
                html: row.html_body,
                kind: row.kind,
            },
        }
    }
}

/// Takes up to `limit` messages that are due and not held by another worker,
/// holding them until `now + lease`. Of workers claiming at once, each row
/// goes to one: PostgreSQL skips rows another transaction has locked, and
/// SQLite's single writer runs claims one after another. A worker that dies
/// holding rows releases them when the lease runs out.
pub async fn claim_due(
    db: &Database,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Queued>, StorageError> {
    // One statement on both engines but for the lock clause.
    macro_rules! claim {
        ($lock:literal) => {
            concat!(
                "UPDATE mail_outbox
                 SET claimed_until = $2, attempts = attempts + 1
                 WHERE id IN (
                     SELECT id FROM mail_outbox
                     WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
                       AND (claimed_until IS NULL OR claimed_until <= $1)
                     ORDER BY next_attempt_at
                     LIMIT $3",
                $lock,
                ")
                 RETURNING id, attempts, recipient, subject, text_body, html_body, kind"
            )
        };
    }
    let rows = match db.pools() {
        Pools::Postgres(pool) => {
            sqlx::query_as::<_, QueuedRow>(claim!(" FOR UPDATE SKIP LOCKED"))
                .bind(now)
                .bind(now + lease)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }
        Pools::Sqlite { writer, .. } => {
            sqlx::query_as::<_, QueuedRow>(claim!(""))
                .bind(now)
                .bind(now + lease)
                .bind(limit)
                .fetch_all(writer)
                .await?
        }
    };
    Ok(rows.into_iter().map(Queued::from).collect())
}

/// Records a message as sent and erases its bodies: the links in them stay
/// live for a while, and the outbox need not hold them once they are gone.
pub async fn mark_sent(db: &Database, id: Uuid, now: DateTime<Utc>) -> Result<(), StorageError> {
    with_writer!(db, |pool| {
        sqlx::query(
            "UPDATE mail_outbox
             SET sent_at = $2, claimed_until = NULL, text_body = '', html_body = '', last_error = NULL
             WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// What to do with a message that could not be sent.
pub enum Retry {
    At(DateTime<Utc>),
    /// Too many attempts: it stays in the table, marked failed.
    GiveUp,
}

pub async fn mark_unsent(
    db: &Database,
    id: Uuid,
    error: &str,
    retry: Retry,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let (next_attempt_at, failed_at) = match retry {
        Retry::At(at) => (Some(at), None),
        Retry::GiveUp => (None, Some(now)),
    };
    with_writer!(db, |pool| {
        sqlx::query(
            "UPDATE mail_outbox
             SET claimed_until = NULL, last_error = $2,
                 next_attempt_at = COALESCE($3, next_attempt_at), failed_at = $4
             WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(next_attempt_at)
        .bind(failed_at)
        .execute(pool)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Messages neither sent nor given up on: due now, or waiting to be retried.
/// (The partial index of due mail covers exactly these rows.)
pub async fn backlog(db: &Database) -> Result<i64, StorageError> {
    let count = with_pool!(db, |pool| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL AND failed_at IS NULL",
        )
        .fetch_one(pool)
        .await
    })?;
    Ok(count)
}
