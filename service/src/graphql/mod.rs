//! The GraphQL schema: thin resolvers over [`crate::auth`], role guards, and
//! the mapping of every error to a stable `extensions.code`.

mod context;
mod guard;
mod mutation;
mod query;
mod subscription;
mod types;

use async_graphql::{ErrorExtensions, Schema, SchemaBuilder};

pub use context::RequestAuth;
use mutation::Mutation;
use query::Query;
use subscription::Subscription;

use crate::auth::{Auth, AuthError};

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// Our own operations are a few levels deep; the limits leave room for
/// GraphiQL's introspection query and refuse anything built to be expensive.
const MAX_DEPTH: usize = 16;
const MAX_COMPLEXITY: usize = 1000;

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query, Mutation, Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
}

/// The executable schema. Without the playground (production by default),
/// introspection and "did you mean" suggestions are off too.
pub fn schema(auth: Auth, playground: bool) -> AppSchema {
    let builder = builder().data(auth);
    if playground {
        builder.finish()
    } else {
        builder
            .disable_introspection()
            .disable_suggestions()
            .finish()
    }
}

/// The SDL committed as `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// Runs one operation, then gives every error a code: errors raised before
/// any resolver ran (syntax, validation, limits) carry none of their own.
pub async fn execute(
    schema: &AppSchema,
    request: async_graphql::Request,
) -> async_graphql::Response {
    let mut response = schema.execute(request).await;
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", "GRAPHQL_VALIDATION_FAILED");
        }
    }
    response
}

impl ErrorExtensions for AuthError {
    fn extend(&self) -> async_graphql::Error {
        if let AuthError::Internal(source) = self {
            // The one place internal failures are logged; the client sees only
            // the variant's generic message.
            tracing::error!(error = %source, details = ?source, "internal error");
        }
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                AuthError::BadInput { field, .. } | AuthError::Conflict { field } => {
                    ext.set("field", *field)
                }
                AuthError::RateLimited {
                    retry_after_seconds,
                } => ext.set("retryAfter", *retry_after_seconds),
                _ => {}
            }
        })
    }
}
