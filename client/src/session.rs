//! Who is signed in, and with which tokens. [`Session`] alone owns that
//! state: it keeps localStorage's `auth` key and the signal the pages read in
//! step, follows other tabs signing in and out, and runs the one refresh at a
//! time that tabs share, so that a rotated-out refresh token is not presented
//! again (the service takes that for a stolen token and ends the session).
//! While someone is signed in it also listens to the service about the
//! session (`sessionStatus` over `/graphql/ws`), so that a tab signed out
//! from another device leaves at once and says why.

use std::rc::Rc;

use dioxus::prelude::*;
use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::api::{self, ApiError};
use crate::graphql_ws::{self, Event, Subscription};
use crate::storage;

/// The e2e tests read and write this key too.
const AUTH_KEY: &str = "auth";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub username: String,
    pub full_name: Option<String>,
    pub is_admin: bool,
    // Defaults, for what a browser stored before these existed: the next
    // `me` brings the real values.
    #[serde(default)]
    pub email_verified: bool,
    /// "en" or "ru".
    #[serde(default)]
    pub locale: String,
    /// Signed in with a password only: the second factor is still to come,
    /// and until then the service allows little else.
    #[serde(default)]
    pub mfa_required: bool,
    /// An admin who must set up a second factor before anything else.
    #[serde(default)]
    pub mfa_enrollment_required: bool,
}

impl User {
    /// The name to greet: the full name, or else the username.
    pub fn display_name(&self) -> &str {
        self.full_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.username)
    }

    /// Up to two initials for the avatar, as written: the avatar shows them
    /// in capitals (CSS), which spares the wasm Unicode's case tables.
    pub fn initials(&self) -> String {
        self.display_name()
            .split_whitespace()
            .filter_map(|word| word.chars().next())
            .take(2)
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
}

/// Why this browser was signed out without asking to be, to tell the person
/// on the sign-in page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignedOut {
    /// The service ended the session before it was due: signed out from
    /// another device, a changed password, or an administrator.
    Elsewhere,
    /// The session ran out, or the service refused to renew it.
    Ended,
    /// The person deleted their account.
    Deleted,
}

impl SignedOut {
    /// The Fluent message id that explains it.
    pub fn message_id(self) -> &'static str {
        match self {
            Self::Elsewhere => "signed-out-elsewhere",
            Self::Ended => "error-session-ended",
            Self::Deleted => "signed-out-deleted",
        }
    }
}

/// What is stored under [`AUTH_KEY`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct AuthState {
    user: Option<User>,
    tokens: Option<Tokens>,
    /// Set only while signed out; stored, so that every tab and a reload
    /// explain it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signed_out: Option<SignedOut>,
}

impl AuthState {
    fn is_signed_in(&self) -> bool {
        self.user.is_some() && self.tokens.is_some()
    }

    fn user_id(&self) -> Option<String> {
        self.user.as_ref().map(|u| u.id.clone())
    }

    fn load() -> Self {
        LocalStorage::get(AUTH_KEY).unwrap_or_default()
    }

    fn save(&self) {
        if self.is_signed_in() || self.signed_out.is_some() {
            let _ = LocalStorage::set(AUTH_KEY, self);
        } else {
            LocalStorage::delete(AUTH_KEY);
        }
    }
}

/// The session store, shared through context; components reach it with
/// [`use_session`].
#[derive(Clone, Copy)]
pub struct Session {
    state: Signal<AuthState>,
    /// Calls waiting for the person to prove again it is them (the step-up
    /// dialog, `step_up.rs`, is open while this is not empty); each learns
    /// whether they did.
    step_up: Signal<Vec<Rc<StepUpWaiter>>>,
}

/// One call waiting on the step-up dialog.
pub struct StepUpWaiter(std::cell::Cell<Option<futures::channel::oneshot::Sender<bool>>>);

pub fn use_session() -> Session {
    use_context()
}

/// Creates the store at the root, from what this browser stored, and follows
/// the session on the service while someone is signed in.
pub fn use_session_provider() {
    let session = use_context_provider(|| Session {
        state: Signal::new(AuthState::load()),
        step_up: Signal::new(Vec::new()),
    });
    // Who is signed in, not with which tokens: a refresh must not reconnect.
    let account = use_memo(move || {
        let state = session.state.read();
        state.user_id().filter(|_| state.is_signed_in())
    });
    let watcher = use_hook(|| Rc::new(std::cell::Cell::new(None::<dioxus::core::Task>)));
    use_effect(move || {
        // Dropping the task drops its socket.
        if let Some(task) = watcher.take() {
            task.cancel();
        }
        if account().is_some() {
            watcher.set(Some(spawn(session.watch())));
        }
    });
    use_hook(|| {
        storage::on_other_tab_change(move |key| {
            // `None`: another tab cleared the storage, this key with it.
            if matches!(key, Some(AUTH_KEY) | None) {
                session.show_stored();
            }
        })
    });
}

impl Session {
    /// Whether someone is signed in; the calling component or effect reruns
    /// when that changes.
    pub fn is_signed_in(&self) -> bool {
        self.state.read().is_signed_in()
    }

    /// Whether someone is signed in, without subscribing the caller: for a
    /// resource that must run once however the session changes after.
    pub fn is_signed_in_untracked(&self) -> bool {
        self.state.peek().is_signed_in()
    }

    /// The signed-in user; the calling component re-renders when it changes.
    pub fn user(&self) -> Option<User> {
        self.state.read().user.clone()
    }

    /// Why this browser was signed out, if it did not ask to be.
    pub fn signed_out(&self) -> Option<SignedOut> {
        self.state.read().signed_out
    }

    pub fn sign_in(&self, user: User, tokens: Tokens) {
        self.store(AuthState {
            user: Some(user),
            tokens: Some(tokens),
            signed_out: None,
        });
    }

    /// Takes a fresher copy of the signed-in user's profile, but never over
    /// another account: another tab may have switched users meanwhile.
    pub fn update_user(&self, user: User) {
        let mut state = self.state.peek().clone();
        let same_account = state.user.as_ref().is_some_and(|u| u.id == user.id);
        if same_account && state.user.as_ref() != Some(&user) {
            state.user = Some(user);
            self.store(state);
        }
    }

    /// Runs `call` with the access token, and does what the service's
    /// refusal asks: on `UNAUTHENTICATED` refreshes once and retries (signing
    /// out when that fails too); on `REAUTHENTICATION_REQUIRED` asks the
    /// person to prove it is them (the step-up dialog) and retries once; on
    /// `MFA_REQUIRED` or `MFA_ENROLLMENT_REQUIRED` notes it on the user, which
    /// sends the pages to the second-factor page or to set one up.
    pub async fn authorized<T, F>(&self, call: impl Fn(Option<String>) -> F) -> Result<T, ApiError>
    where
        F: Future<Output = Result<T, ApiError>>,
    {
        let mut result = self.authorized_without_step_up(&call).await;
        if result.as_ref().err() == Some(&ApiError::ReauthenticationRequired)
            && self.step_up().await
        {
            result = self.authorized_without_step_up(&call).await;
        }
        if let Err(error) = &result {
            self.note_refusal(error);
        }
        result
    }

    /// [`Session::authorized`] without the step-up: for the calls the step-up
    /// dialog itself makes, which must not wait for it.
    pub async fn authorized_without_step_up<T, F>(
        &self,
        call: impl Fn(Option<String>) -> F,
    ) -> Result<T, ApiError>
    where
        F: Future<Output = Result<T, ApiError>>,
    {
        let used = self.state.peek().tokens.clone();
        let token = used.as_ref().map(|t| t.access_token.clone());
        match call(token).await {
            Err(ApiError::Unauthenticated) => {
                let tokens = self.refreshed(used).await?;
                let retried = call(Some(tokens.access_token)).await;
                if matches!(retried, Err(ApiError::Unauthenticated)) {
                    self.end(SignedOut::Ended);
                }
                retried
            }
            other => other,
        }
    }

    /// The service says this session may not do that yet: a stale user
    /// stored before (the other tab's sign-in, a policy turned on since)
    /// learns what it must do first.
    fn note_refusal(&self, error: &ApiError) {
        let mut state = self.state.peek().clone();
        let Some(user) = state.user.as_mut() else {
            return;
        };
        match error {
            ApiError::MfaRequired if !user.mfa_required => user.mfa_required = true,
            ApiError::MfaEnrollmentRequired if !user.mfa_enrollment_required => {
                user.mfa_enrollment_required = true
            }
            _ => return,
        }
        self.store(state);
    }

    /// Opens the step-up dialog (or joins the one open) and waits for it:
    /// true once the person proved it is them and the new pair is stored.
    async fn step_up(&self) -> bool {
        let (sender, receiver) = futures::channel::oneshot::channel();
        let mut waiting = self.step_up;
        waiting
            .write()
            .push(Rc::new(StepUpWaiter(std::cell::Cell::new(Some(sender)))));
        receiver.await.unwrap_or(false)
    }

    /// Whether a call waits for the person to prove it is them.
    pub fn step_up_pending(&self) -> bool {
        !self.step_up.read().is_empty()
    }

    /// The step-up dialog's end: `Some` with the pair `reauthenticate` gave
    /// (stored, and the waiting calls retried), `None` if the person gave up.
    pub fn finish_step_up(&self, signed_in: Option<(User, Tokens)>) {
        let done = signed_in.is_some();
        if let Some((user, tokens)) = signed_in {
            self.replace_pair(user, tokens);
        }
        let mut waiting = self.step_up;
        for waiter in waiting.write().drain(..) {
            if let Some(sender) = waiter.0.take() {
                let _ = sender.send(done);
            }
        }
    }

    /// Stores the pair a second factor or a step-up gave, over the one the
    /// session had: the same account, at a higher level or fresher.
    pub fn replace_pair(&self, user: User, tokens: Tokens) {
        let same_account = self.state.peek().user_id().as_deref() == Some(user.id.as_str());
        if same_account {
            self.sign_in(user, tokens);
        }
    }

    /// New tokens after `used` was refused: one refresh at a time, in this
    /// tab and across tabs; whoever comes second adopts what the first stored.
    /// Never touches a session that is no longer the caller's (signed out, or
    /// another user signed in from another tab meanwhile).
    async fn refreshed(&self, used: Option<Tokens>) -> Result<Tokens, ApiError> {
        let caller = self.state.peek().user_id();
        let still_caller = {
            let caller = caller.clone();
            move |state: &AuthState| state.user_id() == caller
        };
        // Reads and writes localStorage only: another tab may have changed it
        // while this one waited for the lock.
        let outcome = exclusive(async move {
            let stored = AuthState::load();
            if !still_caller(&stored) {
                return Err(ApiError::Unauthenticated);
            }
            let refresh_token = match recovery(used.as_ref(), stored.tokens.as_ref()) {
                Recovery::Adopt(tokens) => return Ok(tokens),
                Recovery::SignOut => return Err(ApiError::Unauthenticated),
                Recovery::Refresh(refresh_token) => refresh_token,
            };
            let tokens = match api::refresh_token(refresh_token).await {
                Ok(tokens) => tokens,
                // Refused, but another tab (one without Web Locks) may have
                // rotated first and stored the newer pair: use it if so.
                Err(ApiError::Unauthenticated) => {
                    let now = AuthState::load();
                    return match recovery(used.as_ref(), now.tokens.as_ref()) {
                        Recovery::Adopt(tokens) if still_caller(&now) => Ok(tokens),
                        _ => Err(ApiError::Unauthenticated),
                    };
                }
                Err(other) => return Err(other),
            };
            // Store the pair only over the state it replaces.
            let mut now = AuthState::load();
            if now.tokens == stored.tokens {
                now.tokens = Some(tokens.clone());
                now.save();
            }
            Ok(tokens)
        })
        .await
        .unwrap_or(Err(ApiError::Network));
        self.show_stored();
        if outcome == Err(ApiError::Unauthenticated) && AuthState::load().user_id() == caller {
            self.end(SignedOut::Ended);
        }
        outcome
    }

    /// Ends the session on the service (best effort) and here. Waits for a
    /// refresh in flight, so the token sent is the live one.
    pub async fn logout(&self) {
        let session = *self;
        let _ = exclusive(async move {
            let tokens = AuthState::load().tokens;
            session.sign_out();
            if let Some(tokens) = tokens {
                let _ = api::logout(tokens.refresh_token).await;
            }
        })
        .await;
        // Also when the browser refused the lock and the work never ran.
        self.sign_out();
    }

    fn sign_out(&self) {
        self.store(AuthState::default());
    }

    /// Signs out after the account was deleted from this browser.
    pub fn account_deleted(&self) {
        self.end(SignedOut::Deleted);
    }

    /// Signs out because the session is over on the service, saying why.
    fn end(&self, why: SignedOut) {
        self.store(AuthState {
            signed_out: Some(why),
            ..AuthState::default()
        });
    }

    /// Listens to the service about the signed-in session until it ends,
    /// reconnecting when the connection drops and, when the access token it
    /// offered was refused, after a refresh. Cancelled (socket and all) when
    /// the person signs out or another account signs in.
    async fn watch(self) {
        let mut failures = 0;
        loop {
            let Some(tokens) = self.state.peek().tokens.clone() else {
                return;
            };
            match follow(&tokens.access_token).await {
                // Unless this tab has signed out meanwhile (the account
                // deleted here, say): that reason stands.
                Followed::Ended { .. } if !self.state.peek().is_signed_in() => return,
                Followed::Ended { before_expiry } => {
                    self.end(if before_expiry {
                        SignedOut::Elsewhere
                    } else {
                        SignedOut::Ended
                    });
                    return;
                }
                // Reconnects with the new token; at once unless that was
                // refused too (a refresh loop must not spin).
                Followed::Refused => {
                    if let Err(ApiError::Unauthenticated) = self.refreshed(Some(tokens)).await {
                        // `refreshed` has signed out already.
                        return;
                    }
                }
                Followed::Dropped { heard } => {
                    if heard {
                        failures = 0;
                    }
                }
            }
            gloo_timers::future::sleep(retry_delay(failures)).await;
            failures += 1;
        }
    }

    /// Stored first, so that other tabs and a reload see what this tab shows.
    fn store(&self, state: AuthState) {
        state.save();
        let mut shown = self.state;
        shown.set(state);
    }

    /// Shows what is stored now, whoever stored it.
    fn show_stored(&self) {
        let mut shown = self.state;
        shown.set(AuthState::load());
    }
}

/// How often the service reports on the session: as often as it allows (10 s,
/// its floor), so that a tab learns within seconds that it was signed out
/// elsewhere; each report costs the service one indexed query.
const STATUS_PERIOD_SECONDS: i64 = 10;

/// How a connection that followed the session ended.
#[derive(Debug, PartialEq)]
enum Followed {
    /// The service says the session is over: before it was due to expire
    /// (someone ended it), or not.
    Ended { before_expiry: bool },
    /// The access token was refused (it expired, most likely).
    Refused,
    /// Lost, or failed for another reason; `heard` if it had been working.
    Dropped { heard: bool },
}

/// Follows the session of `access_token` over one connection.
async fn follow(access_token: &str) -> Followed {
    use futures::future::{Either, select};

    let Some(url) = graphql_ws::endpoint_here() else {
        return Followed::Dropped { heard: false };
    };
    let connection = serde_json::json!({ "Authorization": format!("Bearer {access_token}") });
    let operation = api::session_status_request(STATUS_PERIOD_SECONDS);
    let Some(mut subscription) = Subscription::open(&url, connection, operation) else {
        return Followed::Dropped { heard: false };
    };
    // Several reports missed in a row: the connection is dead without the
    // browser having noticed yet.
    let silence = std::time::Duration::from_secs(3 * STATUS_PERIOD_SECONDS as u64 + 10);
    let mut heard = false;
    let mut expires_at = None::<f64>;
    loop {
        let event = {
            let next = std::pin::pin!(subscription.next());
            let quiet = std::pin::pin!(gloo_timers::future::sleep(silence));
            match select(next, quiet).await {
                Either::Left((event, _)) => event,
                Either::Right(_) => Event::Closed,
            }
        };
        let status = match event {
            Event::Next(payload) => api::session_status_event(payload),
            Event::Error(payload) => Err(api::session_status_error(payload)),
            Event::Complete | Event::Closed => return Followed::Dropped { heard },
        };
        match status {
            Ok(state) if state.active => {
                heard = true;
                expires_at = state.expires_at.as_deref().map(js_sys::Date::parse);
            }
            Ok(_) => {
                let before_expiry = expires_at.is_none_or(|at| js_sys::Date::now() < at);
                return Followed::Ended { before_expiry };
            }
            Err(ApiError::Unauthenticated) => return Followed::Refused,
            Err(_) => return Followed::Dropped { heard },
        }
    }
}

/// How long to wait before reconnecting after `failures` failures in a row:
/// at once the first time, then doubling up to half a minute.
fn retry_delay(failures: u32) -> std::time::Duration {
    let seconds = match failures {
        0 => 0,
        n => (1u64 << n.min(5)).min(30),
    };
    std::time::Duration::from_secs(seconds)
}

/// What a call that was refused as `UNAUTHENTICATED` should do next.
#[derive(Debug, PartialEq)]
enum Recovery {
    /// Another call or tab already refreshed: use the tokens it stored.
    Adopt(Tokens),
    /// Trade this refresh token for a new pair.
    Refresh(String),
    /// Nothing to refresh with: the session is over.
    SignOut,
}

/// Decides, from the tokens a call used and those now stored, how to recover.
fn recovery(used: Option<&Tokens>, stored: Option<&Tokens>) -> Recovery {
    match (used, stored) {
        (_, None) => Recovery::SignOut,
        (Some(used), Some(stored)) if used == stored => {
            Recovery::Refresh(stored.refresh_token.clone())
        }
        (None, Some(stored)) | (Some(_), Some(stored)) => Recovery::Adopt(stored.clone()),
    }
}

#[wasm_bindgen(inline_js = "
export function has_web_locks() {
  return typeof navigator !== 'undefined' && !!(navigator.locks && navigator.locks.request);
}
export function with_web_lock(name, work) {
  return navigator.locks.request(name, () => work());
}")]
extern "C" {
    fn has_web_locks() -> bool;
    fn with_web_lock(name: &str, work: &JsValue) -> js_sys::Promise;
}

thread_local! {
    static IN_TAB: Rc<futures::lock::Mutex<()>> = Rc::new(futures::lock::Mutex::new(()));
}

/// Runs `work` while holding the refresh lock of this tab and, where the
/// browser has the Web Locks API, of every tab of this origin. `None` if the
/// browser refused the lock before the work could run.
async fn exclusive<T: 'static>(work: impl Future<Output = T> + 'static) -> Option<T> {
    let mutex = IN_TAB.with(Rc::clone);
    let _in_tab = mutex.lock().await;
    if !has_web_locks() {
        return Some(work.await);
    }
    let (done, result) = futures::channel::oneshot::channel();
    let run = Closure::once_into_js(move || {
        wasm_bindgen_futures::future_to_promise(async move {
            let _ = done.send(work.await);
            Ok(JsValue::UNDEFINED)
        })
    });
    // The lock's promise settles after the work's, so its result is ready by
    // now, unless the request failed before running it.
    let _ = wasm_bindgen_futures::JsFuture::from(with_web_lock("auth-refresh", &run)).await;
    futures::FutureExt::now_or_never(result).and_then(Result::ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> User {
        User {
            id: "1".into(),
            email: "ada@example.org".into(),
            username: "ada".into(),
            full_name: Some("Ada Lovelace".into()),
            is_admin: false,
            email_verified: true,
            locale: "en".into(),
            mfa_required: false,
            mfa_enrollment_required: false,
        }
    }

    fn tokens(n: u8) -> Tokens {
        Tokens {
            access_token: format!("a{n}"),
            refresh_token: format!("r{n}"),
        }
    }

    #[test]
    fn names_and_initials() {
        assert_eq!(ada().display_name(), "Ada Lovelace");
        assert_eq!(ada().initials(), "AL");
        let plain = User {
            full_name: Some("  ".into()),
            ..ada()
        };
        assert_eq!(plain.display_name(), "ada");
        // The avatar capitalises it.
        assert_eq!(plain.initials(), "a");
    }

    #[test]
    fn stored_session_round_trips_through_json() {
        let auth = AuthState {
            user: Some(ada()),
            tokens: Some(Tokens {
                access_token: "a".into(),
                refresh_token: "r".into(),
            }),
            signed_out: None,
        };
        let json = serde_json::to_string(&auth).unwrap();
        // The e2e tests read the refresh token under this name.
        assert!(json.contains(r#""refresh_token":"r""#));
        assert_eq!(serde_json::from_str::<AuthState>(&json).unwrap(), auth);
    }

    #[test]
    fn a_session_stored_before_verification_and_locale_still_loads() {
        let old = r#"{"user":{"id":"1","email":"ada@example.org","username":"ada",
            "full_name":null,"is_admin":false},"tokens":{"access_token":"a","refresh_token":"r"}}"#;
        let auth: AuthState = serde_json::from_str(old).unwrap();
        assert!(auth.is_signed_in());
        let user = auth.user.unwrap();
        assert!(!user.email_verified);
        // Stored before second factors: the next `me` tells.
        assert!(!user.mfa_required && !user.mfa_enrollment_required);
    }

    #[test]
    fn why_a_session_ended_is_stored_only_while_signed_out() {
        let ended = AuthState {
            signed_out: Some(SignedOut::Elsewhere),
            ..AuthState::default()
        };
        let json = serde_json::to_string(&ended).unwrap();
        assert_eq!(
            json,
            r#"{"user":null,"tokens":null,"signed_out":"elsewhere"}"#
        );
        assert!(!ended.is_signed_in());
        let signed_in = serde_json::to_string(&AuthState {
            user: Some(ada()),
            tokens: Some(tokens(1)),
            signed_out: None,
        })
        .unwrap();
        assert!(!signed_in.contains("signed_out"));
    }

    #[test]
    fn reconnecting_backs_off_to_half_a_minute() {
        let delays: Vec<u64> = (0..8).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(delays, [0, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn a_refused_call_refreshes_with_the_tokens_it_used() {
        let t = tokens(1);
        assert_eq!(recovery(Some(&t), Some(&t)), Recovery::Refresh("r1".into()));
    }

    #[test]
    fn a_call_that_lost_the_race_adopts_the_newer_tokens() {
        assert_eq!(
            recovery(Some(&tokens(1)), Some(&tokens(2))),
            Recovery::Adopt(tokens(2))
        );
        assert_eq!(recovery(None, Some(&tokens(2))), Recovery::Adopt(tokens(2)));
    }

    #[test]
    fn without_stored_tokens_the_session_is_over() {
        assert_eq!(recovery(Some(&tokens(1)), None), Recovery::SignOut);
        assert_eq!(recovery(None, None), Recovery::SignOut);
    }
}
