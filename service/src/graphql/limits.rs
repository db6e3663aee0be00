//! Limits on a document's shape that async-graphql's depth and complexity
//! limits do not see, checked on the parsed document before anything runs
//! (the parse is kept for execution, so it is not done twice).
//!
//! - At most one field that checks or sets a password: each costs a bcrypt,
//!   and a hundred aliased `login` fields in one request would otherwise cost
//!   a hundred.
//! - At most [`MAX_ALIASES`] aliases, as graphql-armor's max-aliases: our own
//!   operations use none, and thousands of aliased fields are only a way to
//!   multiply work.

use async_graphql::parser::types::{
    ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Request, ServerError};

/// The mutations that run bcrypt (any new one that does belongs here).
const PASSWORD_FIELDS: [&str; 4] = ["login", "register", "changePassword", "resetPassword"];
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
    if aliases(document) > MAX_ALIASES {
        return Err(refusal(
            TOO_MANY_ALIASES,
            format!("A request may use at most {MAX_ALIASES} aliases"),
        ));
    }
    let password_fields: usize = operations(document, operation_name.as_deref())
        .map(|operation| password_fields(document, &operation.selection_set.node, &mut Vec::new()))
        .sum();
    if password_fields > 1 {
        return Err(refusal(
            TOO_MANY_PASSWORD_FIELDS,
            "A request may sign in, register or set a password only once; send one at a time",
        ));
    }
    Ok(())
}

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

/// Password fields at the top of a selection, through fragments (each
/// fragment is followed once: spreading it again selects the same fields).
fn password_fields<'a>(
    document: &'a ExecutableDocument,
    selection: &'a SelectionSet,
    followed: &mut Vec<&'a str>,
) -> usize {
    if followed.len() > 2 * super::MAX_DEPTH {
        return 0;
    }
    selection
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(PASSWORD_FIELDS.contains(&field.node.name.node.as_str()))
            }
            Selection::InlineFragment(fragment) => {
                // Counted like a fragment, so that nesting is bounded too.
                followed.push("");
                password_fields(document, &fragment.node.selection_set.node, followed)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if followed.contains(&name) {
                    return 0;
                }
                followed.push(name);
                document.fragments.get(name).map_or(0, |fragment| {
                    password_fields(document, &fragment.node.selection_set.node, followed)
                })
            }
        })
        .sum()
}

/// Every alias written in the document, in operations and fragments alike.
fn aliases(document: &ExecutableDocument) -> usize {
    fn in_selection(selection: &SelectionSet, depth: usize) -> usize {
        // Deeper than the schema's depth limit allows: refused there, and
        // not worth a stack here.
        if depth > 2 * super::MAX_DEPTH {
            return 0;
        }
        selection
            .items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some())
                        + in_selection(&field.node.selection_set.node, depth + 1)
                }
                Selection::InlineFragment(fragment) => {
                    in_selection(&fragment.node.selection_set.node, depth + 1)
                }
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
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
