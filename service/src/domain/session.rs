/// The column limits of `sessions.device_info` and `sessions.ip_address`.
const MAX_USER_AGENT_CHARS: usize = 500;
const MAX_IP_CHARS: usize = 45;

use chrono::{DateTime, Utc};

super::uuid_id! {
    /// One signed-in device: a `sessions` row, named in every access token.
    SessionId
}

/// A live session, as its owner sees it in their list of devices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: SessionId,
    pub created_at: DateTime<Utc>,
    /// When its refresh token was last used (a refresh), or its creation.
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub client: ClientInfo,
}

/// Where a request came from, recorded on the sessions it creates; cut to
/// what the columns hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientInfo {
    user_agent: Option<String>,
    ip_address: Option<String>,
}

impl ClientInfo {
    pub fn new(user_agent: Option<&str>, ip_address: Option<&str>) -> Self {
        let cut = |value: &str, max| truncate_chars(value, max).to_owned();
        Self {
            user_agent: user_agent.map(|ua| cut(ua, MAX_USER_AGENT_CHARS)),
            ip_address: ip_address.map(|ip| cut(ip, MAX_IP_CHARS)),
        }
    }

    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }

    pub fn ip_address(&self) -> Option<&str> {
        self.ip_address.as_deref()
    }
}

fn truncate_chars(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_character_boundaries() {
        assert_eq!(truncate_chars("añb", 2), "añ");
        assert_eq!(truncate_chars("ab", 5), "ab");
    }

    #[test]
    fn client_info_fits_its_columns() {
        let long = "ü".repeat(600);
        let client = ClientInfo::new(Some(&long), Some("203.0.113.7"));
        assert_eq!(client.user_agent().unwrap().chars().count(), 500);
        assert_eq!(client.ip_address(), Some("203.0.113.7"));
    }
}
