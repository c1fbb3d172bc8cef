//! A client of the OCI distribution API (distribution-spec v1.1, "spec.md"),
//! over ureq: the `/v2/` ping, authentication driven by the registry's
//! challenge (anonymous, Basic, Bearer tokens), retries with backoff,
//! timeouts, redirects that never carry `Authorization` to another host,
//! and resumable blob downloads.
//!
//! On top of the client: [`RemoteImage`], a manifest in a registry read as
//! an [`Image`](crate::image::Image) (so a pull is the store's verified
//! copy from it), and [`push`], which sends any `Image` to a repository.
//! [`config`] reads `registries.conf` (short names, aliases, mirrors,
//! insecure and blocked registries) and [`authfile`] the credentials of
//! `auth.json`, Docker's `config.json` and credential helpers.
//!
//! This is L2: it knows nothing of the store. What the store knows about
//! blobs (the blob-info cache) comes in through [`push::KnownBlob`]s that
//! `ops` looks up.
//!
//! Credentials never appear in an error, a log line or a panic message:
//! [`authfile::Credentials`] prints as `user:***`, and tokens are only ever
//! put in headers.

pub mod auth;
pub mod authfile;
pub mod client;
pub mod config;
mod pgzip;
pub mod push;
pub mod remote;

pub use authfile::Credentials;
pub use client::{Client, ClientOptions};
pub use push::{push, KnownBlob, PushOptions, Pushed};
pub use remote::{Platform, RemoteImage};

use std::fmt;

/// Failures a caller branches on (exit codes, "try the next registry").
/// Everything else is an `anyhow` error with context.
#[derive(Debug)]
pub enum RegistryError {
    /// The registry refused the credentials (or their absence).
    Unauthorized { registry: String, detail: String },
    /// The manifest or blob does not exist.
    NotFound { what: String, detail: String },
    /// No answer within the timeout.
    Timeout { registry: String, secs: u64 },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::Unauthorized { registry, detail } => {
                write!(f, "authentication to {registry} failed: {detail}")
            }
            RegistryError::NotFound { what, detail } => write!(f, "{what} not found: {detail}"),
            RegistryError::Timeout { registry, secs } => {
                write!(f, "{registry} did not answer within {secs} s")
            }
        }
    }
}

impl std::error::Error for RegistryError {}
