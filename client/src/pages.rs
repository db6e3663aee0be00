//! The pages: sign-in, registration, the dashboard and "not found".
//! Settings are in `settings.rs`; the pages mailed links open, in
//! `mail_links.rs`.

use crate::{t, text};
use dioxus::prelude::*;

use crate::Route;
use crate::api::{self, ApiError};
use crate::components::{
    Alert, Button, Card, Checkbox, Field, Icon, IconName, Notice, Variant, use_toasts,
};
use crate::session::use_session;
use crate::state::use_ui;
use crate::{validation, webauthn};

/// Where to go after signing in: back to the signed-in page that asked for
/// it, if it was one of ours, else the dashboard.
pub fn destination(next: &str) -> Route {
    match next.parse::<Route>() {
        Ok(
            route @ (Route::Dashboard {}
            | Route::SettingsProfile {}
            | Route::SettingsSecurity {}
            | Route::SettingsMfa {}
            | Route::SettingsActivity {}
            | Route::SettingsPrivacy {}
            | Route::AdminUsers {}
            | Route::AdminAudit { .. }),
        ) => route,
        _ => Route::Dashboard {},
    }
}

/// Sends a signed-in visitor on, for the pages only signed-out people need.
fn use_leave_when_signed_in(next: String) {
    let session = use_session();
    let navigator = use_navigator();
    use_effect(move || {
        if session.is_signed_in() {
            navigator.replace(destination(&next));
        }
    });
}

/// What shows under a form field: its rule's complaint once the person has
/// tried to submit, else what the service said about that field (forms
/// forget that when a value changes).
pub fn field_error(
    submitted: bool,
    rule: Option<&'static str>,
    failure: Option<ApiError>,
    field: &str,
) -> Option<&'static str> {
    submitted.then_some(rule).flatten().or_else(|| {
        failure
            .filter(|e| e.field() == Some(field))
            .map(|e| e.message_id())
    })
}

/// Translates an optional message id.
pub fn message(id: Option<&'static str>) -> Option<String> {
    id.map(|id| t!(id))
}

/// "or", then a button that goes on with a passkey instead of the form
/// above it.
#[component]
pub fn OrPasskey(label: String, onclick: EventHandler<MouseEvent>) -> Element {
    rsx! {
        div { class: "my-4 flex items-center gap-3 text-xs uppercase text-muted-foreground",
            span { class: "h-px flex-1 bg-border" }
            {t!("sign-in-or")}
            span { class: "h-px flex-1 bg-border" }
        }
        Button { variant: Variant::Outline, class: "w-full", onclick: move |event| onclick.call(event),
            Icon { name: IconName::Key, class: "h-4 w-4" }
            {label}
        }
    }
}

/// The centred card of the pages people use signed out.
#[component]
pub fn AuthCard(title: String, subtitle: String, children: Element) -> Element {
    rsx! {
        main { class: "flex min-h-screen items-center justify-center bg-muted/40 p-4",
            Card { class: "w-full max-w-md p-6 sm:p-8",
                div { class: "mb-6 flex flex-col items-center gap-2 text-center",
                    span { class: "flex h-10 w-10 items-center justify-center rounded-xl bg-primary text-primary-foreground",
                        Icon { name: IconName::Heart }
                    }
                    h1 { class: "text-2xl font-semibold tracking-tight", "{title}" }
                    if !subtitle.is_empty() {
                        p { class: "text-sm text-muted-foreground", "{subtitle}" }
                    }
                }
                {children}
            }
        }
    }
}

#[component]
pub fn Login(next: String) -> Element {
    use_leave_when_signed_in(next.clone());
    let session = use_session();
    let email = use_signal(String::new);
    let password = use_signal(String::new);
    let remember_me = use_signal(|| false);
    let mut submitted = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<ApiError>);

    let email_error = use_memo(move || submitted().then(|| validation::email(&email())).flatten());
    let password_error = use_memo(move || {
        submitted()
            .then(|| validation::required_password(&password()))
            .flatten()
    });

    let submit = move |event: FormEvent| {
        event.prevent_default();
        submitted.set(true);
        if busy() || email_error().is_some() || password_error().is_some() {
            return;
        }
        busy.set(true);
        failure.set(None);
        spawn(async move {
            match api::login(&email(), &password(), remember_me()).await {
                Ok((user, tokens)) => session.sign_in(user, tokens),
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };
    // No email typed: the browser offers this site's passkeys to choose from.
    let mut passkey_failure = use_signal(|| None::<&'static str>);
    let passkey = move |_| {
        if busy() {
            return;
        }
        busy.set(true);
        failure.set(None);
        passkey_failure.set(None);
        spawn(async move {
            let result = async {
                let challenge = api::start_passkey_sign_in().await?;
                let assertion = webauthn::get(challenge).await?;
                Ok::<_, webauthn::PasskeyError>(
                    api::finish_passkey_sign_in(assertion, remember_me()).await?,
                )
            }
            .await;
            match result {
                Ok((user, tokens)) => session.sign_in(user, tokens),
                Err(webauthn::PasskeyError::Api(error)) => failure.set(Some(error)),
                Err(other) => passkey_failure.set(Some(other.message_id())),
            }
            busy.set(false);
        });
    };

    rsx! {
        AuthCard { title: t!("login-title"), subtitle: t!("login-subtitle"),
            form { class: "grid gap-4", novalidate: true, onsubmit: submit,
                if let Some(why) = session.signed_out() {
                    Notice { id: "signed-out-reason", {t!(why.message_id())} }
                }
                if let Some(error) = failure() {
                    Alert { {t!(error.sign_in_message_id())} }
                }
                if let Some(id) = passkey_failure() {
                    Alert { {t!(id)} }
                }
                Field { id: "email", label: t!("field-email"), value: email, r#type: "email",
                        autocomplete: "email", error: message(email_error()) }
                Field { id: "password", label: t!("field-password"), value: password,
                        r#type: "password", autocomplete: "current-password",
                        error: message(password_error()) }
                Link { to: Route::ForgotPassword {}, class: "-mt-2 justify-self-end text-sm font-medium text-primary hover:underline",
                    {t!("login-forgot-password")}
                }
                Checkbox { id: "remember-me", label: t!("field-remember-me"), checked: remember_me }
                Button { r#type: "submit", loading: busy(), class: "w-full",
                    if busy() { {t!("login-busy")} } else { {t!("login-submit")} }
                }
            }
            if webauthn::supported() {
                OrPasskey { label: t!("login-passkey"), onclick: passkey }
            }
            p { class: "mt-6 text-center text-sm text-muted-foreground",
                {t!("login-no-account")}
                " "
                Link { to: Route::Register {}, class: "font-medium text-primary hover:underline", {t!("login-register-link")} }
            }
        }
    }
}

#[component]
pub fn Register() -> Element {
    use_leave_when_signed_in(String::new());
    let session = use_session();
    let ui = use_ui();
    let toasts = use_toasts();
    let email = use_signal(String::new);
    let username = use_signal(String::new);
    let password = use_signal(String::new);
    let confirmation = use_signal(String::new);
    let full_name = use_signal(String::new);
    let mut submitted = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<ApiError>);

    let email_error =
        use_memo(move || field_error(submitted(), validation::email(&email()), failure(), "email"));
    let username_error = use_memo(move || {
        let rule = validation::username(&username());
        field_error(submitted(), rule, failure(), "username")
    });
    let password_error = use_memo(move || {
        let rule = validation::new_password(&password());
        field_error(submitted(), rule, failure(), "password")
    });
    let confirmation_error = use_memo(move || {
        submitted()
            .then(|| validation::password_confirmation(&password(), &confirmation()))
            .flatten()
    });
    // Anything not shown under one of the checked fields shows above the form.
    let form_error = use_memo(move || {
        failure().filter(|e| !matches!(e.field(), Some("email" | "username" | "password")))
    });
    // A changed value clears the service's complaint about it.
    use_effect(move || {
        let _ = (email(), username(), password());
        failure.set(None);
    });

    let submit = move |event: FormEvent| {
        event.prevent_default();
        submitted.set(true);
        let invalid = validation::email(&email()).is_some()
            || validation::username(&username()).is_some()
            || validation::new_password(&password()).is_some()
            || validation::password_confirmation(&password(), &confirmation()).is_some();
        if busy() || invalid {
            return;
        }
        busy.set(true);
        // The account's mail will speak the language the page speaks now.
        let locale = ui.get().language.html_lang();
        spawn(async move {
            let result =
                api::register(&email(), &username(), &password(), &full_name(), locale).await;
            match result {
                Ok((user, tokens)) => {
                    session.sign_in(user, tokens);
                    toasts.push(text!("toast-registered"));
                }
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };

    rsx! {
        AuthCard { title: t!("register-title"), subtitle: t!("register-subtitle"),
            form { class: "grid gap-4", novalidate: true, onsubmit: submit,
                if let Some(error) = form_error() {
                    Alert { {t!(error.message_id())} }
                }
                Field { id: "full-name", label: t!("field-full-name"), value: full_name,
                        autocomplete: "name", error: None }
                Field { id: "email", label: t!("field-email"), value: email, r#type: "email",
                        autocomplete: "email", error: message(email_error()) }
                Field { id: "username", label: t!("field-username"), value: username,
                        autocomplete: "username", hint: t!("hint-username"),
                        error: message(username_error()) }
                Field { id: "password", label: t!("field-password"), value: password,
                        r#type: "password", autocomplete: "new-password",
                        hint: t!("hint-password"), error: message(password_error()) }
                Field { id: "confirm-password", label: t!("field-confirm-password"),
                        value: confirmation, r#type: "password", autocomplete: "new-password",
                        error: message(confirmation_error()) }
                Button { r#type: "submit", loading: busy(), class: "w-full",
                    if busy() { {t!("register-busy")} } else { {t!("register-submit")} }
                }
            }
            p { class: "mt-6 text-center text-sm text-muted-foreground",
                {t!("register-have-account")}
                " "
                Link { to: Route::Login { next: String::new() }, class: "font-medium text-primary hover:underline", {t!("register-login-link")} }
            }
        }
    }
}

#[component]
pub fn Dashboard() -> Element {
    let session = use_session();
    // Confirms the session with the service (refreshing it if needed) and
    // picks up changes to the profile made elsewhere.
    use_future(move || async move {
        if let Ok(user) = session.authorized(api::me).await {
            session.update_user(user);
        }
    });
    let user = session.user().unwrap_or_default();
    let stats = [
        ("stat-steps", IconName::Activity),
        ("stat-heart-rate", IconName::Heart),
        ("stat-sleep", IconName::Moon),
        ("stat-water", IconName::Droplet),
    ];
    rsx! {
        div { class: "mx-auto grid max-w-6xl gap-6",
            if !user.email_verified {
                VerifyEmailBanner { email: user.email.clone() }
            }
            Card { class: "bg-gradient-to-br from-primary/10 to-accent/10 p-6",
                h2 { id: "welcome", class: "text-2xl font-semibold tracking-tight",
                    {t!("dashboard-welcome", name: user.display_name())}
                }
                p { class: "mt-1 text-muted-foreground", {t!("dashboard-subtitle")} }
                if user.is_admin {
                    p { id: "admin-badge", class: "mt-3 inline-flex rounded-full bg-primary px-3 py-1 text-xs font-medium text-primary-foreground",
                        {t!("dashboard-admin")}
                    }
                }
            }
            div { class: "grid gap-4 sm:grid-cols-2 lg:grid-cols-4",
                for (id, icon) in stats {
                    Card { key: "{id}", class: "p-5",
                        div { class: "flex items-center justify-between text-sm text-muted-foreground",
                            span { {t!(id)} }
                            span { class: "text-primary", Icon { name: icon } }
                        }
                        p { class: "mt-3 text-3xl font-semibold", "—" }
                        p { class: "mt-1 text-xs text-muted-foreground", {t!("stat-no-data")} }
                    }
                }
            }
        }
    }
}

/// Asks the signed-in person to follow the link mailed to them.
#[component]
fn VerifyEmailBanner(email: String) -> Element {
    rsx! {
        section { id: "verify-banner", aria_label: t!("verify-banner-title"),
            Card { class: "flex flex-col gap-4 border-primary/40 bg-primary/5 p-5 sm:flex-row sm:items-center",
                div { class: "flex flex-1 items-start gap-3",
                    span { class: "mt-0.5 text-primary", Icon { name: IconName::Mail } }
                    div {
                        p { class: "font-medium", {t!("verify-banner-title")} }
                        p { class: "mt-1 text-sm text-muted-foreground", {t!("verify-banner-body", email: email.clone())} }
                    }
                }
                ResendVerification { label: t!("verify-banner-resend"), variant: Variant::Outline }
            }
        }
    }
}

/// Mails the signed-in person a fresh verification link, and says so.
#[component]
pub fn ResendVerification(
    label: String,
    #[props(default)] variant: Variant,
    #[props(default = "shrink-0".to_owned())] class: String,
) -> Element {
    let session = use_session();
    let toasts = use_toasts();
    let mut busy = use_signal(|| false);
    let resend = move |_| {
        if busy() {
            return;
        }
        busy.set(true);
        spawn(async move {
            let email = session.user().map(|u| u.email).unwrap_or_default();
            match session.authorized(api::request_email_verification).await {
                Ok(()) => toasts.push(text!("toast-verification-sent", email: email)),
                Err(error) => toasts.push(text!(error.message_id())),
            }
            busy.set(false);
        });
    };
    rsx! {
        Button { variant, loading: busy(), onclick: resend, class,
            if busy() { {t!("verify-banner-sending")} } else { "{label}" }
        }
    }
}

#[component]
pub fn NotFound(segments: Vec<String>) -> Element {
    let path = format!("/{}", segments.join("/"));
    rsx! {
        main { class: "flex min-h-screen flex-col items-center justify-center gap-4 bg-background p-4 text-center text-foreground",
            p { class: "text-6xl font-bold text-primary", "404" }
            h1 { class: "text-2xl font-semibold", {t!("not-found-title")} }
            p { class: "text-muted-foreground", {t!("not-found-body", path: path)} }
            Link { to: Route::Dashboard {}, class: "rounded-md bg-primary px-4 py-2 text-sm font-medium text-primary-foreground", {t!("not-found-home")} }
            Button { variant: Variant::Outline, onclick: move |_| { let _ = web_sys::window().map(|w| w.history().map(|h| h.back())); },
                {t!("not-found-back")}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_login_go_back_only_to_our_pages() {
        assert_eq!(destination("/"), Route::Dashboard {});
        assert_eq!(destination(""), Route::Dashboard {});
        assert_eq!(destination("https://evil.example/"), Route::Dashboard {});
        assert_eq!(destination("/login"), Route::Dashboard {});
        assert_eq!(destination("/settings/privacy"), Route::SettingsPrivacy {});
        assert_eq!(
            destination("/admin/audit?user=abc"),
            Route::AdminAudit { user: "abc".into() }
        );
    }
}
