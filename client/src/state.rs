//! How the UI is set up: sidebar, theme and language. [`Ui`] alone owns it.
//! It lives in localStorage under `ui`, so it survives a reload and every tab
//! follows the others; `public/theme.js` reads the same key before the app
//! loads, so its JSON shape is an interface.

use dioxus::prelude::*;
use dioxus_i18n::prelude::use_init_i18n;
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

use crate::{i18n, storage};

const UI_KEY: &str = "ui";

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

    /// The language an account's `locale` names: the same short codes.
    pub fn from_locale(locale: &str) -> Option<Self> {
        [Self::English, Self::Russian]
            .into_iter()
            .find(|language| language.html_lang() == locale)
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

    pub fn set_language(&self, language: Language) {
        if self.state.peek().language != language {
            self.update(|state| state.language = language);
        }
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

    #[test]
    fn stored_settings_round_trip_through_json() {
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

    #[test]
    fn account_locales_name_languages() {
        assert_eq!(Language::from_locale("ru"), Some(Language::Russian));
        assert_eq!(Language::from_locale("en"), Some(Language::English));
        assert_eq!(Language::from_locale("de"), None);
    }
}
