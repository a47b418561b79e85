//! Who can connect: peer profiles (data, embedded at build time from `profiles/*.json`) and a
//! simulation that decides, from a server's observations alone (no new connection), what each
//! peer would negotiate, or the exact reason it fails, with the fix on both sides.

use crate::model::cert::ChainAnalysis;
use crate::model::cert::TrustVerdict;
use crate::model::error::Error;
use crate::model::observation::EndpointObservation;
use crate::model::profile::Negotiated;
use crate::model::profile::Profile;
use crate::model::profile::Simulation;
use crate::model::scan::VersionStatus;

include!(concat!(env!("OUT_DIR"), "/profiles.rs"));

/// Every embedded profile, sorted by id. A profile that does not parse is a build-time bug,
/// caught by the unit test below; it is skipped here rather than failing the user.
pub fn profiles() -> Vec<Profile> {
    let mut v: Vec<Profile> = PROFILE_FILES
        .iter()
        .filter_map(|(_, text)| serde_json::from_str(text).ok())
        .collect();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

/// Resolve profile ids ("all" or ids) to profiles; an unknown id is an error naming the ids.
pub fn select(ids: &[String]) -> Result<Vec<Profile>, Error> {
    let all = profiles();
    if ids.iter().any(|i| i == "all") {
        // Receivers (servers such as smtp.gmail.com) are met by clients, not simulated against a
        // server: they serve the capture server.
        return Ok(all.into_iter().filter(|p| p.role != "receiver").collect());
    }
    let mut out = Vec::new();
    for id in ids {
        match all.iter().find(|p| &p.id == id) {
            Some(p) if p.role == "receiver" => {
                return Err(Error::Profile {
                    id: id.clone(),
                    reason: "this profile describes a server (it serves the capture server that tests applications); choose a connecting peer".into(),
                });
            }
            Some(p) => out.push(p.clone()),
            None => {
                return Err(Error::Profile {
                    id: id.clone(),
                    reason: format!(
                        "no such profile; the profiles are: {}",
                        all.iter()
                            .map(|p| p.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
    }
    Ok(out)
}

fn vnum(v: &str) -> u8 {
    match v {
        "SSLv2" => 0,
        "SSLv3" => 1,
        "TLSv1.0" => 2,
        "TLSv1.1" => 3,
        "TLSv1.2" => 4,
        "TLSv1.3" => 5,
        _ => 9,
    }
}

/// What the peer's side can change for `reason` (`hint` names the suite, version or name at stake).
/// Workarounds on the client are labelled as such where the server is the one at fault.
fn client_fix(p: &Profile, reason: &str, hint: &str, client_at_fault: bool) -> Option<String> {
    let family = p.id.split('-').next().unwrap_or_default();
    let stopgap = if client_at_fault {
        ""
    } else {
        "stopgap only, better fix the server: "
    };
    let text = match (family, reason) {
        ("gmail" | "m365" | "mta", _) => return None, // nobody but Google/Microsoft/the sender configures these
        ("python", "no-common-version") => format!(
            "{stopgap}ctx = ssl.create_default_context(); ctx.minimum_version = ssl.TLSVersion.{}; ctx.set_ciphers('DEFAULT:@SECLEVEL=0'); smtp.starttls(context=ctx)",
            hint.replace("TLSv1.0", "TLSv1").replace('.', "_")
        ),
        ("python", "no-common-suite") => format!(
            "{stopgap}ctx.set_ciphers('{hint}:@SECLEVEL=0') on the context passed to starttls()"
        ),
        ("python", "chain-not-trusted") => format!(
            "{stopgap}ctx.load_verify_locations(cafile='missing.pem')  # write it with --export-chain"
        ),
        ("python", "self-signed") => {
            "pin it: ctx.load_verify_locations(cafile='server.pem') with the server's certificate"
                .to_string()
        }
        ("java", "no-common-version") => format!(
            "{stopgap}remove {hint} from jdk.tls.disabledAlgorithms in $JAVA_HOME/conf/security/java.security (lib/security on Java 8), and set mail.smtp.ssl.protocols={hint}"
        ),
        ("java", "no-common-suite") => {
            format!("{stopgap}upgrade the JRE, or enable {hint} with mail.smtp.ssl.ciphersuites")
        }
        ("java", "chain-not-trusted") => format!(
            "{stopgap}keytool -importcert -trustcacerts -alias missing-intermediate -file missing.pem -keystore $JAVA_HOME/lib/security/cacerts  # write missing.pem with --export-chain"
        ),
        ("java", "self-signed") => {
            "keytool -importcert -alias mailserver -file server.pem -keystore <the truststore>"
                .to_string()
        }
        ("openssl", "no-common-version") => format!(
            "{stopgap}openssl s_client -{} -cipher 'DEFAULT:@SECLEVEL=0' (in code: SSL_CTX_set_min_proto_version)",
            hint.to_ascii_lowercase()
                .replace("tlsv1.0", "tls1")
                .replace("tlsv1.", "tls1_")
        ),
        ("openssl", "chain-not-trusted") => format!(
            "{stopgap}-CAfile missing.pem (SSL_CTX_load_verify_locations); write it with --export-chain"
        ),
        ("go", "no-common-version") => format!(
            "{stopgap}tls.Config{{MinVersion: tls.Version{}}}",
            hint.replace("TLSv1.", "TLS1").replace('.', "")
        ),
        ("go", "chain-not-trusted") => format!(
            "{stopgap}add missing.pem to tls.Config.RootCAs (x509.CertPool.AppendCertsFromPEM)"
        ),
        ("postfix", "no-common-version") => {
            format!("{stopgap}smtp_tls_protocols = >={hint} in the sending Postfix's main.cf")
        }
        ("exim", "no-common-version") => format!(
            "{stopgap}allow {hint} with tls_require_ciphers / openssl_options on the smtp transport"
        ),
        (_, "name-not-covered") => format!(
            "connect with a name the certificate covers ({hint}) instead of the one configured"
        ),
        _ => {
            return if client_at_fault {
                p.fix_client.clone()
            } else {
                None
            };
        }
    };
    Some(text)
}

/// `fail`, with the peer-side fix for `reason` worked out from `hint`.
fn fail_with(
    p: &Profile,
    reason: &str,
    hint: &str,
    detail: String,
    fix_server: Option<String>,
    client_at_fault: bool,
    notes: Vec<String>,
) -> Simulation {
    let mut s = fail(p, reason, detail, fix_server, client_at_fault, notes);
    s.fix_client = client_fix(p, reason, hint, client_at_fault).or(s.fix_client);
    s
}

fn fail(
    p: &Profile,
    reason: &str,
    detail: String,
    fix_server: Option<String>,
    client_at_fault: bool,
    notes: Vec<String>,
) -> Simulation {
    Simulation {
        profile: p.id.clone(),
        name: p.name.clone(),
        result: "fails".into(),
        reason: Some(reason.into()),
        detail,
        negotiated: None,
        plaintext_fallback: p.falls_back_to_plaintext
            && matches!(
                reason,
                "no-starttls"
                    | "no-common-version"
                    | "no-common-suite"
                    | "no-common-group"
                    | "dh-too-small"
            ),
        fix_server,
        fix_client: if client_at_fault {
            p.fix_client.clone()
        } else {
            None
        },
        notes,
    }
}

fn suite_name(id: &str) -> String {
    u16::from_str_radix(id.trim_start_matches("0x"), 16)
        .ok()
        .map(wire::tls::cipher_suite_display)
        .unwrap_or_else(|| id.to_string())
}

fn openssl_name(id: &str) -> String {
    u16::from_str_radix(id.trim_start_matches("0x"), 16)
        .ok()
        .and_then(wire::tls::suites::suite_info)
        .and_then(|s| s.openssl.map(str::to_string))
        .unwrap_or_else(|| suite_name(id))
}

/// Decide what `p` would do against the server seen in `obs` (and its chain analysis).
pub fn simulate(
    p: &Profile,
    obs: &EndpointObservation,
    analysis: Option<&ChainAnalysis>,
    no_sni_analysis: Option<&ChainAnalysis>,
    names: &[String],
) -> Simulation {
    // A peer that sends no SNI gets the server's default certificate.
    let (analysis, sni_note) = match (p.sends_sni, no_sni_analysis) {
        (false, Some(ns)) => (Some(ns), true),
        _ => (analysis, false),
    };
    let mut notes = Vec::new();
    if !p.notes.is_empty() {
        notes.push(p.notes.clone());
    }
    let smtp = &obs.smtp;
    if obs.mode == crate::model::observation::Mode::Starttls
        && smtp.capabilities.is_some()
        && !smtp
            .capabilities
            .as_ref()
            .is_some_and(|c| c.has("STARTTLS"))
    {
        return fail(
            p,
            "no-starttls",
            "the server does not offer STARTTLS".into(),
            Some("offer STARTTLS (see `smtp-tls-doctor explain starttls-not-offered`)".into()),
            false,
            notes,
        );
    }
    let Some(scan) = obs.scan.as_ref() else {
        return unknown(
            p,
            "the simulation needs the scan of versions and suites (run without --quick)",
            notes,
        );
    };
    // Version: the highest both speak (the server chooses it; TLS does not fall back on failure).
    let offered = |v: &str| {
        scan.versions
            .get(v)
            .is_some_and(|r| r.status == VersionStatus::Offered)
    };
    let mut client_versions: Vec<&String> = p.versions.iter().collect();
    client_versions.sort_by_key(|v| std::cmp::Reverse(vnum(v)));
    let Some(version) = client_versions
        .iter()
        .find(|v| offered(v))
        .map(|v| v.to_string())
    else {
        let server: Vec<&str> = scan
            .versions
            .iter()
            .filter(|(_, r)| r.status == VersionStatus::Offered)
            .map(|(k, _)| k.as_str())
            .collect();
        let unknown_v: Vec<&str> = p
            .versions
            .iter()
            .filter(|v| {
                scan.versions
                    .get(v.as_str())
                    .is_some_and(|r| r.status == VersionStatus::Unknown)
            })
            .map(|s| s.as_str())
            .collect();
        if !unknown_v.is_empty() {
            return unknown(
                p,
                &format!(
                    "the server's support of {} could not be measured",
                    unknown_v.join(", ")
                ),
                notes,
            );
        }
        let client_min = p
            .versions
            .iter()
            .min_by_key(|v| vnum(v))
            .cloned()
            .unwrap_or_default();
        let server_max = server
            .iter()
            .max_by_key(|v| vnum(v))
            .map(|s| s.to_string())
            .unwrap_or_default();
        let client_too_old = !server.is_empty()
            && vnum(&client_min)
                < vnum(
                    &server
                        .iter()
                        .min_by_key(|v| vnum(v))
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                )
            && p.versions.iter().all(|v| vnum(v) < vnum(&server_max));
        let detail = format!(
            "the peer offers {}; the server accepts {}",
            p.versions.join(", "),
            if server.is_empty() {
                "no version at all".to_string()
            } else {
                server.join(", ")
            }
        );
        let fix_server = if client_too_old {
            Some(format!(
                "accept {} as well (only if this peer matters: it is old), e.g. Postfix smtpd_tls_protocols = >={}",
                p.versions
                    .iter()
                    .max_by_key(|v| vnum(v))
                    .cloned()
                    .unwrap_or_default(),
                p.versions
                    .iter()
                    .max_by_key(|v| vnum(v))
                    .cloned()
                    .unwrap_or_default()
            ))
        } else {
            Some("enable TLS 1.2 and 1.3: Postfix smtpd_tls_protocols = >=TLSv1.2 (and upgrade an OpenSSL without TLS 1.2); Exim with a current OpenSSL or GnuTLS".to_string())
        };
        return fail_with(
            p,
            "no-common-version",
            &server_max,
            detail,
            fix_server,
            client_too_old,
            notes,
        );
    };
    let vr = &scan.versions[&version];
    if !vr.complete {
        notes.push(format!(
            "the server's {version} suites were not all measured"
        ));
    }
    let client_suites = if version == "TLSv1.3" {
        &p.suites_tls13
    } else {
        &p.suites
    };
    let server_suites: Vec<&str> = vr.suites.iter().map(|s| s.id.as_str()).collect();
    let chosen = if vr.server_order == Some(true) {
        server_suites
            .iter()
            .find(|s| client_suites.iter().any(|c| c.eq_ignore_ascii_case(s)))
            .map(|s| s.to_string())
    } else {
        client_suites
            .iter()
            .find(|c| server_suites.iter().any(|s| c.eq_ignore_ascii_case(s)))
            .cloned()
    };
    let Some(suite) = chosen else {
        let ours: Vec<String> = server_suites
            .iter()
            .take(6)
            .map(|s| openssl_name(s))
            .collect();
        let theirs: Vec<String> = client_suites
            .iter()
            .take(6)
            .map(|s| openssl_name(s))
            .collect();
        let server_first = server_suites
            .first()
            .map(|s| openssl_name(s))
            .unwrap_or_default();
        return fail_with(
            p,
            "no-common-suite",
            &server_first,
            format!(
                "at {version} (the highest both speak) no cipher suite is in common: the server accepts {}; the peer offers {}",
                if ours.is_empty() {
                    "none".into()
                } else {
                    ours.join(", ")
                },
                if theirs.is_empty() {
                    "none".into()
                } else {
                    theirs.join(", ")
                }
            ),
            Some(format!(
                "accept one of the peer's suites at {version}, e.g. {} (Postfix: tls_high_cipherlist / smtpd_tls_ciphers; Exim: tls_require_ciphers)",
                theirs
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "a modern ECDHE AES-GCM suite".into())
            )),
            true,
            notes,
        );
    };
    // Group.
    let info = u16::from_str_radix(suite.trim_start_matches("0x"), 16)
        .ok()
        .and_then(wire::tls::suites::suite_info);
    let needs_group =
        version == "TLSv1.3" || info.is_some_and(|i| i.kx == wire::tls::suites::Kx::Ecdhe);
    let server_groups = if version == "TLSv1.3" {
        scan.groups_tls13.as_ref()
    } else {
        scan.groups_tls12.as_ref()
    };
    let mut group = None;
    if needs_group && let Some(g) = server_groups {
        group = p
            .groups
            .iter()
            .find(|c| g.groups.iter().any(|s| s.eq_ignore_ascii_case(c)))
            .cloned();
        if group.is_none() && g.complete {
            return fail(
                    p,
                    "no-common-group",
                    format!("no key-exchange group in common at {version}: the server accepts {}; the peer offers {}", g.groups.join(", "), p.groups.join(", ")),
                    Some("accept x25519 and secp256r1 (Postfix: tls_eecdh_auto_curves; Exim: tls_eccurve = auto)".into()),
                    false,
                    notes,
                );
        }
    }
    if info.is_some_and(|i| i.kx == wire::tls::suites::Kx::Dhe)
        && let Some(bits) = scan
            .dhe_bits
            .filter(|b| p.min_dh_bits > 0 && *b < p.min_dh_bits)
    {
        return fail(
            p,
            "dh-too-small",
            format!(
                "the server's DHE group has {bits} bits; the peer needs at least {}",
                p.min_dh_bits
            ),
            Some(
                "use a 2048-bit DHE group or prefer ECDHE (see `smtp-tls-doctor explain dh-weak`)"
                    .into(),
            ),
            false,
            notes,
        );
    }
    let negotiated = Negotiated {
        version: version.clone(),
        suite: suite.clone(),
        suite_name: suite_name(&suite),
        group,
    };
    // Certificate.
    if p.verifies_chain || p.verifies_name {
        let Some(a) = analysis else {
            return unknown(p, "no certificate chain was seen", notes);
        };
        if p.verifies_chain
            && let Some(f) = certificate_failure(p, a)
        {
            let mut s = fail_with(p, &f.0, "", f.1, Some(f.2), f.3, notes);
            if sni_note {
                s.detail = format!(
                    "this peer sends no SNI and gets the server's default certificate: {}",
                    s.detail
                );
            }
            s.negotiated = Some(negotiated);
            return s;
        }
        if p.verifies_name {
            let wanted: Vec<&String> = match p.name_checked.as_str() {
                "none" => Vec::new(),
                _ => names.iter().collect(),
            };
            if let Some(n) = wanted
                .iter()
                .find(|n| a.names.iter().any(|c| &c.name == **n && !c.covered))
            {
                let mut s = fail_with(
                    p,
                    "name-not-covered",
                    &a.covered_names.join(", "),
                    format!(
                        "the certificate does not cover {n}; it covers {}",
                        a.covered_names.join(", ")
                    ),
                    Some(format!(
                        "get a certificate that names {n} (or point the peer at a name the certificate covers)"
                    )),
                    false,
                    notes,
                );
                if sni_note {
                    s.detail = format!(
                        "this peer sends no SNI and gets the server's default certificate: {}",
                        s.detail
                    );
                    s.fix_server = Some("serve a certificate covering the name also without SNI (Postfix: smtpd_tls_chain_files is the no-SNI default beside tls_server_sni_maps; Exim: the default branch of the tls_certificate expansion)".into());
                }
                s.negotiated = Some(negotiated);
                return s;
            }
        }
    }
    match (p.sends_sni, no_sni_analysis) {
        (false, Some(ns)) => {
            let uncovered: Vec<&str> = ns.names.iter().filter(|n| !n.covered).map(|n| n.name.as_str()).collect();
            notes.push(format!(
                "this peer sends no SNI and gets the server's default certificate ({}){}",
                ns.certificates.first().map(|c| c.subject.as_str()).unwrap_or("?"),
                if uncovered.is_empty() {
                    String::new()
                } else {
                    format!(", which does not cover {}: harmless while it does not verify, fatal once it does (e.g. Postfix smtp_tls_security_level = verify or secure)", uncovered.join(", "))
                }
            ));
        }
        (false, None) if obs.no_sni.is_some() => notes.push("this peer sends no SNI: it gets the same certificate as a client with SNI here".into()),
        (false, None) => notes.push("this peer sends no SNI: a server that picks its certificate by SNI shows it its default certificate (not measured here)".into()),
        _ => {}
    }
    Simulation {
        profile: p.id.clone(),
        name: p.name.clone(),
        result: "ok".into(),
        reason: None,
        detail: format!(
            "negotiates {} with {}",
            negotiated.version, negotiated.suite_name
        ),
        negotiated: Some(negotiated),
        plaintext_fallback: false,
        fix_server: None,
        fix_client: None,
        notes,
    }
}

fn unknown(p: &Profile, why: &str, notes: Vec<String>) -> Simulation {
    Simulation {
        profile: p.id.clone(),
        name: p.name.clone(),
        result: "unknown".into(),
        reason: None,
        detail: why.to_string(),
        negotiated: None,
        plaintext_fallback: false,
        fix_server: None,
        fix_client: None,
        notes,
    }
}

/// (reason, detail, server fix, client at fault) when the peer refuses the chain.
fn certificate_failure(p: &Profile, a: &ChainAnalysis) -> Option<(String, String, String, bool)> {
    match &a.trust {
        TrustVerdict::SelfSigned if !p.accepts_self_signed => {
            return Some((
                "self-signed".into(),
                "the certificate is self-signed".into(),
                "use a CA-issued certificate (e.g. Let's Encrypt)".into(),
                false,
            ));
        }
        TrustVerdict::Incomplete {
            missing_issuer,
            ca_issuers,
            ..
        } if !(p.fetches_missing_intermediates && ca_issuers.is_some()) => {
            return Some((
                    "chain-not-trusted".into(),
                    format!("the server does not send {missing_issuer}, and this peer does not fetch it"),
                    "send the intermediate certificate(s) after the leaf (see `smtp-tls-doctor explain chain-incomplete`)".into(),
                    false,
                ));
        }
        TrustVerdict::UntrustedRoot { root, .. } => {
            return Some((
                "chain-not-trusted".into(),
                format!("the chain leads to {root}, which is not in the trust store"),
                "use a certificate from a public CA, or have the peer trust the private root"
                    .into(),
                true,
            ));
        }
        TrustVerdict::Invalid { reason } => {
            return Some((
                "chain-not-trusted".into(),
                format!("the chain is invalid: {reason}"),
                "get a correct certificate from the CA".into(),
                false,
            ));
        }
        _ => {}
    }
    if let Some(t) = a.time_problems.iter().find(|t| t.kind == "expired") {
        return Some((
            "expired".into(),
            format!("{} expired on {}", t.subject, t.date),
            "renew the certificate and reload the server".into(),
            false,
        ));
    }
    if let Some(t) = a.time_problems.iter().find(|t| t.kind == "not-yet-valid") {
        return Some((
            "not-yet-valid".into(),
            format!("{} is valid only from {}", t.subject, t.date),
            "check the clocks; reissue".into(),
            false,
        ));
    }
    if p.min_rsa_bits > 0
        && let Some(c) = a
            .certificates
            .iter()
            .find(|c| c.key_type == "RSA" && c.key_bits.is_some_and(|b| b < p.min_rsa_bits))
    {
        return Some((
            "weak-key".into(),
            format!(
                "{} has an RSA key of {} bits; the peer needs {}",
                c.subject,
                c.key_bits.unwrap_or(0),
                p.min_rsa_bits
            ),
            "a new key of 2048 bits or more (or ECDSA P-256)".into(),
            false,
        ));
    }
    if p.rejects_sha1_certificates
        && let Some(w) = a.weak_signatures.first()
    {
        return Some((
            "weak-signature".into(),
            format!("{} is signed with {}", w.subject, w.what),
            "reissue with SHA-256".into(),
            false,
        ));
    }
    None
}

/// Failing peers first, then unknown, then ok; by id within each.
pub fn order(sims: &mut [Simulation]) {
    sims.sort_by_key(|s| {
        (
            match s.result.as_str() {
                "fails" => 0,
                "unknown" => 1,
                _ => 2,
            },
            s.profile.clone(),
        )
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_embedded_profile_parses() {
        for (file, text) in super::PROFILE_FILES {
            let p: super::Profile = match serde_json::from_str(text) {
                Ok(p) => p,
                Err(e) => panic!("{file}: {e}"),
            };
            assert_eq!(format!("{}.json", p.id), *file, "file name = id");
            assert!(!p.sources.is_empty(), "{file}: sources");
        }
    }
}
