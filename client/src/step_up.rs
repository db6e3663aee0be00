//! The step-up dialog: some actions (a password change, the export, setting
//! up or removing second factors, every admin action) need a recent sign-in,
//! and the service answers `REAUTHENTICATION_REQUIRED` when it is too old.
//! `Session::authorized` then waits while this dialog asks the person to
//! prove it is them (password, authenticator or recovery code, or passkey),
//! and retries the call once they have. Mounted once, beside the router, so
//! no page has code of its own for it; the dialog's code is fetched the
//! first time it opens (`lazy.rs`).

use crate::t;
use dioxus::prelude::*;

use crate::api::{self, ApiError, Proof};
use crate::components::{Alert, Button, ConfirmDialog, Field, Icon, IconName, Variant};
use crate::pages::message;
use crate::session::use_session;
use crate::{validation, webauthn};

/// How the person proves it is them.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    Password,
    Code,
}

#[component]
pub fn StepUpDialog() -> Element {
    let session = use_session();
    if !session.step_up_pending() {
        return rsx! {};
    }
    rsx! { crate::lazy::StepUpPrompt {} }
}

/// The dialog itself: mounted afresh each time, so nothing typed stays.
#[component]
pub fn Prompt() -> Element {
    let session = use_session();
    let mut way = use_signal(|| Way::Password);
    let secret = use_signal(String::new);
    let mut submitted = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<&'static str>);
    // Which other ways this account has.
    let factors = use_resource(move || async move {
        let status = session.authorized_without_step_up(api::my_mfa).await;
        let passkeys = session.authorized_without_step_up(api::my_passkeys).await;
        let code = status.is_ok_and(|s| s.totp || s.recovery_codes_left > 0);
        let passkey = passkeys.is_ok_and(|list| !list.is_empty()) && webauthn::supported();
        (code, passkey)
    });
    let (has_code, has_passkey) = factors.read().unwrap_or((false, false));

    let rule = move || match way() {
        Way::Password => validation::required_password(&secret()),
        Way::Code => validation::second_factor_code(&secret()),
    };
    let field_error = use_memo(move || submitted().then(rule).flatten());

    let mut prove = move |proof: Option<Proof>| {
        if busy() {
            return;
        }
        busy.set(true);
        failure.set(None);
        spawn(async move {
            let result = match proof {
                Some(proof) => session
                    .authorized_without_step_up(|token| api::reauthenticate(token, proof.clone()))
                    .await
                    .map_err(|e| wrong_or(e, way())),
                None => with_passkey(session).await,
            };
            busy.set(false);
            match result {
                Ok(pair) => session.finish_step_up(Some(pair)),
                Err(id) => failure.set(Some(id)),
            }
        });
    };
    let confirm = move |_| {
        submitted.set(true);
        if rule().is_some() {
            return;
        }
        let proof = match way() {
            Way::Password => Proof::Password(secret()),
            Way::Code => Proof::Code(validation::compact_code(&secret())),
        };
        prove(Some(proof));
    };
    let mut switch = move |to: Way| {
        way.set(to);
        submitted.set(false);
        failure.set(None);
        let mut secret = secret;
        secret.set(String::new());
    };

    rsx! {
        ConfirmDialog {
            title: t!("step-up-title"),
            body: t!("step-up-body"),
            confirm: t!("step-up-confirm"),
            cancel: t!("confirm-cancel"),
            busy: busy(),
            tone: Variant::Primary,
            onconfirm: confirm,
            oncancel: move |_| session.finish_step_up(None),
            if let Some(id) = failure() {
                Alert { {t!(id)} }
            }
            if way() == Way::Password {
                Field { id: "step-up-password", label: t!("field-password"), value: secret,
                        r#type: "password", autocomplete: "current-password",
                        error: message(field_error()) }
            } else {
                Field { id: "step-up-code", label: t!("field-mfa-code"), value: secret,
                        autocomplete: "one-time-code", hint: t!("hint-mfa-code"),
                        error: message(field_error()) }
            }
            if has_code || way() == Way::Code {
                div { class: "flex flex-wrap gap-x-4 gap-y-2 text-sm",
                    if way() == Way::Password {
                        button { r#type: "button", class: "font-medium text-primary hover:underline",
                            onclick: move |_| switch(Way::Code), {t!("step-up-use-code")} }
                    } else {
                        button { r#type: "button", class: "font-medium text-primary hover:underline",
                            onclick: move |_| switch(Way::Password), {t!("step-up-use-password")} }
                    }
                }
            }
            if has_passkey {
                Button { variant: Variant::Outline, class: "w-full",
                    onclick: move |_| prove(None),
                    Icon { name: IconName::Key, class: "h-4 w-4" }
                    {t!("mfa-use-passkey")}
                }
            }
        }
    }
}

/// A refusal as the dialog words it: a wrong password or code is the
/// person's to correct.
fn wrong_or(error: ApiError, way: Way) -> &'static str {
    match (error, way) {
        (ApiError::InvalidCredentials, _) => "error-password-wrong",
        (ApiError::InvalidMfaCode, Way::Code) => "error-invalid-mfa-code",
        (other, _) => other.message_id(),
    }
}

async fn with_passkey(
    session: crate::session::Session,
) -> Result<(crate::session::User, crate::session::Tokens), &'static str> {
    let challenge = session
        .authorized_without_step_up(api::start_passkey_verification)
        .await
        .map_err(|e| e.message_id())?;
    let assertion = webauthn::get(challenge).await.map_err(|e| e.message_id())?;
    session
        .authorized_without_step_up(|token| {
            api::reauthenticate(token, Proof::Passkey(assertion.clone()))
        })
        .await
        .map_err(|e| e.message_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_secret_is_named_as_such() {
        assert_eq!(
            wrong_or(ApiError::InvalidCredentials, Way::Password),
            "error-password-wrong"
        );
        assert_eq!(
            wrong_or(ApiError::InvalidMfaCode, Way::Code),
            "error-invalid-mfa-code"
        );
        assert_eq!(
            wrong_or(ApiError::RateLimited, Way::Code),
            "error-rate-limited"
        );
    }
}
