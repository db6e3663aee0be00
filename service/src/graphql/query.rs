use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, ResultExt};
use uuid::Uuid;

use super::context::{auth, caller, caller_for};
use super::guard::RoleGuard;
use super::types::{AuditEventConnection, AuditFilter, MfaStatusObject, SessionObject, UserObject};
use crate::auth::{AuthError, Need};
use crate::domain::{AuditEvent, EventCursor, InvalidInput, Page, Role, UserSearch};

pub struct Query;

#[Object]
impl Query {
    /// The signed-in user; also before the second factor (see
    /// `mfaRequired`).
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        let caller = caller_for(ctx, Need::SecondFactor).await?;
        let standing = auth(ctx).standing(&caller.user, caller.assurance.aal);
        Ok(UserObject::signed_in(caller.user, standing))
    }

    /// The caller's second factors; also before passing one, so that the
    /// second-factor page knows what to offer.
    async fn my_mfa(&self, ctx: &Context<'_>) -> async_graphql::Result<MfaStatusObject> {
        let caller = caller_for(ctx, Need::SecondFactor).await?;
        Ok(auth(ctx).mfa_status(&caller).await.extend()?.into())
    }

    /// The caller's signed-in devices, newest first; `current` marks the one
    /// asking.
    async fn my_sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SessionObject>> {
        let caller = caller(ctx).await?;
        let sessions = auth(ctx).sessions(&caller).await.extend()?;
        let current = caller.session;
        Ok(sessions
            .into_iter()
            .map(|session| SessionObject::new(session, current))
            .collect())
    }

    /// Accounts, oldest first. Admins only. With `search` (the start of an
    /// email or username, any case) or `first`/`after`, a keyset page:
    /// `first` accounts (1 to 100, default 50) after the account `after`
    /// (the last of the previous page). Otherwise `limit`/`offset`.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] limit: i64,
        #[graphql(default = 0)] offset: i64,
        search: Option<String>,
        first: Option<i64>,
        after: Option<Uuid>,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let users = if search.is_some() || first.is_some() || after.is_some() {
            let search =
                UserSearch::parse(search.as_deref(), first, after.map(Into::into)).extend()?;
            auth(ctx).search_users(&search).await
        } else {
            let page = Page::new(limit, offset).extend()?;
            auth(ctx).list_users(page).await
        }
        .extend()?;
        Ok(users.into_iter().map(Into::into).collect())
    }

    /// The caller's own events (sign-ins, password changes, ...), newest
    /// first: `first` (1 to 100) after the cursor `after`.
    async fn my_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i64,
        after: Option<String>,
    ) -> async_graphql::Result<AuditEventConnection> {
        let caller = caller(ctx).await?;
        let (after, first) = page_of_events(after.as_deref(), first).extend()?;
        let events = auth(ctx)
            .my_activity(&caller, after, first + 1)
            .await
            .extend()?;
        Ok(connection(events, first, after.is_some()))
    }

    /// The audit trail, newest first. Admins only.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilter>,
        #[graphql(default = 50)] first: i64,
        after: Option<String>,
    ) -> async_graphql::Result<AuditEventConnection> {
        let (after, first) = page_of_events(after.as_deref(), first).extend()?;
        let filter = filter.unwrap_or_default().into();
        let events = auth(ctx)
            .audit_events(&filter, after, first + 1)
            .await
            .extend()?;
        Ok(connection(events, first, after.is_some()))
    }
}

/// A page's size and start, checked.
fn page_of_events(
    after: Option<&str>,
    first: i64,
) -> Result<(Option<EventCursor>, i64), AuthError> {
    if !(1..=Page::MAX_LIMIT).contains(&first) {
        let message = format!("first must be between 1 and {}", Page::MAX_LIMIT);
        return Err(InvalidInput::new("first", message).into());
    }
    let after = after
        .map(|cursor| {
            EventCursor::decode(cursor)
                .ok_or_else(|| InvalidInput::new("after", "This is not a cursor from this list"))
        })
        .transpose()?;
    Ok((after, first))
}

/// Up to `first` events as a connection; one more than that was asked for,
/// to tell whether another page follows.
fn connection(mut events: Vec<AuditEvent>, first: i64, after: bool) -> AuditEventConnection {
    let more = events.len() as i64 > first;
    events.truncate(first as usize);
    let mut page = Connection::new(after, more);
    page.edges.extend(
        events
            .into_iter()
            .map(|event| Edge::new(EventCursor::of(&event).encode(), event.into())),
    );
    page
}
