use async_graphql::{Context, Object, ResultExt};

use super::context::{auth, caller, current_user};
use super::guard::RoleGuard;
use super::types::{SessionObject, UserObject};
use crate::domain::{Page, Role};

pub struct Query;

#[Object]
impl Query {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<UserObject> {
        Ok(current_user(ctx).await?.into())
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

    /// All accounts, oldest first. Admins only.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 50)] limit: i64,
        #[graphql(default = 0)] offset: i64,
    ) -> async_graphql::Result<Vec<UserObject>> {
        let page = Page::new(limit, offset).extend()?;
        let users = auth(ctx).list_users(page).await.extend()?;
        Ok(users.into_iter().map(Into::into).collect())
    }
}
