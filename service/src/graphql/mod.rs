//! The GraphQL schema: inputs parsed into domain values, thin resolvers over
//! [`crate::auth`], role guards, and a stable `extensions.code` on every
//! error ([`AppSchema`]).

mod context;
mod documents;
mod errors;
mod guard;
mod limits;
mod measure;
mod mfa;
mod mutation;
mod query;
mod subscription;
mod types;

use async_graphql::{Schema, SchemaBuilder};

pub use context::RequestAuth;
pub use errors::AppSchema;
use mutation::Mutation;
use query::Query;
use subscription::Subscription;

use crate::auth::Auth;

/// Our own operations are a few levels deep; the limits leave room for
/// GraphiQL's introspection query and refuse anything built to be expensive.
const MAX_DEPTH: usize = 16;
const MAX_COMPLEXITY: usize = 1000;

fn builder() -> SchemaBuilder<Query, Mutation, Subscription> {
    Schema::build(Query, Mutation::default(), Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
}

/// The executable schema. Without the playground (production by default),
/// introspection and "did you mean" suggestions are off too.
pub fn schema(auth: Auth, playground: bool) -> AppSchema {
    measure::load_root_fields();
    let builder = builder().data(auth);
    let schema = if playground {
        builder.finish()
    } else {
        builder
            .disable_introspection()
            .disable_suggestions()
            .finish()
    };
    AppSchema(schema, documents::Documents::new())
}

/// The SDL committed as `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}
