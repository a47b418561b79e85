//! The model: plain serde types of what was observed and what was judged, and the report.
//!
//! No I/O and no judging lives here; everything else imports it, and it imports nothing of the
//! crate but itself. A saved `--json` report deserialises into these types, so observations can
//! be judged again later (`check::replay`).

pub mod capture;
pub mod cert;
pub mod checks;
pub mod dane;
pub mod dns;
pub mod domain;
pub mod error;
pub mod finding;
pub mod observation;
pub mod options;
pub mod profile;
pub mod progress;
pub mod report;
pub mod scan;
pub mod signature;
pub mod summary;
pub mod trust;
