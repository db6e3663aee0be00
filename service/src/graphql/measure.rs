//! What a GraphQL request is counted as: its operation (a root field of the
//! schema) and its outcome (an error code), both from fixed sets, so that
//! no client can add a label value, and nothing is allocated to name them.

use std::sync::LazyLock;
use std::time::Duration;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Request, Response, Value};

use super::limits::{TOO_MANY_ALIASES, TOO_MANY_PASSWORD_FIELDS};
use crate::auth::AuthError;
use crate::telemetry::{GRAPHQL_DURATION, GRAPHQL_REQUESTS, SIGN_INS};

/// The operation label of a document that does not parse, selects an
/// operation that is not there, or names a field the schema lacks.
pub const OTHER: &str = "other";

/// Every root field of the schema (queries, mutations, subscriptions) and
/// the introspection fields, sorted: the only operation labels there are.
/// Read from the SDL once, so a new resolver is counted under its own name
/// without anyone listing it here.
static ROOT_FIELDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let sdl = super::sdl();
    let schema = async_graphql::parser::parse_schema(&sdl).expect("our own SDL parses");
    let mut fields: Vec<&'static str> = ["__schema", "__type", "__typename"].into();
    for definition in schema.definitions {
        let async_graphql::parser::types::TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = ty.node;
        if !["Query", "Mutation", "Subscription"].contains(&ty.name.node.as_str()) {
            continue;
        }
        if let async_graphql::parser::types::TypeKind::Object(object) = ty.kind {
            // Leaked once per process: a few hundred bytes that label
            // values borrow for ever.
            fields.extend(
                object
                    .fields
                    .into_iter()
                    .map(|field| &*field.node.name.node.to_string().leak()),
            );
        }
    }
    fields.sort_unstable();
    fields.dedup();
    fields
});

/// Reads the SDL now rather than in the first request's time.
pub fn load_root_fields() {
    LazyLock::force(&ROOT_FIELDS);
}

/// Every `extensions.code` the service sets (`AuthError::code`, and the
/// refusals of `errors.rs` and `limits.rs`); anything else is `OTHER_CODE`.
/// A unit test below holds this list to `auth/error.rs`.
const CODES: &[&str] = &[
    "BAD_USER_INPUT",
    "CONFLICT",
    "FORBIDDEN",
    super::errors::VALIDATION_FAILED,
    "INTERNAL_SERVER_ERROR",
    "INVALID_CREDENTIALS",
    "INVALID_MFA_CODE",
    "INVALID_TOKEN",
    "LAST_ADMIN",
    "MFA_ENROLLMENT_REQUIRED",
    "MFA_REQUIRED",
    "RATE_LIMITED",
    "REAUTHENTICATION_REQUIRED",
    "SIGN_IN_LOCKED",
    "TOKEN_EXPIRED",
    TOO_MANY_ALIASES,
    TOO_MANY_PASSWORD_FIELDS,
    "UNAUTHENTICATED",
];
const OTHER_CODE: &str = "OTHER";

/// [`operation`] of a request whose document has been parsed (the parse is
/// kept in the request).
pub fn operation_of(request: &mut Request) -> &'static str {
    // Moved out and back: the name borrows alongside the document.
    let name = request.operation_name.take();
    let operation = operation(request.parsed_query().ok(), name.as_deref());
    request.operation_name = name;
    operation
}

/// The operation's first root field in the document, when every root field
/// of it is one of the schema's (`other` otherwise). Never the client's
/// `operationName`: that is any string a client likes.
pub fn operation(document: Option<&ExecutableDocument>, name: Option<&str>) -> &'static str {
    let Some(document) = document else {
        return OTHER;
    };
    let operation: Option<&OperationDefinition> = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(&operation.node),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| &operation.node)
        }
        // One named operation: what runs when no name is given.
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|operation| &operation.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    let Some(operation) = operation else {
        return OTHER;
    };
    let mut first = None;
    if root_fields(document, &operation.selection_set.node, 0, &mut first) {
        first.unwrap_or(OTHER)
    } else {
        OTHER
    }
}

/// Fragments at the root are followed this deep; deeper is `other` (the
/// schema refuses such documents anyway, by `limits.rs`).
const FRAGMENT_DEPTH: usize = 4;

/// Whether every field at the root of `selection` is a root field of the
/// schema, keeping the first in `first`.
fn root_fields(
    document: &ExecutableDocument,
    selection: &SelectionSet,
    depth: usize,
    first: &mut Option<&'static str>,
) -> bool {
    if depth > FRAGMENT_DEPTH {
        return false;
    }
    selection.items.iter().all(|item| match &item.node {
        Selection::Field(field) => {
            let name = field.node.name.node.as_str();
            match ROOT_FIELDS.binary_search(&name) {
                Ok(index) => {
                    first.get_or_insert(ROOT_FIELDS[index]);
                    true
                }
                Err(_) => false,
            }
        }
        Selection::InlineFragment(fragment) => root_fields(
            document,
            &fragment.node.selection_set.node,
            depth + 1,
            first,
        ),
        Selection::FragmentSpread(spread) => document
            .fragments
            .get(&spread.node.fragment_name.node)
            .is_some_and(|fragment| {
                root_fields(
                    document,
                    &fragment.node.selection_set.node,
                    depth + 1,
                    first,
                )
            }),
    })
}

/// The first error's code, or `OK`.
fn outcome(response: &Response) -> &'static str {
    let Some(error) = response.errors.first() else {
        return "OK";
    };
    match error.extensions.as_ref().and_then(|ext| ext.get("code")) {
        Some(Value::String(code)) => CODES
            .iter()
            .find(|known| **known == code.as_str())
            .copied()
            .unwrap_or(OTHER_CODE),
        _ => OTHER_CODE,
    }
}

pub fn record(operation: &'static str, response: &Response, took: Duration) {
    metrics::counter!(GRAPHQL_REQUESTS, "operation" => operation, "outcome" => outcome(response))
        .increment(1);
    metrics::histogram!(GRAPHQL_DURATION, "operation" => operation).record(took);
}

pub fn sign_in<T>(result: &Result<T, AuthError>) {
    let outcome = match result {
        Ok(_) => "succeeded",
        Err(refused) => refused.code(),
    };
    metrics::counter!(SIGN_INS, "outcome" => outcome).increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(query: &str, name: Option<&str>) -> &'static str {
        let document = async_graphql::parser::parse_query(query).ok();
        operation(document.as_ref(), name)
    }

    #[test]
    fn operations_are_named_by_their_root_fields_in_the_schema() {
        assert_eq!(label("{ me { id } }", None), "me");
        assert_eq!(label("query Whatever { me { id } }", None), "me");
        assert_eq!(
            label(
                "mutation { refreshToken(refreshToken: \"x\") { accessToken } }",
                None
            ),
            "refreshToken"
        );
        assert_eq!(label("{ me { id } mySessions { id } }", None), "me");
        assert_eq!(
            label("{ ...F } fragment F on Query { users { id } }", None),
            "users"
        );
        assert_eq!(label("{ __typename }", None), "__typename");
        assert_eq!(
            label("query A { me { id } } query B { users { id } }", Some("B")),
            "users"
        );
    }

    #[test]
    fn anything_else_is_other() {
        assert_eq!(label("{ me { id ", None), OTHER);
        assert_eq!(label("{ nosuchfield }", None), OTHER);
        assert_eq!(label("{ me { id } nosuchfield }", None), OTHER);
        assert_eq!(
            label("query A { me { id } } query B { me { id } }", None),
            OTHER
        );
        assert_eq!(
            label("query A { me { id } } query B { me { id } }", Some("C")),
            OTHER
        );
        assert_eq!(label("{ ...Missing }", None), OTHER);
        // A field of a type that is not a root is no operation either.
        assert_eq!(label("{ accessToken }", None), OTHER);
    }

    #[test]
    fn every_code_the_service_sets_is_a_label() {
        let source = include_str!("../auth/error.rs");
        let codes: Vec<&str> = source
            .split("=> \"")
            .skip(1)
            .map(|rest| &rest[..rest.find('"').unwrap()])
            .collect();
        assert!(codes.len() >= 10, "{codes:?}");
        for code in codes {
            assert!(CODES.contains(&code), "{code} is missing from CODES");
        }
    }
}
