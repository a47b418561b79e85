//! The library's errors: what makes a check impossible before any server is asked.
//!
//! They name the thing the user gave (a target, a file, a profile id), never a command-line flag:
//! the front end (the CLI, later `serve`) maps each kind to its own words, hints and exit code.

use std::fmt;
use std::path::PathBuf;

/// A request that cannot be carried out as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The target is not `HOST`, `HOST:PORT` or a mail domain (`reason` names the input).
    Target { input: String, reason: String },
    /// A domain check of something that is not a domain name.
    NotADomain { input: String },
    /// The system trust store cannot be read.
    SystemTrust { reason: String },
    /// A file of extra trust anchors (PEM) cannot be used.
    CaFile { path: PathBuf, reason: String },
    /// A client's trust store file (PEM, PKCS#12, JKS) cannot be used.
    TrustStoreFile { path: PathBuf, reason: String },
    /// A client's trust store file that needs a password to be read, and none was given.
    TrustStorePassword { path: PathBuf, reason: String },
    /// No resolver was named and the system's configuration gives none.
    NoSystemResolver { reason: String },
    /// A DNSSEC trust anchor file that cannot be used.
    TrustAnchor { path: PathBuf, reason: String },
    /// The DNS configuration cannot be used (e.g. an unreadable DNSSEC trust anchor).
    Dns { reason: String },
    /// A peer profile id that does not exist, or that is not a connecting peer.
    Profile { id: String, reason: String },
    /// A saved report that cannot be judged again.
    SavedReport { reason: String },
    /// The certificates a client lacks cannot be written.
    ExportChain { path: PathBuf, reason: String },
    /// The export file exists, and replacing it was not asked for.
    ExportExists { path: PathBuf },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Target { reason, .. } => f.write_str(reason),
            Error::NotADomain { input } => write!(f, "'{input}' is not a domain name"),
            Error::SystemTrust { reason } => {
                write!(f, "could not read the system trust store ({reason})")
            }
            Error::CaFile { path, reason } => write!(f, "{}: {reason}", path.display()),
            Error::TrustStoreFile { path, reason } => write!(f, "{}: {reason}", path.display()),
            Error::TrustStorePassword { path, reason } => {
                write!(f, "{}: {reason} (a password is needed)", path.display())
            }
            Error::NoSystemResolver { reason } => f.write_str(reason),
            Error::TrustAnchor { path, reason } => write!(f, "{}: {reason}", path.display()),
            Error::Dns { reason } => f.write_str(reason),
            Error::Profile { id, reason } => write!(f, "{id}: {reason}"),
            Error::SavedReport { reason } => write!(f, "the saved report: {reason}"),
            Error::ExportChain { path, reason } => write!(f, "{}: {reason}", path.display()),
            Error::ExportExists { path } => {
                write!(f, "{}: the file exists (nothing written)", path.display())
            }
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// A stable kebab-case name of the kind of error (the `error.kind` of a bulk run's line).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Target { .. } => "invalid-target",
            Error::NotADomain { .. } => "not-a-domain",
            Error::SystemTrust { .. } => "system-trust",
            Error::CaFile { .. } => "ca-file",
            Error::TrustStoreFile { .. } => "truststore-file",
            Error::TrustStorePassword { .. } => "truststore-password",
            Error::NoSystemResolver { .. } => "no-system-resolver",
            Error::TrustAnchor { .. } => "trust-anchor",
            Error::Dns { .. } => "dns",
            Error::Profile { .. } => "profile",
            Error::SavedReport { .. } => "saved-report",
            Error::ExportChain { .. } => "export-chain",
            Error::ExportExists { .. } => "export-exists",
        }
    }
}
