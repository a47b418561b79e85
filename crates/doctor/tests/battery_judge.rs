//! The vulnerability battery's judgement (judge::battery) from observations written as JSON,
//! as in a saved report: a legacy server with every weakness, a modern one with none.

use doctor::judge::battery::{battery_findings, checks};
use doctor::model::checks::CheckStatus;
use doctor::model::observation::EndpointObservation;
use serde_json::{Value, json};

fn suite(id: &str, iana: &str, kx: &str, enc: &str) -> Value {
    json!({"id": id, "iana": iana, "openssl": null, "kx": kx, "auth": "rsa", "enc": enc,
           "mac": "SHA1", "bits": 128, "forward_secrecy": false})
}

fn version(status: &str, suites: Vec<Value>) -> Value {
    json!({"status": status, "reason": null, "suites": suites, "server_order": null, "complete": true})
}

fn obs(scan: Value, ocsp: Option<bool>) -> EndpointObservation {
    let mut v = json!({
        "name": "mx.example.test", "address": "192.0.2.1:25", "mode": "starttls",
        "ehlo_name": "probe.example.test",
        "smtp": {}, "tls": {"completed": true, "sni": null, "version": "TLSv1.2", "cipher_suite": null,
                            "group": null, "chain": [], "signature_problem": null, "alert": null,
                            "ocsp_stapled": ocsp},
        "failure": null, "timings": {"total_ms": 1.0}, "transcript": [],
        "groups_tls13": null, "groups_tls12": null, "dhe_bits": null, "dhe_suite": null,
        "scanned_chains": [], "scan_connections": 10, "scan_steps": []
    });
    if let (Some(o), Value::Object(s)) = (v.as_object_mut(), scan) {
        o.extend(s);
    }
    serde_json::from_value(v).expect("fixture parses")
}

fn legacy_server() -> EndpointObservation {
    let cbc = suite(
        "0x002F",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "rsa",
        "AES-128-CBC",
    );
    obs(
        json!({
            "versions": {
                "SSLv2": version("offered", vec![suite("0x0700C0", "SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "rsa", "DES_192_EDE3_CBC")]),
                "SSLv3": version("offered", vec![cbc.clone(), suite("0x0005", "TLS_RSA_WITH_RC4_128_SHA", "rsa", "RC4-128")]),
                "TLSv1.0": version("offered", vec![cbc.clone(), suite("0x0003", "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "rsa-export", "RC4-40")]),
                "TLSv1.1": version("not-offered", vec![]),
                "TLSv1.2": version("offered", vec![cbc, suite("0x0014", "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", "dhe-export", "DES40-CBC")]),
                "TLSv1.3": version("not-offered", vec![]),
            },
            "hello_features": {
                "SSLv3": {"hellos": 2, "extensions": [], "compressed": 2, "session_ids": 2, "certificate_status": 0, "cbc_hellos": 1, "cbc_encrypt_then_mac": 0},
                "TLSv1.0": {"hellos": 2, "extensions": ["heartbeat"], "compressed": 2, "session_ids": 2, "certificate_status": 0, "cbc_hellos": 1, "cbc_encrypt_then_mac": 0},
                "TLSv1.2": {"hellos": 2, "extensions": ["heartbeat", "session_ticket"], "compressed": 2, "session_ids": 2, "certificate_status": 0, "cbc_hellos": 2, "cbc_encrypt_then_mac": 0}
            },
            "probes": {
                "heartbleed": {"version": "TLSv1.2", "answer": "accepted", "detail": "a heartbeat response claiming 32 bytes"},
                "ccs_injection": {"version": "TLSv1.2", "answer": "accepted", "detail": "bad_record_mac"},
                "fallback_scsv": {"version": "TLSv1.0", "answer": "accepted", "detail": "a ServerHello"},
                "connections": 3
            }
        }),
        Some(false),
    )
}

fn modern_server() -> EndpointObservation {
    let gcm = suite(
        "0xC02F",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "ecdhe",
        "AES-128-GCM",
    );
    let cbc = suite(
        "0xC013",
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "ecdhe",
        "AES-128-CBC",
    );
    obs(
        json!({
            "versions": {
                "SSLv2": version("not-offered", vec![]),
                "SSLv3": version("not-offered", vec![]),
                "TLSv1.0": version("not-offered", vec![]),
                "TLSv1.1": version("not-offered", vec![]),
                "TLSv1.2": version("offered", vec![gcm, cbc]),
                "TLSv1.3": version("offered", vec![suite("0x1301", "TLS_AES_128_GCM_SHA256", "tls13", "AES-128-GCM")]),
            },
            "hello_features": {
                "TLSv1.2": {"hellos": 3, "extensions": ["renegotiation_info", "extended_master_secret", "session_ticket", "encrypt_then_mac"],
                            "compressed": 0, "session_ids": 0, "certificate_status": 0, "cbc_hellos": 1, "cbc_encrypt_then_mac": 1}
            },
            "probes": {
                "fallback_scsv": {"version": "TLSv1.2", "answer": "refused", "detail": "alert inappropriate_fallback"},
                "connections": 1
            }
        }),
        Some(false),
    )
}

fn status(o: &EndpointObservation, id: &str) -> CheckStatus {
    checks(o)
        .get(id)
        .unwrap_or_else(|| panic!("no check {id}"))
        .status
}

#[test]
fn the_legacy_server_is_vulnerable_to_everything_it_shows() {
    let o = legacy_server();
    for id in [
        "heartbleed",
        "ccs-injection",
        "compression",
        "sweet32",
        "freak",
        "logjam",
        "drown",
        "poodle",
        "beast",
        "lucky13",
        "rc4",
    ] {
        assert_eq!(
            status(&o, id),
            CheckStatus::Vulnerable,
            "{id}: {:?}",
            checks(&o).get(id)
        );
    }
    for id in [
        "secure-renegotiation",
        "fallback-scsv",
        "extended-master-secret",
        "ocsp-stapling",
        "encrypt-then-mac",
    ] {
        assert_eq!(status(&o, id), CheckStatus::NotSupported, "{id}");
    }
    assert_eq!(status(&o, "session-tickets"), CheckStatus::Supported);
    assert_eq!(status(&o, "robot"), CheckStatus::Unknown);
    assert!(checks(&o)["robot"].evidence.starts_with("not measured"));
    assert_eq!(status(&o, "client-renegotiation"), CheckStatus::Unknown);
    let codes: Vec<String> = battery_findings(&checks(&o), &o)
        .into_iter()
        .map(|f| f.code)
        .collect();
    for code in [
        "heartbleed",
        "ccs-injection",
        "tls-compression",
        "no-secure-renegotiation",
        "no-fallback-scsv",
        "cbc-tls10",
        "cbc-lucky13",
    ] {
        assert!(codes.contains(&code.to_string()), "{code} in {codes:?}");
    }
    // Export, RC4, 3DES and SSLv2 are the scan rules' findings, named in the evidence only.
    assert!(
        !codes
            .iter()
            .any(|c| c == "cipher-weak" || c == "protocol-sslv2")
    );
    assert!(checks(&o)["freak"].evidence.contains("cipher-weak"));
    assert!(checks(&o)["logjam"].evidence.contains("EXPORT"));
    // BEAST and CRIME say why they matter little for mail.
    assert!(checks(&o)["beast"].evidence.contains("browser"));
    assert!(checks(&o)["compression"].evidence.contains("SMTP"));
}

#[test]
fn the_modern_server_is_clean() {
    let o = modern_server();
    let c = checks(&o);
    for (id, r) in &c {
        assert!(
            !matches!(
                r.status,
                CheckStatus::Vulnerable | CheckStatus::NotSupported
            ) || matches!(id.as_str(), "ocsp-stapling" | "session-resumption"),
            "{id}: {r:?}"
        );
    }
    assert_eq!(c["lucky13"].status, CheckStatus::Ok, "{:?}", c["lucky13"]);
    assert_eq!(c["encrypt-then-mac"].status, CheckStatus::Supported);
    assert_eq!(c["secure-renegotiation"].status, CheckStatus::Supported);
    assert_eq!(c["fallback-scsv"].status, CheckStatus::Supported);
    assert_eq!(c["heartbleed"].status, CheckStatus::Ok);
    assert_eq!(c["ccs-injection"].status, CheckStatus::Ok);
    assert_eq!(c["robot"].status, CheckStatus::NotApplicable);
    assert_eq!(c["session-resumption"].status, CheckStatus::NotSupported);
    assert!(battery_findings(&c, &o).is_empty());
    // The JSON shape: kebab-case statuses.
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["robot"]["status"], "not-applicable");
    assert_eq!(v["encrypt-then-mac"]["status"], "supported");
}

#[test]
fn a_tls13_only_server_has_nothing_to_renegotiate() {
    let o = obs(
        json!({"versions": {
            "SSLv2": version("not-offered", vec![]), "SSLv3": version("not-offered", vec![]),
            "TLSv1.0": version("not-offered", vec![]), "TLSv1.1": version("not-offered", vec![]),
            "TLSv1.2": version("not-offered", vec![]),
            "TLSv1.3": version("offered", vec![suite("0x1301", "TLS_AES_128_GCM_SHA256", "tls13", "AES-128-GCM")]),
        }}),
        Some(true),
    );
    let c = checks(&o);
    for id in [
        "secure-renegotiation",
        "client-renegotiation",
        "heartbleed",
        "ccs-injection",
        "fallback-scsv",
        "encrypt-then-mac",
    ] {
        assert_eq!(
            c[id].status,
            CheckStatus::NotApplicable,
            "{id}: {:?}",
            c[id]
        );
    }
    assert_eq!(c["ocsp-stapling"].status, CheckStatus::Supported);
}

#[test]
fn without_a_scan_there_are_no_checks() {
    let mut o = modern_server();
    o.scan = None;
    assert!(checks(&o).is_empty());
}

#[test]
fn a_downgrade_sentinel_is_protection_without_the_scsv() {
    let mut o = modern_server();
    let probes = o
        .scan
        .as_mut()
        .and_then(|s| s.probes.as_mut())
        .expect("probes");
    let f = probes.fallback_scsv.as_mut().expect("fallback probe");
    f.answer = doctor::model::scan::ProbeAnswer::Accepted;
    f.downgrade_sentinel = true;
    let c = checks(&o);
    assert_eq!(c["fallback-scsv"].status, CheckStatus::NotSupported);
    assert!(
        battery_findings(&c, &o).is_empty(),
        "rustls' way: the RFC 8446 sentinel"
    );
    let f = o
        .scan
        .as_mut()
        .and_then(|s| s.probes.as_mut())
        .and_then(|p| p.fallback_scsv.as_mut())
        .expect("fallback probe");
    f.downgrade_sentinel = false;
    let codes: Vec<String> = battery_findings(&checks(&o), &o)
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(codes, vec!["no-fallback-scsv"]);
}

#[test]
fn client_renegotiation_follows_its_probe() {
    use doctor::model::scan::{ProbeAnswer, ProbeResult};
    let with = |answer: ProbeAnswer, detail: &str| {
        let mut o = legacy_server();
        if let Some(p) = o.scan.as_mut().and_then(|s| s.probes.as_mut()) {
            p.client_renegotiation = Some(ProbeResult {
                version: "TLSv1.2".into(),
                answer,
                detail: detail.into(),
                downgrade_sentinel: false,
            });
        }
        o
    };
    let o = with(
        ProbeAnswer::Accepted,
        "a handshake (AES128-SHA, the server's Finished verified), then a new ClientHello inside it: the server answered with a ServerHello",
    );
    let c = checks(&o);
    assert_eq!(c["client-renegotiation"].status, CheckStatus::Vulnerable);
    assert!(
        c["client-renegotiation"]
            .evidence
            .starts_with("TLSv1.2: a handshake (AES128-SHA")
    );
    let codes: Vec<String> = battery_findings(&c, &o)
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert!(
        codes.contains(&"client-renegotiation".to_string()),
        "{codes:?}"
    );

    let o = with(
        ProbeAnswer::Refused,
        "the server declined with the warning alert no_renegotiation (100)",
    );
    let c = checks(&o);
    assert_eq!(c["client-renegotiation"].status, CheckStatus::Ok);
    let codes: Vec<String> = battery_findings(&c, &o)
        .into_iter()
        .map(|f| f.code)
        .collect();
    assert!(
        !codes.contains(&"client-renegotiation".to_string()),
        "{codes:?}"
    );

    let o = with(
        ProbeAnswer::Unknown,
        "not measured: no suite this probe implements",
    );
    assert_eq!(
        checks(&o)["client-renegotiation"].status,
        CheckStatus::Unknown
    );
}

#[test]
fn logjam_names_a_widely_shared_prime() {
    let with = |bits: u32, group: Option<&str>| {
        let mut o = modern_server();
        if let Some(sc) = o.scan.as_mut() {
            sc.dhe_bits = Some(bits);
            sc.dhe_suite = Some("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256".into());
            sc.dhe_group = group.map(str::to_string);
        }
        checks(&o)["logjam"].clone()
    };
    let c = with(1024, Some("RFC 2409 Oakley group 2 (1024-bit MODP)"));
    assert_eq!(c.status, CheckStatus::Vulnerable);
    assert!(
        c.evidence.contains("Oakley group 2") && c.evidence.contains("shared by many"),
        "{}",
        c.evidence
    );
    let c = with(1024, None);
    assert_eq!(c.status, CheckStatus::Vulnerable);
    assert!(c.evidence.contains("a prime of its own"), "{}", c.evidence);
    let c = with(2048, Some("RFC 7919 ffdhe2048"));
    assert_eq!(c.status, CheckStatus::Ok);
    assert!(
        c.evidence.contains("ffdhe2048") && c.evidence.contains("too large"),
        "{}",
        c.evidence
    );
    let c = with(3072, None);
    assert_eq!(c.status, CheckStatus::Ok);
    assert!(c.evidence.contains("server's own"), "{}", c.evidence);
}

/// A certificate (its key is what DROWN across endpoints compares).
fn cert_der() -> Vec<u8> {
    let key = rcgen::KeyPair::generate().expect("a key");
    rcgen::CertificateParams::new(vec!["mx.example.test".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("a certificate")
        .der()
        .to_vec()
}

/// `o` at `address`, its TLS leaf `der`.
fn at(mut o: EndpointObservation, address: &str, der: &[u8]) -> EndpointObservation {
    o.address = address.parse().expect("an address");
    if let Some(t) = o.tls.as_mut() {
        t.chain = vec![doctor::model::cert::CertBytes(der.to_vec())];
    }
    o
}

/// A host check of these endpoints, judged as a live check or `--from-json` is.
fn judged(endpoints: Vec<EndpointObservation>) -> doctor::model::report::CheckReport {
    let base = serde_json::from_value(json!({
        "schema_version": 1,
        "tool": {"name": "smtp-tls-doctor", "version": "0.0.0"},
        "checked_at": "2026-01-01T00:00:00Z",
        "target": {"input": "mx.example.test", "host": "mx.example.test", "port": 25, "mx": null},
        "verdict": {"status": "ok", "code": null, "text": ""},
        "error": null,
        "trust_store": "none",
        "names_checked": ["mx.example.test"],
        "connections": 0,
        "endpoints": []
    }))
    .expect("base report parses");
    let trust = doctor::model::trust::TrustStore::load_with(
        doctor::model::options::TrustBase::None,
        &[],
        &[],
        None,
    )
    .expect("a trust store");
    doctor::judge::endpoint::judge(base, endpoints, &trust, 30, &[])
}

/// DROWN's main case: a server that refuses SSLv2 shares its RSA key with another that speaks
/// it. Both are endpoints of one check here (two addresses of a host; a domain's MX hosts
/// alike).
#[test]
fn drown_reaches_an_endpoint_through_another_that_shares_its_key() {
    let der = cert_der();
    // The SSLv2 speaker: the legacy server, its SSLv2 certificate the shared one.
    let mut speaker = at(legacy_server(), "192.0.2.1:25", &der);
    if let Some(sc) = speaker.scan.as_mut() {
        sc.sslv2_certificate = Some(doctor::model::cert::CertBytes(der.clone()));
    }
    // A modern server that also accepts RSA key exchange (AES128-SHA256 in TLS 1.2).
    let mut rsa = at(modern_server(), "192.0.2.2:25", &der);
    if let Some(v) = rsa
        .scan
        .as_mut()
        .and_then(|sc| sc.versions.get_mut("TLSv1.2"))
    {
        v.suites.push(
            serde_json::from_value(suite(
                "0x003C",
                "TLS_RSA_WITH_AES_128_CBC_SHA256",
                "rsa",
                "AES-128-CBC",
            ))
            .expect("a suite"),
        );
    }
    // The modern server as it is (ECDHE only), with the same key.
    let ecdhe = at(modern_server(), "192.0.2.3:25", &der);
    // Another modern server with RSA key exchange but its own key.
    let own = at(rsa.clone(), "192.0.2.4:25", &cert_der());

    let r = judged(vec![speaker, rsa, ecdhe, own]);
    let drown = |i: usize| r.endpoints[i].checks["drown"].clone();
    let codes = |i: usize| -> Vec<String> {
        r.endpoints[i]
            .findings
            .iter()
            .map(|f| f.code.clone())
            .collect()
    };

    assert_eq!(drown(0).status, CheckStatus::Vulnerable);
    assert!(
        drown(0)
            .evidence
            .contains("same RSA key as its TLS certificate")
    );
    assert!(!codes(0).contains(&"drown-shared-key".to_string()));

    assert_eq!(drown(1).status, CheckStatus::Vulnerable, "{:?}", drown(1));
    assert!(
        drown(1).evidence.contains("mx.example.test (192.0.2.1:25)"),
        "{:?}",
        drown(1)
    );
    assert!(
        codes(1).contains(&"drown-shared-key".to_string()),
        "{:?}",
        codes(1)
    );
    let f = r.endpoints[1]
        .findings
        .iter()
        .find(|f| f.code == "drown-shared-key")
        .expect("the finding");
    assert_eq!(
        f.evidence["sslv2_endpoint"],
        "mx.example.test (192.0.2.1:25)"
    );
    assert_eq!(f.severity, doctor::model::finding::Severity::Error);

    // ECDHE only: the key is shared, but no session of this server can be decrypted.
    assert_eq!(drown(2).status, CheckStatus::Ok, "{:?}", drown(2));
    assert!(drown(2).evidence.contains("never uses RSA key exchange"));
    assert!(!codes(2).contains(&"drown-shared-key".to_string()));

    // Its own key: untouched.
    assert_eq!(drown(3).status, CheckStatus::Ok);
    assert!(drown(3).evidence.contains("cannot see"), "{:?}", drown(3));
    assert!(!codes(3).contains(&"drown-shared-key".to_string()));

    // Judged alone, the same endpoint knows nothing of the other.
    let alone = judged(vec![at(modern_server(), "192.0.2.2:25", &der)]);
    assert_eq!(alone.endpoints[0].checks["drown"].status, CheckStatus::Ok);
}
