//! Loading trust anchors: Mozilla's roots (embedded), the system store, extra PEM files of
//! anchors, and a client's own trust store files.

use crate::model::error::Error;
use crate::model::options::TrustBase;
use crate::model::trust::TrustStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::path::PathBuf;

impl TrustStore {
    /// Load the base store and add every certificate of every `ca_files` PEM file.
    pub fn load(base: TrustBase, ca_files: &[PathBuf]) -> Result<TrustStore, Error> {
        Self::load_with(base, ca_files, &[], None)
    }

    /// As `load`, plus trust store files (PEM, PKCS#12, JKS) as a client has them. With a trust
    /// store file the base store is left out: the client trusts exactly what its file holds.
    pub fn load_with(
        base: TrustBase,
        ca_files: &[PathBuf],
        truststores: &[PathBuf],
        password: Option<&str>,
    ) -> Result<TrustStore, Error> {
        let mut anchors: Vec<CertificateDer<'static>> = Vec::new();
        let mut parts = Vec::new();
        for path in truststores {
            let (certs, kind) = crate::observe::truststore::load(path, password)?;
            parts.push(format!("{} ({kind}, {})", path.display(), certs.len()));
            anchors.extend(certs.into_iter().map(CertificateDer::from));
        }
        let base = if truststores.is_empty() {
            base
        } else {
            TrustBase::None
        };
        match base {
            TrustBase::Mozilla => {
                anchors.extend(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
                parts.push(format!("Mozilla roots (embedded, {})", anchors.len()));
            }
            TrustBase::System => {
                let found = rustls_native_certs::load_native_certs();
                if found.certs.is_empty() {
                    let why = found
                        .errors
                        .first()
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| "no certificates found".into());
                    return Err(Error::SystemTrust { reason: why });
                }
                parts.push(format!("system store ({})", found.certs.len()));
                anchors.extend(found.certs);
            }
            TrustBase::None if truststores.is_empty() => parts.push("no built-in roots".into()),
            TrustBase::None => {}
        }
        for path in ca_files {
            let iter = CertificateDer::pem_file_iter(path).map_err(|e| Error::CaFile {
                path: path.clone(),
                reason: format!("cannot read it: {e}"),
            })?;
            let mut n = 0;
            for cert in iter {
                let cert = cert.map_err(|e| Error::CaFile {
                    path: path.clone(),
                    reason: format!("not a valid PEM certificate file: {e}"),
                })?;
                anchors.push(cert);
                n += 1;
            }
            if n == 0 {
                return Err(Error::CaFile {
                    path: path.clone(),
                    reason:
                        "no certificate in it (expected PEM blocks '-----BEGIN CERTIFICATE-----')"
                            .into(),
                });
            }
            parts.push(format!("{} ({n})", path.display()));
        }
        Ok(TrustStore::new(anchors, parts.join(" + ")))
    }
}
