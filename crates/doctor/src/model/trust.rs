//! Trust anchors a verdict is given against (loaded by `observe::trust`).

use rustls_pki_types::CertificateDer;

/// The anchors a verdict is given against.
#[derive(Debug, Clone)]
pub struct TrustStore {
    pub anchors: Vec<CertificateDer<'static>>,
    /// Where the anchors came from, for the report: "Mozilla (embedded, 146 roots) + lab-root-ca.pem (1)".
    pub description: String,
}
