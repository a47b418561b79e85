//! A handshake signature as checked: the server's proof that it holds its certificate's key.
//! Its own module: the modern handshake (`observation`) and the scan (`scan`) both record it.

use serde::{Deserialize, Serialize};

/// A handshake signature checked against the public key of the certificate it goes with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureCheck {
    /// The signed message: "CertificateVerify" (TLS 1.3) or "ServerKeyExchange" (TLS 1.2).
    pub message: String,
    /// The signature scheme the server named, e.g. "ECDSA_NISTP256_SHA256".
    pub scheme: String,
    /// The signature verifies with the leaf's key.
    pub verified: bool,
    /// The signature could not be checked (a scheme or key the crypto provider does not verify,
    /// such as SHA-1 or RSA below 2048 bits, or an unreadable leaf): neither valid nor invalid.
    #[serde(default)]
    pub unchecked: bool,
    /// Why it did not verify, or why it could not be checked.
    #[serde(default)]
    pub error: Option<String>,
}

impl SignatureCheck {
    /// The signature was checked and does not verify: the server does not hold the key of its
    /// certificate (or signs with another one).
    pub fn is_invalid(&self) -> bool {
        !self.verified && !self.unchecked
    }
}
