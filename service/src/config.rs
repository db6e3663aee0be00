//! Configuration, read from the environment (and `.env`) through clap, so that
//! `service --help` documents every variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::Duration;
use ipnet::IpNet;

/// Secrets shorter than this are refused in production: HS256 keys should carry
/// at least as many bytes as the hash output.
pub const MIN_SECRET_LEN: usize = 32;

/// The placeholder shipped in `.env.example`; running production with it would
/// let anyone who read the repository mint tokens.
pub const EXAMPLE_SECRET: &str = "change-me-to-a-long-random-string-of-at-least-32-bytes";

/// Used only in development when `SECRET_KEY` is unset, so a fresh clone runs.
const DEVELOPMENT_SECRET: &str = "development-only-secret-key-not-for-production-use";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MailDelivery {
    Smtp,
    Files,
    Log,
}

/// A preset of session rules; settings given on their own override it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthProfile {
    /// NIST 800-63B AAL2, as health data asks: a session ends after 30
    /// minutes unused and 12 hours at most.
    Health,
}

impl AuthProfile {
    fn idle_minutes(self) -> u32 {
        match self {
            Self::Health => 30,
        }
    }

    fn max_hours(self) -> u32 {
        match self {
            Self::Health => 12,
        }
    }
}

/// How access tokens are signed. HS256 uses `SECRET_KEY`, which only this
/// service may hold; with EdDSA or ES256 other services verify tokens with
/// the published public keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TokenAlgorithm {
    #[value(name = "HS256")]
    Hs256,
    #[value(name = "EdDSA")]
    EdDsa,
    #[value(name = "ES256")]
    Es256,
}

impl TokenAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::EdDsa => "EdDSA",
            Self::Es256 => "ES256",
        }
    }
}

impl std::fmt::Display for TokenAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service allowed to introspect tokens: its id, and the SHA-256 of its
/// secret (the secret itself is never configured here).
#[derive(Clone, PartialEq, Eq)]
pub struct IntrospectionClient {
    pub id: String,
    pub secret_sha256: [u8; 32],
}

impl std::fmt::Debug for IntrospectionClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionClient")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug, clap::Args)]
pub struct Config {
    /// `sqlite://path` (embedded, created when missing) or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/service.db")]
    pub database_url: String,

    /// Upper bound of pooled database connections.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", default_value_t = 10)]
    pub database_max_connections: u32,

    /// Memory for live sessions kept per replica, in MiB, so that a request
    /// on a warm session needs no database round trip; 0 turns it off. On
    /// PostgreSQL it takes two connections of its own besides the pool.
    #[arg(long, env = "SESSION_CACHE_MIB", default_value_t = 64)]
    pub session_cache_mib: u64,

    #[arg(long, env = "BIND_ADDR", default_value = "127.0.0.1:8000")]
    pub bind_addr: SocketAddr,

    /// Where to serve Prometheus metrics (`GET /metrics`), on a listener of
    /// their own that no proxy routes to; unset: no metrics. Anyone who can
    /// connect may read them: a loopback or private address only.
    #[arg(long, env = "METRICS_BIND_ADDR")]
    pub metrics_bind_addr: Option<SocketAddr>,

    /// HS256 signing key. Required in production (at least 32 bytes).
    #[arg(long, env = "SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    #[arg(long, env = "ENVIRONMENT", value_enum, default_value = "development")]
    pub environment: Environment,

    /// Directory of the built web client, served with an SPA fallback.
    #[arg(long, env = "STATIC_DIR")]
    pub static_dir: Option<PathBuf>,

    #[arg(long, env = "ACCESS_TOKEN_EXPIRE_MINUTES", default_value_t = 15)]
    pub access_token_expire_minutes: u32,

    /// How access tokens are signed: HS256 (with SECRET_KEY; only this
    /// service can verify them), or EdDSA or ES256 (with
    /// ACCESS_TOKEN_SIGNING_KEY_FILE; the public keys are published at
    /// /.well-known/jwks.json for other services).
    #[arg(
        long,
        env = "ACCESS_TOKEN_ALGORITHM",
        value_enum,
        ignore_case = true,
        default_value = "HS256"
    )]
    pub access_token_algorithm: TokenAlgorithm,

    /// The key that signs new access tokens with EdDSA or ES256: a PKCS#8
    /// PEM file (`service gen-signing-key --algorithm EdDSA > key.pem`).
    #[arg(long, env = "ACCESS_TOKEN_SIGNING_KEY_FILE")]
    pub access_token_signing_key_file: Option<PathBuf>,

    /// Comma-separated PKCS#8 PEM files of keys that verify access tokens and
    /// are published but sign nothing: the key being retired (until the
    /// tokens it signed have expired), or the next one, published before it
    /// signs so that other services' cached key sets know it.
    #[arg(
        long,
        env = "ACCESS_TOKEN_VERIFY_ONLY_KEY_FILES",
        value_delimiter = ','
    )]
    pub access_token_verify_only_key_files: Vec<PathBuf>,

    /// Who may call POST /oauth/introspect: comma-separated
    /// `client_id:sha256-hex-of-secret`, checked against HTTP Basic
    /// credentials (`service gen-introspection-client ID` makes one).
    /// None: every introspection call is refused.
    #[arg(long, env = "INTROSPECTION_CLIENTS", value_delimiter = ',',
          value_parser = parse_introspection_client, hide_env_values = true)]
    pub introspection_clients: Vec<IntrospectionClient>,

    /// Session lifetime when the user asked to be remembered.
    #[arg(long, env = "REFRESH_TOKEN_EXPIRE_DAYS", default_value_t = 30)]
    pub refresh_token_expire_days: u32,

    /// Session lifetime otherwise.
    #[arg(long, env = "REFRESH_TOKEN_EXPIRE_HOURS", default_value_t = 24)]
    pub refresh_token_expire_hours: u32,

    /// A session not refreshed for this long cannot be refreshed any more
    /// (unset: no idle limit, unless `AUTH_PROFILE` sets one).
    #[arg(long, env = "SESSION_IDLE_MINUTES",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub session_idle_minutes: Option<u32>,

    /// No session lasts longer than this, "remember me" included (unset: the
    /// refresh-token lifetimes alone, unless `AUTH_PROFILE` sets one).
    #[arg(long, env = "SESSION_MAX_HOURS",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub session_max_hours: Option<u32>,

    /// `health`: 30 minutes idle and 12 hours at most (NIST 800-63B AAL2).
    #[arg(long, env = "AUTH_PROFILE", value_enum)]
    pub auth_profile: Option<AuthProfile>,

    #[arg(long, env = "BCRYPT_COST", default_value_t = 12,
          value_parser = clap::value_parser!(u32).range(4..=31))]
    pub bcrypt_cost: u32,

    /// Comma-separated list of origins allowed by CORS (none by default).
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',', default_value = "")]
    pub cors_origins: Vec<String>,

    /// How long a WebSocket on /graphql/ws may stay open without sending
    /// `connection_init`; then it is closed with 4408 (graphql-transport-ws).
    #[arg(long, env = "WS_CONNECTION_INIT_TIMEOUT_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=300))]
    pub ws_connection_init_timeout_seconds: u32,

    #[arg(long, env = "LOG_FORMAT", value_enum, default_value = "pretty")]
    pub log_format: LogFormat,

    /// Serve GraphiQL and allow introspection and suggestions. Defaults to on in
    /// development and off in production.
    #[arg(long, env = "GRAPHQL_PLAYGROUND")]
    pub graphql_playground: Option<bool>,

    /// Comma-separated addresses or CIDR ranges of the proxies in front (the
    /// bundled nginx). Only a request from one of them has its client address
    /// taken from `X-Forwarded-For`; any other peer is the client itself.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<IpNet>,

    /// Sign-in attempts at one account from one client address in each
    /// window; a successful sign-in starts that count over. Someone guessing
    /// from one address is stopped, and the owner elsewhere is not.
    #[arg(long, env = "LOGIN_MAX_ATTEMPTS_PER_ACCOUNT_ADDRESS", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub login_max_attempts_per_account_address: u32,

    /// Sign-in attempts per client address in each window, at any accounts
    /// (several people may share one address).
    #[arg(long, env = "LOGIN_MAX_ATTEMPTS_PER_ADDRESS", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub login_max_attempts_per_address: u32,

    /// Length of the sign-in throttling window.
    #[arg(long, env = "LOGIN_WINDOW_SECONDS", default_value_t = 900,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub login_window_seconds: u32,

    /// Password checks of one account from all addresses together in an
    /// hour; past it, password sign-in is locked until the owner follows
    /// the unlock link mailed to them, or resets the password.
    #[arg(long, env = "LOGIN_LOCK_AFTER_ATTEMPTS", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub login_lock_after_attempts: u32,

    /// New accounts per client address in an hour.
    #[arg(long, env = "REGISTRATIONS_PER_ADDRESS_PER_HOUR", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub registrations_per_address_per_hour: u32,

    /// Password-reset and verification mails one account may ask for in an
    /// hour; past it, reset requests are still answered but send nothing.
    #[arg(long, env = "MAIL_REQUESTS_PER_ACCOUNT_PER_HOUR", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub mail_requests_per_account_per_hour: u32,

    /// Password-reset and verification requests per client address in an
    /// hour, for any accounts.
    #[arg(long, env = "MAIL_REQUESTS_PER_ADDRESS_PER_HOUR", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub mail_requests_per_address_per_hour: u32,

    /// How long after a rotation the previous refresh token is refused
    /// without ending the session (two tabs refreshing at once). Later, it
    /// counts as a replay and ends the session.
    #[arg(long, env = "REFRESH_REUSE_GRACE_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(0..=300))]
    pub refresh_reuse_grace_seconds: u32,

    /// `iss` and `aud` of issued access tokens, checked on every request.
    #[arg(long, env = "JWT_ISSUER", default_value = "auth-service")]
    pub jwt_issuer: String,

    /// Where people reach the web client; the links in mail start here.
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:8000")]
    pub public_url: String,

    /// SMTP server for outgoing mail: `smtp://host:25` (plain),
    /// `smtp://host:587?tls=required` (STARTTLS), `smtps://user:pass@host:465`.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of every message.
    #[arg(long, env = "MAIL_FROM", default_value = "Vitals <no-reply@localhost>")]
    pub mail_from: String,

    /// How mail leaves: `smtp` (needs SMTP_URL), `files` (.eml files in
    /// MAIL_OUTBOX_DIR, links logged) or `log` (logged without links: mail
    /// is not delivered). Defaults to smtp when SMTP_URL is set, otherwise to
    /// files in development; production without SMTP_URL refuses to start
    /// unless `log` is chosen on purpose.
    #[arg(long, env = "MAIL_DELIVERY", value_enum)]
    pub mail_delivery: Option<MailDelivery>,

    /// Where `files` delivery writes messages.
    #[arg(long, env = "MAIL_OUTBOX_DIR", default_value = "data/outbox")]
    pub mail_outbox_dir: PathBuf,

    /// How long a password-reset link works.
    #[arg(long, env = "PASSWORD_RESET_TTL_MINUTES", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(5..=1440))]
    pub password_reset_ttl_minutes: u32,

    /// How long an email-verification link works.
    #[arg(long, env = "EMAIL_VERIFICATION_TTL_HOURS", default_value_t = 24,
          value_parser = clap::value_parser!(u32).range(1..=168))]
    pub email_verification_ttl_hours: u32,

    /// How often stale rows are swept: expired sessions and their rotated
    /// refresh tokens, throttle windows that are over, expired links, and
    /// finished mail past MAIL_RETENTION_DAYS. 0 turns the sweep off.
    #[arg(long, env = "SWEEP_INTERVAL_SECONDS", default_value_t = 600)]
    pub sweep_interval_seconds: u32,

    /// Most rows one sweeping statement deletes; a sweep repeats it until
    /// fewer are left, so no statement holds locks for long.
    #[arg(long, env = "SWEEP_BATCH_SIZE", default_value_t = 1000,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub sweep_batch_size: u32,

    /// How long sent and failed mail stays in the outbox (sent mail keeps
    /// only its envelope: recipient, subject, kind, times).
    #[arg(long, env = "MAIL_RETENTION_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub mail_retention_days: u32,

    /// How long audit events are kept (six years by default, as HIPAA keeps
    /// its documentation). Sealed blocks whose events are all older are
    /// dropped whole, oldest first; the newest block always stays, so the
    /// chain has a head to verify against.
    #[arg(long, env = "AUDIT_RETENTION_DAYS", default_value_t = 2192,
          value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub audit_retention_days: u32,

    /// How often new audit events are sealed into the hash chain: an event is
    /// tamper-evident from then on. 0 turns sealing off (another replica may
    /// seal for this one).
    #[arg(long, env = "AUDIT_SEAL_INTERVAL_SECONDS", default_value_t = 10)]
    pub audit_seal_interval_seconds: u32,

    /// How recently a person must have proved themselves (signed in, passed
    /// a second factor, or `reauthenticate`d) to change their password or
    /// second factors, export or delete their data, or act as an admin.
    #[arg(long, env = "STEP_UP_WINDOW_SECONDS", default_value_t = 600,
          value_parser = clap::value_parser!(u32).range(30..=86_400))]
    pub step_up_window_seconds: u32,

    /// Admins must have a second factor: one without signs in only to set
    /// one up. Defaults to on in production, off in development.
    #[arg(long, env = "REQUIRE_ADMIN_MFA")]
    pub require_admin_mfa: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("SECRET_KEY must be set in production")]
    MissingSecret,
    #[error("SECRET_KEY must be at least {MIN_SECRET_LEN} bytes in production")]
    ShortSecret,
    #[error(
        "no SMTP_URL: production needs a mail server, or MAIL_DELIVERY=log to run without mail"
    )]
    MissingSmtp,
    #[error(
        "without SECRET_KEY the built-in development key signs tokens, so BIND_ADDR must be a \
         loopback address (127.0.0.1 or ::1); set SECRET_KEY to listen on {0}"
    )]
    DevelopmentKeyOnNetwork(SocketAddr),
    #[error("MAIL_DELIVERY=smtp needs SMTP_URL")]
    SmtpWithoutUrl,
    #[error(
        "SECRET_KEY is the example value from .env.example; generate one (openssl rand -hex 32)"
    )]
    ExampleSecret,
    #[error(
        "SESSION_IDLE_MINUTES ({idle}) must be longer than ACCESS_TOKEN_EXPIRE_MINUTES ({access}): \
         clients refresh when their access token expires, and would find the session idle"
    )]
    IdleBelowAccessToken { idle: i64, access: i64 },
}

impl Config {
    /// The signing key, refusing weak keys in production.
    pub fn secret(&self) -> Result<&str, ConfigError> {
        let secret = self.secret_key.as_deref().filter(|s| !s.is_empty());
        if self.environment == Environment::Development {
            return Ok(secret.unwrap_or(DEVELOPMENT_SECRET));
        }
        match secret {
            None => Err(ConfigError::MissingSecret),
            Some(EXAMPLE_SECRET) => Err(ConfigError::ExampleSecret),
            Some(s) if s.len() < MIN_SECRET_LEN => Err(ConfigError::ShortSecret),
            Some(s) => Ok(s),
        }
    }

    /// Whether `entry` would be accepted in `INTROSPECTION_CLIENTS`.
    pub fn check_introspection_client(entry: &str) -> Result<(), String> {
        parse_introspection_client(entry).map(|_| ())
    }

    /// How mail leaves (see `mail_delivery`).
    pub fn mail_delivery(&self) -> Result<MailDelivery, ConfigError> {
        let smtp = self.smtp_url.as_deref().is_some_and(|url| !url.is_empty());
        match (self.mail_delivery, smtp, self.environment) {
            (Some(MailDelivery::Smtp), false, _) => Err(ConfigError::SmtpWithoutUrl),
            (Some(chosen), _, _) => Ok(chosen),
            (None, true, _) => Ok(MailDelivery::Smtp),
            (None, false, Environment::Development) => Ok(MailDelivery::Files),
            (None, false, Environment::Production) => Err(ConfigError::MissingSmtp),
        }
    }

    pub fn password_reset_ttl(&self) -> Duration {
        Duration::minutes(self.password_reset_ttl_minutes.into())
    }

    pub fn email_verification_ttl(&self) -> Duration {
        Duration::hours(self.email_verification_ttl_hours.into())
    }

    /// How often to sweep; `None` when the sweep is off.
    pub fn sweep_interval(&self) -> Option<std::time::Duration> {
        let seconds = self.sweep_interval_seconds;
        (seconds > 0).then(|| std::time::Duration::from_secs(seconds.into()))
    }

    /// How often to seal audit events; `None` when sealing is off.
    pub fn audit_seal_interval(&self) -> Option<std::time::Duration> {
        let seconds = self.audit_seal_interval_seconds;
        (seconds > 0).then(|| std::time::Duration::from_secs(seconds.into()))
    }

    /// Where to listen. With the built-in development key (which anyone who
    /// read the repository could sign tokens with) only this machine may
    /// connect: a fail-safe default for a development server left running.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        let builtin_key = self.secret()? == DEVELOPMENT_SECRET;
        if builtin_key && !self.bind_addr.ip().is_loopback() {
            return Err(ConfigError::DevelopmentKeyOnNetwork(self.bind_addr));
        }
        Ok(self.bind_addr)
    }

    pub fn step_up_window(&self) -> Duration {
        Duration::seconds(self.step_up_window_seconds.into())
    }

    pub fn admin_mfa_required(&self) -> bool {
        self.require_admin_mfa
            .unwrap_or(self.environment == Environment::Production)
    }

    pub fn playground_enabled(&self) -> bool {
        self.graphql_playground
            .unwrap_or(self.environment == Environment::Development)
    }

    pub fn ws_connection_init_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.ws_connection_init_timeout_seconds.into())
    }

    pub fn access_token_ttl(&self) -> Duration {
        Duration::minutes(self.access_token_expire_minutes.into())
    }

    pub fn session_ttl(&self, remember_me: bool) -> Duration {
        let lifetime = if remember_me {
            Duration::days(self.refresh_token_expire_days.into())
        } else {
            Duration::hours(self.refresh_token_expire_hours.into())
        };
        let most = self
            .session_max_hours
            .or(self.auth_profile.map(AuthProfile::max_hours));
        most.map_or(lifetime, |hours| {
            lifetime.min(Duration::hours(hours.into()))
        })
    }

    /// The session rules, refused when they cannot work together.
    pub fn check_sessions(&self) -> Result<(), ConfigError> {
        match self.session_idle() {
            Some(idle) if idle <= self.access_token_ttl() => {
                Err(ConfigError::IdleBelowAccessToken {
                    idle: idle.num_minutes(),
                    access: self.access_token_ttl().num_minutes(),
                })
            }
            _ => Ok(()),
        }
    }

    /// How long a session may go unrefreshed, if there is a limit.
    pub fn session_idle(&self) -> Option<Duration> {
        let minutes = self
            .session_idle_minutes
            .or(self.auth_profile.map(AuthProfile::idle_minutes));
        minutes.map(|minutes| Duration::minutes(minutes.into()))
    }
}

/// `client_id:sha256-hex`. Ids are plain (letters, digits, `.`, `_`, `-`),
/// so that HTTP Basic carries them as they are (RFC 6749 section 2.3.1
/// form-encodes both parts first, which leaves these unchanged).
fn parse_introspection_client(raw: &str) -> Result<IntrospectionClient, String> {
    let wrong = || format!("expected client_id:sha256-hex-of-secret, got {raw:?}");
    let (id, hash) = raw.trim().split_once(':').ok_or_else(wrong)?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if id.is_empty() || id.len() > 64 || !id.chars().all(plain) {
        return Err(format!(
            "introspection client id {id:?}: 1 to 64 letters, digits, '.', '_' or '-'"
        ));
    }
    let mut secret_sha256 = [0u8; 32];
    hex::decode_to_slice(hash, &mut secret_sha256).map_err(|_| wrong())?;
    Ok(IntrospectionClient {
        id: id.to_owned(),
        secret_sha256,
    })
}

/// An address or a CIDR range; a bare address is a range of one.
fn parse_proxy(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("not an IP address or CIDR range: {raw:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    fn config(args: &[&str]) -> Config {
        Cli::try_parse_from(std::iter::once("service").chain(args.iter().copied()))
            .unwrap()
            .config
    }

    #[test]
    fn production_refuses_weak_secrets() {
        let prod = ["--environment", "production"];
        assert!(matches!(
            config(&prod).secret(),
            Err(ConfigError::MissingSecret)
        ));
        let short = config(&[&prod[..], &["--secret-key", "short"]].concat());
        assert!(matches!(short.secret(), Err(ConfigError::ShortSecret)));
        let example = config(&[&prod[..], &["--secret-key", EXAMPLE_SECRET]].concat());
        assert!(matches!(example.secret(), Err(ConfigError::ExampleSecret)));
        let good_key = "k".repeat(MIN_SECRET_LEN);
        let good = config(&[&prod[..], &["--secret-key", &good_key]].concat());
        assert_eq!(good.secret().unwrap(), good_key);
    }

    #[test]
    fn development_runs_without_a_secret() {
        let dev = config(&["--environment", "development"]);
        assert!(dev.secret().is_ok());
        assert!(dev.playground_enabled());
        assert!(!config(&["--environment", "production"]).playground_enabled());
    }

    #[test]
    fn production_refuses_to_lose_mail_silently() {
        let prod = [
            "--environment",
            "production",
            "--secret-key",
            &"k".repeat(32),
        ];
        assert!(matches!(
            config(&prod).mail_delivery(),
            Err(ConfigError::MissingSmtp)
        ));
        let logged = config(&[&prod[..], &["--mail-delivery", "log"]].concat());
        assert_eq!(logged.mail_delivery().unwrap(), MailDelivery::Log);
        let smtp = config(&[&prod[..], &["--smtp-url", "smtp://127.0.0.1:25"]].concat());
        assert_eq!(smtp.mail_delivery().unwrap(), MailDelivery::Smtp);
        assert_eq!(config(&[]).mail_delivery().unwrap(), MailDelivery::Files);
        assert!(matches!(
            config(&["--mail-delivery", "smtp"]).mail_delivery(),
            Err(ConfigError::SmtpWithoutUrl)
        ));
    }

    #[test]
    fn the_development_key_listens_on_loopback_only() {
        assert!(config(&[]).listen_addr().unwrap().ip().is_loopback());
        assert!(config(&["--bind-addr", "[::1]:8000"]).listen_addr().is_ok());
        let exposed = config(&["--bind-addr", "0.0.0.0:8000"]);
        assert!(matches!(
            exposed.listen_addr(),
            Err(ConfigError::DevelopmentKeyOnNetwork(_))
        ));
        let keyed = config(&["--bind-addr", "0.0.0.0:8000", "--secret-key", "a-key"]);
        assert!(keyed.listen_addr().is_ok());
    }

    #[test]
    fn token_settings_parse() {
        let c = config(&[]);
        assert_eq!(c.access_token_algorithm, TokenAlgorithm::Hs256);
        assert!(c.introspection_clients.is_empty());
        let c = config(&["--access-token-algorithm", "eddsa"]);
        assert_eq!(c.access_token_algorithm, TokenAlgorithm::EdDsa);
        let hash = "ab".repeat(32);
        let c = config(&[
            "--introspection-clients",
            &format!("billing:{hash},reports.v2:{hash}"),
        ]);
        let ids: Vec<_> = c.introspection_clients.iter().map(|c| &c.id).collect();
        assert_eq!(ids, ["billing", "reports.v2"]);
        assert_eq!(c.introspection_clients[0].secret_sha256, [0xab; 32]);
        for wrong in ["billing", "billing:abc", ":", "a b:00"] {
            assert!(
                Cli::try_parse_from(["service", "--introspection-clients", wrong]).is_err(),
                "{wrong}"
            );
        }
    }

    #[test]
    fn a_zero_sweep_interval_turns_the_sweep_off() {
        assert_eq!(
            config(&[]).sweep_interval(),
            Some(std::time::Duration::from_secs(600))
        );
        assert_eq!(
            config(&["--sweep-interval-seconds", "0"]).sweep_interval(),
            None
        );
        assert!(Cli::try_parse_from(["service", "--sweep-batch-size", "0"]).is_err());
    }

    #[test]
    fn remember_me_selects_the_long_lifetime() {
        let c = config(&[]);
        assert_eq!(c.session_ttl(true), Duration::days(30));
        assert_eq!(c.session_ttl(false), Duration::hours(24));
        assert_eq!(c.session_idle(), None, "no idle limit unless asked");
    }

    #[test]
    fn the_health_profile_ends_sessions_idle_and_old_and_settings_override_it() {
        let health = config(&["--auth-profile", "health"]);
        assert_eq!(health.session_idle(), Some(Duration::minutes(30)));
        assert_eq!(health.session_ttl(true), Duration::hours(12));
        assert_eq!(health.session_ttl(false), Duration::hours(12));
        let own = config(&[
            "--auth-profile",
            "health",
            "--session-idle-minutes",
            "15",
            "--session-max-hours",
            "8",
        ]);
        assert_eq!(own.session_idle(), Some(Duration::minutes(15)));
        assert_eq!(own.session_ttl(true), Duration::hours(8));
        assert!(health.check_sessions().is_ok());
        let idle_too_short = config(&["--session-idle-minutes", "15"]);
        assert!(
            idle_too_short.check_sessions().is_err(),
            "access tokens live 15"
        );
        // A cap above a lifetime leaves it alone.
        let capped = config(&["--session-max-hours", "48"]);
        assert_eq!(capped.session_ttl(false), Duration::hours(24));
        assert_eq!(capped.session_ttl(true), Duration::hours(48));
    }
}
