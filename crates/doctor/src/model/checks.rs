//! Named checks of an endpoint's report (`endpoints[].checks`): a map from a check id
//! (`starttls-injection`, ...) to its status and the evidence in words. Judged, not observed:
//! the observations behind each check live in the endpoint's observation.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The checks of one endpoint, by id.
pub type Checks = BTreeMap<String, CheckResult>;

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub status: CheckStatus,
    /// The facts behind the status, in words.
    pub evidence: String,
}

/// A check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    /// The server has the weakness (a finding says what to do).
    Vulnerable,
    /// The server does not have it.
    Ok,
    /// The check does not apply (no STARTTLS, implicit TLS, `--quick`...).
    NotApplicable,
    /// The check ran but its answer could not be told (the connection failed, a timeout).
    Unknown,
    /// A feature the server has.
    Supported,
    /// A feature the server lacks.
    NotSupported,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Vulnerable => "vulnerable",
            CheckStatus::Ok => "ok",
            CheckStatus::NotApplicable => "not-applicable",
            CheckStatus::Unknown => "unknown",
            CheckStatus::Supported => "supported",
            CheckStatus::NotSupported => "not-supported",
        }
    }
}
