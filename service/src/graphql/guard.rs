use async_graphql::{Context, ErrorExtensions, Guard};

use super::context::current_user;
use crate::auth::AuthError;
use crate::domain::Role;

/// Lets a field run only for signed-in users of this role. The role is read
/// from the user's database row, so a demotion takes effect at once.
pub struct RoleGuard(pub Role);

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        if current_user(ctx).await?.role == self.0 {
            Ok(())
        } else {
            Err(AuthError::Forbidden("You do not have permission to do this").extend())
        }
    }
}
