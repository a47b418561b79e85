//! What a peer and the server negotiate, from the scan: the version, the suite, the group; or
//! why they cannot (no common version, suite or group, a DHE group too small for the peer).

use crate::judge::simulate::outcome::Ended;
use crate::judge::simulate::outcome::fail;
use crate::judge::simulate::outcome::fail_with;
use crate::judge::simulate::outcome::unknown;
use crate::model::profile::Profile;
use crate::model::profile::Simulation;
use crate::model::scan::GroupsResult;
use crate::model::scan::TlsScan;
use crate::model::scan::VersionResult;
use crate::model::scan::VersionStatus;

/// The order of protocol versions, oldest first (unknown names last).
pub(super) fn vnum(v: &str) -> u8 {
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

/// A suite id ("0x1301") as its display name, or the id itself when unknown.
pub(super) fn suite_name(id: &str) -> String {
    u16::from_str_radix(id.trim_start_matches("0x"), 16)
        .ok()
        .map(wire::tls::cipher_suite_display)
        .unwrap_or_else(|| id.to_string())
}

/// A suite id as OpenSSL names it, else its display name.
fn openssl_name(id: &str) -> String {
    u16::from_str_radix(id.trim_start_matches("0x"), 16)
        .ok()
        .and_then(wire::tls::suites::suite_info)
        .and_then(|s| s.openssl.map(str::to_string))
        .unwrap_or_else(|| suite_name(id))
}

/// The suite's facts from the suite table.
fn info(suite: &str) -> Option<&'static wire::tls::suites::SuiteInfo> {
    u16::from_str_radix(suite.trim_start_matches("0x"), 16)
        .ok()
        .and_then(wire::tls::suites::suite_info)
}

/// The version: the highest both speak (the server chooses it; TLS does not fall back on
/// failure), with the server's result for it.
pub(super) fn version<'s>(
    p: &Profile,
    scan: &'s TlsScan,
    notes: &[String],
) -> Result<(String, &'s VersionResult), Ended> {
    let mut client_versions: Vec<&String> = p.versions.iter().collect();
    client_versions.sort_by_key(|v| std::cmp::Reverse(vnum(v)));
    client_versions
        .iter()
        .find_map(|v| {
            scan.versions
                .get(v.as_str())
                .filter(|r| r.status == VersionStatus::Offered)
                .map(|r| (v.to_string(), r))
        })
        .ok_or_else(|| Box::new(no_common_version(p, scan, notes.to_vec())))
}

/// No version in common: unknown when the server's support of one of the peer's versions could not
/// be measured; else the peer fails, at fault only when it is too old for the server.
fn no_common_version(p: &Profile, scan: &TlsScan, notes: Vec<String>) -> Simulation {
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
    let server_max = server
        .iter()
        .max_by_key(|v| vnum(v))
        .map(|s| s.to_string())
        .unwrap_or_default();
    let too_old = client_too_old(p, &server, &server_max);
    let detail = format!(
        "the peer offers {}; the server accepts {}",
        p.versions.join(", "),
        if server.is_empty() {
            "no version at all".to_string()
        } else {
            server.join(", ")
        }
    );
    fail_with(
        p,
        "no-common-version",
        &server_max,
        detail,
        Some(version_fix(p, too_old)),
        too_old,
        notes,
    )
}

/// What the server can change when no version is in common: accept the old peer's newest
/// version (when the peer is too old), else enable TLS 1.2 and 1.3.
fn version_fix(p: &Profile, too_old: bool) -> String {
    if !too_old {
        return "enable TLS 1.2 and 1.3: Postfix smtpd_tls_protocols = >=TLSv1.2 (and upgrade an OpenSSL without TLS 1.2); Exim with a current OpenSSL or GnuTLS".to_string();
    }
    let newest = p
        .versions
        .iter()
        .max_by_key(|v| vnum(v))
        .cloned()
        .unwrap_or_default();
    format!(
        "accept {newest} as well (only if this peer matters: it is old), e.g. Postfix smtpd_tls_protocols = >={newest}"
    )
}

/// The peer's versions are all older than the server's: the peer is the one to change.
fn client_too_old(p: &Profile, server: &[&str], server_max: &str) -> bool {
    let client_min = p
        .versions
        .iter()
        .min_by_key(|v| vnum(v))
        .cloned()
        .unwrap_or_default();
    let server_min = server
        .iter()
        .min_by_key(|v| vnum(v))
        .map(|s| s.to_string())
        .unwrap_or_default();
    !server.is_empty()
        && vnum(&client_min) < vnum(&server_min)
        && p.versions.iter().all(|v| vnum(v) < vnum(server_max))
}

/// The suite: the server's first one the peer offers when the server enforces its order, else
/// the peer's first one the server accepts.
pub(super) fn suite(
    p: &Profile,
    version: &str,
    vr: &VersionResult,
    notes: &[String],
) -> Result<String, Ended> {
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
    chosen.ok_or_else(|| {
        Box::new(no_common_suite(
            p,
            version,
            &server_suites,
            client_suites,
            notes.to_vec(),
        ))
    })
}

/// No suite in common at the version chosen: the peer fails, and the server should accept one of
/// its suites.
fn no_common_suite(
    p: &Profile,
    version: &str,
    server_suites: &[&str],
    client_suites: &[String],
    notes: Vec<String>,
) -> Simulation {
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
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    fail_with(
        p,
        "no-common-suite",
        &server_first,
        format!(
            "at {version} (the highest both speak) no cipher suite is in common: the server accepts {}; the peer offers {}",
            list(&ours),
            list(&theirs)
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
    )
}

/// The key-exchange group, for TLS 1.3 and ECDHE suites when the scan measured the server's: the
/// peer's first one the server accepts. None in common fails once the server's list is complete.
pub(super) fn group(
    p: &Profile,
    version: &str,
    suite: &str,
    scan: &TlsScan,
    notes: &[String],
) -> Result<Option<String>, Ended> {
    let needs_group =
        version == "TLSv1.3" || info(suite).is_some_and(|i| i.kx == wire::tls::suites::Kx::Ecdhe);
    let server_groups: Option<&GroupsResult> = if version == "TLSv1.3" {
        scan.groups_tls13.as_ref()
    } else {
        scan.groups_tls12.as_ref()
    };
    let Some(g) = server_groups.filter(|_| needs_group) else {
        return Ok(None);
    };
    let group = p
        .groups
        .iter()
        .find(|c| g.groups.iter().any(|s| s.eq_ignore_ascii_case(c)))
        .cloned();
    if group.is_none() && g.complete {
        return Err(Box::new(fail(
            p,
            "no-common-group",
            format!(
                "no key-exchange group in common at {version}: the server accepts {}; the peer offers {}",
                g.groups.join(", "),
                p.groups.join(", ")
            ),
            Some("accept x25519 and secp256r1 (Postfix: tls_eecdh_auto_curves; Exim: tls_eccurve = auto)".into()),
            false,
            notes.to_vec(),
        )));
    }
    Ok(group)
}

/// A DHE suite with a group smaller than the peer accepts.
pub(super) fn dh_too_small(
    p: &Profile,
    suite: &str,
    scan: &TlsScan,
    notes: &[String],
) -> Result<(), Ended> {
    if !info(suite).is_some_and(|i| i.kx == wire::tls::suites::Kx::Dhe) {
        return Ok(());
    }
    let Some(bits) = scan
        .dhe_bits
        .filter(|b| p.min_dh_bits > 0 && *b < p.min_dh_bits)
    else {
        return Ok(());
    };
    Err(Box::new(fail(
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
        notes.to_vec(),
    )))
}
