//! Every error a client sees carries a stable `extensions.code`.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextRequest, NextSubscribe,
};
use async_graphql::{ErrorExtensions, Response};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use crate::auth::AuthError;
use crate::domain::InvalidInput;

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

impl ErrorExtensions for InvalidInput {
    fn extend(&self) -> async_graphql::Error {
        AuthError::from(self.clone()).extend()
    }
}

/// Gives a code to the errors that are raised before any resolver runs
/// (syntax, validation, limits) and so carry none of their own, on every
/// transport: `request` sees each POST, `subscribe` each operation over the
/// WebSocket.
pub struct ErrorCodes;

/// The code of an error raised by async-graphql itself.
const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        with_codes(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(with_codes).boxed()
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
