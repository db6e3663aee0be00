//! Limits on a document's shape that async-graphql's depth and complexity
//! limits do not see, checked on the parsed document before anything runs
//! (the parse is kept for execution, so it is not done twice).
//!
//! - At most one field that checks or sets a password, or checks a second
//!   factor's code: each password costs a bcrypt, and a hundred aliased
//!   `login` fields in one request would otherwise cost a hundred; a hundred
//!   aliased `verifyMfa` would be a hundred guesses in one round trip.
//! - At most [`MAX_ALIASES`] aliases, as graphql-armor's max-aliases: our own
//!   operations use none, and thousands of aliased fields are only a way to
//!   multiply work.

use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Request, ServerError};

/// The mutations that run bcrypt or check a code (any new one that does
/// belongs here).
const PASSWORD_FIELDS: [&str; 9] = [
    "login",
    "register",
    "changePassword",
    "resetPassword",
    "deleteMyAccount",
    "reauthenticate",
    "verifyMfa",
    "confirmTotp",
    "disableTotp",
];
pub const MAX_ALIASES: usize = 15;

pub const TOO_MANY_PASSWORD_FIELDS: &str = "TOO_MANY_PASSWORD_FIELDS";
pub const TOO_MANY_ALIASES: &str = "TOO_MANY_ALIASES";

/// Refuses a document over a limit; one that does not parse is left to the
/// schema, which reports the syntax error.
pub fn check(request: &mut Request) -> Result<(), ServerError> {
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return Ok(());
    };
    let too_deep = || {
        refusal(
            "GRAPHQL_VALIDATION_FAILED",
            "The document is nested too deep",
        )
    };
    if aliases(document).ok_or_else(too_deep)? > MAX_ALIASES {
        return Err(refusal(
            TOO_MANY_ALIASES,
            format!("A request may use at most {MAX_ALIASES} aliases"),
        ));
    }
    let mut password_fields = 0;
    for operation in operations(document, operation_name.as_deref()) {
        let selection = &operation.selection_set.node;
        password_fields +=
            count_password_fields(document, selection, &mut Vec::new(), 0).ok_or_else(too_deep)?;
    }
    if password_fields > 1 {
        return Err(refusal(
            TOO_MANY_PASSWORD_FIELDS,
            "A request may sign in, register or set a password only once; send one at a time",
        ));
    }
    Ok(())
}

/// Nesting (of fields and fragments) beyond which a document is refused:
/// the schema's depth limit would refuse it anyway, and walking it is not
/// worth a stack.
const MAX_NESTING: usize = 2 * super::MAX_DEPTH;

fn refusal(code: &'static str, message: impl Into<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    error
}

/// The operation that will run; all of them when that is not clear yet (the
/// schema then refuses the request anyway).
fn operations<'a>(
    document: &'a ExecutableDocument,
    name: Option<&'a str>,
) -> impl Iterator<Item = &'a OperationDefinition> {
    document
        .operations
        .iter()
        .filter(move |(op_name, _)| match (name, op_name) {
            (Some(wanted), Some(op_name)) => op_name.as_str() == wanted,
            _ => true,
        })
        .map(|(_, operation)| &operation.node)
}

/// Password fields at the top of a selection, through fragments; `None`
/// past [`MAX_NESTING`]. A named fragment is followed once: spreading it
/// again selects the same fields, which GraphQL merges.
fn count_password_fields<'a>(
    document: &'a ExecutableDocument,
    selection: &'a SelectionSet,
    followed: &mut Vec<&'a str>,
    depth: usize,
) -> Option<usize> {
    if depth > MAX_NESTING {
        return None;
    }
    let mut count = 0;
    for item in &selection.items {
        count += match &item.node {
            Selection::Field(field) => {
                usize::from(PASSWORD_FIELDS.contains(&field.node.name.node.as_str()))
            }
            Selection::InlineFragment(fragment) => count_password_fields(
                document,
                &fragment.node.selection_set.node,
                followed,
                depth + 1,
            )?,
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if followed.contains(&name) {
                    continue;
                }
                followed.push(name);
                match document.fragments.get(name) {
                    Some(fragment) => count_password_fields(
                        document,
                        &fragment.node.selection_set.node,
                        followed,
                        depth + 1,
                    )?,
                    None => 0,
                }
            }
        };
    }
    Some(count)
}

/// Every alias written in the document, in operations and fragments alike;
/// `None` past [`MAX_NESTING`].
fn aliases(document: &ExecutableDocument) -> Option<usize> {
    fn in_selection(selection: &SelectionSet, depth: usize) -> Option<usize> {
        if depth > MAX_NESTING {
            return None;
        }
        let mut count = 0;
        for item in &selection.items {
            count += match &item.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some())
                        + in_selection(&field.node.selection_set.node, depth + 1)?
                }
                Selection::InlineFragment(fragment) => {
                    in_selection(&fragment.node.selection_set.node, depth + 1)?
                }
                Selection::FragmentSpread(_) => 0,
            };
        }
        Some(count)
    }
    let operations = document
        .operations
        .iter()
        .map(|(_, operation)| in_selection(&operation.node.selection_set.node, 0));
    let fragments = document
        .fragments
        .values()
        .map(|fragment| in_selection(&fragment.node.selection_set.node, 0));
    operations.chain(fragments).sum()
}
