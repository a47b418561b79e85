//! The server software an endpoint looks like (`endpoints[].server_software`), guessed by
//! `judge::software` from what the server said, or given by the user.

use serde::{Deserialize, Serialize};

/// How sure the guess is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// The banner names the software (or the user did).
    High,
    /// Keywords or reply texts typical of it.
    Medium,
    /// A weak hint (behaviour only).
    Low,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

/// The software guessed, with what it was guessed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSoftware {
    /// One of `judge::software::KNOWN` ("Postfix", "Exim", ...).
    pub name: String,
    /// As the server announced it ("4.96", "3.7.11"), when it did.
    pub version: Option<String>,
    pub confidence: Confidence,
    /// What the guess rests on, each a short phrase ("banner: ESMTP Exim 4.96").
    pub evidence: Vec<String>,
}
