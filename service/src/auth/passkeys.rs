//! Passkeys (WebAuthn, by webauthn-rs): added to an account as a second
//! factor, used after a password or for step-up, or on their own to sign in
//! (a discoverable credential: no email typed). Either way a passkey counts
//! as aal 2: it is something the person has, unlocked by something they
//! are or know (user verification is required).
//!
//! Each ceremony has two requests, which may reach different replicas: its
//! server half waits in the database between them (`webauthn_challenges`),
//! bound to the account and session that started it, and is used once.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::{Auth, AuthError, Authenticated, Caller, SignInRequest};
use crate::domain::{
    Aal, AuditKind, ClientInfo, NewEvent, PasskeyId, PasskeyInfo, PasskeyName, Subject, User,
};
use crate::storage::passkeys::{self as store, NewPasskey, Owner, Purpose, StoredPasskey};
use crate::storage::users::{self, Lookup};

/// Long enough for a person to find and unlock their authenticator.
const CEREMONY_LIFETIME: Duration = Duration::minutes(5);

/// The relying party: the site's host is its id, `PUBLIC_URL` the origin
/// browsers must report. `None`, with a warning, when the host is an IP
/// address (WebAuthn needs a domain name; `localhost` is one).
pub(super) fn relying_party(public_url: &str) -> Option<Webauthn> {
    let origin = Url::parse(public_url).ok()?;
    let built = match origin.domain() {
        Some(rp_id) => WebauthnBuilder::new(rp_id, &origin)
            .and_then(|builder| builder.rp_name("Vitals").build()),
        None => {
            tracing::warn!(
                public_url,
                "passkeys are off: PUBLIC_URL must name the site by a domain name (localhost works), not an IP address"
            );
            return None;
        }
    };
    built
        .inspect_err(|err| tracing::warn!(public_url, error = %err, "passkeys are off"))
        .ok()
}

/// A ceremony started: its id, and the options for the browser
/// (`{"publicKey": ...}`, for `navigator.credentials.create` or `.get`).
pub struct PasskeyChallenge {
    pub id: Uuid,
    pub options: serde_json::Value,
}

/// The browser's answer to a ceremony (`PublicKeyCredential.toJSON()`).
#[derive(Clone, Debug)]
pub struct PasskeyAssertion {
    pub challenge: Uuid,
    pub credential: serde_json::Value,
}

fn credential_id(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn stored_key(stored: &StoredPasskey) -> Result<Passkey, AuthError> {
    serde_json::from_str(&stored.credential).map_err(AuthError::internal)
}

/// A new passkey as stored: its JSON, and the signature count its
/// authenticator reported, which webauthn-rs shows only there
/// (`cred.counter`, which migration 13 reads too).
fn stored_form(passkey: &Passkey) -> Result<(String, u32), AuthError> {
    let json = serde_json::to_value(passkey).map_err(AuthError::internal)?;
    let count = json["cred"]["counter"]
        .as_u64()
        .and_then(|count| u32::try_from(count).ok())
        .ok_or_else(|| AuthError::internal("a passkey's JSON has no cred.counter"))?;
    Ok((json.to_string(), count))
}

fn to_json(value: &impl Serialize) -> Result<String, AuthError> {
    serde_json::to_string(value).map_err(AuthError::internal)
}

fn answer<T: DeserializeOwned>(assertion: &PasskeyAssertion) -> Result<T, AuthError> {
    serde_json::from_value(assertion.credential.clone())
        .map_err(|_| AuthError::bad_input("credential", "This is not a passkey's answer"))
}

fn session_owner(caller: &Caller) -> Owner {
    Owner {
        user: Some(caller.user.id),
        session: Some(caller.session),
    }
}

impl Auth {
    fn webauthn(&self) -> Result<&Webauthn, AuthError> {
        self.webauthn.as_deref().ok_or(AuthError::WrongState {
            field: "passkey",
            message: "Passkeys are not available on this site",
        })
    }

    /// The caller's passkeys, oldest first.
    pub async fn passkeys(&self, caller: &Caller) -> Result<Vec<PasskeyInfo>, AuthError> {
        let stored = store::list(&self.db, caller.user.id).await?;
        Ok(stored.into_iter().map(|passkey| passkey.info).collect())
    }

    /// Starts adding a passkey (needs a recent proof): one the
    /// authenticator keeps and can offer at sign-in (a resident key), never
    /// one it holds for the account already.
    pub async fn start_passkey_registration(
        &self,
        caller: &Caller,
    ) -> Result<PasskeyChallenge, AuthError> {
        self.step_up(caller)?;
        let user = &caller.user;
        let existing = store::list(&self.db, user.id).await?;
        let exclude = existing
            .iter()
            .map(|stored| Ok(stored_key(stored)?.cred_id().clone()))
            .collect::<Result<Vec<_>, AuthError>>()?;
        let display_name = user.full_name.as_deref().unwrap_or(&user.username);
        let (mut options, state) = self
            .webauthn()?
            .start_passkey_registration(user.id.as_uuid(), &user.email, display_name, Some(exclude))
            .map_err(AuthError::internal)?;
        if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
            selection.resident_key = Some(ResidentKeyRequirement::Required);
            selection.require_resident_key = true;
        }
        self.ceremony(Purpose::Register, session_owner(caller), &state, &options)
            .await
    }

    /// Adds the passkey the browser created: the account has MFA from now
    /// on, and this session counts as having passed it.
    pub async fn finish_passkey_registration(
        &self,
        caller: &Caller,
        name: PasskeyName,
        assertion: PasskeyAssertion,
        client: &ClientInfo,
    ) -> Result<PasskeyInfo, AuthError> {
        let user = &caller.user;
        let credential: RegisterPublicKeyCredential = answer(&assertion)?;
        let state: PasskeyRegistration = self
            .take(Purpose::Register, session_owner(caller), &assertion)
            .await?;
        let passkey = self
            .webauthn()?
            .finish_passkey_registration(&credential, &state)
            .map_err(|err| {
                tracing::info!(error = %err, "a passkey registration did not verify");
                AuthError::PasskeyRefused
            })?;
        let now = self.now();
        let notice =
            self.mail
                .passkey_changed(user.into(), "security-passkey-added", name.as_str(), now);
        let (credential, sign_count) = stored_form(&passkey)?;
        let new = NewPasskey {
            credential_id: &credential_id(passkey.cred_id()),
            name: name.as_str(),
            credential: &credential,
            sign_count,
            session: caller.session,
            notice: &notice,
        };
        let event = NewEvent::new(AuditKind::PasskeyAdded, Some(client)).about(user.id);
        let added = store::add(&self.db, user.id, &new, &event, now).await?;
        self.doorbell.ring();
        Ok(added)
    }

    pub async fn rename_passkey(
        &self,
        caller: &Caller,
        id: PasskeyId,
        name: PasskeyName,
    ) -> Result<PasskeyInfo, AuthError> {
        store::rename(&self.db, caller.user.id, id, name.as_str())
            .await?
            .ok_or_else(no_such_passkey)
    }

    /// Removes one of the caller's passkeys (needs a recent proof); with
    /// the last second factor goes MFA, as when the app is turned off.
    pub async fn remove_passkey(
        &self,
        caller: &Caller,
        id: PasskeyId,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.step_up(caller)?;
        let user = &caller.user;
        let now = self.now();
        let notice = |name: &str| {
            self.mail
                .passkey_changed(user.into(), "security-passkey-removed", name, now)
        };
        let event = NewEvent::new(AuditKind::PasskeyRemoved, Some(client))
            .about(user.id)
            .with("passkey", id.to_string());
        store::remove(&self.db, user.id, id, caller.session, notice, &event, now)
            .await?
            .ok_or_else(no_such_passkey)?;
        self.doorbell.ring();
        Ok(())
    }

    /// Starts a signed-in person's proof with one of their passkeys (the
    /// second factor, or a step-up).
    pub async fn start_passkey_verification(
        &self,
        caller: &Caller,
    ) -> Result<PasskeyChallenge, AuthError> {
        let keys = store::list(&self.db, caller.user.id)
            .await?
            .iter()
            .map(stored_key)
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(AuthError::WrongState {
                field: "passkey",
                message: "This account has no passkey",
            });
        }
        let (options, state) = self
            .webauthn()?
            .start_passkey_authentication(&keys)
            .map_err(AuthError::internal)?;
        self.ceremony(Purpose::Verify, session_owner(caller), &state, &options)
            .await
    }

    /// Whether the browser's answer proves one of the caller's passkeys;
    /// the passkey's counter and last use are kept. False for an answer
    /// that does not prove it (no live ceremony of this session, an answer
    /// webauthn-rs refuses, a passkey not the caller's, a count that did not
    /// move on); what went wrong otherwise (the database) is an error.
    pub(super) async fn use_passkey(
        &self,
        caller: &Caller,
        assertion: &PasskeyAssertion,
    ) -> Result<bool, AuthError> {
        let webauthn = self.webauthn()?;
        let credential: PublicKeyCredential = answer(assertion)?;
        let state: PasskeyAuthentication = match self
            .take(Purpose::Verify, session_owner(caller), assertion)
            .await
        {
            Ok(state) => state,
            Err(AuthError::PasskeyRefused) => return Ok(false),
            Err(err) => return Err(err),
        };
        let result = match webauthn.finish_passkey_authentication(&credential, &state) {
            Ok(result) => result,
            Err(err) => {
                tracing::info!(error = %err, "a passkey verification did not verify");
                return Ok(false);
            }
        };
        let Some(stored) = store::find_by_credential(&self.db, &credential_id(result.cred_id()))
            .await?
            .filter(|stored| stored.user_id == caller.user.id)
        else {
            return Ok(false);
        };
        self.record_passkey_use(&stored, &result).await
    }

    /// Starts a sign-in with a passkey alone: the browser offers the
    /// passkeys it holds for this site. Counted against the address like a
    /// password attempt.
    pub async fn start_passkey_sign_in(
        &self,
        client: &ClientInfo,
    ) -> Result<PasskeyChallenge, AuthError> {
        self.throttle
            .passkey_sign_in(client.ip_address(), self.now())
            .await?;
        let (mut options, state) = self
            .webauthn()?
            .start_discoverable_authentication()
            .map_err(AuthError::internal)?;
        // A button asks for a passkey; autofill ("conditional") mediation
        // is for a field the client may not have.
        options.mediation = None;
        let nobody = Owner {
            user: None,
            session: None,
        };
        self.ceremony(Purpose::SignIn, nobody, &state, &options)
            .await
    }

    /// Signs in with the passkey the browser chose: a session at aal 2.
    /// A refusal is recorded as a failed sign-in.
    pub async fn finish_passkey_sign_in(
        &self,
        assertion: PasskeyAssertion,
        remember_me: bool,
        client: &ClientInfo,
    ) -> Result<Authenticated, AuthError> {
        let signed_in = self
            .try_passkey_sign_in(&assertion, remember_me, client)
            .await;
        if let Err((err, user)) = &signed_in {
            let reason = match err {
                AuthError::PasskeyRefused => "passkey_refused",
                AuthError::Forbidden(_) => "deactivated",
                _ => return signed_in.map_err(|(err, _)| err),
            };
            let refused = NewEvent {
                subject: user.map_or(Subject::Nobody, Subject::Id),
                ..NewEvent::new(AuditKind::LoginFailed, Some(client))
                    .with("method", "passkey")
                    .with("reason", reason)
                    .failed()
            };
            self.record(&refused).await;
        }
        signed_in.map_err(|(err, _)| err)
    }

    /// The sign-in, or why not and whose passkey it was, if known.
    async fn try_passkey_sign_in(
        &self,
        assertion: &PasskeyAssertion,
        remember_me: bool,
        client: &ClientInfo,
    ) -> Result<Authenticated, (AuthError, Option<crate::domain::UserId>)> {
        let nobody = Owner {
            user: None,
            session: None,
        };
        let webauthn = self.webauthn().map_err(|err| (err, None))?;
        let credential: PublicKeyCredential = answer(assertion).map_err(|err| (err, None))?;
        let state: DiscoverableAuthentication = self
            .take(Purpose::SignIn, nobody, assertion)
            .await
            .map_err(|err| (err, None))?;
        let refused = |user| (AuthError::PasskeyRefused, user);
        let (handle, id) = webauthn
            .identify_discoverable_authentication(&credential)
            .map_err(|_| refused(None))?;
        let stored = store::find_by_credential(&self.db, &credential_id(id))
            .await
            .map_err(|err| (err.into(), None))?
            .filter(|stored| stored.user_id.as_uuid() == handle)
            .ok_or(refused(None))?;
        let owner = Some(stored.user_id);
        let key = stored_key(&stored).map_err(|err| (err, owner))?;
        let result = webauthn
            .finish_discoverable_authentication_v2(&credential, state, &key)
            .map_err(|err| {
                tracing::info!(error = %err, "a passkey sign-in did not verify");
                refused(owner)
            })?;
        let recorded = self
            .record_passkey_use(&stored, &result)
            .await
            .map_err(|err| (err, owner))?;
        if !recorded {
            return Err(refused(owner));
        }
        let user: User = users::find_with_hash(&self.db, Lookup::Id(stored.user_id))
            .await
            .map_err(|err| (err.into(), owner))?
            .map(|(user, _)| user)
            .ok_or(refused(owner))?;
        if !user.is_active {
            return Err((
                AuthError::Forbidden("This account has been deactivated"),
                owner,
            ));
        }
        let event = NewEvent::new(AuditKind::LoginSucceeded, Some(client))
            .about(user.id)
            .with("method", "passkey");
        let request = SignInRequest {
            remember_me,
            aal: Aal::Two,
            client,
            event: &event,
            // Its attempt was counted against the address alone, and spent.
            settle: &[],
        };
        self.open_session(user, request)
            .await
            .map_err(|err| (err, owner))
    }

    /// Keeps what a use verified by webauthn-rs changed (the count, the
    /// backup state) and when, if its count moved past the one stored now
    /// (see `store::record_use`): webauthn-rs compared it with the copy the
    /// ceremony took, which another use may have passed since. False, with
    /// a warning, if it did not: two copies of the key are in use, and the
    /// answer is refused.
    async fn record_passkey_use(
        &self,
        stored: &StoredPasskey,
        result: &webauthn_rs::prelude::AuthenticationResult,
    ) -> Result<bool, AuthError> {
        let mut key = stored_key(stored)?;
        key.update_credential(result);
        let sign_count = result.counter();
        let recorded = store::record_use(
            &self.db,
            stored.info.id,
            sign_count,
            &to_json(&key)?,
            self.now(),
        )
        .await?;
        if !recorded {
            tracing::warn!(
                passkey = %stored.info.id,
                user = %stored.user_id,
                sign_count,
                "a passkey's signature counter did not move past the stored one \
                 (possibly a cloned authenticator); its answer is refused"
            );
        }
        Ok(recorded)
    }

    /// Keeps a ceremony's server half, and gives the browser its half.
    async fn ceremony(
        &self,
        purpose: Purpose,
        owner: Owner,
        state: &impl Serialize,
        options: &impl Serialize,
    ) -> Result<PasskeyChallenge, AuthError> {
        let expires_at = self.now() + CEREMONY_LIFETIME;
        let id =
            store::start_challenge(&self.db, purpose, owner, &to_json(state)?, expires_at).await?;
        Ok(PasskeyChallenge {
            id,
            options: serde_json::to_value(options).map_err(AuthError::internal)?,
        })
    }

    /// The server half of the ceremony this answer is for, used up;
    /// `PasskeyRefused` if there is no such live ceremony of this owner.
    async fn take<T: DeserializeOwned>(
        &self,
        purpose: Purpose,
        owner: Owner,
        assertion: &PasskeyAssertion,
    ) -> Result<T, AuthError> {
        let state =
            store::take_challenge(&self.db, assertion.challenge, purpose, owner, self.now())
                .await?
                .ok_or(AuthError::PasskeyRefused)?;
        serde_json::from_str(&state).map_err(AuthError::internal)
    }
}

fn no_such_passkey() -> AuthError {
    AuthError::bad_input("id", "No passkey of yours has this id")
}
