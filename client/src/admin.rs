//! The admin console: accounts (find, activate, promote, sign out, reset
//! their second factors, delete)
//! and the audit log. Only admins see it; the service refuses everyone else
//! whatever the page shows.

use crate::{t, text};
use dioxus::prelude::*;

use crate::Route;
use crate::api::{self, AdminUser, ApiError, Role};
use crate::audit::{self, AuditKind, EventList, Filter};
use crate::components::{
    Alert, Badge, Button, Card, ConfirmDialog, DropdownMenu, Field, MenuItem, use_toasts,
};
use crate::pager::{LoadMore, use_debounced, use_pager};
use crate::pages::NotFound;
use crate::session::use_session;
use crate::state::use_ui;
use crate::time;

/// Around every admin page: anyone signed in but not an admin gets the
/// "not found" page, as for any address that leads nowhere. (Signed out,
/// the shell inside sends them to sign in.)
#[component]
pub fn AdminOnly() -> Element {
    let session = use_session();
    let route = use_route::<Route>();
    match session.user() {
        Some(user) if !user.is_admin => {
            let path = route.to_string();
            let segments = path
                .split(['/', '?'])
                .take_while(|s| !s.contains('='))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            rsx! { NotFound { segments } }
        }
        _ => rsx! { Outlet::<Route> {} },
    }
}

/// The console's heading and tabs, around the tab's page.
#[component]
pub fn Admin() -> Element {
    let route = use_route::<Route>();
    let tabs = [
        ("admin-users", Route::AdminUsers {}),
        (
            "admin-audit",
            Route::AdminAudit {
                user: String::new(),
            },
        ),
    ];
    rsx! {
        div { class: "mx-auto grid max-w-6xl gap-6",
            div {
                h2 { class: "text-2xl font-semibold tracking-tight", {t!("admin-title")} }
                p { class: "mt-1 text-muted-foreground", {t!("admin-subtitle")} }
            }
            nav { aria_label: t!("admin-tabs"), class: "flex gap-1 border-b border-border",
                for (id, to) in tabs {
                    // The audit tab is current whatever its filter.
                    {
                        let current = std::mem::discriminant(&route) == std::mem::discriminant(&to);
                        rsx! {
                            Link {
                                key: "{id}",
                                to,
                                aria_current: if current { "page" } else { "false" },
                                class: if current { "-mb-px border-b-2 border-primary px-4 py-2 text-sm font-medium text-primary" } else { "-mb-px border-b-2 border-transparent px-4 py-2 text-sm text-muted-foreground hover:text-foreground" },
                                {t!(id)}
                            }
                        }
                    }
                }
            }
            Outlet::<Route> {}
        }
    }
}

/// What the confirmation dialog is about to do to an account.
#[derive(Clone, Copy, PartialEq)]
enum Action {
    Activate(bool),
    SetRole(Role),
    EndSessions,
    ResetMfa,
    Delete,
}

impl Action {
    /// (title, body, confirm button) message ids.
    fn messages(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Activate(true) => (
                "admin-activate-title",
                "admin-activate-body",
                "admin-activate",
            ),
            Self::Activate(false) => (
                "admin-deactivate-title",
                "admin-deactivate-body",
                "admin-deactivate",
            ),
            Self::SetRole(Role::Admin) => (
                "admin-make-admin-title",
                "admin-make-admin-body",
                "admin-make-admin",
            ),
            Self::SetRole(Role::User) => (
                "admin-make-user-title",
                "admin-make-user-body",
                "admin-make-user",
            ),
            Self::EndSessions => (
                "admin-end-sessions-title",
                "admin-end-sessions-body",
                "admin-end-sessions",
            ),
            Self::ResetMfa => (
                "admin-reset-mfa-title",
                "admin-reset-mfa-body",
                "admin-reset-mfa",
            ),
            Self::Delete => ("admin-delete-title", "admin-delete-body", "admin-delete"),
        }
    }
}

/// What changed, to show the list afterwards.
enum Done {
    Changed(AdminUser),
    SessionsEnded(i64),
    Deleted,
}

#[component]
pub fn AdminUsers() -> Element {
    let session = use_session();
    let ui = use_ui();
    let toasts = use_toasts();
    let search = use_signal(String::new);
    let query = use_debounced(search, 300);
    let pager = use_pager(
        query,
        move |search: String, after: Option<String>| async move {
            session
                .authorized(|token| api::users(token, search.clone(), after.clone()))
                .await
        },
    );
    let mut items = pager.items;
    let mut pending = use_signal(|| None::<(AdminUser, Action)>);
    let mut busy = use_signal(|| false);
    let mut failure = use_signal(|| None::<ApiError>);
    let me = session.user().map(|u| u.id).unwrap_or_default();
    let language = ui.get().language.html_lang();

    let confirm = move |_| {
        let Some((user, action)) = pending() else {
            return;
        };
        busy.set(true);
        failure.set(None);
        spawn(async move {
            let id = user.id.clone();
            let done = match action {
                Action::Activate(active) => session
                    .authorized(|token| api::set_user_active(token, id.clone(), active))
                    .await
                    .map(Done::Changed),
                Action::SetRole(role) => session
                    .authorized(|token| api::set_user_role(token, id.clone(), role))
                    .await
                    .map(Done::Changed),
                Action::EndSessions => session
                    .authorized(|token| api::revoke_user_sessions(token, id.clone()))
                    .await
                    .map(Done::SessionsEnded),
                Action::ResetMfa => session
                    .authorized(|token| api::reset_user_mfa(token, id.clone()))
                    .await
                    .map(Done::Changed),
                Action::Delete => session
                    .authorized(|token| api::delete_user(token, id.clone()))
                    .await
                    .map(|()| Done::Deleted),
            };
            busy.set(false);
            match done {
                Ok(done) => {
                    pending.set(None);
                    let email = user.email.clone();
                    let message = match done {
                        Done::Changed(changed) => {
                            for row in items.write().iter_mut().filter(|r| r.id == changed.id) {
                                *row = changed.clone();
                            }
                            text!("admin-toast-changed", email: email)
                        }
                        Done::SessionsEnded(count) => {
                            text!("admin-toast-sessions-ended", email: email, count: count)
                        }
                        Done::Deleted => {
                            items.write().retain(|r| r.id != user.id);
                            text!("admin-toast-deleted", email: email)
                        }
                    };
                    toasts.push(message);
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };

    let rows = pager.items.read().clone();
    rsx! {
        Card { class: "p-6",
            div { class: "max-w-md",
                Field { id: "user-search", label: t!("admin-search"), value: search,
                        r#type: "search", hint: t!("admin-search-hint"), error: None }
            }
            // Below `lg` the table scrolls sideways; wide screens leave room
            // for the actions menu to open below a row.
            div { class: "mt-6 overflow-x-auto lg:overflow-visible",
                table { id: "users", class: "w-full text-left text-sm",
                    thead { class: "border-b border-border text-xs uppercase tracking-wide text-muted-foreground",
                        tr {
                            for id in ["admin-col-email", "admin-col-username", "admin-col-role", "admin-col-status", "admin-col-verified", "admin-col-mfa", "admin-col-created", "admin-col-last-sign-in"] {
                                th { key: "{id}", scope: "col", class: "px-3 py-2 font-medium", {t!(id)} }
                            }
                            th { scope: "col", class: "px-3 py-2", span { class: "sr-only", {t!("admin-col-actions")} } }
                        }
                    }
                    tbody { class: "divide-y divide-border",
                        for user in rows.iter().cloned() {
                            UserRow {
                                key: "{user.id}",
                                own: user.id == me,
                                user,
                                language,
                                onaction: move |chosen| {
                                    failure.set(None);
                                    pending.set(Some(chosen));
                                },
                            }
                        }
                    }
                }
            }
            if rows.is_empty() && !pager.loading() && pager.failure().is_none() {
                p { class: "mt-4 text-sm text-muted-foreground", {t!("admin-no-users")} }
            }
            LoadMore { pager }
        }
        if let Some((user, action)) = pending() {
            {
                let (title, body, button) = action.messages();
                rsx! {
                    ConfirmDialog {
                        title: t!(title),
                        body: t!(body, email: user.email.clone()),
                        confirm: t!(button),
                        cancel: t!("confirm-cancel"),
                        busy: busy(),
                        onconfirm: confirm,
                        oncancel: move |_| pending.set(None),
                        if let Some(error) = failure() {
                            Alert { {t!(error.message_id())} }
                        }
                    }
                }
            }
        }
    }
}

#[component]
fn UserRow(
    user: AdminUser,
    own: bool,
    language: &'static str,
    onaction: EventHandler<(AdminUser, Action)>,
) -> Element {
    let navigator = use_navigator();
    let when = |at: &str| time::relative(at, language).unwrap_or_else(|| t!("audit-just-now"));
    let created = when(&user.created_at);
    let created_exact = time::local(&user.created_at, language);
    let last = user
        .last_sign_in_at
        .as_deref()
        .map(|at| (when(at), time::local(at, language)));
    let admin = user.role == Role::Admin;
    let target = user.clone();
    let act = move |action: Action| {
        let target = target.clone();
        move |_: MouseEvent| onaction.call((target.clone(), action))
    };
    let id = user.id.clone();
    rsx! {
        tr { "data-email": user.email.clone(), "data-active": if user.is_active { "true" } else { "false" },
            td { class: "break-all px-3 py-3 font-medium", "{user.email}" }
            td { class: "px-3 py-3", "{user.username}" }
            td { class: "px-3 py-3",
                if admin { Badge { {t!("admin-role-admin")} } } else { span { class: "text-muted-foreground", {t!("admin-role-user")} } }
            }
            td { class: "user-status whitespace-nowrap px-3 py-3",
                if user.is_active { {t!("admin-active")} } else { Badge { muted: true, {t!("admin-inactive")} } }
            }
            td { class: "px-3 py-3",
                if user.email_verified { {t!("admin-yes")} } else { span { class: "text-muted-foreground", {t!("admin-no")} } }
            }
            td { class: "user-mfa px-3 py-3",
                if user.mfa_enabled { {t!("admin-mfa-on")} } else { span { class: "text-muted-foreground", {t!("admin-mfa-off")} } }
            }
            td { class: "whitespace-nowrap px-3 py-3", title: created_exact, "{created}" }
            td { class: "whitespace-nowrap px-3 py-3",
                match last {
                    Some((ago, exact)) => rsx! { span { title: exact, "{ago}" } },
                    None => rsx! { span { class: "text-muted-foreground", {t!("admin-never")} } },
                }
            }
            td { class: "px-3 py-2 text-right",
                DropdownMenu {
                    label: t!("admin-actions-for", email: user.email.clone()),
                    trigger: rsx! {
                        span { class: "inline-flex h-8 items-center rounded-md border border-border px-3 text-sm hover:bg-muted", {t!("admin-col-actions")} }
                    },
                    if !own {
                        MenuItem { onclick: act(Action::Activate(!user.is_active)),
                            if user.is_active { {t!("admin-deactivate")} } else { {t!("admin-activate")} }
                        }
                        MenuItem { onclick: act(Action::SetRole(if admin { Role::User } else { Role::Admin })),
                            if admin { {t!("admin-make-user")} } else { {t!("admin-make-admin")} }
                        }
                        MenuItem { onclick: act(Action::EndSessions), {t!("admin-end-sessions")} }
                        if user.mfa_enabled {
                            MenuItem { onclick: act(Action::ResetMfa), {t!("admin-reset-mfa")} }
                        }
                    }
                    MenuItem {
                        onclick: move |_| { navigator.push(Route::AdminAudit { user: id.clone() }); },
                        {t!("admin-view-activity")}
                    }
                    if !own {
                        MenuItem { onclick: act(Action::Delete),
                            span { class: "text-destructive", {t!("admin-delete")} }
                        }
                    }
                }
            }
        }
    }
}

/// The audit log, newest first; `user` (an account id, from the accounts
/// page or the address) filters it from the start.
#[component]
pub fn AdminAudit(user: String) -> Element {
    let session = use_session();
    let ui = use_ui();
    let user_id = use_signal(|| user.clone());
    let mut kinds = use_signal(Vec::<AuditKind>::new);
    let since = use_signal(String::new);
    let until = use_signal(String::new);
    // A bad id from the address shows under its field, and the log unfiltered.
    let first = use_hook(|| {
        Filter {
            user_id: user.clone(),
            ..Filter::default()
        }
        .variables(time::offset_at)
    });
    let mut invalid = use_signal(|| first.clone().err());
    let mut applied = use_signal(|| first.clone().unwrap_or_else(|_| audit::everything()));
    let form = move || Filter {
        user_id: user_id(),
        kinds: kinds(),
        since: since(),
        until: until(),
    };
    let query = use_memo(move || applied.cloned());
    let pager = use_pager(query, move |filter, after: Option<String>| async move {
        session
            .authorized(|token| api::audit_events(token, filter.clone(), after.clone()))
            .await
    });
    let language = ui.get().language.html_lang();

    let submit = move |event: FormEvent| {
        event.prevent_default();
        match form().variables(time::offset_at) {
            Ok(filter) => {
                invalid.set(None);
                applied.set(filter);
            }
            Err(field) => invalid.set(Some(field)),
        }
    };
    let error = |field: &str| (invalid() == Some(field)).then(|| t!("error-audit-filter"));
    let chosen = kinds.read().len();

    rsx! {
        Card { class: "p-6",
            form { id: "audit-filter", class: "grid items-start gap-4 md:grid-cols-3", novalidate: true, onsubmit: submit,
                Field { id: "audit-user", label: t!("audit-user"), value: user_id,
                        hint: t!("audit-user-hint"), error: error("audit-user") }
                Field { id: "audit-since", label: t!("audit-since"), value: since,
                        r#type: "datetime-local", error: error("audit-since") }
                Field { id: "audit-until", label: t!("audit-until"), value: until,
                        r#type: "datetime-local", error: error("audit-until") }
                details { class: "md:col-span-3 rounded-md border border-border",
                    summary { class: "cursor-pointer px-3 py-2 text-sm font-medium",
                        if chosen == 0 { {t!("audit-kinds-all")} } else { {t!("audit-kinds-some", count: chosen)} }
                    }
                    fieldset { class: "grid gap-2 px-3 pb-3 sm:grid-cols-2 lg:grid-cols-4",
                        legend { class: "sr-only", {t!("audit-kinds")} }
                        for kind in AuditKind::ALL {
                            label { key: "{kind.message_id()}", class: "flex items-center gap-2 text-sm",
                                input {
                                    r#type: "checkbox",
                                    class: "h-4 w-4 accent-primary",
                                    checked: kinds.read().contains(&kind),
                                    onchange: move |event| {
                                        let mut list = kinds.write();
                                        list.retain(|k| *k != kind);
                                        if event.checked() {
                                            list.push(kind);
                                        }
                                    },
                                }
                                {t!(kind.message_id())}
                            }
                        }
                    }
                }
                div { class: "flex gap-2 md:col-span-3",
                    Button { r#type: "submit", {t!("audit-apply")} }
                }
            }
        }
        Card { class: "p-6",
            {
                let events = pager.items.read().clone();
                rsx! {
                    if events.is_empty() && !pager.loading() && pager.failure().is_none() {
                        p { class: "text-sm text-muted-foreground", {t!("audit-none")} }
                    }
                    EventList { events, language, accounts: true }
                }
            }
            LoadMore { pager }
        }
    }
}
