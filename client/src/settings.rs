//! The signed-in person's own account: the profile (name, username,
//! language) and security (password, signed-in devices), as tabs of one
//! Settings page inside the app shell; its two-factor tab is in `mfa.rs`,
//! its Activity and Privacy tabs in `privacy.rs`.

use crate::{t, text};
use dioxus::prelude::*;

use crate::Route;
use crate::api::{self, ApiError, Device, ProfileChange};
use crate::components::{
    Alert, Badge, Button, Card, ConfirmDialog, Field, Icon, IconName, Notice, SelectField, Variant,
    use_toasts,
};
use crate::pages::{field_error, message};
use crate::session::use_session;
use crate::state::{Language, use_ui};
use crate::{time, validation};

const TABS: [(&str, Route); 5] = [
    ("settings-profile", Route::SettingsProfile {}),
    ("settings-security", Route::SettingsSecurity {}),
    ("settings-mfa", Route::SettingsMfa {}),
    ("settings-activity", Route::SettingsActivity {}),
    ("settings-privacy", Route::SettingsPrivacy {}),
];

/// The Settings heading and its tabs, around the tab's page.
#[component]
pub fn Settings() -> Element {
    let route = use_route::<Route>();
    rsx! {
        div { class: "mx-auto grid max-w-3xl gap-6",
            div {
                h2 { class: "text-2xl font-semibold tracking-tight", {t!("settings-title")} }
                p { class: "mt-1 text-muted-foreground", {t!("settings-subtitle")} }
            }
            nav { aria_label: t!("settings-tabs"), class: "flex gap-1 overflow-x-auto border-b border-border",
                for (id, to) in TABS {
                    Link {
                        key: "{id}",
                        to: to.clone(),
                        aria_current: if route == to { "page" } else { "false" },
                        class: if route == to { "-mb-px border-b-2 border-primary px-4 py-2 text-sm font-medium text-primary" } else { "-mb-px border-b-2 border-transparent px-4 py-2 text-sm text-muted-foreground hover:text-foreground" },
                        {t!(id)}
                    }
                }
            }
            Outlet::<Route> {}
        }
    }
}

#[component]
pub fn SettingsProfile() -> Element {
    let session = use_session();
    let ui = use_ui();
    let toasts = use_toasts();
    let user = session.user().unwrap_or_default();
    let mut full_name = use_signal(|| user.full_name.clone().unwrap_or_default());
    let mut username = use_signal(|| user.username.clone());
    let mut locale = use_signal(|| {
        Language::from_locale(&user.locale)
            .unwrap_or(ui.get().language)
            .html_lang()
            .to_owned()
    });
    let mut submitted = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<ApiError>);

    // The profile as the service has it now: another device may have
    // changed it since this browser stored it.
    use_future(move || async move {
        if let Ok(fresh) = session.authorized(api::me).await {
            full_name.set(fresh.full_name.clone().unwrap_or_default());
            username.set(fresh.username.clone());
            if Language::from_locale(&fresh.locale).is_some() {
                locale.set(fresh.locale.clone());
            }
            session.update_user(fresh);
        }
    });

    let full_name_error = use_memo(move || {
        let rule = validation::full_name(&full_name());
        field_error(submitted(), rule, failure(), "fullName")
    });
    let username_error = use_memo(move || {
        let rule = validation::username(&username());
        field_error(submitted(), rule, failure(), "username")
    });
    let form_error =
        use_memo(move || failure().filter(|e| !matches!(e.field(), Some("fullName" | "username"))));
    use_effect(move || {
        let _ = (full_name(), username(), locale());
        failure.set(None);
    });

    let submit = move |event: FormEvent| {
        event.prevent_default();
        submitted.set(true);
        let invalid = validation::full_name(&full_name()).is_some()
            || validation::username(&username()).is_some();
        if busy() || invalid {
            return;
        }
        let Some(before) = session.user() else {
            return;
        };
        // Only what changed: the service checks a username against the others.
        let changed = |new: String, old: &str| (new.trim() != old).then_some(new);
        let change = ProfileChange {
            full_name: changed(full_name(), before.full_name.as_deref().unwrap_or_default()),
            username: changed(username(), &before.username),
            locale: changed(locale(), &before.locale),
        };
        busy.set(true);
        spawn(async move {
            let saved = session
                .authorized(|token| api::update_profile(token, change.clone()))
                .await;
            match saved {
                Ok(user) => {
                    let language = Language::from_locale(&user.locale);
                    session.update_user(user);
                    if let Some(language) = language.filter(|l| *l != ui.get().language) {
                        ui.set_language(language);
                    }
                    toasts.push(text!("toast-profile-saved"));
                }
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };

    rsx! {
        Card { class: "p-6",
            h3 { class: "text-lg font-semibold", {t!("profile-account")} }
            div { class: "mt-4 flex flex-wrap items-center gap-3",
                span { class: "text-sm text-muted-foreground", {t!("profile-email")} }
                span { id: "profile-email", class: "font-medium", "{user.email}" }
                if user.email_verified {
                    Badge { {t!("profile-verified")} }
                } else {
                    Badge { muted: true, {t!("profile-unverified")} }
                }
            }
        }
        Card { class: "p-6",
            h3 { class: "text-lg font-semibold", {t!("profile-details")} }
            p { class: "mt-1 text-sm text-muted-foreground", {t!("profile-details-hint")} }
            form { class: "mt-6 grid gap-4", novalidate: true, onsubmit: submit,
                if let Some(error) = form_error() {
                    Alert { {t!(error.message_id())} }
                }
                Field { id: "full-name", label: t!("field-full-name"), value: full_name,
                        autocomplete: "name", error: message(full_name_error()) }
                Field { id: "username", label: t!("field-username"), value: username,
                        autocomplete: "username", hint: t!("hint-username"),
                        error: message(username_error()) }
                SelectField { id: "language", label: t!("field-language"), value: locale,
                    options: vec![("en", t!("language-en")), ("ru", t!("language-ru"))] }
                Button { r#type: "submit", loading: busy(), class: "justify-self-start",
                    if busy() { {t!("profile-saving")} } else { {t!("profile-save")} }
                }
            }
        }
    }
}

#[component]
pub fn SettingsSecurity() -> Element {
    // Bumped after anything that changes which devices are signed in.
    let mut changes = use_signal(|| 0u32);
    rsx! {
        ChangePassword { onchanged: move |_| changes += 1 }
        Devices { changes }
    }
}

#[component]
fn ChangePassword(onchanged: EventHandler<()>) -> Element {
    let session = use_session();
    let toasts = use_toasts();
    let current = use_signal(String::new);
    let new = use_signal(String::new);
    let confirmation = use_signal(String::new);
    let mut submitted = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<ApiError>);
    let mut changed = use_signal(|| false);

    // A wrong current password is that field's problem, not the form's.
    let current_error = use_memo(move || {
        let rule = validation::required_password(&current());
        field_error(submitted(), rule, failure(), "currentPassword").or_else(|| {
            (failure() == Some(ApiError::InvalidCredentials))
                .then_some("error-current-password-wrong")
        })
    });
    let new_error = use_memo(move || {
        let rule = validation::new_password(&new());
        field_error(submitted(), rule, failure(), "newPassword")
    });
    let confirmation_error = use_memo(move || {
        submitted()
            .then(|| validation::password_confirmation(&new(), &confirmation()))
            .flatten()
    });
    let form_error = use_memo(move || {
        failure().filter(|e| {
            *e != ApiError::InvalidCredentials
                && !matches!(e.field(), Some("currentPassword" | "newPassword"))
        })
    });
    use_effect(move || {
        let _ = (current(), new());
        failure.set(None);
    });

    let submit = move |event: FormEvent| {
        event.prevent_default();
        submitted.set(true);
        changed.set(false);
        let invalid = validation::required_password(&current()).is_some()
            || validation::new_password(&new()).is_some()
            || validation::password_confirmation(&new(), &confirmation()).is_some();
        if busy() || invalid {
            return;
        }
        busy.set(true);
        spawn(async move {
            let (old, fresh) = (current(), new());
            let result = session
                .authorized(|token| api::change_password(token, old.clone(), fresh.clone()))
                .await;
            match result {
                Ok(()) => {
                    for mut field in [current, new, confirmation] {
                        field.set(String::new());
                    }
                    submitted.set(false);
                    changed.set(true);
                    toasts.push(text!("toast-password-changed"));
                    onchanged.call(());
                }
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };

    rsx! {
        Card { class: "p-6",
            h3 { class: "text-lg font-semibold", {t!("password-title")} }
            p { class: "mt-1 text-sm text-muted-foreground", {t!("password-hint")} }
            form { class: "mt-6 grid gap-4", novalidate: true, onsubmit: submit,
                if changed() {
                    Notice { id: "password-changed", {t!("password-changed-others")} }
                }
                if let Some(error) = form_error() {
                    Alert { {t!(error.message_id())} }
                }
                Field { id: "current-password", label: t!("field-current-password"), value: current,
                        r#type: "password", autocomplete: "current-password",
                        error: message(current_error()) }
                Field { id: "new-password", label: t!("field-new-password"), value: new,
                        r#type: "password", autocomplete: "new-password",
                        hint: t!("hint-password"), error: message(new_error()) }
                Field { id: "confirm-new-password", label: t!("field-confirm-new-password"),
                        value: confirmation, r#type: "password", autocomplete: "new-password",
                        error: message(confirmation_error()) }
                Button { r#type: "submit", loading: busy(), class: "justify-self-start",
                    if busy() { {t!("password-busy")} } else { {t!("password-submit")} }
                }
            }
        }
    }
}

/// What the confirmation dialog is asking about.
#[derive(Clone, PartialEq)]
enum Pending {
    Device { id: String, label: String },
    AllOthers,
}

#[component]
fn Devices(changes: Signal<u32>) -> Element {
    let session = use_session();
    let ui = use_ui();
    let toasts = use_toasts();
    let mut changes = changes;
    let devices = use_resource(move || async move {
        let _ = changes();
        session.authorized(api::my_sessions).await
    });
    let mut pending = use_signal(|| None::<Pending>);
    let mut busy = use_signal(|| false);
    let language = ui.get().language.html_lang();

    let confirm = move |_| {
        let Some(what) = pending() else {
            return;
        };
        busy.set(true);
        spawn(async move {
            let message = match what {
                Pending::Device { id, .. } => session
                    .authorized(|token| api::revoke_session(token, id.clone()))
                    .await
                    .map(|_| text!("toast-device-signed-out")),
                Pending::AllOthers => session
                    .authorized(api::logout_everywhere_else)
                    .await
                    .map(|count| text!("toast-signed-out-others", count: count)),
            };
            toasts.push(message.unwrap_or_else(|error| text!(error.message_id())));
            busy.set(false);
            pending.set(None);
            changes += 1;
        });
    };

    let list = devices.read().clone();
    let others = list
        .as_ref()
        .and_then(|r| r.as_ref().ok())
        .is_some_and(|list| list.iter().any(|d| !d.current));
    rsx! {
        Card { class: "p-6",
            div { class: "flex flex-wrap items-start justify-between gap-4",
                div {
                    h3 { class: "text-lg font-semibold", {t!("devices-title")} }
                    p { class: "mt-1 text-sm text-muted-foreground", {t!("devices-hint")} }
                }
                if others {
                    Button { variant: Variant::Outline, onclick: move |_| pending.set(Some(Pending::AllOthers)),
                        {t!("devices-sign-out-others")}
                    }
                }
            }
            match list {
                None => rsx! { p { class: "mt-6 text-sm text-muted-foreground", {t!("devices-loading")} } },
                Some(Err(error)) => rsx! { div { class: "mt-6", Alert { {t!(error.message_id())} } } },
                Some(Ok(list)) => rsx! {
                    ul { id: "devices", class: "mt-4 divide-y divide-border",
                        for device in list {
                            DeviceRow {
                                key: "{device.id}",
                                device: device.clone(),
                                language,
                                onsignout: move |(id, label)| pending.set(Some(Pending::Device { id, label })),
                            }
                        }
                    }
                    if !others {
                        p { class: "mt-2 text-sm text-muted-foreground", {t!("devices-none-other")} }
                    }
                },
            }
        }
        if let Some(what) = pending() {
            ConfirmDialog {
                title: match &what {
                    Pending::Device { .. } => t!("confirm-revoke-title"),
                    Pending::AllOthers => t!("confirm-others-title"),
                },
                body: match &what {
                    Pending::Device { label, .. } => t!("confirm-revoke-body", device: label.clone()),
                    Pending::AllOthers => t!("confirm-others-body"),
                },
                confirm: t!("devices-sign-out"),
                cancel: t!("confirm-cancel"),
                busy: busy(),
                onconfirm: confirm,
                oncancel: move |_| pending.set(None),
            }
        }
    }
}

#[component]
fn DeviceRow(
    device: Device,
    language: &'static str,
    onsignout: EventHandler<(String, String)>,
) -> Element {
    let label = device_label(device.user_agent.as_deref());
    let address = match device.ip_address.as_deref() {
        Some(address) => t!("devices-address", address: address),
        None => t!("devices-address-unknown"),
    };
    let active = match time::relative(&device.last_used_at, language) {
        Some(when) => t!("devices-active", when: when),
        None => t!("devices-active-now"),
    };
    let exact = time::local(&device.last_used_at, language);
    let id = device.id.clone();
    let name = label.clone();
    rsx! {
        li { class: "flex flex-wrap items-center gap-3 py-4",
            // Spelled out: a false boolean attribute would be left off.
            "data-current": if device.current { "true" } else { "false" },
            span { class: "flex h-9 w-9 shrink-0 items-center justify-center rounded-lg bg-muted text-muted-foreground",
                Icon { name: IconName::Monitor }
            }
            div { class: "min-w-0 flex-1",
                p { class: "flex flex-wrap items-center gap-2 font-medium",
                    span { class: "device-label", "{label}" }
                    if device.current {
                        Badge { {t!("devices-this")} }
                    }
                }
                p { class: "mt-0.5 text-sm text-muted-foreground",
                    "{address} · "
                    span { title: exact, "{active}" }
                }
            }
            if !device.current {
                Button { variant: Variant::Outline, onclick: move |_| onsignout.call((id.clone(), name.clone())),
                    {t!("devices-sign-out")}
                }
            }
        }
    }
}

/// "Chrome on Linux", or as much of it as the User-Agent tells.
fn device_label(user_agent: Option<&str>) -> String {
    let device = devices::parse(user_agent.unwrap_or_default());
    match (device.browser, device.os) {
        (Some(browser), Some(os)) => t!("devices-browser-on-os", browser: browser, os: os),
        (Some(program), None) => program,
        (None, Some(os)) => os.to_owned(),
        (None, None) => t!("devices-unknown"),
    }
}
