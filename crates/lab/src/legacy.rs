//! Scripted SSL 2.0 and SSL 3.0 servers. Debian's OpenSSL can serve neither
//! protocol, so these answer a client's first flight by hand: just enough of
//! each protocol for a client to see the version, the cipher specs or suites
//! and the certificates. No handshake ever completes (there is no key
//! exchange); after its answer a server waits up to [`LEGACY_HOLD`] for
//! anything from the client and closes.
//!
//! Sources: "The SSL Protocol" (Kipp Hickman, Netscape, 1995,
//! draft-hickman-netscape-ssl-00) for SSL 2.0, RFC 6101 for SSL 3.0.
//!
//! Everything here parses untrusted input with checked slicing and never
//! panics; every wait is bounded.

use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::time::timeout;

use crate::hostile::{
    CONTENT_ALERT, CONTENT_HANDSHAKE, ClientHello, MAX_PLAINTEXT, Reader, ServerHello, len16,
    parse_client_hello, random32, read_tls_record, write_flush,
};
use crate::smtp::{self, BoxIo, IDLE_TIMEOUT};

/// How long a scripted server waits for the client after its hello.
pub(crate) const LEGACY_HOLD: Duration = Duration::from_secs(5);

/// SSL 2.0 and SSL 3.0 protocol versions.
pub(crate) const SSL2_VERSION: u16 = 0x0002;
pub(crate) const SSL3_VERSION: u16 = 0x0300;

/// SSL 2.0 message types, error code and certificate type (appendix A).
const SSL2_MT_ERROR: u8 = 0;
const SSL2_MT_CLIENT_HELLO: u8 = 1;
const SSL2_MT_SERVER_HELLO: u8 = 4;
const SSL2_PE_NO_CIPHER: u16 = 0x0001;
const SSL2_CT_X509_CERTIFICATE: u8 = 1;
/// Largest SSL 2.0 record body with a two-byte header.
const SSL2_MAX_RECORD: usize = 0x7FFF;

/// SSL 3.0 handshake message types.
const HS_CERTIFICATE: u8 = 11;
const HS_SERVER_HELLO_DONE: u8 = 14;

/// The cipher specs of sslv2-scripted, in the server's order:
/// SSL_CK_RC4_128_WITH_MD5 and SSL_CK_DES_192_EDE3_CBC_WITH_MD5.
pub(crate) const SSLV2_SPECS: [u32; 2] = [0x010080, 0x0700C0];

/// The cipher suites of sslv3-scripted, in the server's order:
/// TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_RC4_128_SHA,
/// TLS_RSA_WITH_AES_128_CBC_SHA.
pub(crate) const SSLV3_SUITES: [u16; 3] = [0x000A, 0x0005, 0x002F];

/// sslv2-scripted's answer to a TLS hello: a fatal protocol_version alert
/// in a TLS 1.0 record.
pub(crate) const PROTOCOL_VERSION_ALERT_TLS10: [u8; 7] =
    [CONTENT_ALERT, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];
/// sslv3-scripted's answer to a hello below SSL 3.0: a fatal
/// protocol_version alert in an SSL 3.0 record.
pub(crate) const PROTOCOL_VERSION_ALERT_SSL3: [u8; 7] =
    [CONTENT_ALERT, 0x03, 0x00, 0x00, 0x02, 0x02, 0x46];
/// sslv3-scripted's answer when no suite is in common: a fatal
/// handshake_failure alert in an SSL 3.0 record.
pub(crate) const HANDSHAKE_FAILURE_ALERT_SSL3: [u8; 7] =
    [CONTENT_ALERT, 0x03, 0x00, 0x00, 0x02, 0x02, 0x28];

/// A server that speaks one legacy protocol, by script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Legacy {
    /// sslv2-scripted: an SSL 2.0 CLIENT-HELLO gets a SERVER-HELLO with
    /// `certificate` and the specs of [`SSLV2_SPECS`] the client offered (an
    /// ERROR NO-CIPHER-ERROR if none); a TLS handshake record gets
    /// [`PROTOCOL_VERSION_ALERT_TLS10`].
    Sslv2 {
        /// The leaf certificate (DER).
        certificate: Vec<u8>,
    },
    /// sslv3-scripted: a TLS ClientHello offering SSL 3.0 or higher gets an
    /// SSL 3.0 ServerHello with the first suite of [`SSLV3_SUITES`] the
    /// client offered, Certificate with `chain` and ServerHelloDone; see
    /// [`sslv3_answer`] for the refusals. An SSL 2.0-format hello is closed
    /// without an answer.
    Sslv3 {
        /// Leaf first (DER).
        chain: Vec<Vec<u8>>,
    },
}

/// What a scripted server sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// A hello: then wait up to [`LEGACY_HOLD`] for the client, and close.
    Hello(Vec<u8>),
    /// An alert or error message: then close.
    Refusal(Vec<u8>),
}

impl Legacy {
    /// Plays the script on a stream right after the STARTTLS 220. A first
    /// record that is not a hello of the kind the server understands (junk,
    /// nothing within the idle timeout) is closed without an answer.
    pub(crate) async fn run(&self, mut io: BoxIo) {
        let first = read_first_record(&mut io).await;
        let answer = match (self, first) {
            (Legacy::Sslv2 { certificate }, Some(FirstRecord::Sslv2(data))) => {
                parse_sslv2_client_hello(&data).map(|hello| {
                    let mut connection_id = [0u8; 16];
                    connection_id.copy_from_slice(&random32()[..16]);
                    sslv2_answer(&hello, certificate, &connection_id)
                })
            }
            (Legacy::Sslv2 { .. }, Some(FirstRecord::Tls(_))) => {
                Some(Answer::Refusal(PROTOCOL_VERSION_ALERT_TLS10.to_vec()))
            }
            (Legacy::Sslv3 { chain }, Some(FirstRecord::Tls(record))) => {
                parse_client_hello(&record)
                    .map(|hello| sslv3_answer(&hello, chain, random32(), random32()))
            }
            (Legacy::Sslv3 { .. }, Some(FirstRecord::Sslv2(_))) | (_, None) => None,
        };
        let (bytes, hold) = match &answer {
            Some(Answer::Hello(bytes)) => (bytes.as_slice(), true),
            Some(Answer::Refusal(bytes)) => (bytes.as_slice(), false),
            None => (&[][..], false),
        };
        if !bytes.is_empty() && write_flush(&mut io, bytes).await.is_err() {
            return;
        }
        if hold {
            let mut byte = [0u8; 1];
            let _ = timeout(LEGACY_HOLD, io.read(&mut byte)).await;
        }
        smtp::close(&mut io).await;
    }
}

/// The client's first record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FirstRecord {
    /// An SSL 2.0 record with a two-byte header: its data.
    Sslv2(Vec<u8>),
    /// A TLS handshake record, header included.
    Tls(Vec<u8>),
}

/// Reads the client's first record (bounded size and time): an SSL 2.0
/// record with a two-byte header (high bit set) or a TLS handshake record.
pub(crate) async fn read_first_record(io: &mut BoxIo) -> Option<FirstRecord> {
    let read = async {
        let mut head = [0u8; 2];
        io.read_exact(&mut head).await.ok()?;
        if head[0] & 0x80 != 0 {
            let len = usize::from(u16::from_be_bytes(head) & 0x7FFF);
            if len == 0 {
                return None;
            }
            let mut data = vec![0u8; len];
            io.read_exact(&mut data).await.ok()?;
            return Some(FirstRecord::Sslv2(data));
        }
        if head != [CONTENT_HANDSHAKE, 0x03] {
            return None;
        }
        let mut header = [CONTENT_HANDSHAKE, 0x03, 0, 0, 0];
        io.read_exact(&mut header[2..]).await.ok()?;
        read_tls_record(io, header).await.map(FirstRecord::Tls)
    };
    timeout(IDLE_TIMEOUT, read).await.ok().flatten()
}

/// The fields of an SSL 2.0 CLIENT-HELLO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sslv2ClientHello {
    /// 3-byte cipher specs in the client's order.
    pub cipher_specs: Vec<u32>,
    pub session_id: Vec<u8>,
    pub challenge: Vec<u8>,
}

/// Parses the data of an SSL 2.0 record (after its two-byte header) as a
/// CLIENT-HELLO of version 0x0002: at least one cipher spec, a session id of
/// 0 or 16 bytes, a challenge of 16 to 32 bytes. Bytes after the message
/// are ignored.
pub(crate) fn parse_sslv2_client_hello(data: &[u8]) -> Option<Sslv2ClientHello> {
    let mut r = Reader(data);
    if r.u8()? != SSL2_MT_CLIENT_HELLO || r.u16()? != SSL2_VERSION {
        return None;
    }
    let specs_len = usize::from(r.u16()?);
    let sid_len = usize::from(r.u16()?);
    let challenge_len = usize::from(r.u16()?);
    if specs_len == 0
        || specs_len % 3 != 0
        || !(sid_len == 0 || sid_len == 16)
        || !(16..=32).contains(&challenge_len)
    {
        return None;
    }
    let cipher_specs = r
        .take(specs_len)?
        .chunks_exact(3)
        .filter_map(|c| <[u8; 3]>::try_from(c).ok())
        .map(|[a, b, c]| u32::from_be_bytes([0, a, b, c]))
        .collect();
    let session_id = r.take(sid_len)?.to_vec();
    let challenge = r.take(challenge_len)?.to_vec();
    Some(Sslv2ClientHello {
        cipher_specs,
        session_id,
        challenge,
    })
}

/// sslv2-scripted's answer to a CLIENT-HELLO: a SERVER-HELLO with the specs
/// of [`SSLV2_SPECS`] the client offered, in the server's order, or an
/// ERROR NO-CIPHER-ERROR when there is none.
pub(crate) fn sslv2_answer(
    hello: &Sslv2ClientHello,
    certificate: &[u8],
    connection_id: &[u8; 16],
) -> Answer {
    let specs: Vec<u32> = SSLV2_SPECS
        .into_iter()
        .filter(|s| hello.cipher_specs.contains(s))
        .collect();
    if specs.is_empty() {
        let mut error = vec![SSL2_MT_ERROR];
        error.extend_from_slice(&SSL2_PE_NO_CIPHER.to_be_bytes());
        return Answer::Refusal(sslv2_record(&error));
    }
    Answer::Hello(sslv2_server_hello(certificate, &specs, connection_id))
}

/// An SSL 2.0 SERVER-HELLO record: no session-id hit, an X.509
/// certificate, version 0x0002, then the certificate, the specs and the
/// connection id.
pub(crate) fn sslv2_server_hello(
    certificate: &[u8],
    specs: &[u32],
    connection_id: &[u8],
) -> Vec<u8> {
    let mut msg = Vec::with_capacity(11 + certificate.len() + 3 * specs.len() + 16);
    msg.extend_from_slice(&[SSL2_MT_SERVER_HELLO, 0, SSL2_CT_X509_CERTIFICATE]);
    msg.extend_from_slice(&SSL2_VERSION.to_be_bytes());
    msg.extend_from_slice(&len16(certificate.len()));
    msg.extend_from_slice(&len16(3 * specs.len()));
    msg.extend_from_slice(&len16(connection_id.len()));
    msg.extend_from_slice(certificate);
    for spec in specs {
        msg.extend_from_slice(&spec.to_be_bytes()[1..]);
    }
    msg.extend_from_slice(connection_id);
    sslv2_record(&msg)
}

/// An SSL 2.0 record with a two-byte header (no padding). The lab's
/// messages are far below the 32767-byte limit; longer ones are cut.
fn sslv2_record(msg: &[u8]) -> Vec<u8> {
    let msg = msg.get(..SSL2_MAX_RECORD).unwrap_or(msg);
    let len = u16::try_from(msg.len()).unwrap_or(0x7FFF);
    let mut out = Vec::with_capacity(2 + msg.len());
    out.extend_from_slice(&(0x8000 | len).to_be_bytes());
    out.extend_from_slice(msg);
    out
}

/// The suite sslv3-scripted picks: the first of [`SSLV3_SUITES`] (the
/// server's order) that the client offered.
pub(crate) fn choose_sslv3_suite(offered: &[u16]) -> Option<u16> {
    SSLV3_SUITES.into_iter().find(|s| offered.contains(s))
}

/// sslv3-scripted's answer to a ClientHello. Like a real SSL 3.0-only
/// server it answers SSL 3.0 to any hello whose highest version (see
/// [`ClientHello::max_version`]) is SSL 3.0 or above, and leaves it to the
/// client to accept or not. A hello below SSL 3.0 gets a protocol_version
/// alert, one without a common suite a handshake_failure alert.
pub(crate) fn sslv3_answer(
    hello: &ClientHello,
    chain: &[Vec<u8>],
    random: [u8; 32],
    session_id: [u8; 32],
) -> Answer {
    if hello.max_version() < SSL3_VERSION {
        return Answer::Refusal(PROTOCOL_VERSION_ALERT_SSL3.to_vec());
    }
    match choose_sslv3_suite(&hello.cipher_suites) {
        Some(suite) => Answer::Hello(sslv3_flight(random, session_id, suite, chain)),
        None => Answer::Refusal(HANDSHAKE_FAILURE_ALERT_SSL3.to_vec()),
    }
}

/// ServerHello (SSL 3.0, a 32-byte session id, no extensions block),
/// Certificate and ServerHelloDone, in SSL 3.0 handshake records (one
/// record unless the flight exceeds 2^14 bytes).
pub(crate) fn sslv3_flight(
    random: [u8; 32],
    session_id: [u8; 32],
    suite: u16,
    chain: &[Vec<u8>],
) -> Vec<u8> {
    let hello = ServerHello {
        record_version: SSL3_VERSION,
        version: SSL3_VERSION,
        random,
        session_id: session_id.to_vec(),
        cipher_suite: suite,
        compression: 0,
        extensions: None,
    };
    let mut messages = hello.message();
    messages.extend_from_slice(&certificate_message(chain));
    messages.extend_from_slice(&[HS_SERVER_HELLO_DONE, 0, 0, 0]);
    let mut out = Vec::with_capacity(messages.len() + 5);
    for fragment in messages.chunks(MAX_PLAINTEXT) {
        out.push(CONTENT_HANDSHAKE);
        out.extend_from_slice(&SSL3_VERSION.to_be_bytes());
        out.extend_from_slice(&len16(fragment.len()));
        out.extend_from_slice(fragment);
    }
    out
}

/// A Certificate handshake message: each certificate and the list with a
/// 3-byte length.
pub(crate) fn certificate_message(chain: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    for cert in chain {
        list.extend_from_slice(&len24(cert.len()));
        list.extend_from_slice(cert);
    }
    let mut body = len24(list.len()).to_vec();
    body.extend_from_slice(&list);
    let mut msg = vec![HS_CERTIFICATE];
    msg.extend_from_slice(&len24(body.len()));
    msg.extend_from_slice(&body);
    msg
}

fn len24(n: usize) -> [u8; 3] {
    let n = u32::try_from(n).unwrap_or(0x00FF_FFFF).min(0x00FF_FFFF);
    let [_, a, b, c] = n.to_be_bytes();
    [a, b, c]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sslv2_hello_data(specs: &[u32], sid_len: usize, challenge_len: usize) -> Vec<u8> {
        let mut msg = vec![SSL2_MT_CLIENT_HELLO, 0x00, 0x02];
        msg.extend_from_slice(&len16(specs.len() * 3));
        msg.extend_from_slice(&len16(sid_len));
        msg.extend_from_slice(&len16(challenge_len));
        for s in specs {
            msg.extend_from_slice(&s.to_be_bytes()[1..]);
        }
        msg.extend(std::iter::repeat_n(0x11, sid_len));
        msg.extend(std::iter::repeat_n(0x22, challenge_len));
        msg
    }

    fn tls_hello(legacy_version: u16, suites: &[u16], versions: &[u16]) -> ClientHello {
        ClientHello {
            record_version: 0x0301,
            legacy_version,
            session_id: Vec::new(),
            cipher_suites: suites.to_vec(),
            supported_versions: versions.to_vec(),
        }
    }

    #[test]
    fn parses_sslv2_client_hello() {
        let data = sslv2_hello_data(&[0x0700C0, 0x010080, 0x000035], 16, 32);
        let hello = parse_sslv2_client_hello(&data).expect("parses");
        assert_eq!(hello.cipher_specs, [0x0700C0, 0x010080, 0x000035]);
        assert_eq!(hello.session_id, [0x11; 16]);
        assert_eq!(hello.challenge, [0x22; 32]);
        for n in 0..data.len() {
            assert!(parse_sslv2_client_hello(&data[..n]).is_none(), "{n}");
        }
        for i in 0..data.len() {
            for v in [0x00, 0x01, 0x7F, 0xFF] {
                let mut m = data.clone();
                m[i] = v;
                let _ = parse_sslv2_client_hello(&m);
            }
        }
        // Wrong type or version, no specs, odd spec length, bad session id
        // or challenge length.
        let mut wrong = data.clone();
        wrong[0] = 4;
        assert!(parse_sslv2_client_hello(&wrong).is_none());
        let mut v3 = data.clone();
        v3[1..3].copy_from_slice(&[0x03, 0x00]);
        assert!(parse_sslv2_client_hello(&v3).is_none());
        assert!(parse_sslv2_client_hello(&sslv2_hello_data(&[], 0, 16)).is_none());
        assert!(parse_sslv2_client_hello(&sslv2_hello_data(&[1], 8, 16)).is_none());
        assert!(parse_sslv2_client_hello(&sslv2_hello_data(&[1], 0, 15)).is_none());
        assert!(parse_sslv2_client_hello(&sslv2_hello_data(&[1], 0, 33)).is_none());
        let mut odd = sslv2_hello_data(&[0x010080], 0, 16);
        odd[3..5].copy_from_slice(&[0, 4]);
        assert!(parse_sslv2_client_hello(&odd).is_none());
    }

    #[test]
    fn sslv2_server_hello_bytes() {
        let hello =
            parse_sslv2_client_hello(&sslv2_hello_data(&[0x0700C0, 0x020080, 0x010080], 0, 16))
                .expect("parses");
        let cert = [0x30, 0x03, 0x02, 0x01, 0x05];
        let answer = sslv2_answer(&hello, &cert, &[0xCC; 16]);
        let mut want = vec![
            0x80,
            11 + 5 + 6 + 16,
            4,
            0,
            1,
            0x00,
            0x02,
            0,
            5,
            0,
            6,
            0,
            16,
        ];
        want.extend_from_slice(&cert);
        // The server's order, not the client's.
        want.extend_from_slice(&[0x01, 0x00, 0x80, 0x07, 0x00, 0xC0]);
        want.extend_from_slice(&[0xCC; 16]);
        assert_eq!(answer, Answer::Hello(want));

        let one = Sslv2ClientHello {
            cipher_specs: vec![0x0700C0],
            ..hello.clone()
        };
        let Answer::Hello(rec) = sslv2_answer(&one, &cert, &[0; 16]) else {
            panic!("a hello");
        };
        assert_eq!(&rec[9..13], &[0, 3, 0, 16]);
        assert_eq!(&rec[18..21], &[0x07, 0x00, 0xC0]);

        // A 2000-byte certificate: the length needs both header bytes.
        let big = vec![0xAB; 2000];
        let rec = sslv2_server_hello(&big, &SSLV2_SPECS, &[0; 16]);
        let len = 11 + 2000 + 6 + 16;
        assert_eq!(&rec[..2], &[0x80 | (len >> 8) as u8, len as u8]);
        assert_eq!(rec.len(), 2 + len);
        assert_eq!(&rec[7..9], &2000u16.to_be_bytes());
    }

    #[test]
    fn sslv2_no_common_cipher_is_an_error_message() {
        let hello = Sslv2ClientHello {
            cipher_specs: vec![0x020080, 0x060040, 0x00002F],
            session_id: vec![],
            challenge: vec![0; 16],
        };
        assert_eq!(
            sslv2_answer(&hello, &[1, 2, 3], &[0; 16]),
            Answer::Refusal(vec![0x80, 0x03, 0x00, 0x00, 0x01])
        );
    }

    #[test]
    fn sslv3_suite_in_server_order() {
        assert_eq!(choose_sslv3_suite(&[0x002F, 0x0005, 0x000A]), Some(0x000A));
        assert_eq!(choose_sslv3_suite(&[0x002F, 0x0005]), Some(0x0005));
        assert_eq!(choose_sslv3_suite(&[0xC02F, 0x002F, 0x00FF]), Some(0x002F));
        assert_eq!(choose_sslv3_suite(&[0xC02F, 0x1301, 0x0035]), None);
        assert_eq!(choose_sslv3_suite(&[]), None);
    }

    #[test]
    fn sslv3_answers_any_version_from_ssl3_up() {
        let chain = vec![vec![1, 2, 3]];
        for (legacy, versions) in [
            (0x0300, &[][..]),
            (0x0301, &[]),
            (0x0302, &[]),
            (0x0303, &[]),
            (0x0303, &[0x0A0A, 0x0304, 0x0303]),
            (0x0303, &[0x0304]),
        ] {
            let hello = tls_hello(legacy, &[0x0005], versions);
            let Answer::Hello(flight) = sslv3_answer(&hello, &chain, [1; 32], [2; 32]) else {
                panic!("{legacy:#06x} {versions:x?}: a hello");
            };
            assert_eq!(&flight[..3], &[0x16, 0x03, 0x00]);
            assert_eq!(&flight[9..11], &[0x03, 0x00]);
        }
        let below = tls_hello(0x0300, &[0x000A], &[0x0200]);
        assert_eq!(
            sslv3_answer(&below, &chain, [1; 32], [2; 32]),
            Answer::Refusal(vec![0x15, 0x03, 0x00, 0x00, 0x02, 0x02, 0x46])
        );
        let none = tls_hello(0x0303, &[0xC02F, 0x1301], &[]);
        assert_eq!(
            sslv3_answer(&none, &chain, [1; 32], [2; 32]),
            Answer::Refusal(vec![0x15, 0x03, 0x00, 0x00, 0x02, 0x02, 0x28])
        );
    }

    #[test]
    fn sslv3_flight_bytes() {
        let chain = vec![vec![0xAA; 3], vec![0xBB; 2]];
        let flight = sslv3_flight([1; 32], [2; 32], 0x0005, &chain);
        // ServerHello: 2 + 32 + 1 + 32 + 2 + 1 = 70 bytes of body.
        let mut sh = vec![0x02, 0x00, 0x00, 70, 0x03, 0x00];
        sh.extend_from_slice(&[1; 32]);
        sh.push(32);
        sh.extend_from_slice(&[2; 32]);
        sh.extend_from_slice(&[0x00, 0x05, 0x00]);
        let cert = [
            0x0B, 0x00, 0x00, 14, 0x00, 0x00, 11, 0x00, 0x00, 3, 0xAA, 0xAA, 0xAA, 0x00, 0x00, 2,
            0xBB, 0xBB,
        ];
        let done = [0x0E, 0x00, 0x00, 0x00];
        let body_len = sh.len() + cert.len() + done.len();
        let mut want = vec![0x16, 0x03, 0x00, 0x00, body_len as u8];
        want.extend_from_slice(&sh);
        want.extend_from_slice(&cert);
        want.extend_from_slice(&done);
        assert_eq!(flight, want);

        // A flight over 2^14 bytes is split into records.
        let big = vec![vec![0xCC; 20_000]];
        let flight = sslv3_flight([1; 32], [2; 32], 0x000A, &big);
        let messages = 74 + (4 + 3 + 3 + 20_000) + 4;
        assert_eq!(flight.len(), messages + 10);
        assert_eq!(&flight[..5], &[0x16, 0x03, 0x00, 0x40, 0x00]);
        let second = 5 + MAX_PLAINTEXT;
        let rest = u16::try_from(messages - MAX_PLAINTEXT).expect("fits");
        assert_eq!(&flight[second..second + 3], &[0x16, 0x03, 0x00]);
        assert_eq!(&flight[second + 3..second + 5], &rest.to_be_bytes());
    }
}
