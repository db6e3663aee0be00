//! The migrations produce the specified tables on both engines, and the
//! committed `schema.graphql` matches the code.

use crate::helpers::{Engine, TestApp};
use chrono::{DateTime, Utc};
use service::storage::{Database, Pools};
use service::with_pool;
use uuid::Uuid;

on_both_engines!(
    migrations_create_the_specified_columns,
    defaults_checks_and_unique_indexes_hold,
    sessions_cascade_with_their_user,
    updated_at_follows_every_change,
    migrate_is_idempotent,
    a_user_and_its_first_session_are_stored_together,
);

#[test]
fn schema_graphql_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).expect("schema.graphql exists");
    assert!(
        committed == service::graphql::sdl(),
        "schema.graphql differs from the schema in the code; run `just schema` and commit it"
    );
}

/// (name, nullable) of every column, in table order.
async fn columns(db: &Database, table: &'static str) -> Vec<(String, bool)> {
    match db.pools() {
        Pools::Postgres(pool) => sqlx::query_as::<_, (String, String)>(
            "SELECT column_name::text, is_nullable::text FROM information_schema.columns
             WHERE table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .map(|(name, nullable)| (name, nullable == "YES"))
        .collect(),
        Pools::Sqlite { pool, .. } => sqlx::query_as::<_, (String, i64, i64)>(
            "SELECT name, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(table)
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .map(|(name, not_null, pk)| (name, not_null == 0 && pk == 0))
        .collect(),
    }
}

async fn migrations_create_the_specified_columns(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let expect = |cols: &[(&str, bool)]| -> Vec<(String, bool)> {
        cols.iter()
            .map(|(n, null)| (n.to_string(), *null))
            .collect()
    };
    assert_eq!(
        columns(&app.db, "users").await,
        expect(&[
            ("id", false),
            ("email", false),
            ("username", false),
            ("hashed_password", false),
            ("full_name", true),
            ("role", false),
            ("is_active", false),
            ("max_chats", false),
            ("oauth_provider", true),
            ("oauth_provider_id", true),
            ("telegram_chat_id", true),
            ("avatar_url", true),
            ("created_at", false),
            ("updated_at", false),
            ("email_verified", false),
            ("locale", false),
            ("signin_locked_at", true),
            ("audit_id", false),
            ("last_sign_in_at", true),
            ("mfa_enabled", false),
        ])
    );
    assert_eq!(
        columns(&app.db, "sessions").await,
        expect(&[
            ("id", false),
            ("user_id", false),
            ("refresh_token_hash", false),
            ("previous_token_hash", true),
            ("rotated_at", true),
            ("device_info", true),
            ("ip_address", true),
            ("expires_at", false),
            ("created_at", false),
            ("aal", false),
            ("auth_time", false),
        ])
    );
    assert_eq!(
        columns(&app.db, "totp_factors").await,
        expect(&[
            ("user_id", false),
            ("sealed_secret", false),
            ("confirmed_at", true),
            ("last_used_step", true),
            ("created_at", false),
        ])
    );
    assert_eq!(
        columns(&app.db, "recovery_codes").await,
        expect(&[
            ("user_id", false),
            ("code_hash", false),
            ("used_at", true),
            ("created_at", false),
        ])
    );
    assert_eq!(
        columns(&app.db, "passkeys").await,
        expect(&[
            ("id", false),
            ("user_id", false),
            ("credential_id", false),
            ("name", false),
            ("passkey", false),
            ("created_at", false),
            ("last_used_at", true),
            ("sign_count", false),
        ])
    );
    assert_eq!(
        columns(&app.db, "login_throttle").await,
        expect(&[("key", false), ("attempts", false), ("window_start", false)])
    );
    assert_eq!(
        columns(&app.db, "retired_refresh_tokens").await,
        expect(&[
            ("token_hash", false),
            ("session_id", false),
            ("retired_at", false)
        ])
    );
    assert_eq!(
        columns(&app.db, "email_tokens").await,
        expect(&[
            ("token_hash", false),
            ("user_id", false),
            ("purpose", false),
            ("created_at", false),
            ("expires_at", false),
        ])
    );
    assert_eq!(
        columns(&app.db, "mail_outbox").await,
        expect(&[
            ("id", false),
            ("recipient", false),
            ("subject", false),
            ("text_body", false),
            ("html_body", false),
            ("kind", false),
            ("created_at", false),
            ("attempts", false),
            ("next_attempt_at", false),
            ("claimed_until", true),
            ("sent_at", true),
            ("failed_at", true),
            ("last_error", true),
        ])
    );
    assert_eq!(
        columns(&app.db, "known_user_agents").await,
        expect(&[
            ("user_id", false),
            ("user_agent_hash", false),
            ("first_seen_at", false),
        ])
    );
    if let Pools::Postgres(pool) = app.db.pools() {
        let types: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_name IN ('users', 'sessions')
               AND column_name IN ('id', 'user_id', 'telegram_chat_id', 'created_at', 'expires_at', 'is_active')
             ORDER BY table_name, column_name",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let types: Vec<_> = types.iter().map(|(c, t)| format!("{c}:{t}")).collect();
        assert_eq!(
            types,
            [
                "created_at:timestamp with time zone",
                "expires_at:timestamp with time zone",
                "id:uuid",
                "user_id:uuid",
                "created_at:timestamp with time zone",
                "id:uuid",
                "is_active:boolean",
                "telegram_chat_id:bigint",
            ]
        );
    }
    let indexes: Vec<String> = with_pool!(&app.db, |pool| {
        let sql = match engine {
            Engine::Postgres => "SELECT indexname::text FROM pg_indexes WHERE indexname LIKE 'ix_%' ORDER BY 1",
            Engine::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%' ORDER BY 1",
        };
        sqlx::query_scalar(sql).fetch_all(pool).await
    })
    .unwrap();
    assert_eq!(
        indexes,
        [
            "ix_auth_events_block",
            "ix_auth_events_occurred_at",
            "ix_auth_events_subject",
            "ix_auth_events_unsealed",
            "ix_email_tokens_user",
            "ix_login_throttle_window_start",
            "ix_mail_outbox_due",
            "ix_mail_outbox_finished",
            "ix_passkeys_credential_id",
            "ix_passkeys_user_id",
            "ix_retired_refresh_tokens_session_id",
            "ix_sessions_refresh_token_hash",
            "ix_sessions_user_id",
            "ix_users_audit_id",
            "ix_users_email",
            "ix_users_username",
            "ix_webauthn_challenges_expires_at",
        ]
    );
}

/// role, is_active, max_chats, full_name, telegram_chat_id, avatar_url,
/// email_verified, locale
type Defaults = (
    String,
    bool,
    i32,
    Option<String>,
    Option<i64>,
    Option<String>,
    bool,
    String,
);

/// Inserts a user with only the required columns; returns its id.
async fn insert_user(
    app: &TestApp,
    email: &str,
    username: &str,
    role: Option<&str>,
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::new_v4();
    service::with_writer!(&app.db, |pool| {
        sqlx::query(
            "INSERT INTO users (id, email, username, hashed_password, role)
             VALUES ($1, $2, $3, 'x', COALESCE($4, 'user'))",
        )
        .bind(id)
        .bind(email)
        .bind(username)
        .bind(role)
        .execute(pool)
        .await
        .map(|_| id)
    })
}

async fn defaults_checks_and_unique_indexes_hold(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let id = insert_user(&app, "ada@example.org", "ada", None)
        .await
        .unwrap();
    let defaults: Defaults = with_pool!(&app.db, |pool| sqlx::query_as(
        "SELECT role, is_active, max_chats, full_name, telegram_chat_id, avatar_url,
                email_verified, locale
             FROM users WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(
        defaults,
        (
            "user".into(),
            true,
            10,
            None,
            None,
            None,
            false,
            "en".into()
        )
    );

    let refused = [
        (
            "role outside user/admin",
            insert_user(&app, "b@example.org", "bob", Some("root")).await,
        ),
        (
            "username under 3",
            insert_user(&app, "c@example.org", "cy", None).await,
        ),
        (
            "duplicate email",
            insert_user(&app, "ada@example.org", "ada2", None).await,
        ),
        (
            "username in another case",
            insert_user(&app, "d@example.org", "ADA", None).await,
        ),
    ];
    for (case, result) in refused {
        assert!(result.is_err(), "{case} was accepted");
    }
    assert_eq!(app.count("users").await, 1);
}

async fn sessions_cascade_with_their_user(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register_ok("ada@example.org", "ada").await;
    app.login("ada@example.org", crate::helpers::PASSWORD, true)
        .await;
    assert_eq!(app.count("sessions").await, 2);
    let orphan = with_pool!(&app.db, |pool| {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, refresh_token_hash, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(Uuid::new_v4())
        .bind(Uuid::new_v4())
        .bind("f".repeat(64))
        .bind(chrono::Utc::now())
        .execute(pool)
        .await
        .map(|_| ())
    });
    assert!(orphan.is_err(), "a session needs an existing user");
    assert_eq!(app.count("sessions").await, 2);
    app.execute("DELETE FROM users").await.unwrap();
    assert_eq!(app.count("sessions").await, 0);
}

async fn updated_at_follows_every_change(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let id = insert_user(&app, "ada@example.org", "ada", None)
        .await
        .unwrap();
    let before = timestamps(&app, id).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // A change that does not mention updated_at: the trigger must keep it current.
    app.execute("UPDATE users SET full_name = 'Ada Lovelace'")
        .await
        .unwrap();
    let after = timestamps(&app, id).await;
    assert!(after.1 > before.1, "{before:?} -> {after:?}");
    assert_eq!(after.0, before.0);
}

/// A user's `(created_at, updated_at)`.
async fn timestamps(app: &TestApp, id: Uuid) -> (DateTime<Utc>, DateTime<Utc>) {
    with_pool!(&app.db, |pool| sqlx::query_as(
        "SELECT created_at, updated_at FROM users WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)
    .unwrap()
}

async fn migrate_is_idempotent(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.register_ok("ada@example.org", "ada").await;
    app.db.migrate().await.unwrap();
    app.db.migrate().await.unwrap();
    assert_eq!(app.count("users").await, 1);
}

async fn a_user_and_its_first_session_are_stored_together(engine: Engine) {
    use service::domain::{
        Aal, ClientInfo, Email, LinkPurpose, Locale, Mail, MailKind, NewLink, PasswordHash, Role,
        Username,
    };
    use service::storage::{sessions::NewSession, users};
    let app = TestApp::spawn(engine).await;
    let (email, username) = (
        Email::parse("ada@example.org").unwrap(),
        Username::parse("ada").unwrap(),
    );
    let password_hash = PasswordHash::new("x".into());
    let user = users::NewUser {
        email: &email,
        username: &username,
        password_hash: &password_hash,
        full_name: None,
        role: Role::User,
        locale: Locale::En,
    };
    let client = ClientInfo::default();
    let session = |hash| NewSession {
        refresh_token_hash: hash,
        client: &client,
        lifetime: chrono::Duration::hours(1),
        aal: Aal::One,
    };
    let now = app.clock.now();
    let mail = Mail {
        to: email.as_str().into(),
        subject: "Confirm".into(),
        text: "link".into(),
        html: "<p>link</p>".into(),
        kind: MailKind::Verification,
    };
    let welcome = |hash: &str| users::Welcome {
        link: NewLink {
            token_hash: hash.into(),
            purpose: LinkPurpose::VerifyEmail,
            expires_at: now + chrono::Duration::hours(24),
        },
        mail: &mail,
    };
    let written = async || {
        let mut counts = Vec::new();
        for table in [
            "users",
            "sessions",
            "email_tokens",
            "mail_outbox",
            "auth_events",
        ] {
            counts.push(app.count(table).await);
        }
        counts
    };
    let hash = "a".repeat(64);
    let event = &service::domain::NewEvent::new(service::domain::AuditKind::Registered, None);
    // The session row is refused (its hash is not 64 characters), after the
    // user row was written in the same transaction: none may remain.
    let failed = users::insert_with_session(
        &app.db,
        &user,
        &session("too short"),
        &welcome(&hash),
        event,
        now,
    )
    .await;
    assert!(failed.is_err());
    // So is the link, after the user and the session were written.
    let failed = users::insert_with_session(
        &app.db,
        &user,
        &session(&hash),
        &welcome("short"),
        event,
        now,
    )
    .await;
    assert!(failed.is_err());
    assert_eq!(written().await, [0, 0, 0, 0, 0]);

    let (stored, first) =
        users::insert_with_session(&app.db, &user, &session(&hash), &welcome(&hash), event, now)
            .await
            .unwrap();
    assert_eq!(
        app.sessions_of(stored.id.as_uuid()).await[0].id,
        first.as_uuid()
    );
    assert_eq!(written().await, [1, 1, 1, 1, 1]);
}
