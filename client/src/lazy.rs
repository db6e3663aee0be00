//! The pages the first download leaves out. Signing in needs the sign-in
//! page, the shell and the dashboard; the rest (settings, the admin console,
//! registration, the second-factor page, the pages mailed links open, and
//! the step-up dialog) is fetched the first time it is shown, which keeps
//! the first load within its budget (README, "What a browser downloads").
//!
//! With the `split` feature, which only `build.sh`'s release build enables,
//! wasm-split-cli cuts each page below into a module of its own. Without it
//! (the tests, the `dev` build) each route renders its page directly, so the
//! split is the only difference between the two.

use dioxus::prelude::*;

/// For each page, the component its route names: the page itself, once its
/// module is here. The string names the page's module for wasm-split-cli.
macro_rules! lazy_pages {
    ($($module:literal => $page:ident ($($arg:ident: $ty:ty)?) in $path:path;)*) => {$(
        #[component]
        pub fn $page($($arg: $ty)?) -> Element {
            use $path as Page;
            #[cfg(feature = "split")]
            {
                // Named as the page: wasm-split-cli names the module's file after it.
                fn $page(($($arg,)?): ($($ty,)?)) -> Element {
                    rsx! { Page { $($arg)? } }
                }
                static PAGE: wasm_split::LazyLoader<($($ty,)?), Element> =
                    wasm_split::lazy_loader!(extern $module fn $page(args: ($($ty,)?)) -> Element);
                split::show(&PAGE, ($($arg,)?))
            }
            #[cfg(not(feature = "split"))]
            rsx! { Page { $($arg)? } }
        }
    )*};
}

lazy_pages! {
    "register" => Register() in crate::pages::Register;
    "verify_mfa" => VerifyMfa(next: String) in crate::mfa::VerifyMfa;
    "forgot_password" => ForgotPassword() in crate::mail_links::ForgotPassword;
    "reset_password" => ResetPassword(token: String) in crate::mail_links::ResetPassword;
    "verify_email" => VerifyEmail(token: String) in crate::mail_links::VerifyEmail;
    "unlock" => UnlockSignIn(token: String) in crate::mail_links::UnlockSignIn;
    "settings_profile" => SettingsProfile() in crate::settings::SettingsProfile;
    "settings_security" => SettingsSecurity() in crate::settings::SettingsSecurity;
    "settings_mfa" => SettingsMfa() in crate::mfa::SettingsMfa;
    "settings_activity" => SettingsActivity() in crate::privacy::SettingsActivity;
    "settings_privacy" => SettingsPrivacy() in crate::privacy::SettingsPrivacy;
    "admin_users" => AdminUsers() in crate::admin::AdminUsers;
    "admin_audit" => AdminAudit(user: String) in crate::admin::AdminAudit;
    "step_up" => StepUpPrompt() in crate::step_up::Prompt;
}

#[cfg(feature = "split")]
mod split {
    use dioxus::prelude::*;
    use wasm_split::LazyLoader;

    use crate::components::{Alert, Button, Variant};
    use crate::t;

    /// How long a page's module may take before the person is told it did
    /// not come: the loader reports no failure, it just never finishes.
    const PATIENCE_MS: u32 = 10_000;

    /// The page `page` renders for `args`, or, while its module downloads, a
    /// line saying so.
    pub fn show<A>(page: &'static LazyLoader<A, Element>, args: A) -> Element {
        let loaded = use_resource(move || page.load());
        match page.call(args) {
            Ok(element) => element,
            Err(_) => {
                // Read to be rendered again when the module arrives.
                let _ = loaded.read();
                rsx! { Waiting {} }
            }
        }
    }

    /// Apart from `show`, which is copied for each page.
    #[component]
    fn Waiting() -> Element {
        let late = use_resource(|| gloo_timers::future::TimeoutFuture::new(PATIENCE_MS));
        if late.read().is_none() {
            return rsx! {
                p { class: "p-4 text-sm text-muted-foreground", role: "status", {t!("page-loading")} }
            };
        }
        rsx! {
            div { class: "grid justify-items-start gap-3 p-4",
                Alert { {t!("page-load-failed")} }
                Button {
                    variant: Variant::Outline,
                    onclick: |_| {
                        if let Some(window) = web_sys::window() {
                            let _ = window.location().reload();
                        }
                    },
                    {t!("page-reload")}
                }
            }
        }
    }
}
