//! What the client remembers: who is signed in (and their tokens) and how the
//! UI is set up. Both live in localStorage, so they survive a reload, and
//! every tab follows the others. The UI settings have one owner, [`Ui`];
//! `public/theme.js` reads them before the app loads, so their JSON shape is
//! an interface.

use dioxus::prelude::*;
use dioxus_i18n::prelude::use_init_i18n;
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

use crate::{i18n, storage};

pub const AUTH_KEY: &str = "auth";
const UI_KEY: &str = "ui";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub username: String,
    pub full_name: Option<String>,
    pub is_admin: bool,
}

impl User {
    /// The name to greet: the full name, or else the username.
    pub fn display_name(&self) -> &str {
        self.full_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.username)
    }

    /// Up to two initials for the avatar.
    pub fn initials(&self) -> String {
        self.display_name()
            .split_whitespace()
            .filter_map(|word| word.chars().next())
            .take(2)
            .flat_map(char::to_uppercase)
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthState {
    pub user: Option<User>,
    pub tokens: Option<Tokens>,
}

impl AuthState {
    pub fn signed_in(user: User, tokens: Tokens) -> Self {
        Self {
            user: Some(user),
            tokens: Some(tokens),
        }
    }

    pub fn is_signed_in(&self) -> bool {
        self.user.is_some() && self.tokens.is_some()
    }

    pub fn load() -> Self {
        LocalStorage::get(AUTH_KEY).unwrap_or_default()
    }

    pub fn save(&self) {
        if self.is_signed_in() {
            let _ = LocalStorage::set(AUTH_KEY, self);
        } else {
            LocalStorage::delete(AUTH_KEY);
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    fn other(self) -> Self {
        match self {
            Self::Light => Self::Dark,
            Self::Dark => Self::Light,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "en-US")]
    English,
    #[serde(rename = "ru-RU")]
    Russian,
}

impl Language {
    /// The short code for `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Russian => "ru",
        }
    }

    /// The first visit follows the browser's preferred language.
    fn from_browser(preferred: &str) -> Self {
        if preferred.to_ascii_lowercase().starts_with("ru") {
            Self::Russian
        } else {
            Self::English
        }
    }

    fn other(self) -> Self {
        match self {
            Self::English => Self::Russian,
            Self::Russian => Self::English,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct UiState {
    pub sidebar_open: bool,
    pub theme: Theme,
    pub language: Language,
}

impl UiState {
    /// The stored settings, or on a first visit the browser's language and
    /// colour scheme.
    fn load() -> Self {
        LocalStorage::get(UI_KEY).unwrap_or_else(|_| Self {
            sidebar_open: true,
            theme: if prefers_dark() {
                Theme::Dark
            } else {
                Theme::Light
            },
            language: Language::from_browser(&browser_language()),
        })
    }

    fn save(&self) {
        let _ = LocalStorage::set(UI_KEY, self);
    }
}

/// The UI settings store, shared through context; components reach it with
/// [`use_ui`].
#[derive(Clone, Copy)]
pub struct Ui {
    state: Signal<UiState>,
}

/// Creates the store at the root, from the stored settings. Every change,
/// whoever made it, is saved and reaches `<html>` and the translations.
pub fn use_ui_provider() {
    let ui = use_context_provider(|| Ui {
        state: Signal::new(UiState::load()),
    });
    let mut translations = use_init_i18n(|| i18n::config(ui.state.peek().language));
    use_effect(move || {
        let state = ui.get();
        state.save();
        apply_to_document(&state);
        translations.set_language(i18n::langid(state.language));
    });
    use_hook(|| {
        storage::on_other_tab_change(move |key| {
            if key == Some(UI_KEY) {
                let mut state = ui.state;
                state.set(UiState::load());
            }
        })
    });
}

pub fn use_ui() -> Ui {
    use_context()
}

impl Ui {
    /// The settings now; the calling component re-renders when they change.
    pub fn get(&self) -> UiState {
        *self.state.read()
    }

    pub fn toggle_sidebar(&self) {
        self.update(|state| state.sidebar_open ^= true);
    }

    pub fn toggle_theme(&self) {
        self.update(|state| state.theme = state.theme.other());
    }

    pub fn toggle_language(&self) {
        self.update(|state| state.language = state.language.other());
    }

    fn update(&self, change: impl FnOnce(&mut UiState)) {
        let mut state = self.state;
        change(&mut state.write());
    }
}

/// The theme class and `lang` on `<html>`; `theme.js` sets the same before the
/// app loads, so the page never flashes the wrong theme.
fn apply_to_document(state: &UiState) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = root
        .class_list()
        .toggle_with_force("dark", state.theme == Theme::Dark);
    let _ = root.set_attribute("lang", state.language.html_lang());
}

fn browser_language() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default()
}

fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> User {
        User {
            id: "1".into(),
            email: "ada@example.org".into(),
            username: "ada".into(),
            full_name: Some("Ada Lovelace".into()),
            is_admin: false,
        }
    }

    #[test]
    fn names_and_initials() {
        assert_eq!(ada().display_name(), "Ada Lovelace");
        assert_eq!(ada().initials(), "AL");
        let plain = User {
            full_name: Some("  ".into()),
            ..ada()
        };
        assert_eq!(plain.display_name(), "ada");
        assert_eq!(plain.initials(), "A");
    }

    #[test]
    fn stored_state_round_trips_through_json() {
        let auth = AuthState::signed_in(
            ada(),
            Tokens {
                access_token: "a".into(),
                refresh_token: "r".into(),
            },
        );
        let json = serde_json::to_string(&auth).unwrap();
        assert_eq!(serde_json::from_str::<AuthState>(&json).unwrap(), auth);
        let ui = UiState {
            sidebar_open: false,
            theme: Theme::Dark,
            language: Language::Russian,
        };
        let json = serde_json::to_string(&ui).unwrap();
        // theme.js reads these two fields before the app starts.
        assert!(json.contains(r#""theme":"dark""#) && json.contains(r#""language":"ru-RU""#));
        assert_eq!(serde_json::from_str::<UiState>(&json).unwrap(), ui);
    }

    #[test]
    fn browser_language_picks_russian_or_english() {
        assert_eq!(Language::from_browser("ru-RU"), Language::Russian);
        assert_eq!(Language::from_browser("ru"), Language::Russian);
        assert_eq!(Language::from_browser("de-DE"), Language::English);
        assert_eq!(Language::from_browser(""), Language::English);
    }
}
