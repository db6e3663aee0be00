#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A unique index refused the write; holds the input field it guards.
    #[error("unique constraint violated on {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A unique index that a write can run into, and the input field it guards.
pub(super) struct UniqueIndex {
    /// As in the migrations; PostgreSQL reports it as the constraint.
    pub name: &'static str,
    /// What SQLite's "UNIQUE constraint failed: ..." names instead: the
    /// index's `table.column`s, or for an index on an expression the index.
    pub sqlite_reports: &'static str,
    pub field: &'static str,
}

/// Turns a violation of one of `indexes` into [`StorageError::Conflict`],
/// recognised by the index it names, whichever engine reported it.
pub(super) fn classify(err: sqlx::Error, indexes: &[UniqueIndex]) -> StorageError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        let sqlite_detail = db.message().strip_prefix("UNIQUE constraint failed: ");
        let violated = indexes.iter().find(|index| match db.constraint() {
            Some(constraint) => constraint == index.name,
            None => sqlite_detail == Some(index.sqlite_reports),
        });
        if let Some(index) = violated {
            return StorageError::Conflict(index.field);
        }
    }
    StorageError::Database(err)
}

/// Errors that mean "no connection right now", worth retrying later.
pub(super) fn is_unreachable(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut
    )
}
