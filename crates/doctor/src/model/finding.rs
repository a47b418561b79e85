//! The findings registry: every finding the tool can report is declared once, with its code,
//! severity, words and fixes. Rules in `diagnose` only pick a code and fill in the evidence.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Some peer fails to connect, or mail goes without TLS.
    Error,
    /// Nothing fails yet, but will, or a strict peer may complain.
    Warning,
    /// Worth knowing; nothing fails.
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One fix, for one piece of software.
#[derive(Debug)]
pub struct Fix {
    /// "Postfix", "Exim", "Python ssl", "Java keytool", "OpenSSL client", "Any server", ...
    pub software: &'static str,
    /// What to change, concretely (configuration lines, commands).
    pub text: &'static str,
}

/// The declaration of one finding.
#[derive(Debug)]
pub struct FindingDef {
    /// Stable kebab-case code; scripts rely on it.
    pub code: &'static str,
    pub severity: Severity,
    /// A short title, e.g. "The server does not send its intermediate certificate".
    pub title: &'static str,
    /// What is wrong and why it happens, in plain words (a paragraph).
    pub why: &'static str,
    /// Which peers break, and how the failure looks on their side (their error messages).
    pub breaks: &'static str,
    /// Fixes, server side first, then client side where the client is at fault.
    pub fixes: &'static [Fix],
}

/// One thing found wrong, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    /// One line naming the evidence.
    pub summary: String,
    /// The facts behind it, as a JSON object.
    pub evidence: Map<String, Value>,
}
