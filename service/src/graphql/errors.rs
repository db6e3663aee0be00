//! Every error a client sees carries a stable `extensions.code`.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::{Data, ErrorExtensions, Executor, Request, Response, Schema};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::documents::Documents;
use super::{Mutation, Query, Subscription, measure};
use crate::auth::AuthError;
use crate::domain::InvalidInput;
use crate::telemetry;

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
                AuthError::BadInput { field, .. }
                | AuthError::Conflict { field }
                | AuthError::WrongState { field, .. } => ext.set("field", *field),
                AuthError::RateLimited {
                    retry_after_seconds,
                } => ext.set("retryAfter", *retry_after_seconds),
                _ => {}
            }
        })
    }
}

impl ErrorExtensions for InvalidInput {
    fn extend(&self) -> async_graphql::Error {
        AuthError::from(self.clone()).extend()
    }
}

/// The schema as both transports run it: POST and every operation over the
/// WebSocket go through [`Executor`], which gives a code to the errors raised
/// before any resolver runs (syntax, validation, limits), since those carry
/// none of their own. (Not a schema extension: any extension turns off
/// async-graphql's per-field fast path, which cost `me` a sixth of its
/// throughput.)
#[derive(Clone)]
pub struct AppSchema(
    pub(super) Schema<Query, Mutation, Subscription>,
    pub(super) Documents,
);

/// The code of an error raised by async-graphql itself.
pub(super) const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

impl Executor for AppSchema {
    async fn execute(&self, mut request: Request) -> Response {
        let started = Instant::now();
        self.1.prepare(&mut request);
        let checked = super::limits::check(&mut request);
        // After the check, which parsed the document and kept the parse.
        let operation = telemetry::recording().then(|| measure::operation_of(&mut request));
        let response = match checked {
            Ok(()) => with_codes(self.0.execute(request).await),
            Err(refused) => Response::from_errors(vec![refused]),
        };
        if let Some(operation) = operation {
            measure::record(operation, &response, started.elapsed());
        }
        response
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        self.1.prepare(&mut request);
        if let Err(refused) = super::limits::check(&mut request) {
            return futures_util::stream::once(async { Response::from_errors(vec![refused]) })
                .boxed();
        }
        self.0
            .execute_stream_with_session_data(request, session_data.unwrap_or_default())
            .map(with_codes)
            .boxed()
    }
}

fn with_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", VALIDATION_FAILED);
        }
    }
    response
}
