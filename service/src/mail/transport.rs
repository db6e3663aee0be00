//! How a message leaves: SMTP (lettre), `.eml` files for development, or
//! the log.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, MailDelivery};
use crate::domain::Mail;

/// An SMTP server that accepts the connection and then stalls is an outage
/// too; the worker retries later.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("cannot build the message: {0}")]
    Message(String),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("writing the file: {0}")]
    File(#[from] lettre::transport::file::Error),
}

impl SendError {
    /// Whether trying again later could help (a bad address never will).
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Message(_) => true,
            Self::Smtp(err) => err.is_permanent(),
            Self::File(_) => false,
        }
    }
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Development without a mail server: each message is written as a file
    /// and its links are logged, so they can be followed.
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
    /// Mail is not delivered; the log records what would have gone, without
    /// the links (they are secrets).
    Log,
}

impl Transport {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        Ok(match config.mail_delivery()? {
            MailDelivery::Smtp => {
                let url = config.smtp_url.as_deref().unwrap_or_default();
                let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|err| anyhow::anyhow!("SMTP_URL: {err}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Self::Smtp(smtp)
            }
            MailDelivery::Files => {
                let dir = config.mail_outbox_dir.clone();
                std::fs::create_dir_all(&dir)
                    .map_err(|err| anyhow::anyhow!("MAIL_OUTBOX_DIR {}: {err}", dir.display()))?;
                Self::Files(AsyncFileTransport::new(&dir), dir)
            }
            MailDelivery::Log => Self::Log,
        })
    }

    pub async fn send(&self, from: &Mailbox, mail: &Mail) -> Result<(), SendError> {
        let message = || build(from, mail);
        match self {
            Self::Smtp(smtp) => {
                smtp.send(message()?).await?;
            }
            Self::Files(files, dir) => {
                let id = files.send(message()?).await?;
                let links: Vec<&str> = mail
                    .text
                    .lines()
                    .filter(|line| line.starts_with("http"))
                    .collect();
                let file = dir.join(format!("{id}.eml"));
                tracing::info!(to = %mail.to, subject = %mail.subject, file = %file.display(),
                    ?links, "mail written to a file (no SMTP_URL)");
            }
            Self::Log => {
                tracing::info!(to = %mail.to, subject = %mail.subject, kind = mail.kind.as_str(),
                    "mail not delivered (MAIL_DELIVERY=log)");
            }
        }
        Ok(())
    }
}

fn build(from: &Mailbox, mail: &Mail) -> Result<Message, SendError> {
    let invalid = |err: &dyn std::fmt::Display| SendError::Message(err.to_string());
    let to: Mailbox = mail.to.parse().map_err(|err| invalid(&err))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&mail.subject)
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|err| invalid(&err))
}
