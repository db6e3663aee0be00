//! The mutations of second factors and step-up (see `auth::mfa`).

use async_graphql::{Context, ErrorExtensions, Object, ResultExt};
use uuid::Uuid;

use super::context::{auth, caller, caller_for, request};
use super::guard::RoleGuard;
use super::measure;
use super::types::{
    AuthPayload, PasskeyAssertionInput, PasskeyChallengeObject, PasskeyObject,
    TotpEnrollmentObject, UserObject,
};
use crate::auth::{AuthError, Need, Proof, SecondFactor};
use crate::domain::{MfaCode, PasskeyName, Password, Role, TotpCode};

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
        let factor = SecondFactor::Code(MfaCode::parse(&code).extend()?);
        let client = &request(ctx).client;
        let signed_in = auth(ctx)
            .verify_mfa(&caller, factor, client)
            .await
            .extend()?;
        Ok(signed_in.into())
    }

    /// Passes the second factor with a passkey: the answer to
    /// `startPasskeyVerification`. As `verifyMfa` otherwise.
    async fn verify_mfa_with_passkey(
        &self,
        ctx: &Context<'_>,
        passkey: PasskeyAssertionInput,
    ) -> async_graphql::Result<AuthPayload> {
        let caller = caller_for(ctx, Need::SecondFactor).await?;
        let factor = SecondFactor::Passkey(passkey.into());
        let client = &request(ctx).client;
        let signed_in = auth(ctx)
            .verify_mfa(&caller, factor, client)
            .await
            .extend()?;
        Ok(signed_in.into())
    }

    /// Starts a proof with one of the caller's passkeys, for
    /// `verifyMfaWithPasskey` or `reauthenticate`.
    async fn start_passkey_verification(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<PasskeyChallengeObject> {
        let caller = caller_for(ctx, Need::SecondFactor).await?;
        let challenge = auth(ctx)
            .start_passkey_verification(&caller)
            .await
            .extend()?;
        Ok(challenge.into())
    }

    /// Proves the caller again, for what needs a recent sign-in
    /// (`REAUTHENTICATION_REQUIRED`): their password, a code, or a passkey
    /// (the answer to `startPasskeyVerification`); exactly one. A code or
    /// a passkey also passes the second factor. Gives a new pair of tokens.
    async fn reauthenticate(
        &self,
        ctx: &Context<'_>,
        password: Option<String>,
        code: Option<String>,
        passkey: Option<PasskeyAssertionInput>,
    ) -> async_graphql::Result<AuthPayload> {
        let caller = caller_for(ctx, Need::Enrollment).await?;
        let proof = match (password, code, passkey) {
            (Some(password), None, None) => {
                Proof::Password(Password::parse_existing(password).extend()?)
            }
            (None, Some(code), None) => {
                Proof::Factor(SecondFactor::Code(MfaCode::parse(&code).extend()?))
            }
            (None, None, Some(passkey)) => Proof::Factor(SecondFactor::Passkey(passkey.into())),
            _ => {
                let message = "Give one of your password, a code or a passkey";
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

    /// Starts adding a passkey (needs a recent sign-in); finish with
    /// `finishPasskeyRegistration`.
    async fn start_passkey_registration(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<PasskeyChallengeObject> {
        let caller = caller_for(ctx, Need::Enrollment).await?;
        let challenge = auth(ctx)
            .start_passkey_registration(&caller)
            .await
            .extend()?;
        Ok(challenge.into())
    }

    /// Adds the passkey the browser created, under a name of the caller's
    /// choosing. The account has MFA from then on; this session counts as
    /// having passed it.
    async fn finish_passkey_registration(
        &self,
        ctx: &Context<'_>,
        challenge_id: Uuid,
        name: String,
        credential: async_graphql::Json<serde_json::Value>,
    ) -> async_graphql::Result<PasskeyObject> {
        let caller = caller_for(ctx, Need::Enrollment).await?;
        let name = PasskeyName::parse(&name).extend()?;
        let answer = PasskeyAssertionInput {
            challenge_id,
            credential,
        };
        let client = &request(ctx).client;
        let added = auth(ctx)
            .finish_passkey_registration(&caller, name, answer.into(), client)
            .await
            .extend()?;
        Ok(added.into())
    }

    async fn rename_passkey(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
        name: String,
    ) -> async_graphql::Result<PasskeyObject> {
        let caller = caller(ctx).await?;
        let name = PasskeyName::parse(&name).extend()?;
        let renamed = auth(ctx)
            .rename_passkey(&caller, id.into(), name)
            .await
            .extend()?;
        Ok(renamed.into())
    }

    /// Removes one of the caller's passkeys (needs a recent sign-in). With
    /// the last second factor, MFA goes as with `disableTotp`.
    async fn remove_passkey(&self, ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<bool> {
        let caller = caller(ctx).await?;
        let client = &request(ctx).client;
        auth(ctx)
            .remove_passkey(&caller, id.into(), client)
            .await
            .extend()?;
        Ok(true)
    }

    /// Starts signing in with a passkey alone (no email typed): the
    /// browser offers the passkeys it holds for this site.
    async fn start_passkey_sign_in(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<PasskeyChallengeObject> {
        let client = &request(ctx).client;
        let challenge = auth(ctx).start_passkey_sign_in(client).await.extend()?;
        Ok(challenge.into())
    }

    /// Signs in with the passkey the browser chose (the answer to
    /// `startPasskeySignIn`): a session that has passed the second factor.
    /// `rememberMe` as for `login`.
    async fn finish_passkey_sign_in(
        &self,
        ctx: &Context<'_>,
        challenge_id: Uuid,
        credential: async_graphql::Json<serde_json::Value>,
        #[graphql(default)] remember_me: bool,
    ) -> async_graphql::Result<AuthPayload> {
        let answer = PasskeyAssertionInput {
            challenge_id,
            credential,
        };
        let client = &request(ctx).client;
        let signed_in = auth(ctx)
            .finish_passkey_sign_in(answer.into(), remember_me, client)
            .await;
        measure::sign_in(&signed_in);
        Ok(signed_in.extend()?.into())
    }
}
