//! TLSA records and their match against a chain (see `judge::dane`).

use serde::{Deserialize, Serialize};

/// A TLSA record, as the report carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tlsa {
    pub usage: u8,
    pub selector: u8,
    pub matching: u8,
    /// Hex, lower case.
    pub data: String,
}

impl Tlsa {
    /// Presentation form: `3 1 1 abcd...`.
    pub fn text(&self) -> String {
        format!(
            "{} {} {} {}",
            self.usage, self.selector, self.matching, self.data
        )
    }

    /// True when an SMTP sender uses the record at all (RFC 7672 §3.1).
    pub fn usable(&self) -> bool {
        matches!(self.usage, 2 | 3) && self.selector <= 1 && self.matching <= 2
    }
}

/// What became of one record against one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsaResult {
    pub record: Tlsa,
    /// "match", "no-match", "unusable".
    pub result: String,
    /// For a match: which certificate (0 = leaf); for a failure: why, in words.
    pub detail: String,
    #[serde(default)]
    pub matched_index: Option<usize>,
}
