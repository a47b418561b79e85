//! A certificate chain as judged: each certificate's details and the verdicts (see `judge::cert`).

use serde::{Deserialize, Serialize};

/// One certificate as the server sent it, DER in base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertBytes(#[serde(with = "b64")] pub Vec<u8>);

mod b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

/// What a certificate says, for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertDetails {
    pub subject: String,
    pub issuer: String,
    pub serial: String,
    /// DNS names and IP addresses from the subjectAltName extension.
    pub sans: Vec<String>,
    /// RFC 3339.
    pub not_before: String,
    pub not_after: String,
    /// "RSA", "ECDSA", "Ed25519", "DSA" or the algorithm OID.
    pub key_type: String,
    pub key_bits: Option<u32>,
    /// e.g. "P-256" for ECDSA keys.
    pub key_curve: Option<String>,
    /// e.g. "sha256WithRSAEncryption".
    pub signature_algorithm: String,
    /// Upper-case hex, colon separated.
    pub sha256: String,
    pub ca_issuers: Vec<String>,
    pub is_ca: bool,
    pub self_signed: bool,
}

/// Where the chain leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum TrustVerdict {
    /// A path to an anchor exists.
    Trusted { anchor: String },
    /// The leaf is its own issuer.
    SelfSigned,
    /// The chain ends at a root that is not an anchor; `sent` tells whether the server sent it.
    UntrustedRoot { root: String, sent: bool },
    /// The top certificate sent was issued by a certificate that was not sent and is no anchor.
    Incomplete {
        missing_issuer: String,
        issued_to: String,
        ca_issuers: Option<String>,
    },
    /// A path exists but is invalid for another reason.
    Invalid { reason: String },
    /// No certificate was sent, or the leaf could not be parsed.
    NoCertificate { reason: String },
}

/// A validity problem of one certificate on the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeProblem {
    /// Position in the chain as sent (0 = leaf).
    pub index: usize,
    pub subject: String,
    /// "expired", "not-yet-valid", "expires-soon".
    pub kind: String,
    /// The date in question (notAfter or notBefore), RFC 3339.
    pub date: String,
    /// Whole days from now to that date (negative when past).
    pub days: i64,
}

/// Whether one required name is covered by the leaf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCheck {
    pub name: String,
    pub covered: bool,
    /// The SAN (or CN) entry that covers it.
    pub matched_by: Option<String>,
}

/// A weakness of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weakness {
    pub index: usize,
    pub subject: String,
    pub what: String,
}

/// The judgement of a chain as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainAnalysis {
    pub certificates: Vec<CertDetails>,
    /// Certificates that could not be parsed: (index, error).
    pub unparsable: Vec<(usize, String)>,
    pub trust: TrustVerdict,
    /// What is wrong with the order, if anything.
    pub order_problems: Vec<String>,
    pub time_problems: Vec<TimeProblem>,
    /// Names the leaf covers (DNS SANs, or the CN when there is no SAN).
    pub covered_names: Vec<String>,
    pub names: Vec<NameCheck>,
    pub weak_keys: Vec<Weakness>,
    pub weak_signatures: Vec<Weakness>,
    /// The trust with the AIA-fetched certificates added, when some were fetched.
    #[serde(default)]
    pub trust_with_fetched: Option<TrustVerdict>,
    /// How many certificates the server sent, when that was more than are analysed (only the
    /// first `judge::cert::MAX_CHAIN` are).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_more: Option<usize>,
    /// The subjects of AIA-fetched certificates that were not used: they do not verify as the
    /// issuer of the certificate whose URL named them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fetched_not_issuers: Vec<String>,
}
