//! smtp-tls-doctor's engine: observe a mail server, judge what it did, report it.
//!
//! The crate is cut in layers, and each imports only the layers listed before it:
//!
//! * [`model`]: plain serde types of observations and reports; no I/O, no judging.
//! * [`observe`]: every byte that crosses the network or the file system (SMTP, TLS, the scan,
//!   DNS, the one HTTP(S) fetcher, trust store files, the capture server's I/O); returns
//!   [`model`] values. Imports `model` only.
//! * [`judge`]: pure functions from [`model`] values to findings and verdicts (chain analysis,
//!   diagnosis rules, DANE, MTA-STS, the domain verdict, peer simulation, the capture verdict).
//!   Imports `model` only: the same observations always give the same judgement.
//! * [`render`]: text for people from the report model. Imports `model` and `judge`.
//! * [`check`]: the pipeline every front end uses: targets → observe → judge → report.
//!
//! `tests/layers.rs` enforces these rules and the absence of import circles.

// Nothing from the network or the user may panic the program: no unwrap/expect, no unchecked
// indexing, no panic! outside tests (`wire` holds the same rule).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod check;
pub mod judge;
pub mod model;
pub mod observe;
pub mod render;

/// Install ring as the process-wide rustls provider (idempotent).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
