//! The frame around signed-in pages: a collapsible sidebar (a drawer on
//! narrow screens) and a header with the page title, language and theme
//! toggles and the user menu.

use crate::{t, text};
use dioxus::prelude::*;

use crate::Route;
use crate::components::{
    Avatar, DropdownMenu, Icon, IconName, MenuItem, Separator, Sheet, use_toasts,
};
use crate::session::{User, use_session};
use crate::state::{Theme, use_ui};

/// The sidebar: (message id, icon, where it goes); `None` is not built yet.
/// The console is listed for admins only.
fn navigation(admin: bool) -> Vec<(&'static str, IconName, Option<Route>)> {
    let mut entries = vec![
        ("nav-dashboard", IconName::Home, Some(Route::Dashboard {})),
        ("nav-activity", IconName::Activity, None),
        ("nav-vitals", IconName::Heart, None),
        ("nav-calendar", IconName::Calendar, None),
        (
            "nav-settings",
            IconName::Settings,
            Some(Route::SettingsProfile {}),
        ),
    ];
    if admin {
        entries.push(("nav-admin", IconName::Shield, Some(Route::AdminUsers {})));
    }
    entries
}

/// The sidebar entry a page belongs to, which also titles the header.
fn section(route: &Route) -> &'static str {
    match route {
        Route::SettingsProfile {}
        | Route::SettingsSecurity {}
        | Route::SettingsMfa {}
        | Route::SettingsActivity {}
        | Route::SettingsPrivacy {} => "nav-settings",
        Route::AdminUsers {} | Route::AdminAudit { .. } => "nav-admin",
        _ => "nav-dashboard",
    }
}

/// Where a signed-in page must send the person instead of showing itself:
/// to sign in; to the second factor while the session lacks it (coming back
/// `here` afterwards); to set one up while the service demands it of them.
pub fn gate(user: Option<&User>, here: &Route) -> Option<Route> {
    let next = here.to_string();
    match user {
        None => Some(Route::Login { next }),
        Some(user) if user.mfa_required => Some(Route::VerifyMfa { next }),
        Some(user) if user.mfa_enrollment_required && *here != Route::SettingsMfa {} => {
            Some(Route::SettingsMfa {})
        }
        Some(_) => None,
    }
}

/// Signed-in pages render inside this; anyone else is sent away by
/// [`gate`], to come back here afterwards.
#[component]
pub fn AppShell() -> Element {
    let session = use_session();
    let route = use_route::<Route>();
    let navigator = use_navigator();
    let user = session.user().filter(|_| session.is_signed_in());
    let held = gate(user.as_ref(), &route);
    let drawer = use_signal(|| false);
    use_effect(use_reactive!(|route| {
        let user = session.user().filter(|_| session.is_signed_in());
        if let Some(to) = gate(user.as_ref(), &route) {
            navigator.replace(to);
        }
    }));
    // Nothing of a page shows before the person is where they must be.
    if held.is_some() {
        return rsx! {};
    }
    rsx! {
        div { class: "flex min-h-screen bg-background text-foreground",
            Sidebar {}
            Sheet { open: drawer, label: t!("nav-label"),
                Navigation { collapsed: false }
            }
            div { class: "flex min-w-0 flex-1 flex-col",
                Header { drawer }
                main { id: "content", class: "flex-1 p-4 md:p-8", Outlet::<Route> {} }
            }
        }
    }
}

#[component]
fn Sidebar() -> Element {
    let collapsed = !use_ui().get().sidebar_open;
    let width = if collapsed { "w-16" } else { "w-64" };
    rsx! {
        aside {
            class: "hidden shrink-0 border-r border-border bg-card transition-[width] md:block {width}",
            "data-collapsed": collapsed,
            Navigation { collapsed }
        }
    }
}

#[component]
fn Navigation(collapsed: bool) -> Element {
    let route = use_route::<Route>();
    let admin = use_session().user().is_some_and(|u| u.is_admin);
    rsx! {
        div { class: "flex h-16 items-center gap-2 px-4",
            span { class: "flex h-8 w-8 shrink-0 items-center justify-center rounded-lg bg-primary text-primary-foreground",
                Icon { name: IconName::Heart, class: "h-4 w-4" }
            }
            if !collapsed {
                span { class: "text-lg font-semibold tracking-tight", {t!("app-name")} }
            }
        }
        nav { aria_label: t!("nav-label"), class: "flex flex-col gap-1 p-2",
            for (id, icon, to) in navigation(admin) {
                if let Some(to) = to {
                    Link {
                        key: "{id}",
                        to,
                        class: if section(&route) == id { "flex items-center gap-3 rounded-md bg-primary/10 px-3 py-2 text-sm font-medium text-primary" } else { "flex items-center gap-3 rounded-md px-3 py-2 text-sm hover:bg-muted" },
                        title: if collapsed { t!(id) } else { String::new() },
                        Icon { name: icon }
                        if !collapsed { span { {t!(id)} } }
                    }
                } else {
                    span {
                        key: "{id}",
                        class: "flex cursor-not-allowed items-center gap-3 rounded-md px-3 py-2 text-sm text-muted-foreground",
                        title: t!("nav-soon"),
                        aria_disabled: "true",
                        Icon { name: icon }
                        if !collapsed { span { {t!(id)} } }
                    }
                }
            }
        }
    }
}

#[component]
fn Header(drawer: Signal<bool>) -> Element {
    let ui = use_ui();
    let session = use_session();
    let toasts = use_toasts();
    let route = use_route::<Route>();
    let navigator = use_navigator();
    let mut drawer = drawer;
    let state = ui.get();
    let user = session.user().unwrap_or_default();
    let (theme_icon, theme_label) = match state.theme {
        Theme::Light => (IconName::Moon, t!("theme-dark")),
        Theme::Dark => (IconName::Sun, t!("theme-light")),
    };
    rsx! {
        header { class: "sticky top-0 z-30 flex h-16 items-center gap-2 border-b border-border bg-background/90 px-4 backdrop-blur",
            // Narrow screens open the drawer; wide ones collapse the sidebar.
            button {
                r#type: "button",
                class: "rounded-md p-2 hover:bg-muted md:hidden",
                aria_label: t!("sidebar-toggle"),
                onclick: move |_| drawer.set(true),
                Icon { name: IconName::Menu }
            }
            button {
                r#type: "button",
                class: "hidden rounded-md p-2 hover:bg-muted md:inline-flex",
                aria_label: t!("sidebar-toggle"),
                aria_expanded: state.sidebar_open,
                onclick: move |_| ui.toggle_sidebar(),
                Icon { name: IconName::Menu }
            }
            h1 { class: "text-lg font-semibold", {t!(section(&route))} }
            div { class: "ml-auto flex items-center gap-1",
                button {
                    r#type: "button",
                    id: "language-toggle",
                    class: "inline-flex items-center gap-1 rounded-md px-2 py-2 text-sm hover:bg-muted",
                    // The accessible name includes the visible "EN"/"RU".
                    aria_label: format!("{} — {}", t!("language-short"), t!("language-toggle")),
                    onclick: move |_| ui.toggle_language(),
                    Icon { name: IconName::Globe }
                    span { {t!("language-short")} }
                }
                button {
                    r#type: "button",
                    id: "theme-toggle",
                    class: "rounded-md p-2 hover:bg-muted",
                    aria_label: theme_label,
                    onclick: move |_| ui.toggle_theme(),
                    Icon { name: theme_icon }
                }
                DropdownMenu {
                    label: t!("user-menu"),
                    trigger: rsx! { Avatar { initials: user.initials() } },
                    div { class: "px-2 py-2",
                        p { class: "text-sm font-medium", "{user.display_name()}" }
                        p { class: "truncate text-xs text-muted-foreground", "{user.email}" }
                    }
                    Separator {}
                    MenuItem {
                        onclick: move |_| { navigator.push(Route::SettingsProfile {}); },
                        Icon { name: IconName::Settings, class: "h-4 w-4" }
                        {t!("nav-settings")}
                    }
                    MenuItem {
                        onclick: move |_| {
                            toasts.push(text!("toast-signed-out"));
                            // Outlives this header, which signing out removes.
                            dioxus::core::spawn_forever(async move { session.logout().await });
                        },
                        Icon { name: IconName::Logout, class: "h-4 w-4" }
                        {t!("logout")}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(mfa_required: bool, mfa_enrollment_required: bool) -> User {
        User {
            id: "1".into(),
            username: "ada".into(),
            mfa_required,
            mfa_enrollment_required,
            ..User::default()
        }
    }

    #[test]
    fn signed_out_people_sign_in_and_come_back() {
        let here = Route::SettingsPrivacy {};
        assert_eq!(
            gate(None, &here),
            Some(Route::Login {
                next: "/settings/privacy".into()
            })
        );
    }

    #[test]
    fn a_password_only_session_gives_its_second_factor_first() {
        let here = Route::AdminUsers {};
        let to = gate(Some(&person(true, false)), &here);
        assert_eq!(
            to,
            Some(Route::VerifyMfa {
                next: "/admin/users".into()
            })
        );
        // Even on the page where factors are set up.
        assert!(gate(Some(&person(true, true)), &Route::SettingsMfa {}).is_some());
    }

    #[test]
    fn an_admin_who_must_enrol_is_held_on_the_second_factor_settings() {
        let admin = person(false, true);
        assert_eq!(
            gate(Some(&admin), &Route::Dashboard {}),
            Some(Route::SettingsMfa {})
        );
        assert_eq!(gate(Some(&admin), &Route::SettingsMfa {}), None);
        assert_eq!(
            gate(Some(&person(false, false)), &Route::Dashboard {}),
            None
        );
    }
}
