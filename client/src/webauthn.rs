//! Passkeys: the browser's half of a WebAuthn ceremony. The service hands
//! out options as JSON (base64url fields, as webauthn-rs writes them) and
//! takes the credential back as JSON, so the browser's own JSON conversions
//! do the work and only text crosses into Rust.

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::api::{ApiError, Assertion, PasskeyChallenge};

#[wasm_bindgen(inline_js = "
// webauthn-rs may write absent options as null, which the browser's
// dictionaries refuse; dropping them means the same.
const options = (text) => JSON.parse(text, (_, v) => (v === null ? undefined : v)).publicKey;
export function passkeys_supported() {
  return typeof PublicKeyCredential === 'function'
    && typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function'
    && typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function';
}
export async function create_passkey(text) {
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options(text));
  const credential = await navigator.credentials.create({ publicKey });
  return JSON.stringify(credential.toJSON());
}
export async function get_passkey(text) {
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options(text));
  const credential = await navigator.credentials.get({ publicKey });
  return JSON.stringify(credential.toJSON());
}")]
extern "C" {
    fn passkeys_supported() -> bool;
    #[wasm_bindgen(catch)]
    fn create_passkey(options: &str) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch)]
    fn get_passkey(options: &str) -> Result<js_sys::Promise, JsValue>;
}

/// Why a passkey ceremony did not end with a credential.
#[derive(Clone, Debug, PartialEq)]
pub enum PasskeyError {
    /// The service refused or failed.
    Api(ApiError),
    /// The person closed the browser's prompt, or it timed out (browsers
    /// say `NotAllowedError` for both, on purpose).
    Cancelled,
    /// This authenticator has a passkey for this account already.
    Duplicate,
    /// This browser cannot do passkeys (or parse the options as JSON).
    Unsupported,
    /// Anything else the browser threw.
    Failed,
}

impl PasskeyError {
    pub fn message_id(&self) -> &'static str {
        match self {
            Self::Api(error) => error.message_id(),
            Self::Cancelled => "error-passkey-cancelled",
            Self::Duplicate => "error-passkey-duplicate",
            Self::Unsupported => "error-passkey-unsupported",
            Self::Failed => "error-passkey-failed",
        }
    }

    /// From the `name` of the DOMException the browser threw.
    fn from_dom_name(name: &str) -> Self {
        match name {
            "NotAllowedError" | "AbortError" => Self::Cancelled,
            "InvalidStateError" => Self::Duplicate,
            "NotSupportedError" | "SecurityError" => Self::Unsupported,
            _ => Self::Failed,
        }
    }
}

impl From<ApiError> for PasskeyError {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

/// Whether this browser can sign in and register with passkeys.
pub fn supported() -> bool {
    passkeys_supported()
}

/// Asks the browser to make a passkey for the registration `challenge`.
pub async fn create(challenge: PasskeyChallenge) -> Result<Assertion, PasskeyError> {
    ceremony(challenge, create_passkey).await
}

/// Asks the browser for a passkey's answer to the sign-in or verification
/// `challenge`.
pub async fn get(challenge: PasskeyChallenge) -> Result<Assertion, PasskeyError> {
    ceremony(challenge, get_passkey).await
}

async fn ceremony(
    challenge: PasskeyChallenge,
    run: fn(&str) -> Result<js_sys::Promise, JsValue>,
) -> Result<Assertion, PasskeyError> {
    if !supported() {
        return Err(PasskeyError::Unsupported);
    }
    let failed = |error: JsValue| {
        let name = js_sys::Reflect::get(&error, &JsValue::from_str("name"))
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        PasskeyError::from_dom_name(&name)
    };
    let options = challenge.options.to_string();
    let promise = run(&options).map_err(failed)?;
    let text = JsFuture::from(promise).await.map_err(failed)?;
    let credential = text
        .as_string()
        .and_then(|t| serde_json::from_str(&t).ok())
        .ok_or(PasskeyError::Failed)?;
    Ok(Assertion {
        challenge_id: challenge.id,
        credential,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browsers_refusals_have_messages() {
        assert_eq!(
            PasskeyError::from_dom_name("NotAllowedError"),
            PasskeyError::Cancelled
        );
        assert_eq!(
            PasskeyError::from_dom_name("InvalidStateError").message_id(),
            "error-passkey-duplicate"
        );
        assert_eq!(
            PasskeyError::from_dom_name("TypeError"),
            PasskeyError::Failed
        );
        assert_eq!(
            PasskeyError::from(ApiError::InvalidMfaCode).message_id(),
            "error-invalid-mfa-code"
        );
    }
}
