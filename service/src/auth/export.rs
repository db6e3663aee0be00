//! The document `exportMyData` gives (GDPR article 20): what the service
//! holds about one account, in a structured, machine-readable form. Field
//! names follow the GraphQL API's.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::domain::{AuditEvent, SessionInfo, User};

pub(super) fn document(
    user: &User,
    sessions: &[SessionInfo],
    events: &[AuditEvent],
    now: DateTime<Utc>,
) -> Value {
    json!({
        "format": "auth-service-export/1",
        "exportedAt": now,
        "profile": {
            "id": user.id,
            "email": user.email,
            "username": user.username,
            "fullName": user.full_name,
            "role": user.role.as_str(),
            "isActive": user.is_active,
            "emailVerified": user.email_verified,
            "locale": user.locale.as_str(),
            "createdAt": user.created_at,
            "updatedAt": user.updated_at,
            "lastSignInAt": user.last_sign_in_at,
        },
        "sessions": sessions.iter().map(|session| json!({
            "id": session.id,
            "createdAt": session.created_at,
            "lastUsedAt": session.last_used_at,
            "expiresAt": session.expires_at,
            "userAgent": session.client.user_agent(),
            "ipAddress": session.client.ip_address(),
        })).collect::<Vec<_>>(),
        "activity": events.iter().map(|event| json!({
            "id": event.id,
            "occurredAt": event.occurred_at,
            "kind": event.kind.as_str(),
            "outcome": event.outcome.as_str(),
            "actor": event.actor.as_str(),
            "sessionId": event.session,
            "userAgent": event.client.user_agent(),
            "ipAddress": event.client.ip_address(),
            "detail": serde_json::from_str::<Value>(&event.detail).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
    })
}
