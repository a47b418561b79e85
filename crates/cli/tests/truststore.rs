//! The client's side of trust: trust stores as the client has them (PEM, PKCS#12, JKS made by
//! keytool), fetching a missing intermediate through AIA from a loopback HTTP server, telling
//! "the server omits the intermediate" from "your store lacks the root", and --export-chain.

mod common;
use common::*;
use std::io::{Read, Write};
use std::process::Command;

/// The lab intermediate, DER, as the good scenario sends it.
fn intermediate_der() -> Vec<u8> {
    use base64::Engine;
    let v = check_scenario("good", &["--json", "--quick"]).json();
    let b64 = v["endpoints"][0]["tls"]["chain"][1]
        .as_str()
        .expect("intermediate")
        .to_string();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64")
}

/// A one-shot-per-connection HTTP server on loopback answering every request with `answer`.
fn http_server(answer: Vec<u8>) -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let _ = s.write_all(&answer);
        }
    });
    port
}

fn ok_answer(body: &[u8]) -> Vec<u8> {
    let mut a = format!("HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
    a.extend_from_slice(body);
    a
}

#[test]
fn aia_fetch_shows_the_server_alone_is_wrong_and_exports_the_chain() {
    let port = http_server(ok_answer(&intermediate_der()));
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("missing.pem");
    let connect_to = format!("ca.lab.test:80:127.0.0.1:{port}");
    let r = check_scenario(
        "chain-incomplete",
        &[
            "--json",
            "--connect-to",
            &connect_to,
            "--export-chain",
            out.to_str().unwrap(),
        ],
    );
    let v = r.json();
    assert_eq!(codes(&v), vec!["chain-incomplete"], "{}", r.stdout);
    let f = &v["endpoints"][0]["findings"][0];
    assert_eq!(f["evidence"]["after_fetch"], "trusted", "{f}");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("fetched through AIA")
    );
    let fetch = &v["endpoints"][0]["aia_fetches"][0];
    assert_eq!(fetch["url"], "http://ca.lab.test/intermediate.crt");
    assert!(fetch["certificate"].is_string() && fetch["error"].is_null());
    let pem = std::fs::read_to_string(&out).expect("exported");
    assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 1);
    assert!(r.stderr.contains("keytool -importcert"), "{}", r.stderr);
}

#[test]
fn aia_fetch_then_missing_root_is_the_clients_store() {
    let port = http_server(ok_answer(&intermediate_der()));
    let l = lab();
    let addr = l.addrs["chain-incomplete"];
    let r = run(&[
        "check",
        &format!("mx.lab.test:{}", addr.port()),
        "--resolve",
        &format!("mx.lab.test:{}", addr.ip()),
        "--connect-to",
        &format!("ca.lab.test:80:127.0.0.1:{port}"),
        "--trust",
        "none",
        "--json",
        "--quick",
    ]);
    let v = r.json();
    assert_eq!(
        codes(&v),
        vec!["cert-untrusted", "chain-incomplete"],
        "{}",
        r.stdout
    );
    let untrusted = v["endpoints"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "cert-untrusted")
        .cloned()
        .unwrap();
    assert!(
        untrusted["summary"]
            .as_str()
            .unwrap()
            .contains("smtp-tls-doctor Lab Root CA"),
        "{untrusted}"
    );
}

#[test]
fn aia_fetch_failures_are_recorded() {
    let port = http_server(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec());
    let v = check_scenario(
        "chain-incomplete",
        &[
            "--json",
            "--quick",
            "--connect-to",
            &format!("ca.lab.test:80:127.0.0.1:{port}"),
        ],
    )
    .json();
    assert_eq!(codes(&v), vec!["chain-incomplete"]);
    assert!(
        v["endpoints"][0]["aia_fetches"][0]["error"]
            .as_str()
            .unwrap()
            .contains("404")
    );
    assert_eq!(
        v["endpoints"][0]["findings"][0]["evidence"]["after_fetch"],
        "not-fetched"
    );
    // --no-fetch: nothing fetched at all
    let v = check_scenario("chain-incomplete", &["--json", "--quick"]).json();
    assert!(v["endpoints"][0]["aia_fetches"].is_null());
}

/// A CA certificate with the lab intermediate's name but another key (issued by an unrelated
/// CA): what a wrong or hostile AIA server could serve.
fn impostor_intermediate_der() -> Vec<u8> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut other = CertificateParams::default();
    other
        .distinguished_name
        .push(DnType::CommonName, "Some Other CA");
    other.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let issuer = Issuer::new(other, KeyPair::generate().expect("key"));
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, lab::pki::INTERMEDIATE_CN);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().expect("key");
    params
        .signed_by(&key, &issuer)
        .expect("impostor")
        .der()
        .to_vec()
}

#[test]
fn a_fetched_certificate_that_is_not_the_issuer_is_neither_used_nor_exported() {
    let port = http_server(ok_answer(&impostor_intermediate_der()));
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("missing.pem");
    let r = check_scenario(
        "chain-incomplete",
        &[
            "--json",
            "--quick",
            "--connect-to",
            &format!("ca.lab.test:80:127.0.0.1:{port}"),
            "--export-chain",
            out.to_str().unwrap(),
        ],
    );
    let v = r.json();
    assert_eq!(codes(&v), vec!["chain-incomplete"], "{}", r.stdout);
    let e = &v["endpoints"][0];
    assert!(e["aia_fetches"][0]["certificate"].is_string(), "fetched");
    assert_eq!(e["aia_fetches"].as_array().map(Vec::len), Some(1));
    assert_eq!(e["findings"][0]["evidence"]["after_fetch"], "not-trusted");
    assert_eq!(
        e["chain_analysis"]["fetched_not_issuers"][0],
        format!("CN={}", lab::pki::INTERMEDIATE_CN)
    );
    assert!(!out.exists(), "nothing exported");
    assert!(r.stderr.contains("nothing to export"), "{}", r.stderr);
}

#[test]
fn export_chain_makes_a_new_file_and_replaces_only_a_regular_one_with_force() {
    let port = http_server(ok_answer(&intermediate_der()));
    let connect_to = format!("ca.lab.test:80:127.0.0.1:{port}");
    let dir = tempfile::tempdir().expect("tmp");
    let export = |path: &std::path::Path, force: bool| {
        let mut args = vec![
            "--json",
            "--quick",
            "--connect-to",
            &connect_to,
            "--export-chain",
            path.to_str().unwrap(),
        ];
        if force {
            args.push("--force");
        }
        check_scenario("chain-incomplete", &args)
    };

    // An existing file is left alone, before any connection.
    let existing = dir.path().join("existing.pem");
    std::fs::write(&existing, "keep").unwrap();
    let r = export(existing.as_path(), false);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(
        r.stderr.contains("the file exists") && r.stderr.contains("--force"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "no check ran: {}", r.stdout);
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep");

    // --force replaces a regular file.
    let r = export(existing.as_path(), true);
    assert_eq!(r.code, expected_exit(&["chain-incomplete"]), "{}", r.stderr);
    let pem = std::fs::read_to_string(&existing).unwrap();
    assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 1, "{pem}");

    // A symbolic link is never followed, with or without --force, dangling or not.
    let target = dir.path().join("target.pem");
    std::fs::write(&target, "keep").unwrap();
    let link = dir.path().join("link.pem");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let dangling = dir.path().join("dangling.pem");
    let nowhere = dir.path().join("nowhere.pem");
    std::os::unix::fs::symlink(&nowhere, &dangling).unwrap();
    for (path, force, words) in [
        (&link, false, "the file exists"),
        (&link, true, "symbolic link"),
        (&dangling, false, "the file exists"),
        (&dangling, true, "symbolic link"),
    ] {
        let r = export(path.as_path(), force);
        assert_eq!(r.code, 64, "{path:?} {force}: {}", r.stderr);
        assert!(r.stderr.contains(words), "{path:?} {force}: {}", r.stderr);
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    assert!(
        !nowhere.exists(),
        "nothing written through the dangling link"
    );
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
    // A directory is not replaced either.
    let r = export(dir.path(), true);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(r.stderr.contains("a directory"), "{}", r.stderr);
}

#[test]
fn export_chain_commands_quote_the_paths() {
    let port = http_server(ok_answer(&intermediate_der()));
    let dir = tempfile::tempdir().expect("tmp");
    let sub = dir.path().join("it's a dir");
    std::fs::create_dir(&sub).unwrap();
    let out = sub.join("missing chain $(touch pwned).pem");
    // The client's store: the lab root as a PEM bundle, under a name with a quote and a space.
    let store = sub.join("client's store.pem");
    std::fs::copy(&lab().ca_file, &store).unwrap();
    let connect_to = format!("ca.lab.test:80:127.0.0.1:{port}");
    let export = |extra: &[&str]| {
        let mut args = vec![
            "--quick",
            "--connect-to",
            &connect_to,
            "--export-chain",
            out.to_str().unwrap(),
            "--force",
        ];
        args.extend_from_slice(extra);
        let r = check_scenario("chain-incomplete", &args);
        assert_eq!(r.code, expected_exit(&["chain-incomplete"]), "{}", r.stderr);
        r
    };
    let line = |r: &Run, prefix: &str| {
        r.stderr
            .lines()
            .find_map(|l| l.split_once(prefix).map(|(_, rest)| rest.to_string()))
            .unwrap_or_else(|| panic!("no {prefix:?} in {}", r.stderr))
    };
    // The words of the keytool command, as bash splits them.
    let keytool_words = |r: &Run| {
        let cmd = line(r, "Java:    ").replacen("keytool", "printf '%s\\n'", 1);
        let o = Command::new("bash")
            .arg("-c")
            .arg(&cmd)
            .env("JAVA_HOME", "/jdk")
            .output()
            .expect("bash");
        assert!(o.status.success(), "{cmd}");
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let after = |words: &[String], flag: &str| {
        words
            .iter()
            .position(|w| w == flag)
            .and_then(|i| words.get(i + 1))
            .cloned()
    };

    let r = export(&["--truststore", store.to_str().unwrap()]);
    let exported = std::fs::read_to_string(&out).expect("exported");
    assert_eq!(exported.matches("BEGIN CERTIFICATE").count(), 1);
    let words = keytool_words(&r);
    assert_eq!(after(&words, "-file").as_deref(), out.to_str(), "{words:?}");
    assert_eq!(
        after(&words, "-keystore").as_deref(),
        store.to_str(),
        "{words:?}"
    );
    // The bundle command, run by bash, appends exactly the exported file.
    let bundle = dir.path().join("bundle.pem");
    let cat =
        line(&r, "OpenSSL -CAfile): ").replace("/path/to/bundle.pem", bundle.to_str().unwrap());
    let st = Command::new("bash")
        .arg("-c")
        .arg(&cat)
        .current_dir(dir.path())
        .status()
        .expect("bash");
    assert!(st.success(), "{cat}");
    assert_eq!(std::fs::read_to_string(&bundle).unwrap(), exported);
    assert!(!dir.path().join("pwned").exists() && !sub.join("pwned").exists());

    // Without --truststore the command names Java's store through $JAVA_HOME.
    let r = export(&[]);
    let words = keytool_words(&r);
    assert_eq!(after(&words, "-file").as_deref(), out.to_str(), "{words:?}");
    assert_eq!(
        after(&words, "-keystore").as_deref(),
        Some("/jdk/lib/security/cacerts"),
        "{words:?}"
    );
}

fn keytool(args: &[&str]) {
    let st = Command::new("keytool")
        .args(args)
        .output()
        .expect("keytool");
    assert!(
        st.status.success(),
        "keytool {args:?}: {}{}",
        String::from_utf8_lossy(&st.stdout),
        String::from_utf8_lossy(&st.stderr)
    );
}

fn check_good_with(store: &str, extra: &[&str], env_password: Option<&str>) -> Run {
    let l = lab();
    let addr = l.addrs["good"];
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"));
    cmd.args([
        "check",
        &format!("mx.lab.test:{}", addr.port()),
        "--resolve",
        &format!("mx.lab.test:{}", addr.ip()),
        "--truststore",
        store,
        "--json",
        "--quick",
        "--no-fetch",
    ]);
    cmd.args(extra);
    cmd.env_remove("SMTP_TLS_DOCTOR_TRUSTSTORE_PASSWORD");
    if let Some(p) = env_password {
        cmd.env("SMTP_TLS_DOCTOR_TRUSTSTORE_PASSWORD", p);
    }
    let out = cmd.output().expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn java_truststores_jks_and_pkcs12() {
    if !require(&[Need::Keytool]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let ca = lab().ca_file.to_str().unwrap().to_string();
    let jks = dir.path().join("trust.jks");
    let p12 = dir.path().join("trust.p12");
    let (jks_s, p12_s) = (jks.to_str().unwrap(), p12.to_str().unwrap());
    keytool(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "lab",
        "-file",
        &ca,
        "-keystore",
        jks_s,
        "-storetype",
        "JKS",
        "-storepass",
        "changeit",
    ]);
    keytool(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "lab",
        "-file",
        &ca,
        "-keystore",
        p12_s,
        "-storetype",
        "PKCS12",
        "-storepass",
        "s3cret-pass",
    ]);

    let r = check_good_with(jks_s, &[], None);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(codes(&v), Vec::<String>::new());
    assert!(
        v["trust_store"].as_str().unwrap().contains("JKS, 1"),
        "{}",
        v["trust_store"]
    );
    let r = check_good_with(jks_s, &["--truststore-password", "wrong"], None);
    assert_eq!(r.code, 64, "a wrong password fails the JKS integrity check");
    assert!(r.stderr.contains("integrity"), "{}", r.stderr);

    let r = check_good_with(p12_s, &[], Some("s3cret-pass"));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.json()["trust_store"]
            .as_str()
            .unwrap()
            .contains("PKCS#12, 1")
    );
    assert!(
        !r.stdout.contains("s3cret-pass") && !r.stderr.contains("s3cret-pass"),
        "the password is never shown"
    );
    let r = check_good_with(p12_s, &[], None);
    assert_eq!(r.code, 64, "no password: changeit does not open it");
    assert!(
        r.stderr.contains("SMTP_TLS_DOCTOR_TRUSTSTORE_PASSWORD"),
        "{}",
        r.stderr
    );

    // A store without the lab root: the client's store lacks it.
    let other = dir.path().join("other.pem");
    let unrelated =
        std::fs::read_to_string(lab().untrusted_ca_file.clone()).expect("untrusted root");
    std::fs::write(&other, unrelated).expect("write");
    let r = check_good_with(other.to_str().unwrap(), &[], None);
    assert_eq!(codes(&r.json()), vec!["cert-untrusted"]);
}
