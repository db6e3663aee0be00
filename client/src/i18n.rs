//! English and Russian, from the Fluent files under `locales/`.

use dioxus_i18n::fluent::{FluentArgs, FluentValue};
use dioxus_i18n::prelude::*;
use unic_langid::{LanguageIdentifier, langid};

use crate::state::Language;

pub const EN_US: &str = include_str!("../locales/en-US.ftl");
pub const RU_RU: &str = include_str!("../locales/ru-RU.ftl");

/// Translates a message: `t!("id")`, `t!("id", name: value, ...)`, as
/// dioxus-i18n's own `t!` but through one function rather than its inline
/// expansion (a context lookup and a panicking closure) at each of the
/// hundreds of call sites, which cost the wasm several kilobytes. An unknown
/// id shows as itself; a unit test below checks that every id exists.
#[macro_export]
macro_rules! t {
    ($id:expr $(,)?) => {
        $crate::i18n::translate($id, &[])
    };
    ($id:expr, $( $name:ident : $value:expr ),+ $(,)?) => {
        $crate::i18n::translate($id, &[ $( (stringify!($name), $crate::i18n::arg($value)) ),+ ])
    };
}

/// A message translated when shown rather than when raised (`text!`, with
/// the arguments of [`t!`]), for text that stays on screen while the
/// language may change: a toast.
#[macro_export]
macro_rules! text {
    ($id:expr $(,)?) => {
        $crate::i18n::Text::new($id, Vec::new())
    };
    ($id:expr, $( $name:ident : $value:expr ),+ $(,)?) => {
        $crate::i18n::Text::new($id, vec![ $( (stringify!($name), $crate::i18n::arg($value)) ),+ ])
    };
}

/// What [`text!`] makes: a message id and its arguments, not yet words.
#[derive(Clone, PartialEq)]
pub struct Text {
    id: &'static str,
    args: Vec<(&'static str, FluentValue<'static>)>,
}

impl Text {
    pub fn new(id: &'static str, args: Vec<(&'static str, FluentValue<'static>)>) -> Self {
        Self { id, args }
    }

    /// In the language chosen now.
    pub fn show(&self) -> String {
        translate(self.id, &self.args)
    }
}

/// One argument of [`t!`].
pub fn arg<'a>(value: impl Into<FluentValue<'a>>) -> FluentValue<'a> {
    value.into()
}

#[inline(never)]
pub fn translate(id: &str, args: &[(&'static str, FluentValue<'_>)]) -> String {
    let mut named = FluentArgs::new();
    for (name, value) in args {
        named.set(*name, value.clone());
    }
    let args = (!args.is_empty()).then_some(&named);
    i18n()
        .try_translate_with_args(id, args)
        .unwrap_or_else(|_| id.to_owned())
}

pub fn langid(language: Language) -> LanguageIdentifier {
    match language {
        Language::English => langid!("en-US"),
        Language::Russian => langid!("ru-RU"),
    }
}

pub fn config(language: Language) -> I18nConfig {
    I18nConfig::new(langid(language))
        .with_locale((langid!("en-US"), EN_US))
        .with_locale((langid!("ru-RU"), RU_RU))
        .with_fallback(langid!("en-US"))
}

/// Message ids defined in a Fluent file (lines that start a message).
#[cfg(test)]
pub(crate) fn message_ids(ftl: &str) -> std::collections::BTreeSet<&str> {
    ftl.lines()
        .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once('=').map(|(id, _)| id.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_define_the_same_messages() {
        let (en, ru) = (message_ids(EN_US), message_ids(RU_RU));
        assert!(en.len() > 40, "parsed only {} ids", en.len());
        let only_en: Vec<_> = en.difference(&ru).collect();
        let only_ru: Vec<_> = ru.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_ru.is_empty(),
            "only in en-US: {only_en:?}; only in ru-RU: {only_ru:?}"
        );
    }

    #[test]
    fn every_id_the_code_uses_exists() {
        let en = message_ids(EN_US);
        let sources = [
            include_str!("api.rs"),
            include_str!("validation.rs"),
            include_str!("layout.rs"),
            include_str!("pages.rs"),
            include_str!("main.rs"),
            include_str!("settings.rs"),
            include_str!("mail_links.rs"),
            include_str!("session.rs"),
            include_str!("admin.rs"),
            include_str!("audit.rs"),
            include_str!("pager.rs"),
            include_str!("privacy.rs"),
            include_str!("mfa.rs"),
            include_str!("step_up.rs"),
            include_str!("webauthn.rs"),
        ];
        for source in sources {
            for call in ["t!(\"", "text!(\""] {
                for (i, _) in source.match_indices(call) {
                    // `format!("…` also ends in `t!("`.
                    if source[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    let rest = &source[i + call.len()..];
                    let id = &rest[..rest.find('"').unwrap()];
                    assert!(en.contains(id), "{call}{id}\") has no message");
                }
            }
            for (i, _) in source.match_indices("\"error-") {
                let rest = &source[i + 1..];
                let id = &rest[..rest.find('"').unwrap()];
                assert!(en.contains(id), "\"{id}\" has no message");
            }
        }
    }
}
