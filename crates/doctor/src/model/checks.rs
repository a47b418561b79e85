//! The judged checks of one endpoint (issue 13's battery and the MTA checks): each an id, a
//! status and the evidence behind it, in the JSON at `endpoints[].checks` (docs/json.md).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The checks of one endpoint, keyed by id ("heartbleed", "secure-renegotiation", ...).
pub type Checks = BTreeMap<String, CheckResult>;

/// One check: what it concluded, and the observation behind it in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub status: CheckStatus,
    pub evidence: String,
}

/// Weaknesses are `vulnerable`, `ok`, `not-applicable` or `unknown`; features are `supported`,
/// `not-supported` or `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Vulnerable,
    Ok,
    NotApplicable,
    Unknown,
    Supported,
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
