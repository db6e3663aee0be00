//! Settings › Activity (the person's own audit trail) and Settings › Privacy
//! (take a copy of one's data; delete the account).

use crate::{t, text};
use dioxus::prelude::*;
use wasm_bindgen::prelude::*;

use crate::Route;
use crate::api::{self, ApiError};
use crate::audit::EventList;
use crate::components::{Alert, Button, Card, ConfirmDialog, Field, Variant, use_toasts};
use crate::pager::{LoadMore, use_pager};
use crate::pages::message;
use crate::session::use_session;
use crate::state::use_ui;
use crate::validation;

#[component]
pub fn SettingsActivity() -> Element {
    let session = use_session();
    let ui = use_ui();
    let once = use_memo(|| ());
    let pager = use_pager(once, move |(), after: Option<String>| async move {
        session
            .authorized(|token| api::my_activity(token, after.clone()))
            .await
    });
    let events = pager.items.read().clone();
    rsx! {
        Card { class: "p-6",
            h3 { class: "text-lg font-semibold", {t!("activity-title")} }
            p { class: "mt-1 text-sm text-muted-foreground", {t!("activity-hint")} }
            div { class: "mt-4",
                if events.is_empty() && pager.loading() {
                    p { class: "text-sm text-muted-foreground", {t!("activity-loading")} }
                } else if events.is_empty() && pager.failure().is_none() {
                    p { class: "text-sm text-muted-foreground", {t!("activity-none")} }
                }
                EventList { events, language: ui.get().language.html_lang() }
                LoadMore { pager }
            }
        }
    }
}

#[wasm_bindgen(inline_js = "
export function save_file(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}")]
extern "C" {
    /// Hands `text` to the browser as a downloaded file.
    pub(crate) fn save_file(name: &str, r#type: &str, text: &str);
}

/// The downloaded file's name, dated so that copies taken on different days
/// do not overwrite each other: "vitals-data-2026-11-30.json".
fn export_file_name(today_iso: &str) -> String {
    format!(
        "vitals-data-{}.json",
        today_iso.get(..10).unwrap_or("export")
    )
}

#[component]
pub fn SettingsPrivacy() -> Element {
    let session = use_session();
    let toasts = use_toasts();
    let navigator = use_navigator();
    let mut exporting = use_signal(|| false);
    let mut deleting = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let password = use_signal(String::new);
    let mut submitted = use_signal(|| false);
    let mut failure = use_signal(|| None::<ApiError>);

    let export = move |_| {
        if exporting() {
            return;
        }
        exporting.set(true);
        spawn(async move {
            match session.authorized(api::export_my_data).await {
                Ok(data) => {
                    let text = serde_json::to_string_pretty(&data).unwrap_or_default();
                    let today: String = js_sys::Date::new_0().to_iso_string().into();
                    save_file(&export_file_name(&today), "application/json", &text);
                    toasts.push(text!("toast-data-exported"));
                }
                Err(error) => toasts.push(text!(error.message_id())),
            }
            exporting.set(false);
        });
    };

    let password_error = use_memo(move || {
        let rule = submitted()
            .then(|| validation::required_password(&password()))
            .flatten();
        rule.or_else(|| {
            (failure() == Some(ApiError::InvalidCredentials)).then_some("error-password-wrong")
        })
    });
    let confirm = move |_| {
        submitted.set(true);
        if busy() || validation::required_password(&password()).is_some() {
            return;
        }
        busy.set(true);
        failure.set(None);
        spawn(async move {
            let secret = password();
            let result = session
                .authorized(|token| api::delete_my_account(token, secret.clone()))
                .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    navigator.replace(Route::Login {
                        next: String::new(),
                    });
                    session.account_deleted();
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let mut close = move || {
        deleting.set(false);
        submitted.set(false);
        failure.set(None);
        let mut password = password;
        password.set(String::new());
    };

    rsx! {
        Card { class: "p-6",
            h3 { class: "text-lg font-semibold", {t!("privacy-export-title")} }
            p { class: "mt-1 text-sm text-muted-foreground", {t!("privacy-export-hint")} }
            Button { variant: Variant::Outline, loading: exporting(), onclick: export, class: "mt-4",
                {t!("privacy-export")}
            }
        }
        Card { class: "border-destructive/40 p-6",
            h3 { class: "text-lg font-semibold", {t!("privacy-delete-title")} }
            p { class: "mt-1 text-sm text-muted-foreground", {t!("privacy-delete-hint")} }
            Button { variant: Variant::Danger, onclick: move |_| deleting.set(true), class: "mt-4",
                {t!("privacy-delete")}
            }
        }
        if deleting() {
            ConfirmDialog {
                title: t!("privacy-delete-confirm-title"),
                body: t!("privacy-delete-confirm-body"),
                confirm: t!("privacy-delete-confirm"),
                cancel: t!("confirm-cancel"),
                busy: busy(),
                onconfirm: confirm,
                oncancel: move |_| close(),
                if let Some(error) = failure().filter(|e| *e != ApiError::InvalidCredentials) {
                    Alert { {t!(error.message_id())} }
                }
                Field { id: "delete-password", label: t!("field-password"), value: password,
                        r#type: "password", autocomplete: "current-password",
                        error: message(password_error()) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_is_named_by_its_day() {
        assert_eq!(
            export_file_name("2026-11-30T12:34:56.789Z"),
            "vitals-data-2026-11-30.json"
        );
        assert_eq!(export_file_name(""), "vitals-data-export.json");
    }
}
