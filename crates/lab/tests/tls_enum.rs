//! Ground truth for the enumeration scenarios: real OpenSSL handshakes over
//! STARTTLS, one version / suite / group at a time, must find exactly the
//! scenario's `TlsExpect` (127.0.0.1 only).

mod common;
mod support;

use std::io::{BufReader, Write};
use std::sync::OnceLock;
use std::time::Duration;

use lab::pki::INTERMEDIATE_CN;
use openssl::pkey::Id;
use openssl::ssl::SslVersion;
use support::*;

const SCENARIOS: &[&str] = &[
    "tls10-tls12-cbc",
    "tls12-narrow-preference",
    "tls13-only",
    "dhe-1024",
    "dual-cert",
    "one-byte-segments",
];

fn lab() -> &'static SharedLab {
    static LAB: OnceLock<SharedLab> = OnceLock::new();
    LAB.get_or_init(|| SharedLab::start(SCENARIOS))
}

fn suites() -> &'static [(String, u16)] {
    static SUITES: OnceLock<Vec<(String, u16)>> = OnceLock::new();
    SUITES.get_or_init(openssl_suites)
}

fn name_of(id: u16) -> &'static str {
    suites()
        .iter()
        .find(|(_, i)| *i == id)
        .map(|(n, _)| n.as_str())
        .unwrap_or_else(|| panic!("OpenSSL knows suite {id:#06x}"))
}

fn version_of(name: &str) -> SslVersion {
    TLS_VERSIONS
        .into_iter()
        .find(|v| version_name(*v) == name)
        .unwrap_or_else(|| panic!("unknown version {name}"))
}

/// SSL 3.0 and SSL 2.0 hellos (which OpenSSL 3 clients cannot send) get no
/// ServerHello.
fn assert_no_ssl(scenario: &str) {
    let addr = lab().addr(scenario);
    let mut tcp = starttls(addr);
    let hello = client_hello(0x0300, 0x0300, &[], &[0x002F, 0x0035, 0x000A, 0x0005], &[]);
    tcp.write_all(&hello).expect("write");
    let (resp, _) = read_for(&mut tcp, Duration::from_secs(3), 4096);
    assert!(
        !is_server_hello(&resp),
        "{scenario}: SSLv3 accepted: {resp:02x?}"
    );

    let mut tcp = starttls(addr);
    tcp.write_all(&sslv2_client_hello(&[0x010080, 0x0700C0, 0x000035]))
        .expect("write");
    let (resp, _) = read_for(&mut tcp, Duration::from_secs(3), 4096);
    assert!(
        !is_server_hello(&resp),
        "{scenario}: SSLv2 accepted: {resp:02x?}"
    );
}

/// Which versions complete a handshake when everything else is offered.
fn accepted_versions(scenario: &str) -> Vec<&'static str> {
    let addr = lab().addr(scenario);
    TLS_VERSIONS
        .into_iter()
        .filter(|&v| match probe(addr, &Offer::all(v)) {
            Ok(done) => {
                assert_eq!(done.version, version_name(v));
                true
            }
            Err(_) => false,
        })
        .map(version_name)
        .collect()
}

/// Each suite OpenSSL has, offered alone with `version`: the accepted ids.
fn accepted_suites(scenario: &str, version: SslVersion) -> Vec<u16> {
    let addr = lab().addr(scenario);
    let tls13 = version == SslVersion::TLS1_3;
    let mut accepted = Vec::new();
    for (name, id) in suites() {
        if (id >> 8 == 0x13) != tls13 {
            continue;
        }
        if let Ok(done) = probe(addr, &Offer::suite(version, name)) {
            assert_eq!(done.suite, *id, "{scenario}: asked for {name}");
            accepted.push(*id);
        }
    }
    accepted
}

fn sorted(v: &[u16]) -> Vec<u16> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}

/// The suite the server picks from `offer` (in this order).
fn pick(scenario: &str, version: SslVersion, offer: &[u16]) -> u16 {
    let names: Vec<&str> = offer.iter().map(|&id| name_of(id)).collect();
    let list = names.join(":");
    probe(lab().addr(scenario), &Offer::suite(version, &list))
        .unwrap_or_else(|e| panic!("{scenario}: {list} refused: {e:?}"))
        .suite
}

/// Versions, every suite of every version, and the suite order.
fn assert_versions_and_suites(scenario: &str) {
    let want = expect_tls(scenario);
    assert_no_ssl(scenario);
    assert_eq!(
        accepted_versions(scenario),
        want.versions,
        "{scenario}: versions"
    );
    let listed: Vec<&str> = want.suites.iter().map(|(v, _)| *v).collect();
    assert_eq!(
        listed, want.versions,
        "{scenario}: one suite list per version"
    );
    for &(version, ids) in want.suites {
        let v = version_of(version);
        let got = accepted_suites(scenario, v);
        assert_eq!(
            sorted(&got),
            sorted(ids),
            "{scenario} {version}: accepted suites"
        );
        if ids.len() < 2 {
            continue;
        }
        match want.server_order {
            Some(true) => {
                // Offer what is left in reverse server order: the server
                // still picks its own favourite each time.
                let mut left = ids.to_vec();
                let mut order = Vec::new();
                while !left.is_empty() {
                    let mut offer = left.clone();
                    offer.reverse();
                    let chosen = pick(scenario, v, &offer);
                    order.push(chosen);
                    left.retain(|&s| s != chosen);
                }
                assert_eq!(order, ids, "{scenario} {version}: server order");
            }
            Some(false) => {
                // The client's first choice wins, in either order.
                let mut offer = ids.to_vec();
                assert_eq!(pick(scenario, v, &offer), offer[0], "{scenario} {version}");
                offer.reverse();
                assert_eq!(pick(scenario, v, &offer), offer[0], "{scenario} {version}");
            }
            None => panic!("{scenario}: server_order must be known"),
        }
    }
}

/// Groups the OpenSSL client can offer, by name and IANA id.
const GROUPS: &[(&str, u16)] = &[
    ("P-256", 0x0017),
    ("P-384", 0x0018),
    ("P-521", 0x0019),
    ("X25519", 0x001D),
    ("X448", 0x001E),
    ("ffdhe2048", 0x0100),
    ("ffdhe3072", 0x0101),
    ("ffdhe4096", 0x0102),
    ("ffdhe6144", 0x0103),
    ("ffdhe8192", 0x0104),
];

/// The groups accepted with `version`, each offered alone.
fn accepted_groups(scenario: &str, version: SslVersion) -> Vec<u16> {
    let addr = lab().addr(scenario);
    // Only suites with an ephemeral (EC)DH key exchange.
    let ecdhe = Offer {
        ciphers: "ECDHE",
        ..Offer::all(version)
    };
    let mut got = Vec::new();
    for &(name, id) in GROUPS {
        let offer = Offer {
            groups: Some(name),
            ..ecdhe
        };
        match probe(addr, &offer) {
            Ok(done) => {
                assert_eq!(done.group(), Some(id), "{scenario}: offered {name}");
                got.push(id);
            }
            Err(_) if version != SslVersion::TLS1_3 => {
                // In TLS 1.2 the OpenSSL client itself refuses an ECDSA P-256
                // certificate unless P-256 is among its groups: offer it
                // second (the lab servers that get here use the client's
                // order) and see whether the first one is chosen.
                let list = format!("{name}:P-256");
                let offer = Offer {
                    groups: Some(&list),
                    ..ecdhe
                };
                if let Ok(done) = probe(addr, &offer)
                    && done.group() == Some(id)
                {
                    got.push(id);
                }
            }
            Err(_) => {}
        }
    }
    got
}

fn assert_groups(scenario: &str) {
    let want = expect_tls(scenario);
    let groups = want.groups.expect("pinned groups");
    for &version in want.versions {
        let v = version_of(version);
        assert_eq!(
            sorted(&accepted_groups(scenario, v)),
            sorted(groups),
            "{scenario} {version}: groups"
        );
    }
}

/// Every leaf sent is for mx.lab.test, issued by the lab intermediate, which
/// follows it.
fn assert_full_chain(done: &Done) -> Id {
    assert_eq!(done.chain.len(), 2, "leaf + intermediate");
    let cn = |x: &openssl::x509::X509Ref, subject: bool| {
        let name = if subject {
            x.subject_name()
        } else {
            x.issuer_name()
        };
        name.entries()
            .next()
            .map(|e| String::from_utf8_lossy(e.data().as_slice()).into_owned())
    };
    assert_eq!(cn(&done.chain[0], true).as_deref(), Some("mx.lab.test"));
    assert_eq!(cn(&done.chain[0], false).as_deref(), Some(INTERMEDIATE_CN));
    assert_eq!(cn(&done.chain[1], true).as_deref(), Some(INTERMEDIATE_CN));
    done.chain[0].public_key().expect("key").id()
}

#[test]
fn expect_tls_is_filled_for_new_scenarios_only() {
    for s in lab::scenarios() {
        let new = SCENARIOS.contains(&s.name)
            || [
                "truncated-serverhello",
                "oversized-record",
                "alert-mid-handshake",
                "unknown-version",
                "silent-after-starttls",
                "sslv2-scripted",
                "sslv3-scripted",
            ]
            .contains(&s.name);
        assert_eq!(s.expect_tls.is_some(), new, "{}", s.name);
        if let Some(t) = s.expect_tls {
            for v in t.versions {
                assert!(
                    ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"].contains(v),
                    "{}: {v}",
                    s.name
                );
                // SSL 2.0 cipher specs (3 bytes) are not listed.
                assert!(
                    *v == "SSLv2" || !t.suites_for(v).is_empty(),
                    "{}: {v}",
                    s.name
                );
            }
            assert_eq!(t.accepts_nothing(), t.suites.is_empty());
        }
    }
}

#[test]
fn tls10_tls12_cbc() {
    let s = "tls10-tls12-cbc";
    assert_versions_and_suites(s);
    assert_groups(s);
    let addr = lab().addr(s);
    for v in [SslVersion::TLS1, SslVersion::TLS1_1, SslVersion::TLS1_2] {
        let done = probe(addr, &Offer::all(v)).expect("handshake");
        assert_eq!(assert_full_chain(&done), Id::RSA);
        assert_eq!(done.chain[0].public_key().expect("key").bits(), 2048);
    }
    // The AEAD-only offer of a modern client is refused.
    let aead = Offer {
        ciphers: "ECDHE+AESGCM:ECDHE+CHACHA20",
        ..Offer::all(SslVersion::TLS1_2)
    };
    assert!(matches!(probe(addr, &aead), Err(Failed::Handshake(_))));
}

#[test]
fn tls12_narrow_preference() {
    let s = "tls12-narrow-preference";
    assert_versions_and_suites(s);
    assert_groups(s);
    let addr = lab().addr(s);
    // The server's group preference wins too.
    let offer = Offer {
        groups: Some("X25519:P-384"),
        ..Offer::all(SslVersion::TLS1_2)
    };
    let done = probe(addr, &offer).expect("handshake");
    assert_eq!(done.group(), Some(0x0018));
    assert_eq!(
        Some(done.group().expect("group")),
        expect_tls(s).groups.and_then(|g| g.first().copied())
    );
    assert_eq!(assert_full_chain(&done), Id::RSA);
}

#[test]
fn tls13_only() {
    let s = "tls13-only";
    assert_versions_and_suites(s);
    assert_groups(s);
    let done = probe(lab().addr(s), &Offer::all(SslVersion::TLS1_3)).expect("handshake");
    assert_eq!(assert_full_chain(&done), Id::EC);
}

#[test]
fn dhe_1024() {
    let s = "dhe-1024";
    assert_versions_and_suites(s);
    let addr = lab().addr(s);
    let want = expect_tls(s);
    for &id in want.suites_for("TLSv1.2") {
        let done = probe(addr, &Offer::suite(SslVersion::TLS1_2, name_of(id))).expect("handshake");
        let (kind, bits, _) = done.tmp_key.expect("server key exchange");
        assert_eq!((kind, Some(bits)), (Id::DH, want.dhe_bits));
        assert_eq!(assert_full_chain(&done), Id::RSA);
    }
    // The DH prime is RFC 2409's 1024-bit MODP group.
    let done = probe(addr, &Offer::all(SslVersion::TLS1_2)).expect("handshake");
    let dh = done
        .stream
        .ssl()
        .peer_tmp_key()
        .expect("tmp key")
        .dh()
        .expect("DH key");
    let p = openssl::bn::BigNum::get_rfc2409_prime_1024().expect("prime");
    assert_eq!(dh.prime_p(), &p);
    assert_eq!(dh.generator().to_dec_str().expect("g").to_string(), "2");
    // An ECDHE-only offer is refused.
    let ecdhe = Offer {
        ciphers: "ECDHE",
        ..Offer::all(SslVersion::TLS1_2)
    };
    assert!(matches!(probe(addr, &ecdhe), Err(Failed::Handshake(_))));
}

#[test]
fn dual_cert() {
    let s = "dual-cert";
    assert_versions_and_suites(s);
    assert_groups(s);
    let addr = lab().addr(s);
    // TLS 1.2: the suite decides the certificate.
    for (suite, key) in [
        ("ECDHE-ECDSA-AES128-GCM-SHA256", Id::EC),
        ("ECDHE-RSA-AES128-GCM-SHA256", Id::RSA),
    ] {
        let done = probe(addr, &Offer::suite(SslVersion::TLS1_2, suite)).expect("handshake");
        assert_eq!(assert_full_chain(&done), key, "{suite}");
    }
    // Both versions: the signature algorithms decide.
    for v in [SslVersion::TLS1_2, SslVersion::TLS1_3] {
        for (sigalgs, key) in [
            ("ECDSA+SHA256:ECDSA+SHA384", Id::EC),
            (
                "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:RSA+SHA256",
                Id::RSA,
            ),
        ] {
            let offer = Offer {
                sigalgs: Some(sigalgs),
                ..Offer::all(v)
            };
            let done = probe(addr, &offer).expect("handshake");
            let leaf = assert_full_chain(&done);
            assert_eq!(leaf, key, "{} {sigalgs}", version_name(v));
            if key == Id::RSA {
                assert_eq!(done.chain[0].public_key().expect("key").bits(), 2048);
            }
        }
    }
}

#[test]
fn one_byte_segments() {
    let s = "one-byte-segments";
    assert_versions_and_suites(s);
    assert_groups(s);
    let done = probe(lab().addr(s), &Offer::all(SslVersion::TLS1_3)).expect("handshake");
    assert_eq!(assert_full_chain(&done), Id::EC);
    // SMTP after TLS works on the trickling stream.
    let mut r = BufReader::new(done.stream);
    r.get_mut()
        .write_all(b"EHLO client.test\r\n")
        .expect("write");
    let (code, lines) = reply(&mut r);
    assert_eq!(code, 250);
    assert!(
        lines.iter().any(|l| l == "250-AUTH PLAIN LOGIN"),
        "{lines:?}"
    );
}

/// What the checker's own TLS library (rustls: TLS 1.3 and 1.2, AEAD
/// suites, ECDHE only) gets from each scenario.
#[test]
fn rustls_client_outcomes() {
    use rustls::{AlertDescription, ClientConnection, pki_types::ServerName};
    for &s in SCENARIOS {
        let mut tcp = starttls(lab().addr(s));
        let name = ServerName::try_from(lab::LAB_HOST).expect("name");
        let mut conn = ClientConnection::new(common::client_config(true), name).expect("client");
        let mut result = Ok(());
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut tcp) {
                result = Err(e);
                break;
            }
        }
        let failed = lab::scenarios()
            .iter()
            .find(|x| x.name == s)
            .expect("scenario")
            .expect_findings
            .contains(&"tls-handshake-failed");
        match result {
            Ok(()) => {
                assert!(!failed, "{s}: rustls handshake succeeded");
                // SMTP on top works.
                let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
                tls.write_all(b"EHLO client.test\r\n").expect("write");
                let (code, _) = reply(&mut BufReader::new(tls));
                assert_eq!(code, 250, "{s}");
            }
            Err(e) => {
                assert!(failed, "{s}: {e:?}");
                let inner = e
                    .get_ref()
                    .and_then(|i| i.downcast_ref::<rustls::Error>())
                    .cloned();
                assert_eq!(
                    inner,
                    Some(rustls::Error::AlertReceived(
                        AlertDescription::HandshakeFailure
                    )),
                    "{s}"
                );
            }
        }
    }
}
