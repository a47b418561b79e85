//! How a simulation ends: the peer fails (with the fixes on both sides), or the observations
//! cannot tell.

use crate::model::profile::Profile;
use crate::model::profile::Simulation;

/// A simulation that ended before a handshake could complete: the peer fails, or the
/// observations cannot tell (boxed: a simulation is large).
pub(super) type Ended = Box<Simulation>;

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
pub(super) fn fail_with(
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

/// The peer fails for `reason`: the server's fix, and the peer's own when it is at fault.
pub(super) fn fail(
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
                    | "bad-signature"
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

/// What the peer would do cannot be told from what was observed.
pub(super) fn unknown(p: &Profile, why: &str, notes: Vec<String>) -> Simulation {
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
