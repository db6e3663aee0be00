//! The web client of the auth service: sign in, register, and the dashboard
//! shell, in English and Russian, light and dark.

mod api;
mod components;
mod i18n;
mod layout;
mod pages;
mod state;
mod storage;
mod validation;

use dioxus::prelude::*;

use api::Api;
use components::{Toaster, Toasts};
use layout::AppShell;
use pages::{Dashboard, Login, NotFound, Register};
use state::{AUTH_KEY, AuthState, use_ui_provider};

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
    use_ui_provider();
    let auth = use_signal(AuthState::load);
    use_context_provider(|| auth);
    use_context_provider(|| Api::new(auth));
    use_context_provider(Toasts::new);
    // Another tab signed in or out: follow it.
    use_hook(|| {
        let mut auth = auth;
        storage::on_other_tab_change(move |key| {
            if matches!(key, Some(AUTH_KEY) | None) {
                auth.set(AuthState::load());
            }
        })
    });

    rsx! {
        Router::<Route> {}
        Toaster {}
    }
}
