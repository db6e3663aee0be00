//! The one way the client talks to the service: typed operations generated
//! from `../schema.graphql` by graphql_client, and the service's error codes
//! mapped to [`ApiError`]. It keeps nothing between calls: which token to send,
//! what to store and when to refresh is the session's business
//! (`session.rs`), so that there is one owner of the signed-in state.

use graphql_client::GraphQLQuery;

use crate::session::{Tokens, User};

// The schema's UUID scalar, as the client sees it.
#[allow(clippy::upper_case_acronyms)]
type UUID = String;

macro_rules! operation {
    ($name:ident) => {
        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "../schema.graphql",
            query_path = "graphql/operations.graphql",
            response_derives = "Debug, Clone, PartialEq",
            variables_derives = "Debug, Clone"
        )]
        pub struct $name;
    };
}
operation!(Register);
operation!(Login);
operation!(RefreshToken);
operation!(Logout);
operation!(Me);

/// Why a call failed, by the service's stable `extensions.code`.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    Unauthenticated,
    InvalidCredentials,
    Forbidden,
    BadInput { field: Option<String> },
    Conflict { field: Option<String> },
    RateLimited,
    Network,
    Server,
}

impl ApiError {
    fn from_code(code: &str, field: Option<String>) -> Self {
        match code {
            "UNAUTHENTICATED" => Self::Unauthenticated,
            "INVALID_CREDENTIALS" => Self::InvalidCredentials,
            "FORBIDDEN" => Self::Forbidden,
            "BAD_USER_INPUT" => Self::BadInput { field },
            "CONFLICT" => Self::Conflict { field },
            "RATE_LIMITED" => Self::RateLimited,
            _ => Self::Server,
        }
    }

    /// The Fluent message id that explains this error to a person.
    pub fn message_id(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "error-session-ended",
            Self::InvalidCredentials => "error-invalid-credentials",
            Self::Forbidden => "error-forbidden",
            Self::BadInput { field } => match field.as_deref() {
                Some("email") => "error-email-invalid",
                Some("username") => "error-username-chars",
                Some("password") => "error-password-rules",
                _ => "error-bad-input",
            },
            Self::Conflict { field } if field.as_deref() == Some("email") => "error-email-taken",
            Self::Conflict { .. } => "error-username-taken",
            Self::RateLimited => "error-rate-limited",
            Self::Network => "error-network",
            Self::Server => "error-server",
        }
    }

    /// The form field the error belongs to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::BadInput { field } | Self::Conflict { field } => field.as_deref(),
            _ => None,
        }
    }

    fn from_errors(errors: &[graphql_client::Error]) -> Self {
        let Some(first) = errors.first() else {
            return Self::Server;
        };
        let extension = |key: &str| {
            first
                .extensions
                .as_ref()
                .and_then(|ext| ext.get(key))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        match extension("code") {
            Some(code) => Self::from_code(&code, extension("field")),
            None => Self::Server,
        }
    }
}

/// Sends one operation; a GraphQL error becomes an [`ApiError`].
async fn send<Q: GraphQLQuery>(
    variables: Q::Variables,
    access_token: Option<&str>,
) -> Result<Q::ResponseData, ApiError> {
    let mut request = gloo_net::http::Request::post("/graphql");
    if let Some(token) = access_token {
        request = request.header("Authorization", &format!("Bearer {token}"));
    }
    let response = request
        .json(&Q::build_query(variables))
        .map_err(|_| ApiError::Server)?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(match response.status() {
            429 => ApiError::RateLimited,
            502..=504 => ApiError::Network,
            _ => ApiError::Server,
        });
    }
    let body: graphql_client::Response<Q::ResponseData> =
        response.json().await.map_err(|_| ApiError::Server)?;
    match (body.data, body.errors) {
        (_, Some(errors)) if !errors.is_empty() => Err(ApiError::from_errors(&errors)),
        (Some(data), _) => Ok(data),
        (None, _) => Err(ApiError::Server),
    }
}

/// Signs in; the caller keeps the session.
pub async fn login(
    email: &str,
    password: &str,
    remember_me: bool,
) -> Result<(User, Tokens), ApiError> {
    let variables = login::Variables {
        input: login::LoginInput {
            email: email.trim().to_owned(),
            password: password.to_owned(),
            remember_me,
        },
    };
    let payload = send::<Login>(variables, None).await?.login;
    Ok(signed_in(
        payload.user,
        payload.access_token,
        payload.refresh_token,
    ))
}

/// Creates an account, which comes signed in; the caller keeps the session.
/// `locale` ("en" or "ru") is the language the account's mail will use.
pub async fn register(
    email: &str,
    username: &str,
    password: &str,
    full_name: &str,
    locale: &str,
) -> Result<(User, Tokens), ApiError> {
    let full_name = full_name.trim();
    let variables = register::Variables {
        input: register::RegisterInput {
            email: email.trim().to_owned(),
            username: username.trim().to_owned(),
            password: password.to_owned(),
            full_name: (!full_name.is_empty()).then(|| full_name.to_owned()),
            locale: Some(locale.to_owned()),
        },
    };
    let payload = send::<Register>(variables, None).await?.register;
    Ok(signed_in(
        payload.user,
        payload.access_token,
        payload.refresh_token,
    ))
}

/// The user the access token belongs to, fresh from the service.
pub async fn me(access_token: Option<String>) -> Result<User, ApiError> {
    Ok(send::<Me>(me::Variables, access_token.as_deref())
        .await?
        .me
        .into())
}

/// Trades a refresh token for a new pair; the old one stops working.
pub async fn refresh_token(refresh_token: String) -> Result<Tokens, ApiError> {
    let variables = refresh_token::Variables { refresh_token };
    let pair = send::<RefreshToken>(variables, None).await?.refresh_token;
    Ok(tokens(pair.access_token, pair.refresh_token))
}

/// Ends the session this refresh token belongs to, on the service.
pub async fn logout(refresh_token: String) -> Result<(), ApiError> {
    send::<Logout>(logout::Variables { refresh_token }, None).await?;
    Ok(())
}

fn signed_in(user: impl Into<User>, access_token: String, refresh_token: String) -> (User, Tokens) {
    (user.into(), tokens(access_token, refresh_token))
}

fn tokens(access_token: String, refresh_token: String) -> Tokens {
    Tokens {
        access_token,
        refresh_token,
    }
}

macro_rules! user_conversion {
    ($module:ident) => {
        impl From<$module::UserFields> for User {
            fn from(u: $module::UserFields) -> Self {
                Self {
                    id: u.id,
                    email: u.email,
                    username: u.username,
                    full_name: u.full_name,
                    is_admin: matches!(u.role, $module::Role::ADMIN),
                }
            }
        }
    };
}
user_conversion!(login);
user_conversion!(register);
user_conversion!(me);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_map_to_errors_and_messages() {
        let conflict = ApiError::from_code("CONFLICT", Some("email".into()));
        assert_eq!(conflict.message_id(), "error-email-taken");
        assert_eq!(conflict.field(), Some("email"));
        assert_eq!(
            ApiError::from_code("RATE_LIMITED", None),
            ApiError::RateLimited
        );
        assert_eq!(ApiError::from_code("SOMETHING_NEW", None), ApiError::Server);
        assert_eq!(
            ApiError::InvalidCredentials.message_id(),
            "error-invalid-credentials"
        );
    }
}
