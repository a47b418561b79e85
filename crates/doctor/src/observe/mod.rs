//! Observation: every byte that crosses the network (SMTP, TLS, the scan's hand-built
//! handshakes, DNS, HTTP(S) fetches, the capture server) and every file read (trust stores).
//!
//! Returns [`crate::model`] values and never judges them: where observing depends on a judgement
//! (which issuer to fetch), the pipeline passes the question in as a function. Imports `model`
//! only (and the `wire` crate).

pub mod aia;
pub mod battery;
pub mod capture;
pub mod dns;
pub mod domain;
pub mod endpoint;
pub mod http;
pub mod injection;
pub mod once;
pub mod probe;
pub mod renegotiation;
pub mod scan;
pub mod shared;
pub mod smtp_line;
pub mod smtp_server;
pub mod stream;
pub mod tls;
pub mod tls_session;
pub mod trust;
pub mod truststore;
