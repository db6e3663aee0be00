//! A software passkey: the authenticator and the browser around it, so that
//! the tests run whole WebAuthn ceremonies against the service instead of
//! stopping at what it refuses without one.
//!
//! It answers the options the service hands out with the JSON a browser's
//! `PublicKeyCredential.toJSON()` sends (what `client/src/webauthn.rs`
//! passes on): base64url without padding, "none" attestation, one P-256
//! (ES256) key. What a sign-in or verification signs is a [`Request`] a
//! test may alter first, to play a phishing site or a relayed answer; and
//! [`Authenticator::forger`] and `clone()` play a stolen id and a copied
//! key. The service must refuse those on its own: it cannot count on the
//! checks of an honest browser.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

// The authenticator data's flags (WebAuthn §6.1).
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const BACKED_UP: u8 = 0x10;
const ATTESTED_DATA: u8 = 0x40;

/// One passkey on one authenticator. `Clone` copies the private key with
/// its counter: the cloned device that signature counters exist to catch.
#[derive(Clone)]
pub struct Authenticator {
    key: SigningKey,
    credential_id: Vec<u8>,
    /// The account's handle from the registration options: a discoverable
    /// credential gives it back at sign-in, which is how the service finds
    /// the account without an email.
    user_handle: Vec<u8>,
    /// The page the ceremonies run on, as the browser reports it.
    origin: String,
    /// `None` for a synced passkey, which cannot keep one count across
    /// devices and reports 0 every time.
    counter: Option<u32>,
}

/// What the browser and authenticator put their names to: the rp id is
/// hashed into the authenticator data, the origin and challenge go into
/// the client data, and the signature covers both.
#[derive(Clone, Debug)]
pub struct Request {
    pub rp_id: String,
    /// base64url, as in the options.
    pub challenge: String,
    pub origin: String,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).expect("the OS has randomness");
    bytes
}

impl Authenticator {
    /// A passkey bound to its device (a security key, a laptop's chip),
    /// which counts its signatures, for pages at `origin`.
    pub fn new(origin: &str) -> Self {
        // Almost any 32 random bytes are a P-256 private key; the rare
        // exception (zero, or past the group order) is drawn again.
        let key = loop {
            if let Ok(key) = SigningKey::from_slice(&random::<32>()) {
                break key;
            }
        };
        Self {
            key,
            credential_id: random::<16>().to_vec(),
            user_handle: Vec::new(),
            origin: origin.to_owned(),
            counter: Some(0),
        }
    }

    /// A passkey synced between devices (a password manager's): backed up,
    /// and without a counter.
    pub fn synced(origin: &str) -> Self {
        Self {
            counter: None,
            ..Self::new(origin)
        }
    }

    /// Someone who knows this passkey's id and account (neither is secret)
    /// but not its key.
    pub fn forger(&self) -> Self {
        Self {
            key: Self::new(&self.origin).key,
            ..self.clone()
        }
    }

    /// What a browser on the right page makes of the service's options
    /// (`{"publicKey": ...}` of a `PasskeyChallenge`).
    pub fn request(&self, options: &Value) -> Request {
        let public_key = &options["publicKey"];
        // Registration names the relying party in `rp`, the others in `rpId`.
        let rp_id = public_key["rp"]["id"]
            .as_str()
            .or(public_key["rpId"].as_str())
            .expect("the options name the relying party");
        Request {
            rp_id: rp_id.to_owned(),
            challenge: public_key["challenge"].as_str().unwrap().to_owned(),
            origin: self.origin.clone(),
        }
    }

    /// `navigator.credentials.create()`: a new passkey for the account the
    /// registration options name.
    pub fn create(&mut self, options: &Value) -> Value {
        let user = options["publicKey"]["user"]["id"]
            .as_str()
            .expect("registration options name the account");
        self.user_handle = URL_SAFE_NO_PAD.decode(user).unwrap();
        let request = self.request(options);
        let point = self.key.verifying_key().to_encoded_point(false);
        // The public key as a COSE_Key: EC2 (1: 2), ES256 (3: -7), on P-256
        // (-1: 1), with its coordinates (-2, -3).
        let cose_key = Cbor::Map(
            [
                (1, Cbor::Integer(2)),
                (3, Cbor::Integer(-7)),
                (-1, Cbor::Integer(1)),
                (-2, Cbor::Bytes(point.x().unwrap().to_vec())),
                (-3, Cbor::Bytes(point.y().unwrap().to_vec())),
            ]
            .into_iter()
            .map(|(label, value)| (Cbor::Integer(label), value))
            .collect(),
        );
        let mut auth_data = self.auth_data(&request, ATTESTED_DATA);
        // The attested credential data: an AAGUID (zeros, as browsers send
        // when no attestation is asked for), the id, the key.
        auth_data.extend_from_slice(&[0; 16]);
        auth_data.extend_from_slice(&(self.credential_id.len() as u16).to_be_bytes());
        auth_data.extend_from_slice(&self.credential_id);
        auth_data.extend(serde_cbor_2::to_vec(&cose_key).unwrap());
        let attestation = Cbor::Map(
            [
                ("fmt", Cbor::Text("none".into())),
                ("attStmt", Cbor::Map(Default::default())),
                ("authData", Cbor::Bytes(auth_data)),
            ]
            .into_iter()
            .map(|(name, value)| (Cbor::Text(name.into()), value))
            .collect(),
        );
        let client_data = client_data("webauthn.create", &request);
        self.credential(
            json!({
                "clientDataJSON": b64(&client_data),
                "attestationObject": b64(&serde_cbor_2::to_vec(&attestation).unwrap()),
                "transports": ["internal"],
            }),
            // The browser says the key is discoverable, as the service asked.
            json!({ "credProps": { "rk": true } }),
        )
    }

    /// `navigator.credentials.get()`: this passkey's answer to a sign-in's
    /// or a verification's options.
    pub fn get(&mut self, options: &Value) -> Value {
        let request = self.request(options);
        self.get_for(&request)
    }

    /// The same, for a request as given.
    pub fn get_for(&mut self, request: &Request) -> Value {
        // Each signature counts one more (registration reported the count
        // so far).
        if let Some(counter) = &mut self.counter {
            *counter += 1;
        }
        let auth_data = self.auth_data(request, 0);
        let client_data = client_data("webauthn.get", request);
        let signed = [&auth_data[..], &Sha256::digest(&client_data)].concat();
        // WebAuthn carries ES256 signatures DER-encoded, not as raw r || s.
        let signature: Signature = self.key.sign(&signed);
        self.credential(
            json!({
                "clientDataJSON": b64(&client_data),
                "authenticatorData": b64(&auth_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&self.user_handle),
            }),
            json!({}),
        )
    }

    /// The browser's `credential.toJSON()` around an authenticator's
    /// `response`, for registration and sign-in alike.
    fn credential(&self, response: Value, extensions: Value) -> Value {
        json!({
            "id": b64(&self.credential_id),
            "rawId": b64(&self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": response,
            "clientExtensionResults": extensions,
        })
    }

    /// The authenticator data up to the attested credential data: the rp
    /// id's hash, the flags, and the counter.
    fn auth_data(&self, request: &Request, extra_flags: u8) -> Vec<u8> {
        // Present and verified (a touch, and a PIN or a fingerprint): the
        // service requires both.
        let mut flags = USER_PRESENT | USER_VERIFIED | extra_flags;
        if self.counter.is_none() {
            flags |= BACKUP_ELIGIBLE | BACKED_UP;
        }
        let mut data = Sha256::digest(request.rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&self.counter.unwrap_or(0).to_be_bytes());
        data
    }
}

/// The client data as the browser serializes it (its hash is what the
/// authenticator signs, so the service must read these exact bytes).
fn client_data(kind: &str, request: &Request) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "type": kind,
        "challenge": request.challenge,
        "origin": request.origin,
        "crossOrigin": false,
    }))
    .unwrap()
}
