//! Audit events as people read them: each kind's words in both languages,
//! the few details worth a word, the admin's filter as the service takes
//! it, and the list both the audit log and Settings › Activity show.

use crate::t;
use dioxus::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::{Event, audit_events};
use crate::components::{Badge, Icon, IconName};
use crate::time;

/// What happened; the schema's `AuditKind`. A kind this build does not know
/// yet still shows, as "Other event".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditKind {
    Registered,
    LoginSucceeded,
    LoginFailed,
    LoginThrottled,
    SignInLocked,
    SignInUnlocked,
    RefreshTokenReused,
    LoggedOut,
    SessionRevoked,
    LoggedOutEverywhere,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    EmailVerified,
    AccountActivated,
    AccountDeactivated,
    RoleChanged,
    AccountDeleted,
    DataExported,
    AdminSeeded,
    TotpEnabled,
    TotpDisabled,
    RecoveryCodesRegenerated,
    RecoveryCodeUsed,
    MfaVerified,
    MfaFailed,
    Reauthenticated,
    MfaReset,
    PasskeyAdded,
    PasskeyRemoved,
    #[serde(other)]
    Other,
}

impl AuditKind {
    /// Every kind an admin can filter by, in the order the filter lists them.
    pub const ALL: [Self; 30] = [
        Self::Registered,
        Self::LoginSucceeded,
        Self::LoginFailed,
        Self::LoginThrottled,
        Self::SignInLocked,
        Self::SignInUnlocked,
        Self::RefreshTokenReused,
        Self::LoggedOut,
        Self::SessionRevoked,
        Self::LoggedOutEverywhere,
        Self::PasswordChanged,
        Self::PasswordResetRequested,
        Self::PasswordReset,
        Self::EmailVerified,
        Self::AccountActivated,
        Self::AccountDeactivated,
        Self::RoleChanged,
        Self::AccountDeleted,
        Self::DataExported,
        Self::AdminSeeded,
        Self::TotpEnabled,
        Self::TotpDisabled,
        Self::RecoveryCodesRegenerated,
        Self::RecoveryCodeUsed,
        Self::MfaVerified,
        Self::MfaFailed,
        Self::Reauthenticated,
        Self::MfaReset,
        Self::PasskeyAdded,
        Self::PasskeyRemoved,
    ];

    /// The Fluent message id that names it.
    pub fn message_id(self) -> &'static str {
        match self {
            Self::Registered => "audit-kind-registered",
            Self::LoginSucceeded => "audit-kind-login-succeeded",
            Self::LoginFailed => "audit-kind-login-failed",
            Self::LoginThrottled => "audit-kind-login-throttled",
            Self::SignInLocked => "audit-kind-sign-in-locked",
            Self::SignInUnlocked => "audit-kind-sign-in-unlocked",
            Self::RefreshTokenReused => "audit-kind-refresh-token-reused",
            Self::LoggedOut => "audit-kind-logged-out",
            Self::SessionRevoked => "audit-kind-session-revoked",
            Self::LoggedOutEverywhere => "audit-kind-logged-out-everywhere",
            Self::PasswordChanged => "audit-kind-password-changed",
            Self::PasswordResetRequested => "audit-kind-password-reset-requested",
            Self::PasswordReset => "audit-kind-password-reset",
            Self::EmailVerified => "audit-kind-email-verified",
            Self::AccountActivated => "audit-kind-account-activated",
            Self::AccountDeactivated => "audit-kind-account-deactivated",
            Self::RoleChanged => "audit-kind-role-changed",
            Self::AccountDeleted => "audit-kind-account-deleted",
            Self::DataExported => "audit-kind-data-exported",
            Self::AdminSeeded => "audit-kind-admin-seeded",
            Self::TotpEnabled => "audit-kind-totp-enabled",
            Self::TotpDisabled => "audit-kind-totp-disabled",
            Self::RecoveryCodesRegenerated => "audit-kind-recovery-codes-regenerated",
            Self::RecoveryCodeUsed => "audit-kind-recovery-code-used",
            Self::MfaVerified => "audit-kind-mfa-verified",
            Self::MfaFailed => "audit-kind-mfa-failed",
            Self::Reauthenticated => "audit-kind-reauthenticated",
            Self::MfaReset => "audit-kind-mfa-reset",
            Self::PasskeyAdded => "audit-kind-passkey-added",
            Self::PasskeyRemoved => "audit-kind-passkey-removed",
            Self::Other => "audit-kind-other",
        }
    }

    /// The name the service gives it.
    fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// Who acted: the account itself, an admin, or the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditActor {
    #[serde(rename = "SELF")]
    Own,
    Admin,
    #[serde(other)]
    System,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditOutcome {
    Success,
    #[serde(other)]
    Failure,
}

/// The detail worth a few words, as (message id, its argument): why a sign-in
/// failed, the role given, how many sessions ended.
pub fn detail(kind: AuditKind, detail: &serde_json::Value) -> Option<(&'static str, String)> {
    let text = |key: &str| detail.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    match kind {
        AuditKind::LoginFailed => {
            let id = match text("reason")?.as_str() {
                "invalid_credentials" => "audit-reason-invalid-credentials",
                "deactivated" => "audit-reason-deactivated",
                "locked" => "audit-reason-locked",
                _ => return None,
            };
            Some((id, String::new()))
        }
        AuditKind::RoleChanged => {
            let id = match text("role")?.as_str() {
                "admin" => "audit-detail-role-admin",
                "user" => "audit-detail-role-user",
                _ => return None,
            };
            Some((id, String::new()))
        }
        AuditKind::LoggedOutEverywhere => {
            let count = detail.get("sessions")?.as_u64()?;
            Some(("audit-detail-sessions", count.to_string()))
        }
        _ => None,
    }
}

/// The audit log's filter as the form holds it: text, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub user_id: String,
    pub kinds: Vec<AuditKind>,
    /// `<input type="datetime-local">` values ("2026-11-30T09:15"), local time.
    pub since: String,
    pub until: String,
}

impl Filter {
    /// The service's `AuditFilter`, with local times given `offset` (the
    /// browser's, in minutes east of UTC, at each time); `Err` names the
    /// field that cannot be sent.
    pub fn variables(
        &self,
        offset: impl Fn(&str) -> i32,
    ) -> Result<audit_events::AuditFilter, &'static str> {
        let user_id = self.user_id.trim();
        if !user_id.is_empty() && !is_uuid(user_id) {
            return Err("audit-user");
        }
        let time = |local: &str, field| match local.trim() {
            "" => Ok(None),
            local => rfc3339(local, offset(local)).map(Some).ok_or(field),
        };
        let since = time(&self.since, "audit-since")?;
        let until = time(&self.until, "audit-until")?;
        Ok(audit_events::AuditFilter {
            user_id: (!user_id.is_empty()).then(|| user_id.to_ascii_lowercase()),
            kinds: (!self.kinds.is_empty()).then(|| self.kinds.clone()),
            since,
            until,
        })
    }
}

/// No filter: the whole log.
pub fn everything() -> audit_events::AuditFilter {
    audit_events::AuditFilter {
        user_id: None,
        kinds: None,
        since: None,
        until: None,
    }
}

/// A UUID as text: 8-4-4-4-12 hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// "2026-11-30T09:15" at `offset` minutes east of UTC, as RFC 3339
/// ("2026-11-30T09:15:00+03:00"), which the service reads as that instant.
fn rfc3339(local: &str, offset: i32) -> Option<String> {
    let (date, clock) = local.split_once('T')?;
    let date_ok = date.len() == 10 && date.chars().filter(|c| *c == '-').count() == 2;
    let clock = match clock.len() {
        5 => format!("{clock}:00"),
        8 => clock.to_owned(),
        _ => return None,
    };
    let digits = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == ':')
    };
    if !date_ok || !digits(date) || !digits(&clock) {
        return None;
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.unsigned_abs();
    Some(format!(
        "{date}T{clock}{sign}{:02}:{:02}",
        minutes / 60,
        minutes % 60
    ))
}

/// Events, newest first; `accounts` adds whose each was and who acted (the
/// admin's log).
#[component]
pub fn EventList(
    events: Vec<Event>,
    language: &'static str,
    #[props(default)] accounts: bool,
) -> Element {
    rsx! {
        ul { id: "events", class: "divide-y divide-border",
            for event in events {
                EventRow { key: "{event.id}", event, language, accounts }
            }
        }
    }
}

#[component]
fn EventRow(event: Event, language: &'static str, accounts: bool) -> Element {
    let when = time::relative(&event.occurred_at, language).unwrap_or_else(|| t!("audit-just-now"));
    let exact = time::local(&event.occurred_at, language);
    let failed = event.outcome == AuditOutcome::Failure;
    let detail = detail(event.kind, &event.detail).map(|(id, n)| t!(id, count: n));
    let place = [
        event.device.clone(),
        event
            .ip_address
            .as_deref()
            .map(|a| t!("devices-address", address: a)),
    ];
    let place = place.into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let actor = match (event.actor, event.actor_email.as_deref()) {
        (AuditActor::Admin, Some(email)) => t!("audit-actor-admin-named", email: email),
        (AuditActor::Admin, None) => t!("audit-actor-admin"),
        (AuditActor::System, _) => t!("audit-actor-system"),
        (AuditActor::Own, _) => t!("audit-actor-self"),
    };
    rsx! {
        li { class: "flex flex-wrap items-start gap-3 py-3", "data-kind": event.kind.name(),
            span { class: if failed { "mt-0.5 flex h-8 w-8 shrink-0 items-center justify-center rounded-lg bg-destructive/10 text-destructive" } else { "mt-0.5 flex h-8 w-8 shrink-0 items-center justify-center rounded-lg bg-muted text-muted-foreground" },
                Icon { name: if failed { IconName::Alert } else { IconName::Check }, class: "h-4 w-4" }
            }
            div { class: "min-w-0 flex-1",
                p { class: "flex flex-wrap items-center gap-2",
                    span { class: "event-kind font-medium", {t!(event.kind.message_id())} }
                    if failed {
                        Badge { muted: true, {t!("audit-outcome-failure")} }
                    }
                    if let Some(detail) = detail {
                        span { class: "text-sm text-muted-foreground", "{detail}" }
                    }
                }
                if accounts {
                    p { class: "mt-0.5 text-sm",
                        span { class: "event-account", {event.account.clone().unwrap_or_else(|| t!("audit-account-unknown"))} }
                        span { class: "text-muted-foreground", " · {actor}" }
                    }
                }
                if !place.is_empty() {
                    p { class: "mt-0.5 text-sm text-muted-foreground", "{place}" }
                }
            }
            time { class: "shrink-0 text-sm text-muted-foreground", datetime: event.occurred_at.clone(), title: exact.clone(),
                "{when}"
                span { class: "block text-xs", "{exact}" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_read_and_write_the_service_names() {
        let kind: AuditKind = serde_json::from_value(json!("LOGGED_OUT_EVERYWHERE")).unwrap();
        assert_eq!(kind, AuditKind::LoggedOutEverywhere);
        assert_eq!(
            json!(AuditKind::RefreshTokenReused),
            json!("REFRESH_TOKEN_REUSED")
        );
        // A kind added to the service later still reads.
        let new: AuditKind = serde_json::from_value(json!("SOMETHING_NEW")).unwrap();
        assert_eq!(new, AuditKind::Other);
        let actor: AuditActor = serde_json::from_value(json!("SELF")).unwrap();
        assert_eq!(actor, AuditActor::Own);
        assert_eq!(json!(AuditActor::Own), json!("SELF"));
    }

    #[test]
    fn every_kind_has_its_own_message_in_both_languages() {
        let ids: std::collections::BTreeSet<_> =
            AuditKind::ALL.iter().map(|k| k.message_id()).collect();
        assert_eq!(ids.len(), AuditKind::ALL.len(), "two kinds share a message");
        for ftl in [crate::i18n::EN_US, crate::i18n::RU_RU] {
            let defined = crate::i18n::message_ids(ftl);
            for id in ids.iter().chain(&[AuditKind::Other.message_id()]) {
                assert!(defined.contains(id), "{id} is not translated");
            }
        }
    }

    #[test]
    fn details_worth_a_word() {
        let failed = detail(AuditKind::LoginFailed, &json!({"reason": "deactivated"}));
        assert_eq!(failed, Some(("audit-reason-deactivated", String::new())));
        let role = detail(AuditKind::RoleChanged, &json!({"role": "admin"}));
        assert_eq!(role.unwrap().0, "audit-detail-role-admin");
        let ended = detail(AuditKind::LoggedOutEverywhere, &json!({"sessions": 3}));
        assert_eq!(ended, Some(("audit-detail-sessions", "3".into())));
        assert_eq!(
            detail(AuditKind::LoginFailed, &json!({"reason": "new"})),
            None
        );
        assert_eq!(
            detail(AuditKind::Registered, &json!({"reason": "deactivated"})),
            None
        );
    }

    #[test]
    fn an_empty_filter_sends_nothing_but_itself() {
        let variables = Filter::default().variables(|_| 0).unwrap();
        assert_eq!(
            serde_json::to_value(&variables).unwrap(),
            json!({"userId": null, "kinds": null, "since": null, "until": null})
        );
    }

    #[test]
    fn a_filter_becomes_the_service_variables() {
        let filter = Filter {
            user_id: " 0190A3B4-1111-7222-8333-444455556666 ".into(),
            kinds: vec![AuditKind::LoginFailed, AuditKind::AccountDeactivated],
            since: "2026-11-30T09:15".into(),
            until: "2026-12-01T00:00".into(),
        };
        // Moscow (+3) and New York (-5) at the two times.
        let offset = |local: &str| {
            if local.starts_with("2026-11") {
                180
            } else {
                -300
            }
        };
        let variables = filter.variables(offset).unwrap();
        assert_eq!(
            serde_json::to_value(&variables).unwrap(),
            json!({
                "userId": "0190a3b4-1111-7222-8333-444455556666",
                "kinds": ["LOGIN_FAILED", "ACCOUNT_DEACTIVATED"],
                "since": "2026-11-30T09:15:00+03:00",
                "until": "2026-12-01T00:00:00-05:00",
            })
        );
    }

    #[test]
    fn what_cannot_be_sent_names_its_field() {
        let typo = Filter {
            user_id: "0190a3b4-1111".into(),
            ..Filter::default()
        };
        assert_eq!(typo.variables(|_| 0), Err("audit-user"));
        let garbled = Filter {
            until: "yesterday".into(),
            ..Filter::default()
        };
        assert_eq!(garbled.variables(|_| 0), Err("audit-until"));
        assert_eq!(
            rfc3339("2026-11-30T09:15:30", 0).as_deref(),
            Some("2026-11-30T09:15:30+00:00")
        );
        assert_eq!(
            rfc3339("2026-11-30T09:15", -90).as_deref(),
            Some("2026-11-30T09:15:00-01:30")
        );
    }
}
