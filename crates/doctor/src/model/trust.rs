//! Trust anchors a verdict is given against (loaded by `observe::trust`).

use rustls_pki_types::{CertificateDer, TrustAnchor};
use std::sync::{Arc, OnceLock};

/// The anchors a verdict is given against.
#[derive(Debug, Clone)]
pub struct TrustStore {
    pub anchors: Vec<CertificateDer<'static>>,
    /// Where the anchors came from, for the report: "Mozilla (embedded, 146 roots) + lab-root-ca.pem (1)".
    pub description: String,
    /// The anchors read once ([`TrustStore::prepared`]): a bulk run judges thousands of chains
    /// against the same store.
    prepared: OnceLock<Arc<Prepared>>,
}

/// The anchors as path building and naming need them, read once per store.
#[derive(Debug)]
pub struct Prepared {
    /// webpki's anchors (those it can read), for path building.
    pub webpki: Vec<TrustAnchor<'static>>,
    /// Per anchor, in store order: its subject and key, when the certificate parses.
    pub names: Vec<Option<AnchorName>>,
}

/// An anchor's names.
#[derive(Debug)]
pub struct AnchorName {
    /// The subject Name's DER (the whole TLV).
    pub subject_raw: Vec<u8>,
    /// The subject in words (RFC 4514 style).
    pub subject: String,
    /// The SubjectPublicKeyInfo's DER.
    pub spki_raw: Vec<u8>,
}

impl TrustStore {
    pub fn new(anchors: Vec<CertificateDer<'static>>, description: String) -> TrustStore {
        TrustStore {
            anchors,
            description,
            prepared: OnceLock::new(),
        }
    }

    /// The anchors read for path building and naming (on first use; shared by clones made
    /// after it).
    pub fn prepared(&self) -> &Prepared {
        self.prepared.get_or_init(|| {
            Arc::new(Prepared {
                webpki: self
                    .anchors
                    .iter()
                    .filter_map(|d| webpki::anchor_from_trusted_cert(d).ok())
                    .map(|a| a.to_owned())
                    .collect(),
                names: self
                    .anchors
                    .iter()
                    .map(|d| {
                        use x509_parser::prelude::FromDer;
                        x509_parser::certificate::X509Certificate::from_der(d)
                            .ok()
                            .map(|(_, c)| AnchorName {
                                subject_raw: c.subject().as_raw().to_vec(),
                                subject: c.subject().to_string(),
                                spki_raw: c.public_key().raw.to_vec(),
                            })
                    })
                    .collect(),
            })
        })
    }
}
