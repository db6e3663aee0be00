//! The security mail, written from the Fluent files in `service/locales` in
//! the account's language, as a plain-text part and an HTML part that say the
//! same thing.

use chrono::{DateTime, Duration, Utc};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::domain::{ClientInfo, Locale, Mail, MailKind, NewAccount, User};

const EN: &str = include_str!("../../locales/en-US.ftl");
const RU: &str = include_str!("../../locales/ru-RU.ftl");

/// Writes the service's mail; the links in it start at `public_url`.
pub struct Composer {
    public_url: String,
    en: FluentBundle<FluentResource>,
    ru: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Composer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Composer")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Composer {
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            en: bundle("en-US", EN),
            ru: bundle("ru-RU", RU),
        }
    }

    pub fn verification(&self, to: Recipient<'_>, token: &str, lifetime: Duration) -> Mail {
        let link = format!("{}/verify-email?token={token}", self.public_url);
        let mut letter = self.letter(to, MailKind::Verification, "verification-subject");
        letter.say("verification-intro", &[("email", to.email.into())]);
        letter.button("verification-action", link);
        let hours = lifetime.num_hours();
        letter.say("verification-expiry", &[("hours", hours.into())]);
        letter.say("verification-ignore", &[]);
        letter.finish()
    }

    pub fn password_reset(&self, to: Recipient<'_>, token: &str, lifetime: Duration) -> Mail {
        let link = format!("{}/reset-password?token={token}", self.public_url);
        let mut letter = self.letter(to, MailKind::PasswordReset, "reset-subject");
        letter.say("reset-intro", &[]);
        letter.button("reset-action", link);
        let minutes = lifetime.num_minutes();
        letter.say("reset-expiry", &[("minutes", minutes.into())]);
        letter.say("reset-ignore", &[]);
        letter.finish()
    }

    pub fn password_changed(&self, to: Recipient<'_>, at: DateTime<Utc>) -> Mail {
        let link = format!("{}/forgot-password", self.public_url);
        let mut letter = self.letter(to, MailKind::PasswordChanged, "password-changed-subject");
        letter.say("password-changed-intro", &[("time", time(at).into())]);
        letter.say("password-changed-warning", &[]);
        letter.button("password-changed-action", link);
        letter.finish()
    }

    pub fn new_sign_in(&self, to: Recipient<'_>, client: &ClientInfo, at: DateTime<Utc>) -> Mail {
        let link = format!("{}/settings/security", self.public_url);
        let mut letter = self.letter(to, MailKind::NewSignIn, "new-sign-in-subject");
        let unknown = letter.text("unknown", &[]);
        let device = letter
            .device(client.user_agent())
            .unwrap_or_else(|| unknown.clone());
        let address = client.ip_address().unwrap_or(&unknown).to_owned();
        letter.say("new-sign-in-intro", &[]);
        letter.say("new-sign-in-device", &[("device", device.into())]);
        letter.say("new-sign-in-address", &[("address", address.into())]);
        letter.say("new-sign-in-time", &[("time", time(at).into())]);
        letter.say("new-sign-in-warning", &[]);
        letter.button("new-sign-in-action", link);
        letter.finish()
    }

    pub fn sign_in_locked(&self, to: Recipient<'_>, token: &str, lifetime: Duration) -> Mail {
        let link = format!("{}/unlock?token={token}", self.public_url);
        let mut letter = self.letter(to, MailKind::SignInLocked, "sign-in-locked-subject");
        letter.say("sign-in-locked-intro", &[]);
        letter.say("sign-in-locked-unlock", &[]);
        letter.button("sign-in-locked-action", link);
        let hours = lifetime.num_hours();
        letter.say("sign-in-locked-expiry", &[("hours", hours.into())]);
        letter.finish()
    }

    /// "Your security settings changed": a second factor added or removed,
    /// a recovery code used, new recovery codes. `change` is the key of the
    /// sentence that says which.
    pub fn security_changed(&self, to: Recipient<'_>, change: &str, at: DateTime<Utc>) -> Mail {
        let link = format!("{}/settings/security", self.public_url);
        let mut letter = self.letter(to, MailKind::SecurityChanged, "security-changed-subject");
        letter.say(change, &[("time", time(at).into())]);
        letter.say("security-changed-warning", &[]);
        letter.button("security-changed-action", link);
        letter.finish()
    }

    fn letter<'a>(&'a self, to: Recipient<'a>, kind: MailKind, subject: &str) -> Letter<'a> {
        let bundle = match to.locale {
            Locale::En => &self.en,
            Locale::Ru => &self.ru,
        };
        let mut letter = Letter {
            bundle,
            to,
            kind,
            subject: String::new(),
            blocks: Vec::new(),
        };
        letter.subject = letter.text(subject, &[]);
        letter.say("greeting", &[("name", to.name.into())]);
        letter
    }
}

/// Who a message goes to, and in which language.
#[derive(Clone, Copy, Debug)]
pub struct Recipient<'a> {
    pub email: &'a str,
    /// How the greeting addresses them.
    pub name: &'a str,
    pub locale: Locale,
}

impl<'a> From<&'a User> for Recipient<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            email: &user.email,
            name: user.full_name.as_deref().unwrap_or(&user.username),
            locale: user.locale,
        }
    }
}

impl<'a> From<&'a NewAccount> for Recipient<'a> {
    fn from(account: &'a NewAccount) -> Self {
        Self {
            email: account.email.as_str(),
            name: account
                .full_name
                .as_ref()
                .map_or(account.username.as_str(), |name| name.as_str()),
            locale: account.locale,
        }
    }
}

fn bundle(locale: &str, source: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = locale.parse().expect("a valid language identifier");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Mail is not a bidirectional UI: isolation marks would show up as junk
    // around names in some mail readers.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source.to_owned()).expect("the mail Fluent file parses");
    bundle
        .add_resource(resource)
        .expect("no message is defined twice");
    bundle
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

enum Block {
    Paragraph(String),
    Button { label: String, url: String },
}

/// A message being written: paragraphs and buttons, in order.
struct Letter<'a> {
    bundle: &'a FluentBundle<FluentResource>,
    to: Recipient<'a>,
    kind: MailKind,
    subject: String,
    blocks: Vec<Block>,
}

impl Letter<'_> {
    fn text(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let message = self
            .bundle
            .get_message(id)
            .expect("every mail message exists");
        let pattern = message.value().expect("every mail message has a value");
        let args: FluentArgs<'_> = args.iter().cloned().collect();
        let mut errors = Vec::new();
        let text = self
            .bundle
            .format_pattern(pattern, Some(&args), &mut errors);
        debug_assert!(errors.is_empty(), "{id}: {errors:?}");
        text.into_owned()
    }

    /// "Chrome on Linux", or as much as the User-Agent tells (the device
    /// list in the client names it the same way).
    fn device(&self, user_agent: Option<&str>) -> Option<String> {
        let device = devices::parse(user_agent?);
        match (device.browser, device.os) {
            (Some(browser), Some(os)) => Some(self.text(
                "browser-on-os",
                &[("browser", browser.into()), ("os", os.into())],
            )),
            (browser, os) => browser.or(os.map(str::to_owned)),
        }
    }

    fn say(&mut self, id: &str, args: &[(&str, FluentValue<'_>)]) {
        let text = self.text(id, args);
        self.blocks.push(Block::Paragraph(text));
    }

    fn button(&mut self, id: &str, url: String) {
        let label = self.text(id, &[]);
        self.blocks.push(Block::Button { label, url });
    }

    fn finish(mut self) -> Mail {
        self.say("automatic", &[]);
        let fallback = self.text("link-fallback", &[]);
        let mut text = String::new();
        let mut html = String::from(HTML_HEAD);
        for block in &self.blocks {
            match block {
                Block::Paragraph(paragraph) => {
                    text.push_str(paragraph);
                    text.push_str("\n\n");
                    html.push_str(&format!(
                        "<p style=\"margin:0 0 16px\">{}</p>\n",
                        html_escape::encode_text(paragraph)
                    ));
                }
                Block::Button { label, url } => {
                    text.push_str(&format!("{label}:\n{url}\n\n"));
                    let url = html_escape::encode_double_quoted_attribute(url);
                    html.push_str(&format!(
                        "<p style=\"margin:24px 0\"><a href=\"{url}\" style=\"{BUTTON_STYLE}\">{}</a></p>\n\
                         <p style=\"margin:0 0 16px;font-size:12px;color:#6b7280\">{}<br>{url}</p>\n",
                        html_escape::encode_text(label),
                        html_escape::encode_text(&fallback),
                    ));
                }
            }
        }
        html.push_str(HTML_FOOT);
        Mail {
            to: self.to.email.to_owned(),
            subject: self.subject,
            text: text.trim_end().to_owned() + "\n",
            html,
            kind: self.kind,
        }
    }
}

const HTML_HEAD: &str = "<!DOCTYPE html>\n<html><body style=\"margin:0;padding:24px;\
background:#f3f4f6;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;\
color:#111827;font-size:15px;line-height:1.5\">\n<div style=\"max-width:560px;margin:0 auto;\
background:#ffffff;border-radius:8px;padding:32px\">\n";
const HTML_FOOT: &str = "</div>\n</body></html>\n";
const BUTTON_STYLE: &str = "display:inline-block;background:#00796b;color:#ffffff;\
text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:600";

#[cfg(test)]
mod tests {
    use super::*;

    fn to(locale: Locale) -> Recipient<'static> {
        Recipient {
            email: "ann@example.com",
            name: "Ann <b>",
            locale,
        }
    }

    #[test]
    fn both_languages_define_the_same_messages() {
        let ids = |source: &str| {
            let mut ids: Vec<String> = source
                .lines()
                .filter_map(|line| line.split_once(" = ").map(|(id, _)| id.trim().to_owned()))
                .filter(|id| !id.starts_with('#') && !id.contains(' '))
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(EN), ids(RU));
    }

    #[test]
    fn a_reset_mail_carries_its_link_in_both_parts_and_escapes_names() {
        let composer = Composer::new("https://auth.example.com/");
        let mail = composer.password_reset(to(Locale::En), "abc123", Duration::minutes(30));
        let link = "https://auth.example.com/reset-password?token=abc123";
        assert_eq!(mail.subject, "Reset your password");
        assert_eq!(mail.kind, MailKind::PasswordReset);
        assert!(mail.text.contains(link) && mail.html.contains(link));
        assert!(mail.text.contains("Hello, Ann <b>!"));
        assert!(mail.html.contains("Hello, Ann &lt;b&gt;!"));
        assert!(mail.text.contains("30 minutes"));
        assert!(!mail.text.contains('\u{2068}'), "no isolation marks");
    }

    #[test]
    fn mail_follows_the_account_language() {
        let composer = Composer::new("http://localhost:8000");
        let mail = composer.verification(to(Locale::Ru), "t", Duration::hours(24));
        assert_eq!(mail.subject, "Подтвердите адрес электронной почты");
        assert!(mail.text.contains("24 ч."));
        let client = ClientInfo::new(None, Some("203.0.113.9"));
        let at = DateTime::from_timestamp(0, 0).unwrap();
        let mail = composer.new_sign_in(to(Locale::En), &client, at);
        assert!(mail.text.contains("Device: unknown"));
        assert!(mail.text.contains("Address: 203.0.113.9"));
        assert!(mail.text.contains("1970-01-01 00:00"));
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        let client = ClientInfo::new(Some(firefox), None);
        let mail = composer.new_sign_in(to(Locale::Ru), &client, at);
        assert!(
            mail.text.contains("Устройство: Firefox на Linux"),
            "{}",
            mail.text
        );
    }
}
