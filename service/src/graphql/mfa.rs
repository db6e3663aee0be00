//! The mutations of second factors and step-up (see `auth::mfa`).

use async_graphql::{Context, ErrorExtensions, Object, ResultExt};
use uuid::Uuid;

use super::context::{auth, caller, caller_for, request};
use super::guard::RoleGuard;
use super::types::{AuthPayload, TotpEnrollmentObject, UserObject};
use crate::auth::{AuthError, Need, Proof};
use crate::domain::{MfaCode, Password, Role, TotpCode};

#[derive(Default)]
pub struct MfaMutation;

#[Object]
impl MfaMutation {
    /// Passes the second factor of a password sign-in with a code from the
    /// authenticator app or a recovery code (each works once): the session
    /// counts as fully signed in from now on. Gives a new pair of tokens;
    /// the old refresh token stops working. A wrong code is
    /// `INVALID_MFA_CODE` and counts against signing in.
    async fn verify_mfa(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<AuthPayload> {
        let caller = caller_for(ctx, Need::SecondFactor).await?;
        let code = MfaCode::parse(&code).extend()?;
        let client = &request(ctx).client;
        let signed_in = auth(ctx).verify_mfa(&caller, code, client).await.extend()?;
        Ok(signed_in.into())
    }

    /// Proves the caller again, for what needs a recent sign-in
    /// (`REAUTHENTICATION_REQUIRED`): their password, or a code (which
    /// also passes the second factor). Exactly one. Gives a new pair of
    /// tokens.
    async fn reauthenticate(
        &self,
        ctx: &Context<'_>,
        password: Option<String>,
        code: Option<String>,
    ) -> async_graphql::Result<AuthPayload> {
        let caller = caller_for(ctx, Need::Enrollment).await?;
        let proof = match (password, code) {
            (Some(password), None) => Proof::Password(Password::parse_existing(password).extend()?),
            (None, Some(code)) => Proof::Code(MfaCode::parse(&code).extend()?),
            _ => {
                let message = "Give either your password or a code";
                return Err(AuthError::bad_input("password", message).extend());
            }
        };
        let client = &request(ctx).client;
        let proved = auth(ctx)
            .reauthenticate(&caller, proof, client)
            .await
            .extend()?;
        Ok(proved.into())
    }

    /// Starts setting up an authenticator app (needs a recent sign-in): a
    /// new secret, which `confirmTotp` turns on. Starting again replaces an
    /// unfinished one; with an app set up already it is `CONFLICT`.
    async fn start_totp_enrollment(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<TotpEnrollmentObject> {
        let caller = caller_for(ctx, Need::Enrollment).await?;
        let enrollment = auth(ctx).start_totp_enrollment(&caller).await.extend()?;
        Ok(enrollment.into())
    }

    /// Turns on the authenticator app being set up, given a code from it.
    /// Gives ten recovery codes, shown only now. This session counts as
    /// having passed the second factor; the account's others must pass it.
    async fn confirm_totp(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<Vec<String>> {
        let caller = caller_for(ctx, Need::Enrollment).await?;
        let code = TotpCode::parse(&code).extend()?;
        let client = &request(ctx).client;
        auth(ctx).confirm_totp(&caller, code, client).await.extend()
    }

    /// Turns the authenticator app off (needs a recent sign-in), given a
    /// code from it or a recovery code. The recovery codes go with it, and
    /// every other session of the account ends.
    async fn disable_totp(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<bool> {
        let caller = caller(ctx).await?;
        let code = MfaCode::parse(&code).extend()?;
        let client = &request(ctx).client;
        auth(ctx)
            .disable_totp(&caller, code, client)
            .await
            .extend()?;
        Ok(true)
    }

    /// Ten new recovery codes (needs a recent sign-in); the old ones stop
    /// working.
    async fn regenerate_recovery_codes(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<String>> {
        let caller = caller(ctx).await?;
        let client = &request(ctx).client;
        auth(ctx)
            .regenerate_recovery_codes(&caller, client)
            .await
            .extend()
    }

    /// Removes every second factor of an account whose owner lost them,
    /// and ends all of its sessions; it signs in with its password alone
    /// again. Admins only, not on their own account.
    #[graphql(guard = "RoleGuard(Role::Admin)")]
    async fn reset_user_mfa(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> async_graphql::Result<UserObject> {
        let admin = caller(ctx).await?;
        let client = &request(ctx).client;
        let user = auth(ctx)
            .reset_user_mfa(&admin, id.into(), client)
            .await
            .extend()?;
        Ok(user.into())
    }
}
