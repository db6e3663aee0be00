//! The media types of `POST /graphql`, as GraphQL over HTTP has them: what a
//! request body may be ([`JsonRequest`]) and what an answer is labelled
//! ([`Answer`], from the `Accept` header).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use mime::Mime;

use super::refusal;

/// A body that is JSON in UTF-8: `application/json`, with or without
/// `charset=utf-8`, the one request media type of GraphQL over HTTP.
///
/// This is the CSRF defence of `/graphql`: a page on another site can make a
/// browser POST `text/plain`, form or multipart bodies here without asking,
/// but `application/json` needs a CORS preflight, which only `CORS_ORIGINS`
/// pass. async-graphql would read any of those bodies as JSON (and multipart
/// as an upload), so the type is checked before the body is read.
pub struct JsonRequest;

impl<S: Send + Sync> FromRequestParts<S> for JsonRequest {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        if is_json(parts.headers.get(header::CONTENT_TYPE)) {
            return Ok(Self);
        }
        Err(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql takes a JSON body: Content-Type: application/json",
        ))
    }
}

fn is_json(content_type: Option<&HeaderValue>) -> bool {
    let Some(mime) = content_type
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<Mime>().ok())
    else {
        return false;
    };
    // Another charset would need decoding that nothing here does.
    let utf8 = mime.get_param(mime::CHARSET).is_none_or(|charset| {
        charset
            .as_str()
            .trim_matches('"')
            .eq_ignore_ascii_case("utf-8")
    });
    mime.essence_str() == "application/json" && utf8
}

/// How an answer is labelled. `application/graphql-response+json` is the
/// spec's own; `application/json` is for legacy clients that ask for it and
/// not for the new type. The body is the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    GraphQLResponse,
    Json,
}

impl Answer {
    /// In the server's order of preference, for ties.
    const ALL: [Self; 2] = [Self::GraphQLResponse, Self::Json];

    pub fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphQLResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }

    fn essence(self) -> &'static str {
        match self {
            Self::GraphQLResponse => "application/graphql-response+json",
            Self::Json => "application/json",
        }
    }

    /// The type `Accept` ranks highest, or None when it accepts neither.
    /// Without `Accept` (which the spec leaves to the server since the
    /// 2025 watershed passed) the spec's own type.
    fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let items: Vec<&str> = headers
            .get_all(header::ACCEPT)
            .iter()
            .map(|value| value.to_str().unwrap_or("?"))
            .flat_map(|value| value.split(','))
            .filter(|item| !item.trim().is_empty())
            .collect();
        if items.is_empty() {
            return Some(Self::GraphQLResponse);
        }
        let ranges: Vec<(Mime, f32)> = items.into_iter().filter_map(media_range).collect();
        // Highest quality first; at equal quality a type named outright beats
        // one matched by a wildcard (`application/json, */*` is a legacy
        // client), then the server's preference.
        let mut best: Option<(f32, u8, Self)> = None;
        for answer in Self::ALL {
            let Some((quality, specificity)) = rank(&ranges, answer.essence()) else {
                continue;
            };
            let better = best.is_none_or(|(q, s, _)| (quality, specificity) > (q, s));
            if quality > 0.0 && better {
                best = Some((quality, specificity, answer));
            }
        }
        best.map(|(.., answer)| answer)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Answer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        Self::negotiate(&parts.headers).ok_or_else(|| {
            refusal(
                StatusCode::NOT_ACCEPTABLE,
                "NOT_ACCEPTABLE",
                "/graphql answers application/graphql-response+json or application/json",
            )
        })
    }
}

/// One `Accept` item and its quality; None if it does not parse.
fn media_range(item: &str) -> Option<(Mime, f32)> {
    let mime: Mime = item.trim().parse().ok()?;
    let quality = match mime.get_param("q") {
        Some(q) => q
            .as_str()
            .parse::<f32>()
            .ok()
            .filter(|q| (0.0..=1.0).contains(q))?,
        None => 1.0,
    };
    Some((mime, quality))
}

/// The quality `ranges` give `essence`, from the most specific range that
/// matches it (RFC 9110 §12.5.1), and how specific that range was.
fn rank(ranges: &[(Mime, f32)], essence: &str) -> Option<(f32, u8)> {
    let (kind, _) = essence.split_once('/')?;
    ranges
        .iter()
        .filter_map(|(range, quality)| {
            let specificity = match (range.type_().as_str(), range.subtype().as_str()) {
                _ if range.essence_str() == essence => 2,
                (t, "*") if t == kind => 1,
                ("*", "*") => 0,
                _ => return None,
            };
            Some((*quality, specificity))
        })
        .max_by_key(|&(_, specificity)| specificity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content_type(value: &str) -> bool {
        is_json(Some(&HeaderValue::from_str(value).unwrap()))
    }

    #[test]
    fn only_json_in_utf8_is_a_request_body() {
        for accepted in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON; charset=\"UTF-8\"",
        ] {
            assert!(content_type(accepted), "{accepted}");
        }
        for refused in [
            "text/plain",
            "text/plain; charset=utf-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/graphql-response+json",
            "application/graphql",
            "application/json; charset=iso-8859-1",
            "application/jsonx",
            "",
        ] {
            assert!(!content_type(refused), "{refused}");
        }
        assert!(!is_json(None));
    }

    fn answer(accept: &[&str]) -> Option<Answer> {
        let mut headers = HeaderMap::new();
        for value in accept {
            headers.append(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        Answer::negotiate(&headers)
    }

    #[test]
    fn accept_picks_the_label() {
        use Answer::{GraphQLResponse, Json};
        assert_eq!(answer(&[]), Some(GraphQLResponse));
        assert_eq!(answer(&[""]), Some(GraphQLResponse));
        assert_eq!(answer(&["application/json"]), Some(Json));
        assert_eq!(answer(&["application/json; charset=utf-8"]), Some(Json));
        assert_eq!(
            answer(&["application/graphql-response+json"]),
            Some(GraphQLResponse)
        );
        assert_eq!(answer(&["*/*"]), Some(GraphQLResponse));
        assert_eq!(answer(&["application/*"]), Some(GraphQLResponse));
        assert_eq!(
            answer(&["application/graphql-response+json, application/json;q=0.9"]),
            Some(GraphQLResponse)
        );
        assert_eq!(
            answer(&["application/graphql-response+json;q=0.8, application/json"]),
            Some(Json)
        );
        assert_eq!(answer(&["application/json, */*"]), Some(Json));
        assert_eq!(answer(&["application/json", "text/html"]), Some(Json));
        assert_eq!(
            answer(&["application/json, application/graphql-response+json"]),
            Some(GraphQLResponse)
        );
        // Refused outright, or only things we do not make.
        assert_eq!(answer(&["application/json;q=0"]), None);
        assert_eq!(
            answer(&["*/*, application/graphql-response+json;q=0"]),
            Some(Json)
        );
        assert_eq!(answer(&["text/html"]), None);
        assert_eq!(answer(&["nonsense"]), None);
        assert_eq!(answer(&["application/json;q=2"]), None);
    }
}
