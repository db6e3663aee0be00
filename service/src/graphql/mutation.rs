use async_graphql::{Context, MergedObject, Object, ResultExt};
use uuid::Uuid;

use super::context::{auth, caller, request};
use super::guard::RoleGuard;
use super::measure;
use super::mfa::MfaMutation;
use super::types::{
    AuthPayload, LoginInput, RegisterInput, RoleObject, TokenPair, UpdateProfileInput, UserObject,
};
use crate::domain::{Email, NewAccount, Password, PasswordChange, ProfileUpdate, Role, SignIn};

/// Every mutation: the account's here, second factors' in `mfa.rs`.
#[derive(MergedObject, Default)]
pub struct Mutation(AccountMutation, MfaMutation);

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates an account and signs it in (a 24-hour session).
    async fn register(
        &self,
        ctx: &Context<'_>,
        input: RegisterInput,
    ) -> async_graphql::Result<AuthPayload> {
        let account = NewAccount::try_from(input).extend()?;
        let client = &request(ctx).client;
        Ok(auth(ctx).register(account, client).await.extend()?.into())
    }

    /// Signs in with email and password.
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: LoginInput,
    ) -> async_graphql::Result<AuthPayload> {
        let client = &request(ctx).client;
        let signed_in = match SignIn::try_from(input) {
            Ok(sign_in) => auth(ctx).login(sign_in, client).await,
            Err(invalid) => Err(invalid.into()),
        };
        measure::sign_in(&signed_in);
        Ok(signed_in.extend()?.into())
    }

    /// Trades a refresh token for a new pair; the old refresh token stops
    /// working. Presenting an already rotated token ends the session.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<TokenPair> {
        let client = &request(ctx).client;
        Ok(auth(ctx)
            .refresh(&refresh_token, client)
            .await
            .extend()?
            .into())
    }

    /// Ends the session of this refresh token. True if a session ended.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<bool> {
        let client = &request(ctx).client;
        auth(ctx).logout(&refresh_token, client).await.extend()
    }

    /// Replaces the caller's password. The current one must be right (a
    /// wrong one counts against signing in); the new one follows the
    /// registration rules, strength included. Every other session of the
    /// caller ends.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> async_graphql::Result<bool> {
        let caller = caller(ctx).await?;
        let change = PasswordChange::parse(current_password, new_password).extend()?;
        let client = &request(ctx).client;
        auth(ctx)
            .change_password(&caller, change, client)
            .await
            .extend()?;
        Ok(true)
    }

    /// Mails a link to choose a new password to the account with this
    /// address. Always true, whether or not there is one: the answer (and
    /// its timing) tells nothing about who has an account.
    async fn request_password_reset(
        &self,
        ctx: &Context<'_>,
        email: String,
    ) -> async_graphql::Result<bool> {
        let email = Email::parse(&email).extend()?;
        let client = &request(ctx).client;
        auth(ctx)
            .request_password_reset(email, client)
            .await
            .extend()?;
        Ok(true)
    }

    /// Sets a new password with the token of a reset link. Every session of
    /// the account ends, and its address counts as verified. A used or
    /// replaced link is `INVALID_TOKEN`; an old one `TOKEN_EXPIRED`; a weak
    /// password `BAD_USER_INPUT`, and the link stays usable.
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        token: String,
        new_password: String,
    ) -> async_graphql::Result<bool> {
        let password = Password::parse(new_password)
            .map_err(|err| err.on("newPassword"))
            .extend()?;
        let client = &request(ctx).client;
        auth(ctx)
            .reset_password(&token, password, client)
            .await
            .extend()?;
        Ok(true)
    }

    /// Mails the caller a fresh verification link (earlier ones stop
    /// working). True also when the address is verified already.
    async fn request_email_verification(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let caller = caller(ctx).await?;
        auth(ctx)
            .request_email_verification(&caller, &request(ctx).client)
            .await
            .extend()?;
        Ok(true)
    }

    /// Proves the address with the token of a verification link; each link
    /// works once. Errors as for `resetPassword`.
    async fn verify_email(&self, ctx: &Context<'_>, token: String) -> async_graphql::Result<bool> {
        let client = &request(ctx).client;
        auth(ctx).verify_email(&token, client).await.extend()?;
        Ok(true)
    }

    /// Unlocks password sign-in with the token of the link mailed when the
    /// account was locked after many failed sign-ins; each link works once.
    /// Sign-in from the network it was followed on passes later locks for
    /// 30 days (as after a password reset).
    /// Errors as for `resetPassword`.
    async fn unlock_sign_in(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> async_graphql::Result<bool> {
        let client = &request(ctx).client;
        auth(ctx).unlock_sign_in(&token, client).await.extend()?;
        Ok(true)
    }

    /// Changes the caller's name, username or language; gives the account
    /// as it is now.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> async_graphql::Result<UserObject> {
        let caller = caller(ctx).await?;
        let update = ProfileUpdate::try_from(input).extend()?;
        let user = auth(ctx).update_profile(&caller, update).await.extend()?;
        Ok(user.into())
    }

    /// Signs one of the caller's devices out (this one included): its tokens
    /// stop working at once. False for an id that is not one of the caller's
    /// live sessions.
    async fn revoke_session(&self, ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<bool> {
        let caller = caller(ctx).await?;
        let client = &request(ctx).client;
        auth(ctx)
            .revoke_session(&caller, id.into(), client)
            .await
            .extend()
    }

    /// Signs the caller out on every other device, and on this one too
    /// unless `keepCurrent`. Gives how many sessions ended.
    async fn logout_everywhere(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = true)] keep_current: bool,
    ) -> async_graphql::Result<usize> {
        let caller = caller(ctx).await?;
        auth(ctx)
            .logout_everywhere(&caller, keep_current, &request(ctx).client)
            .await
            .extend()
    }

    /// Activates or deactivates an account. Deactivation ends all of its
    /// sessions at once. Admins only; the last active admin cannot be
    /// deactivated (`LAST_ADMIN`).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn set_user_active(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        active: bool,
    ) -> async_graphql::Result<UserObject> {
        let admin = caller(ctx).await?;
        let client = &request(ctx).client;
        let user = auth(ctx)
            .set_user_active(&admin, id.into(), active, client)
            .await
            .extend()?;
        Ok(user.into())
    }

    /// Makes an account an admin or a user. Admins only, not on their own
    /// account; the last active admin stays one (`LAST_ADMIN`).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn set_user_role(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        role: RoleObject,
    ) -> async_graphql::Result<UserObject> {
        let admin = caller(ctx).await?;
        let client = &request(ctx).client;
        let user = auth(ctx)
            .set_user_role(&admin, id.into(), role.into(), client)
            .await
            .extend()?;
        Ok(user.into())
    }

    /// Ends every session of an account at once. Admins only. Gives how
    /// many live sessions ended.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn revoke_user_sessions(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<usize> {
        let admin = caller(ctx).await?;
        let client = &request(ctx).client;
        auth(ctx)
            .revoke_user_sessions(&admin, id.into(), client)
            .await
            .extend()
    }

    /// Deletes an account as `deleteMyAccount` does. Admins only, not their
    /// own; the last active admin stays (`LAST_ADMIN`).
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn delete_user(&self, ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<bool> {
        let admin = caller(ctx).await?;
        let client = &request(ctx).client;
        auth(ctx)
            .delete_user(&admin, id.into(), client)
            .await
            .extend()?;
        Ok(true)
    }

    /// Everything the service holds about the caller as one JSON document:
    /// profile, live sessions and activity. The export is recorded.
    async fn export_my_data(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<async_graphql::Json<serde_json::Value>> {
        let caller = caller(ctx).await?;
        let client = &request(ctx).client;
        let document = auth(ctx).export_my_data(&caller, client).await.extend()?;
        Ok(async_graphql::Json(document))
    }

    /// Deletes the caller's account, given its password (a wrong one counts
    /// against signing in): every session ends, and everything of the
    /// account goes but its audit events, kept under a pseudonym that
    /// nothing links to any more.
    async fn delete_my_account(
        &self,
        ctx: &Context<'_>,
        password: String,
    ) -> async_graphql::Result<bool> {
        let caller = caller(ctx).await?;
        let password = Password::parse_existing(password).extend()?;
        let client = &request(ctx).client;
        auth(ctx)
            .delete_my_account(&caller, password, client)
            .await
            .extend()?;
        Ok(true)
    }
}
