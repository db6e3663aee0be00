//! Access tokens other services can verify alone: EdDSA and ES256 keys, the
//! JWK Set at `/.well-known/jwks.json`, rotation by `kid`, and RFC 7662
//! introspection for those that must see a sign-out at once.

use std::path::PathBuf;
use std::str::FromStr;

use base64::Engine as _;
use jsonwebtoken::jwk::{JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use service::auth::tokens::generate_key;
use service::config::{Config, IntrospectionClient, TokenAlgorithm};
use sha2::{Digest, Sha256};

use crate::helpers::{Engine, TestApp, assert_no_errors, error_code, tokens};

/// A signing key in a PEM file of its own, removed when dropped.
struct KeyFile {
    algorithm: TokenAlgorithm,
    path: PathBuf,
    pem: String,
    kid: String,
}

impl KeyFile {
    fn new(algorithm: TokenAlgorithm) -> Self {
        let (pem, kid) = generate_key(algorithm).unwrap();
        let path = std::env::temp_dir().join(format!("signing-key-{}.pem", uuid::Uuid::new_v4()));
        std::fs::write(&path, pem.as_bytes()).unwrap();
        Self {
            algorithm,
            path,
            pem: pem.to_string(),
            kid,
        }
    }

    /// The private key as jsonwebtoken takes it, to forge with.
    fn encoding_key(&self) -> EncodingKey {
        let body: String = self
            .pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap();
        match self.algorithm {
            TokenAlgorithm::EdDsa => EncodingKey::from_ed_der(&der),
            _ => EncodingKey::from_ec_der(&der),
        }
    }

    fn jwt_algorithm(&self) -> Algorithm {
        match self.algorithm {
            TokenAlgorithm::EdDsa => Algorithm::EdDSA,
            _ => Algorithm::ES256,
        }
    }
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `current` signs; `verify_only` verify and are published.
fn signed_by(current: &KeyFile, verify_only: &[&KeyFile]) -> impl FnOnce(&mut Config) + use<> {
    let (algorithm, path) = (current.algorithm, current.path.clone());
    let others: Vec<PathBuf> = verify_only.iter().map(|key| key.path.clone()).collect();
    move |config| {
        config.access_token_algorithm = algorithm;
        config.access_token_signing_key_file = Some(path);
        config.access_token_verify_only_key_files = others;
    }
}

/// The JWK Set as a verifier fetches it, checking how it may be cached.
async fn published(app: &TestApp) -> (JwkSet, Value) {
    let response = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(
        header("cache-control").as_deref(),
        Some("public, max-age=300")
    );
    let raw: Value = response.json().await.unwrap();
    for key in raw["keys"].as_array().unwrap() {
        assert!(key.get("d").is_none(), "a private key published: {key}");
    }
    (serde_json::from_value(raw.clone()).unwrap(), raw)
}

fn kids(set: &JwkSet) -> Vec<&str> {
    set.keys
        .iter()
        .map(|jwk| jwk.common.key_id.as_deref().unwrap())
        .collect()
}

/// What another service does with only the JWK Set: the key the token
/// names, the algorithm that key states, the issuer and audience.
fn verify_outside(set: &JwkSet, token: &str) -> Option<Value> {
    let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
    let jwk = set.find(&kid)?;
    let algorithm = Algorithm::from_str(&jwk.common.key_algorithm?.to_string()).ok()?;
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&["auth-service"]);
    validation.set_audience(&["auth-service"]);
    let key = DecodingKey::from_jwk(jwk).ok()?;
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .ok()
        .map(|data| data.claims)
}

fn kid_of(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).unwrap().kid
}

async fn signed_in(app: &TestApp, email: &str) -> String {
    app.login_ok(email).await
}

async fn assert_accepted(app: &TestApp, token: &str) {
    assert_no_errors(&app.me(Some(token)).await);
}

async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let me = app.me(Some(token)).await;
    assert!(me.get("errors").is_some(), "{what}: accepted: {me}");
    assert_eq!(error_code(&me).0, "UNAUTHENTICATED", "{what}: {me}");
}

async fn published_keys_verify_tokens(engine: Engine, algorithm: TokenAlgorithm) {
    let key = KeyFile::new(algorithm);
    let app = TestApp::spawn_with(engine, signed_by(&key, &[])).await;
    let registered = app.register_ok("ada@example.org", "ada").await;
    let (access, _) = tokens(&registered);
    assert_accepted(&app, &access).await;

    let header = jsonwebtoken::decode_header(&access).unwrap();
    assert_eq!(header.alg, key.jwt_algorithm());
    assert_eq!(header.kid.as_deref(), Some(key.kid.as_str()));
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));

    let (set, raw) = published(&app).await;
    assert_eq!(kids(&set), [key.kid.as_str()]);
    let jwk = &set.keys[0];
    assert_eq!(jwk.common.public_key_use, Some(PublicKeyUse::Signature));
    // The kid is the key's RFC 7638 thumbprint, as jsonwebtoken computes it.
    assert_eq!(jwk.thumbprint(ThumbprintHash::SHA256).unwrap(), key.kid);
    match algorithm {
        TokenAlgorithm::EdDsa => {
            assert_eq!(
                (&raw["keys"][0]["kty"], &raw["keys"][0]["crv"]),
                (&json!("OKP"), &json!("Ed25519"))
            );
            assert_eq!(raw["keys"][0]["alg"], "EdDSA");
        }
        _ => {
            assert_eq!(
                (&raw["keys"][0]["kty"], &raw["keys"][0]["crv"]),
                (&json!("EC"), &json!("P-256"))
            );
            assert!(raw["keys"][0]["y"].is_string());
            assert_eq!(raw["keys"][0]["alg"], "ES256");
        }
    }

    let claims = verify_outside(&set, &access).expect("verifies with the JWK Set alone");
    assert_eq!(claims["sub"], registered["user"]["id"]);
    assert!(claims["sid"].is_string());
    // A token of another service's key does not verify here or outside.
    let stranger = KeyFile::new(algorithm);
    let forged = jsonwebtoken::encode(
        &Header {
            kid: Some(key.kid.clone()),
            typ: Some("at+jwt".into()),
            ..Header::new(key.jwt_algorithm())
        },
        &claims,
        &stranger.encoding_key(),
    )
    .unwrap();
    assert!(verify_outside(&set, &forged).is_none());
    assert_refused(&app, &forged, "signed by a stranger under our kid").await;
}

async fn eddsa_tokens_verify_with_the_published_keys_alone(engine: Engine) {
    published_keys_verify_tokens(engine, TokenAlgorithm::EdDsa).await;
}

async fn es256_tokens_verify_with_the_published_keys_alone(engine: Engine) {
    published_keys_verify_tokens(engine, TokenAlgorithm::Es256).await;
}

/// The documented rotation: publish the next key, make it current with the
/// old one verify-only, then drop the old one. Nobody is signed out on the
/// way; a token of the dropped key is refused. From ES256 to EdDSA, which
/// changing the algorithm takes the same way.
async fn rotation_keeps_earlier_tokens_and_signs_with_the_new_key(engine: Engine) {
    let old = KeyFile::new(TokenAlgorithm::Es256);
    let new = KeyFile::new(TokenAlgorithm::EdDsa);
    let app = TestApp::spawn_with(engine, signed_by(&old, &[])).await;
    app.register_ok("ada@example.org", "ada").await;
    let early = signed_in(&app, "ada@example.org").await;
    assert_eq!(kid_of(&early).as_deref(), Some(old.kid.as_str()));

    // 1. The next key published, not yet signing.
    let staged = app.replica_with(signed_by(&old, &[&new])).await;
    assert_eq!(
        kids(&published(&staged).await.0),
        [old.kid.as_str(), new.kid.as_str()]
    );
    let still_old = signed_in(&staged, "ada@example.org").await;
    assert_eq!(kid_of(&still_old).as_deref(), Some(old.kid.as_str()));

    // 2. The new key signs; the old one still verifies.
    let rotated = app.replica_with(signed_by(&new, &[&old])).await;
    let (set, _) = published(&rotated).await;
    assert_eq!(kids(&set), [new.kid.as_str(), old.kid.as_str()]);
    assert_accepted(&rotated, &early).await;
    let late = signed_in(&rotated, "ada@example.org").await;
    assert_eq!(kid_of(&late).as_deref(), Some(new.kid.as_str()));
    assert_eq!(
        jsonwebtoken::decode_header(&late).unwrap().alg,
        Algorithm::EdDSA
    );
    assert!(verify_outside(&set, &early).is_some() && verify_outside(&set, &late).is_some());

    // 3. The old key dropped: its tokens are refused, here and outside.
    let dropped = app.replica_with(signed_by(&new, &[])).await;
    let (set, _) = published(&dropped).await;
    assert_eq!(kids(&set), [new.kid.as_str()]);
    assert_refused(&dropped, &early, "signed by a dropped key").await;
    assert!(verify_outside(&set, &early).is_none());
    assert_accepted(&dropped, &late).await;
}

/// The same claims, signed by the current key itself, are refused unless
/// the header names that key: an unknown `kid`, none, or a swap to HS256
/// keyed with the public key (RFC 8725 section 2.1).
async fn tokens_naming_no_key_of_ours_are_refused(engine: Engine) {
    let key = KeyFile::new(TokenAlgorithm::EdDsa);
    let app = TestApp::spawn_with(engine, signed_by(&key, &[])).await;
    app.register_ok("ada@example.org", "ada").await;
    let access = signed_in(&app, "ada@example.org").await;
    let (set, raw) = published(&app).await;
    let claims = verify_outside(&set, &access).unwrap();
    let sign = |kid: Option<&str>| {
        let header = Header {
            kid: kid.map(str::to_owned),
            typ: Some("at+jwt".into()),
            ..Header::new(Algorithm::EdDSA)
        };
        jsonwebtoken::encode(&header, &claims, &key.encoding_key()).unwrap()
    };

    // Re-signed with the right kid: accepted, so what follows is refused
    // for its header alone.
    assert_accepted(&app, &sign(Some(&key.kid))).await;
    assert_refused(&app, &sign(Some("not-a-key-of-ours")), "an unknown kid").await;
    assert_refused(&app, &sign(None), "no kid").await;

    let public = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw["keys"][0]["x"].as_str().unwrap())
        .unwrap();
    for secret in [public.as_slice(), raw.to_string().as_bytes()] {
        let confused = jsonwebtoken::encode(
            &Header {
                kid: Some(key.kid.clone()),
                typ: Some("at+jwt".into()),
                ..Header::new(Algorithm::HS256)
            },
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap();
        assert_refused(&app, &confused, "HS256 keyed with the public key").await;
    }
}

/// HS256's key is the secret: nothing is published, and its tokens name no
/// key.
async fn hs256_publishes_no_keys(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let response = app
        .http
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body = response.text().await.unwrap();
    assert!(!body.contains("\"k\""), "{body}");
    let registered = app.register_ok("ada@example.org", "ada").await;
    let header = jsonwebtoken::decode_header(tokens(&registered).0).unwrap();
    assert_eq!((header.alg, header.kid), (Algorithm::HS256, None));
}

const CLIENT: &str = "billing";
const CLIENT_SECRET: &str = "5f0c6a1e2b7d48c39a0e6f1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3";

fn with_introspection_client(config: &mut Config) {
    config.introspection_clients = vec![IntrospectionClient {
        id: CLIENT.into(),
        secret_sha256: Sha256::digest(CLIENT_SECRET.as_bytes()).into(),
    }];
}

/// Posts an introspection request as `credentials` (Basic), if any.
async fn introspect(
    app: &TestApp,
    credentials: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .http
        .post(app.url("/oauth/introspect"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(form).unwrap());
    if let Some((id, secret)) = credentials {
        request = request.basic_auth(id, Some(secret));
    }
    request.send().await.unwrap()
}

/// The answer to the configured client, checked to be uncacheable.
async fn introspected(app: &TestApp, token: &str) -> Value {
    let response = introspect(app, Some((CLIENT, CLIENT_SECRET)), &[("token", token)]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    response.json().await.unwrap()
}

async fn introspection_refuses_callers_that_do_not_prove_themselves(engine: Engine) {
    let app = TestApp::spawn_with(engine, with_introspection_client).await;
    let registered = app.register_ok("ada@example.org", "ada").await;
    let (access, _) = tokens(&registered);
    let token = [("token", access.as_str())];
    let wrong_secret = CLIENT_SECRET.replace('5', "6");
    let refusals: [(&str, reqwest::RequestBuilder); 6] = [
        (
            "no credentials",
            app.http.post(app.url("/oauth/introspect")),
        ),
        (
            "a wrong secret",
            app.http
                .post(app.url("/oauth/introspect"))
                .basic_auth(CLIENT, Some(&wrong_secret)),
        ),
        (
            "an unknown client with the secret",
            app.http
                .post(app.url("/oauth/introspect"))
                .basic_auth("reports", Some(CLIENT_SECRET)),
        ),
        (
            "no secret",
            app.http
                .post(app.url("/oauth/introspect"))
                .basic_auth(CLIENT, None::<&str>),
        ),
        (
            "the access token as a bearer",
            app.http
                .post(app.url("/oauth/introspect"))
                .bearer_auth(&access),
        ),
        (
            "the secret's hash as the secret",
            app.http.post(app.url("/oauth/introspect")).basic_auth(
                CLIENT,
                Some(hex::encode(Sha256::digest(CLIENT_SECRET.as_bytes()))),
            ),
        ),
    ];
    for (what, request) in refusals {
        let response = request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(token).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{what}");
        let challenge = response.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with("Basic realm="), "{what}: {challenge}");
        let body = response.text().await.unwrap();
        assert_eq!(body, r#"{"error":"invalid_client"}"#, "{what}");
    }
    // And the right one is answered, so the refusals above were for the
    // caller alone.
    assert_eq!(introspected(&app, &access).await["active"], true);
}

async fn introspection_answers_for_live_tokens_and_not_after_logout(engine: Engine) {
    let app = TestApp::spawn_with(engine, with_introspection_client).await;
    let registered = app.register_ok("ada@example.org", "ada").await;
    let (access, refresh) = tokens(&registered);

    let live = introspected(&app, &access).await;
    assert_eq!(live["active"], true, "{live}");
    assert_eq!(live["sub"], registered["user"]["id"]);
    assert_eq!(live["username"], "ada");
    assert_eq!(live["role"], "user");
    assert_eq!(live["token_type"], "Bearer");
    assert_eq!(live["aal"], 1);
    assert_eq!(live["iss"], "auth-service");
    assert!(live["sid"].is_string() && live["jti"].is_string());
    assert_eq!(
        live["exp"].as_i64().unwrap() - live["iat"].as_i64().unwrap(),
        15 * 60
    );
    let hinted = introspect(
        &app,
        Some((CLIENT, CLIENT_SECRET)),
        &[("token", &access), ("token_type_hint", "access_token")],
    )
    .await;
    assert_eq!(hinted.json::<Value>().await.unwrap()["active"], true);

    let inactive = json!({ "active": false });
    assert_eq!(
        introspected(&app, &refresh).await,
        inactive,
        "a refresh token"
    );
    assert_eq!(introspected(&app, "not-a-token").await, inactive);
    let missing = introspect(&app, Some((CLIENT, CLIENT_SECRET)), &[("tok", &access)]).await;
    assert_eq!(missing.status(), 400);

    // Signed out: the token has not expired, and is inactive at once.
    let logout = app
        .gql(
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": refresh }),
            None,
        )
        .await;
    assert_no_errors(&logout);
    assert_eq!(introspected(&app, &access).await, inactive, "after logout");

    // Expired, its session still live: 16 minutes on the service's clock
    // after it was issued, beside one issued 2 minutes later. `me` agrees.
    let expired = signed_in(&app, "ada@example.org").await;
    app.clock.advance(chrono::Duration::minutes(2));
    let unexpired = signed_in(&app, "ada@example.org").await;
    app.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(introspected(&app, &unexpired).await["active"], true);
    assert_eq!(introspected(&app, &expired).await, inactive, "expired");
    assert_no_errors(&app.me(Some(&unexpired)).await);
    let refused = app.me(Some(&expired)).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );
}

on_both_engines!(
    eddsa_tokens_verify_with_the_published_keys_alone,
    es256_tokens_verify_with_the_published_keys_alone,
    rotation_keeps_earlier_tokens_and_signs_with_the_new_key,
    tokens_naming_no_key_of_ours_are_refused,
    hs256_publishes_no_keys,
    introspection_refuses_callers_that_do_not_prove_themselves,
    introspection_answers_for_live_tokens_and_not_after_logout,
);
