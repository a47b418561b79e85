//! The vulnerability battery (issue 13): each check an id, a status and one evidence sentence,
//! judged from the scan (versions, suites, what its ServerHellos answered to the extensions they
//! offered), the modern handshake (a stapled OCSP response) and the battery's active probes.
//!
//! Weaknesses are `vulnerable`, `ok`, `not-applicable` or `unknown`; features `supported`,
//! `not-supported` or `unknown` (and `not-applicable` where the feature cannot exist, such as
//! renegotiation on a TLS 1.3-only server). A vulnerable weakness (or a missing safety feature)
//! raises a finding: a new one of the registry, or one the scan rules already raise (cipher-weak
//! for export, RC4 and 64-bit block suites, dh-weak, protocol-sslv2, protocol-sslv3), which the
//! evidence then names rather than reporting the same thing twice.
//!
//! Mail is not HTTPS: BEAST and CRIME need an attacker who makes the victim's client send
//! chosen plaintext next to a secret in the same connection (a browser running the attacker's
//! script); an SMTP client relaying mail gives no such handle, so those are rated notes.

use crate::judge::diagnose::finding;
use crate::model::checks::{CheckResult, CheckStatus, Checks};
use crate::model::finding::Finding;
use crate::model::observation::EndpointObservation;
use crate::model::scan::VersionStatus;
use crate::model::scan::{HelloFeatures, ProbeAnswer, ProbeResult, SuiteEntry, TlsScan};
use serde_json::json;

/// Versions at or below TLS 1.2, oldest first, as keyed in the report.
const LEGACY: [&str; 4] = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"];

/// Every check of the battery for one endpoint; empty without a scan (`--quick`).
pub fn checks(obs: &EndpointObservation) -> Checks {
    let mut out = Checks::new();
    let Some(sc) = obs.scan.as_ref() else {
        return out;
    };
    let v = View::new(sc);
    let mut put = |id: &str, (status, evidence): (CheckStatus, String)| {
        out.insert(id.to_string(), CheckResult { status, evidence });
    };
    put("heartbleed", heartbleed(&v));
    put("ccs-injection", ccs_injection(&v));
    put("robot", robot(&v));
    put("compression", compression(&v));
    put("client-renegotiation", client_renegotiation(&v));
    put("secure-renegotiation", secure_renegotiation(&v));
    put("fallback-scsv", fallback_scsv(&v));
    put("sweet32", sweet32(&v));
    put("freak", freak(&v));
    put("logjam", logjam(&v));
    put("drown", drown(&v, obs));
    put("poodle", poodle(&v));
    put("beast", beast(&v));
    put("lucky13", lucky13(&v));
    put("rc4", rc4(&v));
    put("session-resumption", session_resumption(&v));
    put("session-tickets", session_tickets(&v, obs));
    put("ocsp-stapling", ocsp_stapling(&v, obs));
    put("extended-master-secret", extended_master_secret(&v));
    put("encrypt-then-mac", encrypt_then_mac(&v));
    out
}

/// Which check raises which finding, when it is `vulnerable` (or `not-supported`), and whether
/// the finding is the battery's own (`true`) or one the scan rules raise already.
const FINDING_OF: &[(&str, &str, bool)] = &[
    ("heartbleed", "heartbleed", true),
    ("ccs-injection", "ccs-injection", true),
    ("robot", "robot", true),
    ("compression", "tls-compression", true),
    ("secure-renegotiation", "no-secure-renegotiation", true),
    ("client-renegotiation", "client-renegotiation", true),
    ("fallback-scsv", "no-fallback-scsv", true),
    ("beast", "cbc-tls10", true),
    ("lucky13", "cbc-lucky13", true),
    ("sweet32", "cipher-weak", false),
    ("freak", "cipher-weak", false),
    ("rc4", "cipher-weak", false),
    ("drown", "protocol-sslv2", false),
    ("poodle", "protocol-sslv3", false),
];

/// The finding a check's bad result stands for, if any: the code, and whether the battery
/// raises it itself. Logjam's is dh-weak for a small group, cipher-weak for export suites.
pub fn finding_for(id: &str, r: &CheckResult) -> Option<(&'static str, bool)> {
    let bad = matches!(r.status, CheckStatus::Vulnerable)
        || (matches!(r.status, CheckStatus::NotSupported)
            && matches!(id, "secure-renegotiation" | "fallback-scsv"));
    if !bad {
        return None;
    }
    if id == "logjam" {
        return Some(if r.evidence.contains("EXPORT") {
            ("cipher-weak", false)
        } else {
            ("dh-weak", false)
        });
    }
    FINDING_OF
        .iter()
        .find(|(c, _, _)| *c == id)
        .map(|(_, code, own)| (*code, *own))
}

/// The battery's own findings for its checks (the others are the scan rules'). A server that
/// ignores TLS_FALLBACK_SCSV but marks the downgrade with the RFC 8446 sentinel (rustls does
/// so, on purpose) protects TLS 1.3 clients, which are the ones that matter today: no finding.
pub fn battery_findings(checks: &Checks, obs: &EndpointObservation) -> Vec<Finding> {
    let sentinel = obs
        .scan
        .as_ref()
        .and_then(|s| s.probes.as_ref())
        .and_then(|p| p.fallback_scsv.as_ref())
        .is_some_and(|f| f.downgrade_sentinel);
    let mut out = Vec::new();
    for (id, r) in checks {
        if id == "fallback-scsv" && sentinel {
            continue;
        }
        // BEAST through SSLv3 alone is reported as protocol-sslv3 (POODLE).
        if id == "beast" && r.evidence.contains("finding protocol-sslv3") {
            continue;
        }
        if let Some((code, true)) = finding_for(id, r) {
            out.push(finding(
                code,
                format!("{id}: {}", r.evidence),
                json!({"check": id, "status": r.status.as_str()}),
            ));
        }
    }
    out
}

/// The scan, read for the battery.
struct View<'a> {
    sc: &'a TlsScan,
}

impl<'a> View<'a> {
    fn new(sc: &'a TlsScan) -> Self {
        View { sc }
    }

    fn offered(&self, key: &str) -> bool {
        self.sc
            .versions
            .get(key)
            .is_some_and(|v| v.status == VersionStatus::Offered)
    }

    /// Whether any version's result is unknown (a measurement cut short).
    fn unknown(&self, key: &str) -> bool {
        self.sc
            .versions
            .get(key)
            .is_none_or(|v| v.status == VersionStatus::Unknown)
    }

    /// Offered versions at or below TLS 1.2.
    fn legacy(&self) -> Vec<&'static str> {
        LEGACY.into_iter().filter(|k| self.offered(k)).collect()
    }

    fn tls13_only(&self) -> bool {
        self.offered("TLSv1.3") && self.legacy().is_empty() && !self.offered("SSLv2")
    }

    /// Whether the scan measured nothing at all (every version unknown).
    fn nothing_known(&self) -> bool {
        self.sc
            .versions
            .values()
            .all(|v| v.status == VersionStatus::Unknown)
    }

    /// (version, suite) pairs of the offered versions (SSLv2 included).
    fn suites(&self) -> Vec<(&'a str, &'a SuiteEntry)> {
        self.sc
            .versions
            .iter()
            .filter(|(_, v)| v.status == VersionStatus::Offered)
            .flat_map(|(k, v)| v.suites.iter().map(move |s| (k.as_str(), s)))
            .collect()
    }

    /// The features of the offered versions at or below TLS 1.2 that had ServerHellos.
    fn features(&self) -> Vec<(&'static str, &'a HelloFeatures)> {
        self.legacy()
            .into_iter()
            .filter_map(|k| {
                self.sc
                    .hello_features
                    .get(k)
                    .filter(|f| f.hellos > 0)
                    .map(|f| (k, f))
            })
            .collect()
    }

    fn probe(
        &self,
        which: fn(&crate::model::scan::BatteryProbes) -> &Option<ProbeResult>,
    ) -> Option<&'a ProbeResult> {
        self.sc.probes.as_ref().and_then(|p| which(p).as_ref())
    }
}

type Judged = (CheckStatus, String);

fn st(status: CheckStatus, evidence: impl Into<String>) -> Judged {
    (status, evidence.into())
}

/// "TLSv1.0 and TLSv1.2".
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Suite names (OpenSSL's where known), each once; past four, how many more.
fn suite_names(list: &[(&str, &SuiteEntry)]) -> String {
    let mut v: Vec<&str> = Vec::new();
    for (_, s) in list {
        let n = s.openssl.as_deref().unwrap_or(s.iana.as_str());
        if !v.contains(&n) {
            v.push(n);
        }
    }
    if v.len() > 4 {
        format!(
            "{} and {} more",
            v.get(..4).unwrap_or_default().join(", "),
            v.len() - 4
        )
    } else {
        v.join(", ")
    }
}

fn versions_of(list: &[(&str, &SuiteEntry)]) -> String {
    let mut v: Vec<&str> = Vec::new();
    for (k, _) in list {
        if !v.contains(k) {
            v.push(k);
        }
    }
    and_list(&v)
}

fn is_cbc(s: &SuiteEntry) -> bool {
    s.enc.contains("CBC")
}

/// A probe's answer as a weakness: accepted is vulnerable.
fn weakness_from(p: &ProbeResult) -> Judged {
    let status = match p.answer {
        ProbeAnswer::Accepted => CheckStatus::Vulnerable,
        ProbeAnswer::Refused => CheckStatus::Ok,
        ProbeAnswer::Unknown => CheckStatus::Unknown,
    };
    st(status, format!("{}: {}", p.version, p.detail))
}

/// Without a measurement: unknown when the scan knew nothing.
fn not_measured() -> Judged {
    st(
        CheckStatus::Unknown,
        "the scan could not measure the server's versions",
    )
}

fn heartbleed(v: &View) -> Judged {
    if let Some(p) = v.probe(|p| &p.heartbleed) {
        return weakness_from(p);
    }
    if v.nothing_known() {
        return not_measured();
    }
    let feats = v.features();
    if feats.iter().any(|(_, f)| f.echoed("heartbeat")) {
        return st(
            CheckStatus::Unknown,
            "the server accepts the heartbeat extension, but the heartbeat probe was not run",
        );
    }
    if v.tls13_only() {
        return st(
            CheckStatus::NotApplicable,
            "the server speaks only TLS 1.3, which has no heartbeat extension",
        );
    }
    if feats.is_empty() {
        return st(
            CheckStatus::Unknown,
            "no complete TLS 1.2-or-older ServerHello was seen to tell whether the server speaks heartbeat",
        );
    }
    let hellos: u32 = feats.iter().map(|(_, f)| f.hellos).sum();
    st(
        CheckStatus::Ok,
        format!(
            "none of {hellos} ServerHellos echoed the heartbeat extension that every hello offered: \
             the server does not speak heartbeat, so no heartbeat request was sent"
        ),
    )
}

fn ccs_injection(v: &View) -> Judged {
    if let Some(p) = v.probe(|p| &p.ccs_injection) {
        return weakness_from(p);
    }
    if v.nothing_known() {
        return not_measured();
    }
    if v.legacy().is_empty() {
        return st(
            CheckStatus::NotApplicable,
            "the server accepts no version at or below TLS 1.2, where the early ChangeCipherSpec applies",
        );
    }
    if v.offered("TLSv1.3") {
        return st(
            CheckStatus::Ok,
            "inferred, not probed: the flaw was OpenSSL's alone, fixed in 1.0.1h (2014), and this \
             server also speaks TLS 1.3, which OpenSSL gained in 1.1.1 (2018)",
        );
    }
    st(CheckStatus::Unknown, "the CCS injection probe was not run")
}

fn robot(v: &View) -> Judged {
    if let Some(p) = v.probe(|p| &p.robot) {
        return weakness_from(p);
    }
    if v.nothing_known() {
        return not_measured();
    }
    let rsa: Vec<_> = v
        .suites()
        .into_iter()
        .filter(|(k, s)| *k != "SSLv2" && (s.kx == "rsa"))
        .collect();
    if rsa.is_empty() {
        return st(
            CheckStatus::NotApplicable,
            "the server accepts no RSA key-exchange suite, so there is no RSA decryption to probe",
        );
    }
    st(
        CheckStatus::Unknown,
        format!(
            "not measured: the server accepts RSA key exchange ({} in {}), but the \
             ClientKeyExchange oracle probe was not run (a saved scan from before it, or --quick)",
            suite_names(&rsa),
            versions_of(&rsa)
        ),
    )
}

fn compression(v: &View) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    let feats = v.features();
    let compressed: Vec<&str> = feats
        .iter()
        .filter(|(_, f)| f.compressed > 0)
        .map(|(k, _)| *k)
        .collect();
    if !compressed.is_empty() {
        return st(
            CheckStatus::Vulnerable,
            format!(
                "the server chose DEFLATE compression in {} (CRIME needs chosen plaintext next to a \
                 secret in the same compressed stream, which SMTP relaying does not give an attacker)",
                and_list(&compressed)
            ),
        );
    }
    if v.tls13_only() {
        return st(
            CheckStatus::Ok,
            "the server speaks only TLS 1.3, which has no compression",
        );
    }
    if feats.is_empty() {
        return st(
            CheckStatus::Unknown,
            "no complete TLS 1.2-or-older ServerHello was seen",
        );
    }
    let hellos: u32 = feats.iter().map(|(_, f)| f.hellos).sum();
    st(
        CheckStatus::Ok,
        format!("all {hellos} ServerHellos chose the null method when offered DEFLATE and null"),
    )
}

fn client_renegotiation(v: &View) -> Judged {
    if let Some(p) = v.probe(|p| &p.client_renegotiation) {
        return weakness_from(p);
    }
    if v.nothing_known() {
        return not_measured();
    }
    if v.legacy().is_empty() {
        return st(
            CheckStatus::NotApplicable,
            "the server accepts no version at or below TLS 1.2; TLS 1.3 has no renegotiation",
        );
    }
    st(
        CheckStatus::Unknown,
        "not measured: the scan was saved before this check existed, or the probe did not run",
    )
}

/// A feature judged from the ServerHellos of each legacy version: supported when every one
/// echoed it, not-supported otherwise (naming the versions).
fn echoed_feature(v: &View, ext: &str, what: &str, tls13_note: &str) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    let feats = v.features();
    if feats.is_empty() {
        if v.tls13_only() {
            return st(CheckStatus::NotApplicable, tls13_note);
        }
        return st(
            CheckStatus::Unknown,
            "no complete TLS 1.2-or-older ServerHello was seen",
        );
    }
    let (with, without): (Vec<_>, Vec<_>) = feats.iter().partition(|(_, f)| f.echoed(ext));
    let names =
        |l: &[&(&str, &HelloFeatures)]| and_list(&l.iter().map(|(k, _)| *k).collect::<Vec<_>>());
    let with: Vec<_> = with.iter().collect();
    let without: Vec<_> = without.iter().collect();
    if without.is_empty() {
        st(
            CheckStatus::Supported,
            format!("the ServerHellos of {} echoed {ext} ({what})", names(&with)),
        )
    } else if with.is_empty() {
        st(
            CheckStatus::NotSupported,
            format!(
                "no ServerHello of {} echoed {ext} ({what})",
                names(&without)
            ),
        )
    } else {
        st(
            CheckStatus::NotSupported,
            format!(
                "the ServerHellos of {} echoed {ext} ({what}), those of {} did not",
                names(&with),
                names(&without)
            ),
        )
    }
}

fn secure_renegotiation(v: &View) -> Judged {
    echoed_feature(
        v,
        "renegotiation_info",
        "RFC 5746",
        "the server speaks only TLS 1.3, which has no renegotiation",
    )
}

fn extended_master_secret(v: &View) -> Judged {
    echoed_feature(
        v,
        "extended_master_secret",
        "RFC 7627",
        "the server speaks only TLS 1.3, whose key schedule always binds the handshake",
    )
}

fn fallback_scsv(v: &View) -> Judged {
    if let Some(p) = v.probe(|p| &p.fallback_scsv) {
        let status = match p.answer {
            ProbeAnswer::Refused => CheckStatus::Supported,
            ProbeAnswer::Accepted => CheckStatus::NotSupported,
            ProbeAnswer::Unknown => CheckStatus::Unknown,
        };
        return st(status, format!("{}: {}", p.version, p.detail));
    }
    if v.nothing_known() {
        return not_measured();
    }
    let offered: Vec<&str> = LEGACY
        .into_iter()
        .chain(["TLSv1.3"])
        .filter(|k| v.offered(k))
        .collect();
    if offered.len() < 2 {
        return st(
            CheckStatus::NotApplicable,
            format!(
                "the server accepts only {}: there is no lower version a client could fall back to",
                and_list(&offered)
            ),
        );
    }
    st(CheckStatus::Unknown, "the fallback probe was not run")
}

fn sweet32(v: &View) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    let small: Vec<_> = v
        .suites()
        .into_iter()
        .filter(|(_, s)| {
            ["3DES", "DES", "IDEA", "RC2"]
                .iter()
                .any(|p| s.enc.starts_with(p))
        })
        .collect();
    if small.is_empty() {
        return st(
            CheckStatus::Ok,
            "the server accepts no 64-bit block cipher (3DES, DES, IDEA, RC2)",
        );
    }
    st(
        CheckStatus::Vulnerable,
        format!(
            "the server accepts 64-bit block ciphers ({} in {}; finding cipher-weak)",
            suite_names(&small),
            versions_of(&small)
        ),
    )
}

fn is_export(s: &SuiteEntry) -> bool {
    s.kx.ends_with("-export") || s.iana.contains("EXPORT")
}

fn freak(v: &View) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    let export: Vec<_> = v
        .suites()
        .into_iter()
        .filter(|(_, s)| is_export(s) && s.kx.starts_with("rsa"))
        .collect();
    if export.is_empty() {
        return st(CheckStatus::Ok, "the server accepts no export RSA suite");
    }
    st(
        CheckStatus::Vulnerable,
        format!(
            "the server accepts export RSA suites ({} in {}; finding cipher-weak)",
            suite_names(&export),
            versions_of(&export)
        ),
    )
}

fn logjam(v: &View) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    let export: Vec<_> = v
        .suites()
        .into_iter()
        .filter(|(_, s)| s.kx == "dhe-export")
        .collect();
    if !export.is_empty() {
        return st(
            CheckStatus::Vulnerable,
            format!(
                "the server accepts EXPORT DHE suites ({} in {}; finding cipher-weak)",
                suite_names(&export),
                versions_of(&export)
            ),
        );
    }
    let suite = v.sc.dhe_suite.as_deref().unwrap_or("?");
    match (v.sc.dhe_bits, v.sc.dhe_group.as_deref()) {
        (Some(b), Some(name)) if b <= 1024 => st(
            CheckStatus::Vulnerable,
            format!(
                "the server's DHE group is {name} ({suite}), a {b}-bit prime shared by many \
                 servers: one precomputation like Logjam's breaks them all (finding dh-weak)"
            ),
        ),
        (Some(b), None) if b <= 1024 => st(
            CheckStatus::Vulnerable,
            format!(
                "the server's DHE group has {b} bits ({suite}), a prime of its own: within \
                 reach of a precomputation like Logjam's (finding dh-weak)"
            ),
        ),
        (Some(b), Some(name)) => st(
            CheckStatus::Ok,
            format!(
                "no export DHE suite; the smallest DHE group is {name} ({b} bits): widely \
                 shared, but too large for a Logjam-style precomputation"
            ),
        ),
        (Some(b), None) => st(
            CheckStatus::Ok,
            format!(
                "no export DHE suite, and the smallest DHE group has {b} bits (a prime of the \
                 server's own)"
            ),
        ),
        (None, _) => st(
            CheckStatus::Ok,
            "the server accepts no export DHE suite and uses no DHE group",
        ),
    }
}

fn drown(v: &View, obs: &EndpointObservation) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    if !v.offered("SSLv2") {
        if v.unknown("SSLv2") {
            return st(
                CheckStatus::Unknown,
                "whether the server speaks SSLv2 could not be measured",
            );
        }
        return st(
            CheckStatus::Ok,
            "the server refuses SSLv2 (DROWN also reaches its key through any server that \
             speaks SSLv2 with it: another endpoint of this check would be named here; another \
             port or a web server this check cannot see)",
        );
    }
    let same = sslv2_key(obs).map(|key| tls_leaf_keys(obs).contains(&key));
    let tail = match same {
        Some(true) => {
            "with the same RSA key as its TLS certificate: recorded TLS sessions can be \
                       decrypted through SSLv2"
        }
        Some(false) => {
            "with another key than its TLS certificate (the SSLv2 service itself is broken)"
        }
        None => "(the SSLv2 certificate could not be compared with the TLS one)",
    };
    st(
        CheckStatus::Vulnerable,
        format!("the server speaks SSLv2 {tail} (finding protocol-sslv2)"),
    )
}

/// The key of the certificate the server sent in SSLv2, if it speaks SSLv2.
fn sslv2_key(obs: &EndpointObservation) -> Option<Vec<u8>> {
    let sc = obs.scan.as_ref()?;
    sc.versions
        .get("SSLv2")
        .filter(|r| r.status == VersionStatus::Offered)?;
    spki(&sc.sslv2_certificate.as_ref()?.0)
}

/// The keys of the leaf certificates the server sent in TLS (the modern handshake's and every
/// chain the scan met).
fn tls_leaf_keys(obs: &EndpointObservation) -> Vec<Vec<u8>> {
    let modern = obs.tls.iter().filter_map(|t| t.chain.first());
    let scanned = obs
        .scan
        .iter()
        .flat_map(|sc| sc.scanned_chains.iter().filter_map(|c| c.chain.first()));
    let mut keys: Vec<Vec<u8>> = Vec::new();
    for k in modern.chain(scanned).filter_map(|l| spki(&l.0)) {
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

/// The RSA key-exchange suites the scan saw accepted, in any version.
fn accepts_rsa_key_exchange(obs: &EndpointObservation) -> bool {
    obs.scan.as_ref().is_some_and(|sc| {
        sc.versions
            .iter()
            .filter(|(k, r)| *k != "SSLv2" && r.status == VersionStatus::Offered)
            .any(|(_, r)| r.suites.iter().any(|s| s.kx == "rsa"))
    })
}

/// DROWN across the endpoints of one check (a domain's MX hosts, a host's addresses): an
/// endpoint that refuses SSLv2 is still exposed when another endpoint speaks SSLv2 with the
/// same RSA key, which is the DROWN paper's main case (CVE-2016-0800: the SSLv2 server is an
/// oracle for RSA key-exchange sessions with every server holding the key). Such an
/// endpoint's `drown` becomes vulnerable, naming the other, and gets `drown-shared-key`; one
/// that never uses RSA key exchange stays ok, with the shared key said.
pub fn drown_across(endpoints: &mut [crate::model::report::EndpointReport]) {
    let speakers: Vec<(String, Vec<u8>)> = endpoints
        .iter()
        .filter_map(|e| {
            let o = &e.observation;
            sslv2_key(o).map(|k| (format!("{} ({})", o.name, o.address), k))
        })
        .collect();
    if speakers.is_empty() {
        return;
    }
    for e in endpoints.iter_mut() {
        let o = &e.observation;
        if e.checks
            .get("drown")
            .is_none_or(|r| r.status != CheckStatus::Ok)
        {
            continue;
        }
        let here = format!("{} ({})", o.name, o.address);
        let keys = tls_leaf_keys(o);
        let Some((other, _)) = speakers
            .iter()
            .find(|(who, k)| *who != here && keys.contains(k))
        else {
            continue;
        };
        let rsa = accepts_rsa_key_exchange(o);
        let evidence = if rsa {
            format!(
                "the server refuses SSLv2, but {other} speaks SSLv2 with the same RSA key:                  recorded TLS sessions with this server that used RSA key exchange can be                  decrypted through it"
            )
        } else {
            format!(
                "the server refuses SSLv2; {other} speaks SSLv2 with the same RSA key, but this                  server never uses RSA key exchange, so its sessions cannot be decrypted that way"
            )
        };
        let status = if rsa {
            CheckStatus::Vulnerable
        } else {
            CheckStatus::Ok
        };
        if rsa {
            e.findings.push(finding(
                "drown-shared-key",
                format!("drown: {evidence}"),
                json!({"check": "drown", "status": "vulnerable", "sslv2_endpoint": other}),
            ));
            crate::judge::diagnose::rank(&mut e.findings);
        }
        e.checks
            .insert("drown".into(), CheckResult { status, evidence });
    }
}

/// The SubjectPublicKeyInfo of a DER certificate.
fn spki(der: &[u8]) -> Option<Vec<u8>> {
    x509_parser::parse_x509_certificate(der)
        .ok()
        .map(|(_, c)| c.public_key().raw.to_vec())
}

fn cbc_in(v: &View, key: &str) -> Vec<(&'static str, SuiteEntry)> {
    let k: &'static str = LEGACY.into_iter().find(|x| *x == key).unwrap_or("?");
    v.sc.versions
        .get(key)
        .filter(|r| r.status == VersionStatus::Offered)
        .map(|r| {
            r.suites
                .iter()
                .filter(|s| is_cbc(s))
                .map(|s| (k, s.clone()))
                .collect()
        })
        .unwrap_or_default()
}

fn poodle(v: &View) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    if !v.offered("SSLv3") {
        return st(CheckStatus::Ok, "the server refuses SSLv3");
    }
    let cbc = cbc_in(v, "SSLv3");
    if cbc.is_empty() {
        return st(
            CheckStatus::Ok,
            "the server accepts SSLv3, but no CBC suite with it",
        );
    }
    let list: Vec<(&str, &SuiteEntry)> = cbc.iter().map(|(k, s)| (*k, s)).collect();
    st(
        CheckStatus::Vulnerable,
        format!(
            "the server accepts SSLv3 with CBC suites ({}; finding protocol-sslv3)",
            suite_names(&list)
        ),
    )
}

fn beast(v: &View) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    let tls10 = cbc_in(v, "TLSv1.0");
    let ssl3 = cbc_in(v, "SSLv3");
    if tls10.is_empty() && ssl3.is_empty() {
        return st(
            CheckStatus::Ok,
            if v.offered("TLSv1.0") || v.offered("SSLv3") {
                "the server accepts TLS 1.0 or SSLv3, but no CBC suite with it"
            } else {
                "the server refuses TLS 1.0 and SSLv3"
            },
        );
    }
    let mut all = tls10.clone();
    all.extend(ssl3.iter().cloned());
    let list: Vec<(&str, &SuiteEntry)> = all.iter().map(|(k, s)| (*k, s)).collect();
    // SSLv3 alone is POODLE's, a worse attack: its finding is protocol-sslv3's.
    let finding = if tls10.is_empty() {
        "finding protocol-sslv3"
    } else {
        "finding cbc-tls10"
    };
    st(
        CheckStatus::Vulnerable,
        format!(
            "the server accepts CBC suites in {} ({}; {finding}); BEAST needs chosen plaintext \
             from a browser-like client, which mail relaying does not give an attacker",
            versions_of(&list),
            suite_names(&list)
        ),
    )
}

fn lucky13(v: &View) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    // SSLv2's and SSLv3's CBC flaws are worse (protocol-sslv2, POODLE under protocol-sslv3).
    let cbc: Vec<_> = v
        .suites()
        .into_iter()
        .filter(|(k, s)| !matches!(*k, "SSLv2" | "SSLv3") && is_cbc(s))
        .collect();
    if cbc.is_empty() {
        return st(CheckStatus::Ok, "the server accepts no CBC suite in TLS");
    }
    let feats = v.features();
    let hellos: u32 = feats.iter().map(|(_, f)| f.cbc_hellos).sum();
    let etm: u32 = feats.iter().map(|(_, f)| f.cbc_encrypt_then_mac).sum();
    if hellos > 0 && etm == hellos {
        return st(
            CheckStatus::Ok,
            format!(
                "the server accepts CBC suites ({}), but uses encrypt-then-MAC (RFC 7366) with \
                 them in every one of {hellos} ServerHellos, which leaves no padding to time",
                suite_names(&cbc)
            ),
        );
    }
    st(
        CheckStatus::Vulnerable,
        format!(
            "the server accepts CBC suites with MAC-then-encrypt ({} in {}): Lucky13 times their \
             padding check; current libraries check in constant time, which cannot be seen from \
             outside, and the attack needs many connections carrying the same secret",
            suite_names(&cbc),
            versions_of(&cbc)
        ),
    )
}

fn rc4(v: &View) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    let rc4: Vec<_> = v
        .suites()
        .into_iter()
        .filter(|(_, s)| s.enc.starts_with("RC4"))
        .collect();
    if rc4.is_empty() {
        return st(CheckStatus::Ok, "the server accepts no RC4 suite");
    }
    st(
        CheckStatus::Vulnerable,
        format!(
            "the server accepts RC4 ({} in {}; RFC 7465 prohibits it; finding cipher-weak)",
            suite_names(&rc4),
            versions_of(&rc4)
        ),
    )
}

fn session_resumption(v: &View) -> Judged {
    if let Some(p) = v.probe(|p| &p.session_resumption) {
        let status = match p.answer {
            ProbeAnswer::Accepted => CheckStatus::Supported,
            ProbeAnswer::Refused => CheckStatus::NotSupported,
            ProbeAnswer::Unknown => CheckStatus::Unknown,
        };
        return st(status, format!("{}: {}", p.version, p.detail));
    }
    if v.nothing_known() {
        return not_measured();
    }
    let feats = v.features();
    if feats.is_empty() {
        return st(
            CheckStatus::Unknown,
            if v.tls13_only() {
                "the server speaks only TLS 1.3, which resumes with tickets only (not observed)"
            } else {
                "no complete TLS 1.2-or-older ServerHello was seen"
            },
        );
    }
    let hellos: u32 = feats.iter().map(|(_, f)| f.hellos).sum();
    let ids: u32 = feats.iter().map(|(_, f)| f.session_ids).sum();
    if ids == 0 {
        return st(
            CheckStatus::NotSupported,
            format!(
                "all {hellos} ServerHellos had an empty session id: the server caches no session \
                 to resume by id (RFC 5246 section 7.4.1.3)"
            ),
        );
    }
    st(
        CheckStatus::Unknown,
        format!(
            "{ids} of {hellos} ServerHellos carried a session id, so the server may resume \
             sessions by id; resuming one was not tried"
        ),
    )
}

fn session_tickets(v: &View, obs: &EndpointObservation) -> Judged {
    let tls13 = obs.tls.as_ref().and_then(|t| t.session_ticket);
    if tls13 == Some(true) {
        return st(
            CheckStatus::Supported,
            "the server sent a TLS 1.3 NewSessionTicket in the modern handshake's session",
        );
    }
    let r = echoed_feature(v, "session_ticket", "RFC 5077: it will issue a ticket", "");
    if r.0 == CheckStatus::NotApplicable {
        return if tls13 == Some(false) {
            st(
                CheckStatus::NotSupported,
                "no TLS 1.3 NewSessionTicket came in the modern handshake's session",
            )
        } else {
            st(
                CheckStatus::Unknown,
                "the server speaks only TLS 1.3, and no completed TLS 1.3 session showed tickets",
            )
        };
    }
    // A ticket in some versions but not others is still support.
    if r.0 == CheckStatus::NotSupported && r.1.contains(" did not") {
        return st(CheckStatus::Supported, r.1);
    }
    r
}

fn ocsp_stapling(v: &View, obs: &EndpointObservation) -> Judged {
    let modern = obs.tls.as_ref().and_then(|t| t.ocsp_stapled);
    let feats = v.features();
    let echoed: Vec<&str> = feats
        .iter()
        .filter(|(_, f)| f.echoed("status_request") || f.certificate_status > 0)
        .map(|(k, _)| *k)
        .collect();
    if modern == Some(true) {
        return st(
            CheckStatus::Supported,
            "the server stapled an OCSP response in the modern handshake",
        );
    }
    if !echoed.is_empty() {
        return st(
            CheckStatus::Supported,
            format!(
                "the ServerHellos of {} accepted status_request",
                and_list(&echoed)
            ),
        );
    }
    match (modern, feats.is_empty()) {
        (Some(_), _) => st(
            CheckStatus::NotSupported,
            "no OCSP response was stapled in the modern handshake, which asked for one",
        ),
        (None, false) => st(
            CheckStatus::NotSupported,
            "no ServerHello accepted the status_request extension that every hello offered",
        ),
        (None, true) => st(
            CheckStatus::Unknown,
            "no handshake got as far as the certificate",
        ),
    }
}

fn encrypt_then_mac(v: &View) -> Judged {
    if v.nothing_known() {
        return not_measured();
    }
    let feats = v.features();
    let hellos: u32 = feats.iter().map(|(_, f)| f.cbc_hellos).sum();
    let etm: u32 = feats.iter().map(|(_, f)| f.cbc_encrypt_then_mac).sum();
    if hellos == 0 {
        return st(
            CheckStatus::NotApplicable,
            "no ServerHello chose a CBC suite, the only kind encrypt-then-MAC applies to",
        );
    }
    if etm == hellos {
        st(
            CheckStatus::Supported,
            format!("all {hellos} ServerHellos that chose a CBC suite echoed encrypt_then_mac"),
        )
    } else {
        st(
            CheckStatus::NotSupported,
            format!(
                "{etm} of {hellos} ServerHellos that chose a CBC suite echoed encrypt_then_mac"
            ),
        )
    }
}
