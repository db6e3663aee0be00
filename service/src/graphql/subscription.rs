use std::time::Duration;

use async_graphql::{Context, ErrorExtensions, Subscription as SubscriptionObject};
use futures_util::Stream;
use tokio::time::Instant;

use super::context::{auth, caller_for};
use super::types::SessionStatus;
use crate::auth::{AuthError, Need};

/// How often a client may ask to hear about its session: at least once an
/// hour, at most every 10 seconds. Each check is one indexed query, and a
/// connection may run several subscriptions (see `http::websocket`), so the
/// floor bounds what one socket costs the database.
const STATUS_PERIOD_SECONDS: std::ops::RangeInclusive<i32> = 10..=3600;

pub struct Subscription;

#[SubscriptionObject]
impl Subscription {
    /// The caller's session: its state now, then every `everySeconds`, and as
    /// soon as it expires. The stream ends after an event with
    /// `active: false` (logged out, revoked, expired or account deactivated),
    /// so a client learns of a logout made elsewhere. Over `/graphql/ws`,
    /// with the access token in the `connection_init` payload.
    async fn session_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 30)] every_seconds: i32,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<SessionStatus>> + use<>>
    {
        if !STATUS_PERIOD_SECONDS.contains(&every_seconds) {
            let (least, most) = STATUS_PERIOD_SECONDS.into_inner();
            let message = format!("everySeconds must be between {least} and {most}");
            return Err(AuthError::bad_input("everySeconds", message).extend());
        }
        // Before the second factor too: a signed-out tab must hear of it.
        let caller = caller_for(ctx, Need::SecondFactor).await?;
        let (user, session) = (caller.user.id, caller.session);
        let auth = auth(ctx).clone();
        let period = Duration::from_secs(every_seconds.unsigned_abs().into());

        // State: when to look next, or None once the end has been reported.
        let stream = futures_util::stream::unfold(Some(Instant::now()), move |next| {
            let auth = auth.clone();
            async move {
                tokio::time::sleep_until(next?).await;
                let status = match auth.session_expiry(user, session).await {
                    Ok(expires_at) => SessionStatus {
                        active: expires_at.is_some(),
                        expires_at,
                        checked_at: auth.now(),
                    },
                    // Logged where it is extended; the stream ends with it.
                    Err(err) => return Some((Err(err.extend()), None)),
                };
                let following = status.expires_at.map(|expires_at| {
                    // Wake at the expiry if it comes before the next period.
                    let until_expiry = (expires_at - auth.now()).to_std().unwrap_or_default();
                    Instant::now() + period.min(until_expiry + Duration::from_millis(1))
                });
                Some((Ok(status), following))
            }
        });
        Ok(stream)
    }
}
