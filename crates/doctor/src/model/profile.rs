//! Peer profiles (what a peer offers and checks) and the simulated outcome for one peer.

use serde::{Deserialize, Serialize};

/// A peer: what it offers and what it checks. See profiles/README.md for the fields' meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub role: String,
    pub versions: Vec<String>,
    pub suites: Vec<String>,
    pub suites_tls13: Vec<String>,
    pub groups: Vec<String>,
    pub sends_sni: bool,
    pub verifies_chain: bool,
    pub verifies_name: bool,
    pub name_checked: String,
    pub accepts_self_signed: bool,
    pub fetches_missing_intermediates: bool,
    pub min_rsa_bits: u32,
    pub min_dh_bits: u32,
    pub rejects_sha1_certificates: bool,
    pub falls_back_to_plaintext: bool,
    #[serde(default)]
    pub fix_client: Option<String>,
    pub notes: String,
    pub sources: Vec<String>,
}

/// What the peer would negotiate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Negotiated {
    pub version: String,
    /// "0xC02F"
    pub suite: String,
    pub suite_name: String,
    pub group: Option<String>,
}

/// The verdict for one peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Simulation {
    pub profile: String,
    pub name: String,
    /// "ok", "fails", or "unknown" (not enough was measured, e.g. with --quick).
    pub result: String,
    /// When it fails: "no-starttls", "no-common-version", "no-common-suite", "no-common-group",
    /// "dh-too-small", "bad-signature", "self-signed", "chain-not-trusted", "expired", "not-yet-valid",
    /// "weak-key", "weak-signature", "name-not-covered".
    pub reason: Option<String>,
    /// The evidence in words.
    pub detail: String,
    pub negotiated: Option<Negotiated>,
    /// An opportunistic sender that fails delivers in plaintext instead of bouncing.
    pub plaintext_fallback: bool,
    pub fix_server: Option<String>,
    pub fix_client: Option<String>,
    /// Caveats of the simulation for this peer (what it cannot see).
    pub notes: Vec<String>,
}
