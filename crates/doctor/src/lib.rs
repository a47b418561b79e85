//! smtp-tls-doctor's engine: probe a mail server, record what it did, judge it, report.
//!
//! The data flows one way: `config` (what to check) → `probe` (I/O, one connection) →
//! `observe` (plain facts) → `cert` and `diagnose` (pure judgement) → `report`.

pub mod aia;
pub mod capture;
pub mod cert;
pub mod check;
pub mod config;
pub mod dane;
pub mod diagnose;
pub mod dns;
pub mod domain;
pub mod domain_judge;
pub mod findings;
pub mod observe;
pub mod probe;
mod registry;
pub mod report;
pub mod scan;
pub mod simulate;
pub mod smtp_line;
pub mod tls;
pub mod trust;
pub mod truststore;

/// Install ring as the process-wide rustls provider (idempotent).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
