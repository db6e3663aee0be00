//! The pages around mailed links: asking for a password reset, setting the
//! new password from the link, and verifying the email address from the
//! link. They work signed in or not, outside the app shell.

use crate::t;
use dioxus::prelude::*;

use crate::Route;
use crate::api::{self, ApiError};
use crate::components::{Alert, Button, Field, Icon, IconName};
use crate::pages::{AuthCard, ResendVerification, field_error, message};
use crate::session::use_session;
use crate::validation;

const LINK: &str = "font-medium text-primary hover:underline";
const BUTTON_LINK: &str = "inline-flex w-full items-center justify-center rounded-md bg-primary px-4 py-2 text-sm font-medium text-primary-foreground shadow-sm hover:bg-primary/90";

#[component]
pub fn ForgotPassword() -> Element {
    let email = use_signal(String::new);
    let mut submitted = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<ApiError>);
    // The address the link went to (the same answer whether or not it has
    // an account).
    let mut sent_to = use_signal(|| None::<String>);
    let email_error = use_memo(move || submitted().then(|| validation::email(&email())).flatten());

    let submit = move |event: FormEvent| {
        event.prevent_default();
        submitted.set(true);
        if busy() || email_error().is_some() {
            return;
        }
        busy.set(true);
        failure.set(None);
        spawn(async move {
            let address = email().trim().to_owned();
            match api::request_password_reset(&address).await {
                Ok(()) => sent_to.set(Some(address)),
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };

    if let Some(address) = sent_to() {
        return rsx! {
            AuthCard { title: t!("forgot-sent-title"), subtitle: String::new(),
                Outcome { icon: IconName::Mail, body: t!("forgot-sent-body", email: address) }
                BackToSignIn {}
            }
        };
    }
    rsx! {
        AuthCard { title: t!("forgot-title"), subtitle: t!("forgot-subtitle"),
            form { class: "grid gap-4", novalidate: true, onsubmit: submit,
                if let Some(error) = failure() {
                    Alert { {t!(error.message_id())} }
                }
                Field { id: "email", label: t!("field-email"), value: email, r#type: "email",
                        autocomplete: "email", error: message(email_error()) }
                Button { r#type: "submit", loading: busy(), class: "w-full",
                    if busy() { {t!("forgot-busy")} } else { {t!("forgot-submit")} }
                }
            }
            BackToSignIn {}
        }
    }
}

#[component]
pub fn ResetPassword(token: String) -> Element {
    let password = use_signal(String::new);
    let confirmation = use_signal(String::new);
    let mut submitted = use_signal(|| false);
    let mut busy = use_signal(|| false);
    // A link without a token is as good as a used one.
    let mut failure = use_signal({
        let missing = token.trim().is_empty();
        move || missing.then_some(ApiError::InvalidToken)
    });
    let mut done = use_signal(|| false);

    let password_error = use_memo(move || {
        let rule = validation::new_password(&password());
        field_error(submitted(), rule, failure(), "newPassword")
    });
    let confirmation_error = use_memo(move || {
        submitted()
            .then(|| validation::password_confirmation(&password(), &confirmation()))
            .flatten()
    });

    let submit = move |event: FormEvent| {
        event.prevent_default();
        submitted.set(true);
        let invalid = validation::new_password(&password()).is_some()
            || validation::password_confirmation(&password(), &confirmation()).is_some();
        if busy() || invalid {
            return;
        }
        busy.set(true);
        failure.set(None);
        let token = token.clone();
        spawn(async move {
            match api::reset_password(&token, &password()).await {
                Ok(()) => done.set(true),
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };

    if done() {
        return rsx! {
            AuthCard { title: t!("reset-done-title"), subtitle: String::new(),
                Outcome { icon: IconName::Check, body: t!("reset-done-body") }
                Link { to: Route::Login { next: String::new() }, class: BUTTON_LINK, {t!("reset-sign-in")} }
            }
        };
    }
    match failure() {
        Some(error @ (ApiError::TokenExpired | ApiError::InvalidToken)) => rsx! {
            LinkRefused { error, expired: t!("reset-expired-body"), invalid: t!("reset-invalid-body"),
                Link { to: Route::ForgotPassword {}, class: BUTTON_LINK, {t!("reset-request-new")} }
                BackToSignIn {}
            }
        },
        other => rsx! {
            AuthCard { title: t!("reset-title"), subtitle: t!("reset-subtitle"),
                form { class: "grid gap-4", novalidate: true, onsubmit: submit,
                    if let Some(error) = other.filter(|e| e.field() != Some("newPassword")) {
                        Alert { {t!(error.message_id())} }
                    }
                    Field { id: "new-password", label: t!("field-new-password"), value: password,
                            r#type: "password", autocomplete: "new-password",
                            hint: t!("hint-password"), error: message(password_error()) }
                    Field { id: "confirm-new-password", label: t!("field-confirm-new-password"),
                            value: confirmation, r#type: "password", autocomplete: "new-password",
                            error: message(confirmation_error()) }
                    Button { r#type: "submit", loading: busy(), class: "w-full",
                        if busy() { {t!("reset-busy")} } else { {t!("reset-submit")} }
                    }
                }
                BackToSignIn {}
            }
        },
    }
}

#[component]
pub fn VerifyEmail(token: String) -> Element {
    let session = use_session();
    // Verifies once, on arrival; the link is the whole request.
    let outcome = use_resource(move || {
        let token = token.clone();
        async move {
            if token.trim().is_empty() {
                return Err(ApiError::InvalidToken);
            }
            api::verify_email(&token).await?;
            // The banner on the dashboard goes once the profile says so.
            // Untracked: updating the user must not rerun this resource,
            // which would spend the link again and report it used.
            if session.is_signed_in_untracked()
                && let Ok(user) = session.authorized(api::me).await
            {
                session.update_user(user);
            }
            Ok(())
        }
    });
    let signed_in = session.is_signed_in();
    let result = outcome.read().clone();
    let Some(result) = result else {
        return rsx! {
            AuthCard { title: t!("verify-title"), subtitle: String::new(),
                div { class: "flex items-center justify-center gap-3 text-sm text-muted-foreground", role: "status",
                    span { class: "h-4 w-4 animate-spin rounded-full border-2 border-current border-t-transparent", aria_hidden: "true" }
                    {t!("verify-busy")}
                }
            }
        };
    };
    let continue_link = rsx! {
        if signed_in {
            Link { to: Route::Dashboard {}, class: BUTTON_LINK, {t!("verify-continue")} }
        } else {
            Link { to: Route::Login { next: String::new() }, class: BUTTON_LINK, {t!("reset-sign-in")} }
        }
    };
    match result {
        Ok(()) => rsx! {
            AuthCard { title: t!("verify-done-title"), subtitle: String::new(),
                Outcome { icon: IconName::Check, body: t!("verify-done-body") }
                {continue_link}
            }
        },
        Err(error @ (ApiError::TokenExpired | ApiError::InvalidToken)) => {
            rsx! {
                LinkRefused { error, expired: t!("verify-expired-body"), invalid: t!("verify-invalid-body"),
                    if signed_in {
                        ResendVerification { label: t!("verify-send-new"), class: "w-full" }
                        Link { to: Route::Dashboard {}, class: "mt-4 block text-center text-sm {LINK}", {t!("verify-continue")} }
                    } else {
                        Link { to: Route::Login { next: String::new() }, class: BUTTON_LINK, {t!("verify-sign-in-to-resend")} }
                    }
                }
            }
        }
        Err(error) => rsx! {
            AuthCard { title: t!("verify-title"), subtitle: String::new(),
                Alert { {t!(error.message_id())} }
                div { class: "mt-6", {continue_link} }
            }
        },
    }
}

/// Where the mail sent when sign-in was locked leads: unlocks once, on
/// arrival, and sends the person on to sign in.
#[component]
pub fn UnlockSignIn(token: String) -> Element {
    let outcome = use_resource(move || {
        let token = token.clone();
        async move {
            if token.trim().is_empty() {
                return Err(ApiError::InvalidToken);
            }
            api::unlock_sign_in(&token).await
        }
    });
    let sign_in = rsx! {
        Link { to: Route::Login { next: String::new() }, class: BUTTON_LINK, {t!("reset-sign-in")} }
    };
    let result = outcome.read().clone();
    match result {
        None => rsx! {
            AuthCard { title: t!("unlock-title"), subtitle: String::new(),
                div { class: "flex items-center justify-center gap-3 text-sm text-muted-foreground", role: "status",
                    span { class: "h-4 w-4 animate-spin rounded-full border-2 border-current border-t-transparent", aria_hidden: "true" }
                    {t!("unlock-busy")}
                }
            }
        },
        Some(Ok(())) => rsx! {
            AuthCard { title: t!("unlock-done-title"), subtitle: String::new(),
                Outcome { icon: IconName::Check, body: t!("unlock-done-body") }
                {sign_in}
            }
        },
        Some(Err(error @ (ApiError::TokenExpired | ApiError::InvalidToken))) => rsx! {
            LinkRefused { error, expired: t!("unlock-refused-body"), invalid: t!("unlock-refused-body"),
                Link { to: Route::ForgotPassword {}, class: BUTTON_LINK, {t!("unlock-reset")} }
            }
        },
        Some(Err(error)) => rsx! {
            AuthCard { title: t!("unlock-title"), subtitle: String::new(),
                Alert { {t!(error.message_id())} }
                div { class: "mt-6", {sign_in} }
            }
        },
    }
}

/// A link the service refused (too old, used, or replaced), with `children`
/// offering the way on.
#[component]
fn LinkRefused(error: ApiError, expired: String, invalid: String, children: Element) -> Element {
    let body = if error == ApiError::TokenExpired {
        expired
    } else {
        invalid
    };
    rsx! {
        AuthCard { title: t!(error.message_id()), subtitle: String::new(),
            Outcome { icon: IconName::Mail, body }
            {children}
        }
    }
}

/// The icon and sentence that say how a link's errand went.
#[component]
fn Outcome(icon: IconName, body: String) -> Element {
    rsx! {
        div { class: "mb-6 grid justify-items-center gap-4 text-center",
            span { class: "flex h-12 w-12 items-center justify-center rounded-full bg-primary/10 text-primary",
                Icon { name: icon, class: "h-6 w-6" }
            }
            p { id: "outcome", class: "text-sm text-muted-foreground", "{body}" }
        }
    }
}

#[component]
fn BackToSignIn() -> Element {
    rsx! {
        p { class: "mt-6 text-center text-sm",
            Link { to: Route::Login { next: String::new() }, class: LINK, {t!("forgot-back")} }
        }
    }
}
