//! Rules of the scan of versions, suites and groups: old protocols, no TLS 1.2, weak suites,
//! suites without forward secrecy, a weak DHE group, and the client's suite order.

use crate::judge::diagnose::finding;
use crate::model::finding::Finding;
use crate::model::scan::SuiteEntry;
use crate::model::scan::TlsScan;
use crate::model::scan::VersionStatus;
use serde_json::json;

/// Findings from the scan of versions, suites and groups.
pub fn scan_findings(sc: &TlsScan) -> Vec<Finding> {
    let mut out = old_protocols(sc);
    out.extend(no_tls12(sc));
    out.extend(weak_suites(sc));
    out.extend(no_forward_secrecy(sc));
    out.extend(dh_weak(sc));
    out.extend(no_server_preference(sc));
    out
}

/// The names of suites (OpenSSL's where known), each once; past four, how many more.
fn names(list: &[&SuiteEntry]) -> String {
    let mut v: Vec<&str> = Vec::new();
    for s in list {
        let n = s.openssl.as_deref().unwrap_or(s.iana.as_str());
        if !v.contains(&n) {
            v.push(n);
        }
    }
    if v.len() > 4 {
        let first: Vec<&str> = v.iter().take(4).copied().collect();
        format!("{} and {} more", first.join(", "), v.len() - 4)
    } else {
        v.join(", ")
    }
}

/// The offered versions' suites, with their version: (version, suite).
fn offered_suites(sc: &TlsScan) -> impl Iterator<Item = (&String, &SuiteEntry)> {
    sc.versions
        .iter()
        .filter(|(_, v)| v.status == VersionStatus::Offered)
        .flat_map(|(key, v)| v.suites.iter().map(move |s| (key, s)))
}

/// `protocol-sslv2` … `protocol-tls11`: each obsolete version the server accepts.
fn old_protocols(sc: &TlsScan) -> Vec<Finding> {
    let mut out = Vec::new();
    for (key, code) in [
        ("SSLv2", "protocol-sslv2"),
        ("SSLv3", "protocol-sslv3"),
        ("TLSv1.0", "protocol-tls10"),
        ("TLSv1.1", "protocol-tls11"),
    ] {
        if let Some(v) = sc
            .versions
            .get(key)
            .filter(|v| v.status == VersionStatus::Offered)
        {
            let list: Vec<&SuiteEntry> = v.suites.iter().collect();
            out.push(finding(
                code,
                format!(
                    "the server accepts {key} ({} suite{}: {})",
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    names(&list)
                ),
                json!({"version": key, "suites": v.suites.iter().map(|s| &s.iana).collect::<Vec<_>>()}),
            ));
        }
    }
    out
}

/// `no-tls12`: some version is offered, but neither TLS 1.2 nor 1.3.
fn no_tls12(sc: &TlsScan) -> Option<Finding> {
    let status = |k: &str| sc.versions.get(k).map(|v| v.status);
    let any_offered = sc
        .versions
        .values()
        .any(|v| v.status == VersionStatus::Offered);
    if !(any_offered
        && status("TLSv1.2") == Some(VersionStatus::NotOffered)
        && status("TLSv1.3") == Some(VersionStatus::NotOffered))
    {
        return None;
    }
    let best = ["TLSv1.1", "TLSv1.0", "SSLv3", "SSLv2"]
        .into_iter()
        .find(|k| status(k) == Some(VersionStatus::Offered))
        .unwrap_or("?");
    Some(finding(
        "no-tls12",
        format!("the server cannot do TLS 1.2 or 1.3: its best is {best}"),
        json!({"best_version": best}),
    ))
}

/// `cipher-weak`: offered suites that are weak (every SSLv2 suite; others by the suite table).
fn weak_suites(sc: &TlsScan) -> Option<Finding> {
    let weak: Vec<(&String, &SuiteEntry, &'static str)> = offered_suites(sc)
        .filter_map(|(key, s)| {
            let why = if key == "SSLv2" {
                Some("SSLv2 cipher")
            } else {
                u16::from_str_radix(s.id.trim_start_matches("0x"), 16)
                    .ok()
                    .and_then(wire::tls::suites::suite_info)
                    .and_then(|i| i.weakness())
            };
            why.map(|w| (key, s, w))
        })
        .collect();
    if weak.is_empty() {
        return None;
    }
    let list: Vec<&SuiteEntry> = weak.iter().map(|w| w.1).collect();
    let mut kinds: Vec<&str> = weak.iter().map(|w| w.2).collect();
    kinds.sort_unstable();
    kinds.dedup();
    Some(finding(
        "cipher-weak",
        format!(
            "the server accepts weak cipher suites ({}): {}",
            kinds.join(", "),
            names(&list)
        ),
        json!({"suites": weak.iter().map(|(v, s, w)| json!({"version": v, "suite": s.iana, "openssl": s.openssl, "weakness": w})).collect::<Vec<_>>()}),
    ))
}

/// `cipher-no-forward-secrecy`: offered suites below TLS 1.3 with static RSA or DH key exchange.
fn no_forward_secrecy(sc: &TlsScan) -> Option<Finding> {
    let no_fs: Vec<(&String, &SuiteEntry)> = offered_suites(sc)
        .filter(|(key, s)| *key != "TLSv1.3" && !s.forward_secrecy && s.kx != "null")
        .collect();
    if no_fs.is_empty() {
        return None;
    }
    let list: Vec<&SuiteEntry> = no_fs.iter().map(|w| w.1).collect();
    Some(finding(
        "cipher-no-forward-secrecy",
        format!(
            "the server accepts suites without forward secrecy (static RSA or DH key exchange): {}",
            names(&list)
        ),
        json!({"suites": no_fs.iter().map(|(v, s)| json!({"version": v, "suite": s.iana, "openssl": s.openssl})).collect::<Vec<_>>()}),
    ))
}

/// `dh-weak`: a DHE group below 2048 bits.
fn dh_weak(sc: &TlsScan) -> Option<Finding> {
    let bits = sc.dhe_bits.filter(|b| *b < 2048)?;
    Some(finding(
        "dh-weak",
        format!(
            "the server's DHE group has {bits} bits (below 2048){}{}",
            sc.dhe_suite
                .as_ref()
                .map(|s| format!(", with {s}"))
                .unwrap_or_default(),
            sc.dhe_group
                .as_ref()
                .map(|g| format!("; it is {g}, a prime shared by many servers"))
                .unwrap_or_default()
        ),
        json!({"bits": bits, "suite": sc.dhe_suite, "group": sc.dhe_group}),
    ))
}

/// `no-server-preference`: versions for which the server follows the client's suite order.
fn no_server_preference(sc: &TlsScan) -> Option<Finding> {
    let unordered: Vec<&str> = sc
        .versions
        .iter()
        .filter(|(_, v)| v.server_order == Some(false))
        .map(|(k, _)| k.as_str())
        .collect();
    if unordered.is_empty() {
        return None;
    }
    Some(finding(
        "no-server-preference",
        format!(
            "the server follows the client's suite order for {}",
            unordered.join(", ")
        ),
        json!({"versions": unordered}),
    ))
}
