//! Second factors: the page a password sign-in lands on while its session
//! still lacks one (`/sign-in/verify`), and Settings › Two-factor, where the
//! person sets up an authenticator app (QR code, secret, first code, then
//! the recovery codes, shown once), makes new recovery codes, and adds,
//! renames and removes passkeys.

use crate::{t, text};
use dioxus::prelude::*;
use wasm_bindgen::prelude::*;

use crate::api::{self, ApiError, MfaStatus, Passkey};
use crate::components::{
    Alert, Badge, Button, Card, ConfirmDialog, Field, Icon, IconName, Notice, Variant, use_toasts,
};
use crate::pages::{AuthCard, OrPasskey, destination, message};
use crate::privacy::save_file;
use crate::qr::QrCodeImage;
use crate::session::use_session;
use crate::state::use_ui;
use crate::webauthn::{self, PasskeyError};
use crate::{Route, time, validation};

#[wasm_bindgen(inline_js = "
export function copy_text(text) {
  return navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject();
}")]
extern "C" {
    fn copy_text(text: &str) -> js_sys::Promise;
}

/// The second factor of a password sign-in: an authenticator or recovery
/// code, or a passkey. A reload keeps the password's session and this page.
#[component]
pub fn VerifyMfa(next: String) -> Element {
    let session = use_session();
    let navigator = use_navigator();
    use_effect(use_reactive!(|next| {
        let user = session.user().filter(|_| session.is_signed_in());
        match user {
            None => {
                navigator.replace(Route::Login { next });
            }
            Some(user) if !user.mfa_required => {
                navigator.replace(destination(&next));
            }
            Some(_) => {}
        }
    }));
    let passkeys = use_resource(move || async move { session.authorized(api::my_passkeys).await });
    let has_passkey = matches!(&*passkeys.read(), Some(Ok(list)) if !list.is_empty());
    let code = use_signal(String::new);
    let mut submitted = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<&'static str>);
    let code_error = use_memo(move || {
        submitted()
            .then(|| validation::second_factor_code(&code()))
            .flatten()
    });

    let submit = move |event: FormEvent| {
        event.prevent_default();
        submitted.set(true);
        if busy() || code_error().is_some() {
            return;
        }
        busy.set(true);
        failure.set(None);
        spawn(async move {
            let typed = validation::compact_code(&code());
            let result = session
                .authorized(|token| api::verify_mfa(token, typed.clone()))
                .await;
            match result {
                Ok((user, tokens)) => session.replace_pair(user, tokens),
                Err(error) => failure.set(Some(error.message_id())),
            }
            busy.set(false);
        });
    };
    let passkey = move |_| {
        if busy() {
            return;
        }
        busy.set(true);
        failure.set(None);
        spawn(async move {
            let result = async {
                let challenge = session.authorized(api::start_passkey_verification).await?;
                let assertion = webauthn::get(challenge).await?;
                let pair = session
                    .authorized(|token| api::verify_mfa_with_passkey(token, assertion.clone()))
                    .await?;
                Ok::<_, PasskeyError>(pair)
            }
            .await;
            match result {
                Ok((user, tokens)) => session.replace_pair(user, tokens),
                Err(error) => failure.set(Some(error.message_id())),
            }
            busy.set(false);
        });
    };
    let email = session.user().map(|u| u.email).unwrap_or_default();
    // Offer a passkey only to an account that has one.
    let subtitle = if has_passkey {
        t!("verify-mfa-subtitle-passkey", email: email)
    } else {
        t!("verify-mfa-subtitle", email: email)
    };

    rsx! {
        AuthCard { title: t!("verify-mfa-title"), subtitle: subtitle,
            form { class: "grid gap-4", novalidate: true, onsubmit: submit,
                if let Some(id) = failure() {
                    Alert { {t!(id)} }
                }
                Field { id: "mfa-code", label: t!("field-mfa-code"), value: code,
                        autocomplete: "one-time-code", hint: t!("hint-mfa-code"),
                        error: message(code_error()) }
                Button { r#type: "submit", loading: busy(), class: "w-full",
                    if busy() { {t!("verify-mfa-busy")} } else { {t!("verify-mfa-submit")} }
                }
            }
            if has_passkey {
                OrPasskey { label: t!("mfa-use-passkey"), onclick: passkey }
            }
            p { class: "mt-6 text-center text-sm text-muted-foreground",
                {t!("verify-mfa-other")}
                " "
                button { r#type: "button", class: "font-medium text-primary hover:underline",
                    onclick: move |_| { spawn(async move { session.logout().await }); },
                    {t!("verify-mfa-sign-out")}
                }
            }
        }
    }
}

/// What a confirmation dialog of this tab is about.
#[derive(Clone, PartialEq)]
enum Pending {
    DisableTotp,
    Regenerate,
    Rename { id: String, name: String },
    Remove { id: String, name: String },
}

/// The authenticator's set-up in progress: what the app must learn.
#[derive(Clone, PartialEq)]
struct Enrolment {
    secret: String,
    uri: String,
}

#[component]
pub fn SettingsMfa() -> Element {
    let session = use_session();
    let ui = use_ui();
    let toasts = use_toasts();
    // Bumped after each change, to read the factors again.
    let mut changes = use_signal(|| 0u32);
    let status = use_resource(move || async move {
        let _ = changes();
        session.authorized(api::my_mfa).await
    });
    // Apart: a service without passkeys refuses this, and the page then
    // leaves them out.
    let passkeys = use_resource(move || async move {
        let _ = changes();
        session.authorized(api::my_passkeys).await.ok()
    });
    let mut enrolment = use_signal(|| None::<Enrolment>);
    // Recovery codes just made: shown here once, never again.
    let mut fresh_codes = use_signal(|| None::<Vec<String>>);
    let mut pending = use_signal(|| None::<Pending>);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<&'static str>);
    let dialog_value = use_signal(String::new);
    let mut dialog_submitted = use_signal(|| false);
    let must_enrol = session.user().is_some_and(|u| u.mfa_enrollment_required);
    let language = ui.get().language.html_lang();

    // The account as the service sees it now: one factor set up lifts the
    // enrolment demand.
    let refresh_user = move || async move {
        if let Ok(user) = session.authorized(api::me).await {
            session.update_user(user);
        }
    };

    let mut open = move |what: Pending| {
        let mut value = dialog_value;
        value.set(match &what {
            Pending::Rename { name, .. } => name.clone(),
            _ => String::new(),
        });
        dialog_submitted.set(false);
        failure.set(None);
        pending.set(Some(what));
    };
    let dialog_rule = move || match pending() {
        Some(Pending::DisableTotp) => validation::second_factor_code(&dialog_value()),
        Some(Pending::Rename { .. }) => validation::passkey_name(&dialog_value()),
        _ => None,
    };
    let confirm = move |_| {
        let Some(what) = pending() else {
            return;
        };
        dialog_submitted.set(true);
        if busy() || dialog_rule().is_some() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let value = dialog_value();
        spawn(async move {
            let done = match what {
                Pending::DisableTotp => {
                    let code = validation::compact_code(&value);
                    session
                        .authorized(|token| api::disable_totp(token, code.clone()))
                        .await
                        .map(|()| text!("toast-totp-off"))
                }
                Pending::Regenerate => session
                    .authorized(api::regenerate_recovery_codes)
                    .await
                    .map(|codes| {
                        fresh_codes.set(Some(codes));
                        text!("toast-recovery-codes-made")
                    }),
                Pending::Rename { id, .. } => session
                    .authorized(|token| api::rename_passkey(token, id.clone(), value.clone()))
                    .await
                    .map(|()| text!("toast-passkey-renamed")),
                Pending::Remove { id, .. } => session
                    .authorized(|token| api::remove_passkey(token, id.clone()))
                    .await
                    .map(|()| text!("toast-passkey-removed")),
            };
            busy.set(false);
            match done {
                Ok(message) => {
                    pending.set(None);
                    toasts.push(message);
                    changes += 1;
                }
                Err(ApiError::InvalidMfaCode) => failure.set(Some("error-invalid-mfa-code")),
                Err(error) => failure.set(Some(error.message_id())),
            }
        });
    };

    let current = status.read().clone();
    rsx! {
        if must_enrol {
            Notice { id: "mfa-enrollment-notice", {t!("mfa-enrollment-notice")} }
        }
        if let Some(codes) = fresh_codes() {
            RecoveryCodes { codes, ondone: move |_| fresh_codes.set(None) }
        }
        match current {
            None => rsx! { Card { class: "p-6", p { class: "text-sm text-muted-foreground", {t!("mfa-loading")} } } },
            Some(Err(error)) => rsx! { Card { class: "p-6", Alert { {t!(error.message_id())} } } },
            Some(Ok(status)) => rsx! {
                Authenticator {
                    status: status.clone(),
                    enrolment,
                    onenrolled: move |codes: Vec<String>| {
                        enrolment.set(None);
                        fresh_codes.set(Some(codes));
                        changes += 1;
                        spawn(refresh_user());
                    },
                    ondisable: move |_| open(Pending::DisableTotp),
                }
                if status.totp || status.recovery_codes_left > 0 {
                    Card { class: "p-6",
                        div { class: "flex flex-wrap items-start justify-between gap-4",
                            div {
                                h3 { class: "text-lg font-semibold", {t!("recovery-title")} }
                                p { id: "recovery-left", class: "mt-1 text-sm text-muted-foreground",
                                    {t!("recovery-left", count: status.recovery_codes_left)}
                                }
                            }
                            Button { variant: Variant::Outline, onclick: move |_| open(Pending::Regenerate),
                                {t!("recovery-regenerate")}
                            }
                        }
                    }
                }
                if let Some(Some(passkeys)) = passkeys() {
                Passkeys {
                    passkeys,
                    language,
                    onadded: move |_| {
                        changes += 1;
                        spawn(refresh_user());
                    },
                    onrename: move |(id, name): (String, String)| open(Pending::Rename { id, name }),
                    onremove: move |(id, name): (String, String)| open(Pending::Remove { id, name }),
                }
                }
            },
        }
        if let Some(what) = pending() {
            {
                let (title, body, button, tone) = match &what {
                    Pending::DisableTotp => (t!("totp-off-title"), t!("totp-off-body"), t!("totp-off"), Variant::Danger),
                    Pending::Regenerate => (t!("recovery-regenerate-title"), t!("recovery-regenerate-body"), t!("recovery-regenerate"), Variant::Danger),
                    Pending::Rename { name, .. } => (t!("passkey-rename-title"), t!("passkey-rename-body", name: name.clone()), t!("passkey-rename-save"), Variant::Primary),
                    Pending::Remove { name, .. } => (t!("passkey-remove-title"), t!("passkey-remove-body", name: name.clone()), t!("passkey-remove"), Variant::Danger),
                };
                let field_error = dialog_submitted().then(dialog_rule).flatten();
                rsx! {
                    ConfirmDialog {
                        title, body, confirm: button, tone,
                        cancel: t!("confirm-cancel"),
                        busy: busy(),
                        onconfirm: confirm,
                        oncancel: move |_| pending.set(None),
                        if let Some(id) = failure() {
                            Alert { {t!(id)} }
                        }
                        match what {
                            Pending::DisableTotp => rsx! {
                                Field { id: "disable-code", label: t!("field-mfa-code"), value: dialog_value,
                                        autocomplete: "one-time-code", error: message(field_error) }
                            },
                            Pending::Rename { .. } => rsx! {
                                Field { id: "rename-passkey", label: t!("field-passkey-name"), value: dialog_value,
                                        error: message(field_error) }
                            },
                            _ => rsx! {},
                        }
                    }
                }
            }
        }
    }
}

/// The authenticator app: on or off, and setting it up.
#[component]
fn Authenticator(
    status: MfaStatus,
    enrolment: Signal<Option<Enrolment>>,
    onenrolled: EventHandler<Vec<String>>,
    ondisable: EventHandler<()>,
) -> Element {
    let session = use_session();
    let mut enrolment = enrolment;
    let code = use_signal(String::new);
    let mut submitted = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<&'static str>);
    let code_error = use_memo(move || {
        submitted()
            .then(|| validation::authenticator_code(&code()))
            .flatten()
    });

    let start = move |_| {
        if busy() {
            return;
        }
        busy.set(true);
        failure.set(None);
        spawn(async move {
            match session.authorized(api::start_totp_enrollment).await {
                Ok((secret, uri)) => {
                    let mut code = code;
                    code.set(String::new());
                    submitted.set(false);
                    enrolment.set(Some(Enrolment { secret, uri }));
                }
                Err(ApiError::Conflict { .. }) => failure.set(Some("error-totp-already-on")),
                Err(error) => failure.set(Some(error.message_id())),
            }
            busy.set(false);
        });
    };
    let confirm = move |event: FormEvent| {
        event.prevent_default();
        submitted.set(true);
        if busy() || code_error().is_some() {
            return;
        }
        busy.set(true);
        failure.set(None);
        spawn(async move {
            let typed = validation::compact_code(&code());
            match session
                .authorized(|token| api::confirm_totp(token, typed.clone()))
                .await
            {
                Ok(codes) => onenrolled.call(codes),
                Err(ApiError::InvalidMfaCode) => {
                    failure.set(Some("error-authenticator-code-wrong"))
                }
                Err(error) => failure.set(Some(error.message_id())),
            }
            busy.set(false);
        });
    };

    rsx! {
        Card { class: "p-6",
            div { class: "flex flex-wrap items-start justify-between gap-4",
                div { class: "flex items-start gap-3",
                    span { class: "flex h-9 w-9 shrink-0 items-center justify-center rounded-lg bg-muted text-muted-foreground",
                        Icon { name: IconName::Smartphone }
                    }
                    div {
                        h3 { class: "flex flex-wrap items-center gap-2 text-lg font-semibold",
                            {t!("totp-title")}
                            span { id: "totp-state",
                                if status.totp { Badge { {t!("mfa-on")} } } else { Badge { muted: true, {t!("mfa-off")} } }
                            }
                        }
                        p { class: "mt-1 text-sm text-muted-foreground", {t!("totp-hint")} }
                    }
                }
                if status.totp {
                    Button { variant: Variant::Outline, onclick: move |_| ondisable.call(()), {t!("totp-off")} }
                } else if enrolment().is_none() {
                    Button { loading: busy(), onclick: start, {t!("totp-set-up")} }
                }
            }
            if let Some(id) = failure().filter(|_| enrolment().is_none()) {
                div { class: "mt-4", Alert { {t!(id)} } }
            }
            if let Some(Enrolment { secret, uri }) = enrolment().filter(|_| !status.totp) {
                div { id: "totp-enrolment", class: "mt-6 grid gap-6 border-t border-border pt-6 sm:grid-cols-[auto_1fr]",
                    div { class: "justify-self-center",
                        QrCodeImage { text: uri, label: t!("totp-qr-label") }
                    }
                    div { class: "grid content-start gap-4",
                        ol { class: "grid list-decimal gap-2 pl-5 text-sm",
                            li { {t!("totp-step-scan")} }
                            li {
                                {t!("totp-step-manual")}
                                code { id: "totp-secret", class: "mt-1 block break-all rounded-md bg-muted px-2 py-1 font-mono text-sm tracking-wider",
                                    {grouped(&secret)}
                                }
                            }
                            li { {t!("totp-step-code")} }
                        }
                        form { class: "grid gap-4", novalidate: true, onsubmit: confirm,
                            if let Some(id) = failure() {
                                Alert { {t!(id)} }
                            }
                            Field { id: "totp-code", label: t!("field-authenticator-code"), value: code,
                                    autocomplete: "one-time-code", error: message(code_error()) }
                            div { class: "flex flex-wrap gap-2",
                                Button { r#type: "submit", loading: busy(), {t!("totp-turn-on")} }
                                Button { variant: Variant::Outline, onclick: move |_| enrolment.set(None), {t!("confirm-cancel")} }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The secret in groups of four, as people copy it by hand.
fn grouped(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text of the downloaded recovery codes file.
fn recovery_file(codes: &[String], intro: &str) -> String {
    let mut text = format!("{intro}\n\n");
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
}

/// Recovery codes just made, shown this once: copy them or download them.
#[component]
fn RecoveryCodes(codes: Vec<String>, ondone: EventHandler<()>) -> Element {
    let toasts = use_toasts();
    let text = recovery_file(&codes, &t!("recovery-file-intro"));
    let copied = text.clone();
    rsx! {
        Card { class: "border-primary/40 p-6",
            h3 { class: "text-lg font-semibold", {t!("recovery-new-title")} }
            p { class: "mt-1 text-sm text-muted-foreground", {t!("recovery-new-hint")} }
            ul { id: "recovery-codes", class: "mt-4 grid grid-cols-1 gap-2 rounded-md bg-muted p-4 font-mono text-sm sm:grid-cols-2",
                for code in codes.iter() {
                    li { key: "{code}", class: "select-all", "{code}" }
                }
            }
            div { class: "mt-4 flex flex-wrap gap-2",
                Button { variant: Variant::Outline,
                    onclick: move |_| {
                        let promise = copy_text(&copied);
                        spawn(async move {
                            match wasm_bindgen_futures::JsFuture::from(promise).await {
                                Ok(_) => toasts.push(text!("toast-recovery-copied")),
                                Err(_) => toasts.push(text!("error-copy-failed")),
                            }
                        });
                    },
                    {t!("recovery-copy")}
                }
                Button { variant: Variant::Outline,
                    onclick: move |_| save_file("vitals-recovery-codes.txt", "text/plain", &text),
                    {t!("recovery-download")}
                }
                Button { onclick: move |_| ondone.call(()), {t!("recovery-saved")} }
            }
        }
    }
}

/// The account's passkeys, and adding one.
#[component]
fn Passkeys(
    passkeys: Vec<Passkey>,
    language: &'static str,
    onadded: EventHandler<()>,
    onrename: EventHandler<(String, String)>,
    onremove: EventHandler<(String, String)>,
) -> Element {
    let session = use_session();
    let toasts = use_toasts();
    let name = use_signal(String::new);
    let mut submitted = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<&'static str>);
    let name_error = use_memo(move || {
        submitted()
            .then(|| validation::passkey_name(&name()))
            .flatten()
    });
    let supported = webauthn::supported();

    let add = move |event: FormEvent| {
        event.prevent_default();
        submitted.set(true);
        if busy() || name_error().is_some() {
            return;
        }
        busy.set(true);
        failure.set(None);
        spawn(async move {
            let chosen = name();
            let result = async {
                let challenge = session.authorized(api::start_passkey_registration).await?;
                let credential = webauthn::create(challenge).await?;
                session
                    .authorized(|token| {
                        api::finish_passkey_registration(token, chosen.clone(), credential.clone())
                    })
                    .await?;
                Ok::<_, PasskeyError>(())
            }
            .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    let mut name = name;
                    name.set(String::new());
                    submitted.set(false);
                    toasts.push(text!("toast-passkey-added"));
                    onadded.call(());
                }
                Err(error) => failure.set(Some(error.message_id())),
            }
        });
    };

    rsx! {
        Card { class: "p-6",
            div { class: "flex items-start gap-3",
                span { class: "flex h-9 w-9 shrink-0 items-center justify-center rounded-lg bg-muted text-muted-foreground",
                    Icon { name: IconName::Key }
                }
                div {
                    h3 { class: "text-lg font-semibold", {t!("passkeys-title")} }
                    p { class: "mt-1 text-sm text-muted-foreground", {t!("passkeys-hint")} }
                }
            }
            if passkeys.is_empty() {
                p { class: "mt-4 text-sm text-muted-foreground", {t!("passkeys-none")} }
            } else {
                ul { id: "passkeys", class: "mt-4 divide-y divide-border",
                    for passkey in passkeys {
                        PasskeyRow { key: "{passkey.id}", passkey, language, onrename, onremove }
                    }
                }
            }
            if supported {
                form { class: "mt-4 grid gap-4 border-t border-border pt-4 sm:grid-cols-[1fr_auto] sm:items-start", novalidate: true, onsubmit: add,
                    if let Some(id) = failure() {
                        div { class: "sm:col-span-2", Alert { {t!(id)} } }
                    }
                    Field { id: "passkey-name", label: t!("field-passkey-name"), value: name,
                            hint: t!("hint-passkey-name"), error: message(name_error()) }
                    Button { r#type: "submit", loading: busy(), class: "sm:mt-6", {t!("passkey-add")} }
                }
            } else {
                p { class: "mt-4 text-sm text-muted-foreground", {t!("error-passkey-unsupported")} }
            }
        }
    }
}

#[component]
fn PasskeyRow(
    passkey: Passkey,
    language: &'static str,
    onrename: EventHandler<(String, String)>,
    onremove: EventHandler<(String, String)>,
) -> Element {
    let when = |at: &str| time::relative(at, language).unwrap_or_else(|| t!("audit-just-now"));
    let added = t!("passkey-added", when: when(&passkey.created_at));
    let used = match passkey.last_used_at.as_deref() {
        Some(at) => t!("passkey-used", when: when(at)),
        None => t!("passkey-never-used"),
    };
    let (id, name) = (passkey.id.clone(), passkey.name.clone());
    let (id2, name2) = (id.clone(), name.clone());
    rsx! {
        li { class: "flex flex-wrap items-center gap-3 py-3", "data-name": passkey.name.clone(),
            div { class: "min-w-0 flex-1",
                p { class: "passkey-name break-words font-medium", "{passkey.name}" }
                p { class: "mt-0.5 text-sm text-muted-foreground",
                    span { title: time::local(&passkey.created_at, language), "{added}" }
                    " · {used}"
                }
            }
            div { class: "flex gap-2",
                Button { variant: Variant::Outline, onclick: move |_| onrename.call((id.clone(), name.clone())), {t!("passkey-rename")} }
                Button { variant: Variant::Outline, onclick: move |_| onremove.call((id2.clone(), name2.clone())), {t!("passkey-remove")} }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_reads_in_groups_of_four() {
        assert_eq!(grouped("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(grouped("ABCDEF"), "ABCD EF");
        assert_eq!(grouped(""), "");
    }

    #[test]
    fn the_recovery_file_has_one_code_a_line_after_its_intro() {
        let codes = vec![
            "abcd-efgh-jkmn-pqrs".to_owned(),
            "tuvw-xyza-bcde-fghj".to_owned(),
        ];
        assert_eq!(
            recovery_file(&codes, "Vitals recovery codes"),
            "Vitals recovery codes\n\nabcd-efgh-jkmn-pqrs\ntuvw-xyza-bcde-fghj\n"
        );
    }
}
