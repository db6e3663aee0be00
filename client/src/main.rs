//! The web client of the auth service: sign in, register, and the dashboard
//! shell, in English and Russian, light and dark.

mod api;
mod components;
mod i18n;
mod layout;
mod pages;
mod state;
mod validation;

use dioxus::prelude::*;
use dioxus_i18n::prelude::{i18n, use_init_i18n};
use wasm_bindgen::{JsCast, closure::Closure};

use api::Api;
use components::{Toaster, Toasts};
use layout::AppShell;
use pages::{Dashboard, Login, NotFound, Register};
use state::{AUTH_KEY, AuthState, Theme, UI_KEY, UiState};

#[derive(Routable, Clone, PartialEq, Debug)]
#[rustfmt::skip]
pub enum Route {
    #[layout(AppShell)]
        #[route("/")]
        Dashboard {},
    #[end_layout]
    #[route("/login?:next")]
    Login { next: String },
    #[route("/register")]
    Register {},
    #[route("/:..segments")]
    NotFound { segments: Vec<String> },
}

fn main() {
    dioxus::launch(App);
}

#[component]
fn App() -> Element {
    let ui = use_signal(UiState::load);
    let auth = use_signal(AuthState::load);
    use_context_provider(|| ui);
    use_context_provider(|| auth);
    use_context_provider(|| Api::new(auth));
    use_context_provider(Toasts::new);
    use_init_i18n(|| i18n::config(ui.peek().language));

    // Keep <html>, the stored settings and the language in step with the UI state.
    use_effect(move || {
        let state = ui();
        state.save();
        apply_to_document(&state);
        i18n().set_language(i18n::langid(state.language));
    });
    // Another tab signed in or out, or changed settings: follow it.
    use_hook(|| follow_other_tabs(auth, ui));

    rsx! {
        Router::<Route> {}
        Toaster {}
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

fn follow_other_tabs(auth: Signal<AuthState>, ui: Signal<UiState>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let (mut auth, mut ui) = (auth, ui);
    let listener =
        Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |event: web_sys::StorageEvent| {
            match event.key().as_deref() {
                Some(AUTH_KEY) | None => auth.set(AuthState::load()),
                Some(UI_KEY) => ui.set(UiState::load()),
                Some(_) => {}
            }
        });
    let _ = window.add_event_listener_with_callback("storage", listener.as_ref().unchecked_ref());
    // Lives as long as the page.
    listener.forget();
}
