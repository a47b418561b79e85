//! The library never names a command-line flag: its hints name settings in plain words (the CLI
//! puts its flags in), and its errors name what the user gave, not how it was given.

use doctor::judge::endpoint::{Setting, hint, hint_naming};
use doctor::model::error::Error;
use doctor::model::observation::{FailureKind, Phase};
use std::path::PathBuf;

const PHASES: [Phase; 7] = [
    Phase::Resolve,
    Phase::Connect,
    Phase::Banner,
    Phase::Ehlo,
    Phase::Starttls,
    Phase::Handshake,
    Phase::AfterTls,
];

const KINDS: [FailureKind; 13] = [
    FailureKind::Resolve,
    FailureKind::Refused,
    FailureKind::Unreachable,
    FailureKind::Timeout,
    FailureKind::Closed,
    FailureKind::NotSmtp,
    FailureKind::LineTooLong,
    FailureKind::TlsAlert,
    FailureKind::NotTls,
    FailureKind::TlsError,
    FailureKind::Io,
    FailureKind::Rejected,
    FailureKind::Policy,
];

#[test]
fn hints_name_settings_in_words_and_front_ends_name_them_their_way() {
    let mut named = 0;
    for p in PHASES {
        for k in KINDS {
            let plain = hint(p, k);
            assert!(!plain.is_empty(), "{p:?}/{k:?} has a hint");
            assert!(!plain.contains("--"), "{p:?}/{k:?} names a flag: {plain}");
            let tagged = hint_naming(p, k, &|s| format!("<{s:?}>"));
            if tagged != plain {
                named += 1;
                assert!(tagged.contains('<'), "{p:?}/{k:?}: {tagged}");
            }
        }
    }
    assert!(named > 0, "some hints point at a setting");
    let banner = hint_naming(Phase::Banner, FailureKind::Timeout, &|s| format!("<{s:?}>"));
    assert!(
        banner.contains("<ImplicitTls>") && banner.contains("<BannerTimeout>"),
        "{banner}"
    );
    assert!(hint(Phase::Banner, FailureKind::Timeout).contains(Setting::BannerTimeout.words()));
}

#[test]
fn errors_name_no_flag() {
    let path = PathBuf::from("/x/file.pem");
    let errors = [
        Error::Target {
            input: "a:b:c".into(),
            reason: "'a:b:c': not a host".into(),
        },
        Error::NotADomain {
            input: "1.2.3.4".into(),
        },
        Error::SystemTrust {
            reason: "no certificates found".into(),
        },
        Error::CaFile {
            path: path.clone(),
            reason: "cannot read it".into(),
        },
        Error::TrustStoreFile {
            path: path.clone(),
            reason: "(JKS) bad".into(),
        },
        Error::TrustStorePassword {
            path: path.clone(),
            reason: "mac".into(),
        },
        Error::NoSystemResolver {
            reason: "no resolver".into(),
        },
        Error::TrustAnchor {
            path: path.clone(),
            reason: "not DNSKEY".into(),
        },
        Error::Dns {
            reason: "cannot set up".into(),
        },
        Error::Profile {
            id: "x".into(),
            reason: "no such profile".into(),
        },
        Error::SavedReport {
            reason: "bad time".into(),
        },
        Error::ExportChain {
            path: path.clone(),
            reason: "denied".into(),
        },
        Error::ExportExists { path },
    ];
    for e in errors {
        let text = e.to_string();
        assert!(!text.contains("--"), "{e:?} names a flag: {text}");
    }
    // Errors made by the library itself, from real input.
    let bad_store = doctor::check::load_trust(&doctor::model::options::CheckOptions {
        ca_files: vec![PathBuf::from("/nonexistent/ca.pem")],
        ..Default::default()
    });
    let e = bad_store.expect_err("a missing CA file is an error");
    assert!(matches!(e, Error::CaFile { .. }), "{e:?}");
    assert!(!e.to_string().contains("--"), "{e}");
    let p = doctor::judge::simulate::select(&["no-such-peer".to_string()]).err();
    assert!(matches!(p, Some(Error::Profile { .. })), "{p:?}");
    assert!(!p.map(|e| e.to_string()).unwrap_or_default().contains("--"));
}
