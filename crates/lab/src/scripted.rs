//! battery-scripted: a hand-written TLS 1.1 and 1.2 server with every weakness the
//! vulnerability battery looks for, for the lab. It never completes a handshake (there is no key
//! exchange); it answers the first flight and then the battery's probe records:
//!
//! * an SSL 2.0 CLIENT-HELLO gets a SERVER-HELLO with the same RSA certificate as its TLS chain
//!   (DROWN's precondition);
//! * a TLS hello gets a ServerHello for the lower of the client's best version and TLS 1.2 (TLS
//!   1.1 at least; below it a protocol_version alert), whatever TLS_FALLBACK_SCSV says; the suite
//!   is the first of [`SUITES`] offered (export RSA, RC4, 3DES, all static RSA); DEFLATE when
//!   offered; heartbeat, session_ticket, renegotiation_info and (for 3DES) encrypt_then_mac
//!   echoed, extended_master_secret not (a missing renegotiation_info is sslv3-scripted's);
//! * after the flight, a heartbeat request gets a response of the length it claims, padded from
//!   a fixed buffer of lab "memory" (at most [`MAX_ECHO`] bytes): the Heartbleed over-read without
//!   any real memory; an early ChangeCipherSpec is accepted in silence, and the record after it
//!   gets bad_record_mac, as an OpenSSL vulnerable to CVE-2014-0224 answers;
//! * a ClientKeyExchange is decrypted with the leaf's RSA key and its PKCS#1 v1.5 block checked
//!   (0x00 0x02, eight or more nonzero padding bytes, a 0x00, a 48-byte premaster secret that
//!   starts with the hello's version): a conforming block waits for the Finished and answers it
//!   with bad_record_mac, anything else gets handshake_failure at once. Two answers an attacker
//!   can tell apart: the ROBOT oracle (Böck, Somorovsky and Young, 2017), as the vulnerable
//!   F5 and Citrix stacks of the paper gave it.
//!
//! Every read is bounded in size and time; nothing the client sends can panic it.

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::time::timeout;

use crate::hostile::{
    CONTENT_ALERT, CONTENT_HANDSHAKE, MAX_PLAINTEXT, ServerHello, random32, write_flush,
};
use crate::legacy::{
    Answer, FirstRecord, certificate_message, parse_sslv2_client_hello, read_first_record,
    sslv2_answer,
};
use crate::smtp::{self, BoxIo};

/// The suites, in the server's order: TLS_RSA_EXPORT_WITH_RC4_40_MD5, TLS_RSA_WITH_RC4_128_SHA,
/// TLS_RSA_WITH_3DES_EDE_CBC_SHA (with encrypt-then-MAC when asked: Lucky13 is the
/// sslv3-scripted server's).
pub(crate) const SUITES: [u16; 3] = [0x0003, 0x0005, 0x000A];

/// The longest heartbeat payload echoed.
pub(crate) const MAX_ECHO: usize = 1024;
/// How long the server waits for each probe record after its flight.
const HOLD: Duration = Duration::from_secs(5);
/// Most records read after the flight.
const MAX_RECORDS: usize = 8;

const HEARTBEAT: u16 = 15;
const SESSION_TICKET: u16 = 35;
const ENCRYPT_THEN_MAC: u16 = 22;
const RENEGOTIATION_INFO: u16 = 0xff01;
const HS_SERVER_HELLO_DONE: u8 = 14;
const CONTENT_CCS: u8 = 20;
const CONTENT_APPLICATION_DATA: u8 = 23;
const CONTENT_HEARTBEAT: u8 = 24;

/// The scripted server of battery-scripted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Battery {
    /// Leaf first (DER, RSA).
    pub chain: Vec<Vec<u8>>,
    /// The leaf's private key (PEM), for the ROBOT oracle.
    pub key_pem: String,
}

/// handshake type client_key_exchange.
const HS_CLIENT_KEY_EXCHANGE: u8 = 16;
/// The premaster secret's length (RFC 5246 section 7.4.7.1).
const PREMASTER_LEN: usize = 48;

/// Whether a ClientKeyExchange body decrypts to a PKCS#1 v1.5 block holding a premaster
/// secret for `version` (RFC 8017 section 7.2.2 and RFC 5246 section 7.4.7.1), checked the
/// way a server that leaks the answer checks it.
pub(crate) fn robot_conforming(cke_body: &[u8], key_pem: &str, version: u16) -> bool {
    let Ok(rsa) = openssl::rsa::Rsa::private_key_from_pem(key_pem.as_bytes()) else {
        return false;
    };
    // EncryptedPreMasterSecret with its 2-byte length.
    let Some(c) = cke_body.get(2..) else {
        return false;
    };
    let mut block = vec![0u8; rsa.size() as usize];
    let Ok(n) = rsa.private_decrypt(c, &mut block, openssl::rsa::Padding::NONE) else {
        return false;
    };
    // Raw RSA output is the modulus' size; left-pad when OpenSSL returns fewer bytes.
    let mut full = vec![0u8; block.len().saturating_sub(n)];
    full.extend_from_slice(block.get(..n).unwrap_or_default());
    let [0, 2, rest @ ..] = full.as_slice() else {
        return false;
    };
    let Some(sep) = rest.iter().position(|b| *b == 0) else {
        return false;
    };
    let pms = rest.get(sep + 1..).unwrap_or_default();
    sep >= 8 && pms.len() == PREMASTER_LEN && pms.get(..2) == Some(&version.to_be_bytes()[..])
}

fn alert(version: u16, description: u8) -> Vec<u8> {
    let [hi, lo] = version.to_be_bytes();
    vec![CONTENT_ALERT, hi, lo, 0, 2, 2, description]
}

fn record(content: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5 * (body.len() / MAX_PLAINTEXT + 1));
    for fragment in body.chunks(MAX_PLAINTEXT) {
        out.push(content);
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&u16::try_from(fragment.len()).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(fragment);
    }
    out
}

/// What the server answers to a TLS ClientHello record: its flight and the version, or a
/// refusal.
pub(crate) fn tls_answer(
    hello_record: &[u8],
    chain: &[Vec<u8>],
) -> Result<(Vec<u8>, u16), Vec<u8>> {
    // Record header (5), handshake header (4), then the hello's body.
    let Some(hello) = hello_record
        .get(9..)
        .and_then(|body| wire::tls::parse_client_hello(body).ok())
    else {
        return Err(alert(0x0301, 50)); // decode_error
    };
    let version = hello.max_version().min(0x0303);
    if version < 0x0302 {
        return Err(alert(0x0300, 70)); // protocol_version
    }
    let Some(suite) = SUITES.into_iter().find(|s| hello.cipher_suites.contains(s)) else {
        return Err(alert(version, 40)); // handshake_failure
    };
    let mut extensions = Vec::new();
    if hello.extensions.contains(&HEARTBEAT) {
        extensions.push((HEARTBEAT, vec![1])); // peer_allowed_to_send
    }
    if hello.extensions.contains(&SESSION_TICKET) {
        extensions.push((SESSION_TICKET, Vec::new()));
    }
    if hello.extensions.contains(&RENEGOTIATION_INFO) {
        extensions.push((RENEGOTIATION_INFO, vec![0])); // renegotiated_connection: empty
    }
    if hello.extensions.contains(&ENCRYPT_THEN_MAC) && suite == 0x000A {
        extensions.push((ENCRYPT_THEN_MAC, Vec::new()));
    }
    let sh = ServerHello {
        record_version: version,
        version,
        random: random32(),
        session_id: random32().to_vec(),
        cipher_suite: suite,
        compression: u8::from(hello.compression_methods.contains(&1)),
        extensions: Some(extensions),
    };
    let mut messages = sh.message();
    messages.extend_from_slice(&certificate_message(chain));
    messages.extend_from_slice(&[HS_SERVER_HELLO_DONE, 0, 0, 0]);
    Ok((record(CONTENT_HANDSHAKE, version, &messages), version))
}

/// The heartbeat response to a request body: the claimed length, echoed from the payload and
/// then the lab's "memory" (at most [`MAX_ECHO`] bytes), then 16 bytes of padding. `None` for
/// anything that is not a request.
pub(crate) fn heartbeat_response(body: &[u8]) -> Option<Vec<u8>> {
    let (&kind, rest) = body.split_first()?;
    let (hi, lo) = (*rest.first()?, *rest.get(1)?);
    if kind != 1 {
        return None;
    }
    let claimed = usize::from(u16::from_be_bytes([hi, lo])).min(MAX_ECHO);
    let memory = b"lab memory past the heartbeat payload: not a real secret. ";
    let source = rest
        .get(2..)
        .unwrap_or_default()
        .iter()
        .chain(memory.iter().cycle());
    let mut out = vec![2];
    out.extend_from_slice(&u16::try_from(claimed).unwrap_or(0).to_be_bytes());
    out.extend(source.take(claimed));
    out.extend_from_slice(&[0u8; 16]);
    Some(out)
}

impl Battery {
    pub(crate) async fn run(&self, mut io: BoxIo) {
        let version = match read_first_record(&mut io).await {
            Some(FirstRecord::Sslv2(data)) => {
                if let (Some(hello), Some(leaf)) =
                    (parse_sslv2_client_hello(&data), self.chain.first())
                {
                    let mut cid = [0u8; 16];
                    cid.copy_from_slice(&random32()[..16]);
                    let bytes = match sslv2_answer(&hello, leaf, &cid) {
                        Answer::Hello(b) | Answer::Refusal(b) => b,
                    };
                    if write_flush(&mut io, &bytes).await.is_ok() {
                        let mut byte = [0u8; 1];
                        let _ = timeout(HOLD, io.read(&mut byte)).await;
                    }
                }
                smtp::close(&mut io).await;
                return;
            }
            Some(FirstRecord::Tls(record)) => match tls_answer(&record, &self.chain) {
                Ok((flight, version)) => {
                    if write_flush(&mut io, &flight).await.is_err() {
                        return;
                    }
                    version
                }
                Err(refusal) => {
                    let _ = write_flush(&mut io, &refusal).await;
                    smtp::close(&mut io).await;
                    return;
                }
            },
            None => {
                smtp::close(&mut io).await;
                return;
            }
        };
        let mut ccs = false;
        // A conforming ClientKeyExchange came: the Finished gets bad_record_mac.
        let mut conforming = false;
        for _ in 0..MAX_RECORDS {
            let mut header = [0u8; 5];
            match timeout(HOLD, io.read_exact(&mut header)).await {
                Ok(Ok(_)) => {}
                _ => break,
            }
            let [content, _, _, hi, lo] = header;
            let len = usize::from(u16::from_be_bytes([hi, lo]));
            if len > MAX_PLAINTEXT + 2048 {
                break;
            }
            let mut body = vec![0u8; len];
            match timeout(HOLD, io.read_exact(&mut body)).await {
                Ok(Ok(_)) => {}
                _ => break,
            }
            let answer = match content {
                CONTENT_HEARTBEAT => {
                    heartbeat_response(&body).map(|b| record(CONTENT_HEARTBEAT, version, &b))
                }
                CONTENT_CCS => {
                    // Accepted in silence: the keys would now come from an empty master secret.
                    ccs = true;
                    None
                }
                CONTENT_APPLICATION_DATA if ccs => {
                    let _ = write_flush(&mut io, &alert(version, 20)).await; // bad_record_mac
                    break;
                }
                CONTENT_HANDSHAKE if !ccs && body.first() == Some(&HS_CLIENT_KEY_EXCHANGE) => {
                    if robot_conforming(body.get(4..).unwrap_or_default(), &self.key_pem, version) {
                        conforming = true;
                        None
                    } else {
                        let _ = write_flush(&mut io, &alert(version, 40)).await; // handshake_failure
                        break;
                    }
                }
                CONTENT_HANDSHAKE if ccs && conforming => {
                    // The Finished, under keys from the premaster secret: it cannot verify.
                    let _ = write_flush(&mut io, &alert(version, 20)).await; // bad_record_mac
                    break;
                }
                _ => {
                    let _ = write_flush(&mut io, &alert(version, 10)).await; // unexpected_message
                    break;
                }
            };
            if let Some(bytes) = answer
                && write_flush(&mut io, &bytes).await.is_err()
            {
                return;
            }
        }
        smtp::close(&mut io).await;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    /// The oracle's check against blocks made by OpenSSL itself: PKCS#1 v1.5 encryption of a
    /// premaster secret conforms; the same secret for another version, a raw block with wrong
    /// first bytes and a too-short secret do not.
    #[test]
    fn robot_oracle_checks_the_pkcs1_block() {
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let pem = String::from_utf8(rsa.private_key_to_pem().unwrap()).unwrap();
        let enc = |msg: &[u8], padding| {
            let mut out = vec![0u8; rsa.size() as usize];
            let n = rsa.public_encrypt(msg, &mut out, padding).unwrap();
            let mut body = (n as u16).to_be_bytes().to_vec();
            body.extend_from_slice(&out[..n]);
            body
        };
        let mut pms = vec![3u8, 3];
        pms.extend_from_slice(&[0x42; 46]);
        let ok = enc(&pms, openssl::rsa::Padding::PKCS1);
        assert!(robot_conforming(&ok, &pem, 0x0303));
        assert!(!robot_conforming(&ok, &pem, 0x0302));
        assert!(!robot_conforming(
            &enc(&pms[..40], openssl::rsa::Padding::PKCS1),
            &pem,
            0x0303
        ));
        let mut raw = vec![0x41u8, 0x17];
        raw.extend(std::iter::repeat_n(0x55, 256 - 2 - 49));
        raw.push(0);
        raw.extend_from_slice(&pms);
        assert!(!robot_conforming(
            &enc(&raw, openssl::rsa::Padding::NONE),
            &pem,
            0x0303
        ));
        raw[0] = 0;
        raw[1] = 2;
        assert!(robot_conforming(
            &enc(&raw, openssl::rsa::Padding::NONE),
            &pem,
            0x0303
        ));
        assert!(!robot_conforming(&[0, 1, 2], &pem, 0x0303));
        assert!(!robot_conforming(&[], "not a key", 0x0303));
    }

    #[test]
    fn heartbeat_echoes_the_claimed_length_from_a_bounded_buffer() {
        let mut req = vec![1, 0, 32];
        req.extend_from_slice(&[0x42; 16]);
        req.extend_from_slice(&[0; 16]);
        let r = heartbeat_response(&req).unwrap();
        assert_eq!(r[0], 2);
        assert_eq!(u16::from_be_bytes([r[1], r[2]]), 32);
        assert_eq!(r.len(), 3 + 32 + 16);
        assert!(r[3..19].iter().all(|&b| b == 0x42));
        let huge = heartbeat_response(&[1, 0xff, 0xff]).unwrap();
        assert_eq!(huge.len(), 3 + MAX_ECHO + 16);
        assert_eq!(heartbeat_response(&[2, 0, 1]), None);
        assert_eq!(heartbeat_response(&[1]), None);
    }
}
