//! The web client of the auth service: sign in, register, and the dashboard
//! shell, in English and Russian, light and dark.

mod api;
mod components;
mod i18n;
mod layout;
mod pages;
mod session;
mod state;
mod storage;
mod validation;

use dioxus::prelude::*;

use components::{Toaster, Toasts};
use layout::AppShell;
use pages::{Dashboard, Login, NotFound, Register};
use session::use_session_provider;
use state::use_ui_provider;

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
    use_session_provider();
    use_context_provider(Toasts::new);
    rsx! {
        Router::<Route> {}
        Toaster {}
    }
}
