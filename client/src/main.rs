//! The web client of the auth service: sign in (with a second factor or a
//! passkey), register, the dashboard shell, account settings, the admin console and the pages mailed links
//! open, in English and Russian, light and dark.

mod admin;
mod api;
mod audit;
mod components;
mod graphql_ws;
mod i18n;
mod layout;
mod lazy;
mod mail_links;
mod mfa;
mod pager;
mod pages;
mod privacy;
mod qr;
mod session;
mod settings;
mod state;
mod step_up;
mod storage;
mod time;
mod validation;
mod webauthn;

use dioxus::prelude::*;

use admin::{Admin, AdminOnly};
use components::{Toaster, Toasts};
use layout::AppShell;
use lazy::{
    AdminAudit, AdminUsers, ForgotPassword, Register, ResetPassword, SettingsActivity, SettingsMfa,
    SettingsPrivacy, SettingsProfile, SettingsSecurity, UnlockSignIn, VerifyEmail, VerifyMfa,
};
use pages::{Dashboard, Login, NotFound};
use session::use_session_provider;
use settings::Settings;
use state::use_ui_provider;
use step_up::StepUpDialog;

#[derive(Routable, Clone, PartialEq, Debug)]
#[rustfmt::skip]
pub enum Route {
    #[layout(AppShell)]
        #[route("/")]
        Dashboard {},
        #[nest("/settings")]
            #[layout(Settings)]
                #[redirect("/", || Route::SettingsProfile {})]
                #[route("/profile")]
                SettingsProfile {},
                #[route("/security")]
                SettingsSecurity {},
                #[route("/two-factor")]
                SettingsMfa {},
                #[route("/activity")]
                SettingsActivity {},
                #[route("/privacy")]
                SettingsPrivacy {},
            #[end_layout]
        #[end_nest]
    #[end_layout]
    // Outside the shell's layout above: anyone but an admin gets the plain
    // "not found" page.
    #[layout(AdminOnly)]
        #[layout(AppShell)]
            #[nest("/admin")]
                #[layout(Admin)]
                    #[redirect("/", || Route::AdminUsers {})]
                    #[route("/users")]
                    AdminUsers {},
                    #[route("/audit?:user")]
                    AdminAudit { user: String },
                #[end_layout]
            #[end_nest]
        #[end_layout]
    #[end_layout]
    #[route("/login?:next")]
    Login { next: String },
    #[route("/register")]
    Register {},
    // Outside the shell: a password-only session may do little else.
    #[route("/sign-in/verify?:next")]
    VerifyMfa { next: String },
    // Reached from mailed links, signed in or not.
    #[route("/forgot-password")]
    ForgotPassword {},
    #[route("/reset-password?:token")]
    ResetPassword { token: String },
    #[route("/verify-email?:token")]
    VerifyEmail { token: String },
    #[route("/unlock?:token")]
    UnlockSignIn { token: String },
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
        StepUpDialog {}
        Toaster {}
    }
}
