//! Blocking probes for the enumeration and hostile-server tests: a lab that
//! runs on its own runtime for the whole test binary, a plain SMTP client,
//! an OpenSSL client that offers exactly what it is told, and hand-built
//! ClientHellos.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use lab::{LabConfig, RunningLab};
use openssl::nid::Nid;
use openssl::pkey::Id;
use openssl::ssl::{
    HandshakeError, Ssl, SslContext, SslMethod, SslOptions, SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;

/// Read/write timeout of every probe socket.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// A lab whose servers run on a runtime of their own, so that many plain
/// `#[test]`s can share it.
pub struct SharedLab {
    pub lab: RunningLab,
    _rt: tokio::runtime::Runtime,
}

impl SharedLab {
    pub fn start(only: &[&str]) -> SharedLab {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        // Kept in a static for the whole test binary, where no Drop runs: the directory goes
        // when the process exits.
        let dir = tempfile::tempdir().expect("temp dir").keep();
        crate::common::host::remove_at_exit(dir.clone());
        let mut cfg = LabConfig::new(dir);
        cfg.only = Some(only.iter().map(|s| s.to_string()).collect());
        let lab = rt.block_on(lab::start(cfg)).expect("lab starts");
        SharedLab { lab, _rt: rt }
    }

    pub fn addr(&self, scenario: &str) -> SocketAddr {
        self.lab.endpoint(scenario).expect("scenario started").addr
    }
}

pub fn expect_tls(scenario: &str) -> &'static lab::TlsExpect {
    lab::scenarios()
        .iter()
        .find(|s| s.name == scenario)
        .and_then(|s| s.expect_tls)
        .unwrap_or_else(|| panic!("{scenario} has an expect_tls"))
}

/// Reads one SMTP reply (all lines); returns the code and the lines.
pub fn reply<R: BufRead>(r: &mut R) -> (u16, Vec<String>) {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let n = r.read_line(&mut line).expect("read reply");
        assert!(n > 0, "EOF after {lines:?}");
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        let more = line.as_bytes().get(3) == Some(&b'-');
        lines.push(line);
        if !more {
            break;
        }
    }
    let code = lines
        .last()
        .and_then(|l| l.get(..3))
        .and_then(|c| c.parse().ok())
        .expect("reply code");
    (code, lines)
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let tcp = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect");
    tcp.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    tcp.set_write_timeout(Some(IO_TIMEOUT)).expect("timeout");
    tcp.set_nodelay(true).expect("nodelay");
    tcp
}

/// Banner, EHLO, STARTTLS (220): the raw socket, ready for the handshake.
pub fn starttls(addr: SocketAddr) -> TcpStream {
    let mut r = BufReader::new(connect(addr));
    assert_eq!(reply(&mut r).0, 220);
    r.get_mut()
        .write_all(b"EHLO client.test\r\n")
        .expect("write");
    let (code, lines) = reply(&mut r);
    assert_eq!(code, 250);
    assert!(lines.iter().any(|l| l == "250-STARTTLS"), "{lines:?}");
    r.get_mut().write_all(b"STARTTLS\r\n").expect("write");
    assert_eq!(
        reply(&mut r),
        (220, vec!["220 2.0.0 Ready to start TLS".to_string()])
    );
    assert!(r.buffer().is_empty());
    r.into_inner()
}

pub fn version_name(v: SslVersion) -> &'static str {
    if v == SslVersion::TLS1 {
        "TLSv1.0"
    } else if v == SslVersion::TLS1_1 {
        "TLSv1.1"
    } else if v == SslVersion::TLS1_2 {
        "TLSv1.2"
    } else if v == SslVersion::TLS1_3 {
        "TLSv1.3"
    } else {
        "?"
    }
}

pub const TLS_VERSIONS: [SslVersion; 4] = [
    SslVersion::TLS1,
    SslVersion::TLS1_1,
    SslVersion::TLS1_2,
    SslVersion::TLS1_3,
];

/// Every TLS 1.3 suite OpenSSL knows.
pub const ALL_TLS13: &str = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:\
     TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256";
/// Every TLS 1.2-and-older suite OpenSSL can offer here.
pub const ALL_LEGACY: &str = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";

/// What the OpenSSL client offers: exactly one protocol version.
#[derive(Debug, Clone, Copy)]
pub struct Offer<'a> {
    pub version: SslVersion,
    /// OpenSSL cipher string for TLS <= 1.2 (`@SECLEVEL=0` is appended).
    pub ciphers: &'a str,
    /// TLS 1.3 suites.
    pub suites13: &'a str,
    pub groups: Option<&'a str>,
    pub sigalgs: Option<&'a str>,
}

impl<'a> Offer<'a> {
    /// Everything OpenSSL has, for one version.
    pub fn all(version: SslVersion) -> Self {
        Offer {
            version,
            ciphers: "ALL:COMPLEMENTOFALL",
            suites13: ALL_TLS13,
            groups: None,
            sigalgs: None,
        }
    }

    /// One cipher suite (by OpenSSL name) with its version.
    pub fn suite(version: SslVersion, name: &'a str) -> Self {
        if version == SslVersion::TLS1_3 {
            Offer {
                suites13: name,
                ..Offer::all(version)
            }
        } else {
            Offer {
                ciphers: name,
                ..Offer::all(version)
            }
        }
    }
}

/// A completed handshake.
pub struct Done {
    pub version: String,
    /// IANA id of the negotiated suite.
    pub suite: u16,
    /// The server's ephemeral key: (type, bits, curve).
    pub tmp_key: Option<(Id, u32, Option<Nid>)>,
    /// The certificates the server sent, leaf first.
    pub chain: Vec<X509>,
    pub stream: SslStream<TcpStream>,
}

impl Done {
    /// The IANA group id of the key exchange (ECDHE or TLS 1.3 key share),
    /// or None for finite-field DHE in TLS 1.2.
    pub fn group(&self) -> Option<u16> {
        let (id, bits, curve) = self.tmp_key?;
        if id == Id::X25519 {
            Some(0x001D)
        } else if id == Id::X448 {
            Some(0x001E)
        } else if id == Id::EC {
            match curve? {
                Nid::X9_62_PRIME256V1 => Some(0x0017),
                Nid::SECP384R1 => Some(0x0018),
                Nid::SECP521R1 => Some(0x0019),
                _ => None,
            }
        } else if id == Id::DH && self.version == "TLSv1.3" {
            // RFC 7919 groups ffdhe2048..ffdhe8192 = 0x0100..0x0104.
            match bits {
                2048 => Some(0x0100),
                3072 => Some(0x0101),
                4096 => Some(0x0102),
                6144 => Some(0x0103),
                8192 => Some(0x0104),
                _ => None,
            }
        } else {
            None
        }
    }
}

/// Why a probe did not complete.
#[derive(Debug)]
pub enum Failed {
    /// The client could not build a ClientHello from the offer (nothing was
    /// sent to the server).
    Offer(String),
    /// The server refused (alert, close) or the handshake broke.
    Handshake(String),
}

fn client_ctx(offer: &Offer<'_>) -> Result<SslContext, openssl::error::ErrorStack> {
    let mut b = SslContext::builder(SslMethod::tls_client())?;
    b.set_security_level(0);
    b.clear_options(SslOptions::NO_TLSV1 | SslOptions::NO_TLSV1_1 | SslOptions::NO_TLSV1_2);
    b.set_min_proto_version(Some(offer.version))?;
    b.set_max_proto_version(Some(offer.version))?;
    b.set_cipher_list(&format!("{}:@SECLEVEL=0", offer.ciphers))?;
    b.set_ciphersuites(offer.suites13)?;
    if let Some(groups) = offer.groups {
        b.set_groups_list(groups)?;
    }
    if let Some(sigalgs) = offer.sigalgs {
        b.set_sigalgs_list(sigalgs)?;
    }
    b.set_verify(SslVerifyMode::NONE);
    Ok(b.build())
}

/// STARTTLS, then an OpenSSL handshake offering exactly `offer`.
pub fn probe(addr: SocketAddr, offer: &Offer<'_>) -> Result<Done, Failed> {
    let ctx = client_ctx(offer).map_err(|e| Failed::Offer(e.to_string()))?;
    let mut ssl = Ssl::new(&ctx).map_err(|e| Failed::Offer(e.to_string()))?;
    ssl.set_hostname(lab::LAB_HOST)
        .map_err(|e| Failed::Offer(e.to_string()))?;
    let tcp = starttls(addr);
    match ssl.connect(tcp) {
        Ok(stream) => {
            let s = stream.ssl();
            let suite = s
                .current_cipher()
                .map(|c| u16::from_be_bytes(c.protocol_id()))
                .unwrap_or(0);
            let tmp_key = s.peer_tmp_key().ok().map(|k| {
                let curve = k.ec_key().ok().and_then(|ec| ec.group().curve_name());
                (k.id(), k.bits(), curve)
            });
            let chain = s
                .peer_cert_chain()
                .map(|c| c.iter().map(|x| x.to_owned()).collect())
                .unwrap_or_default();
            Ok(Done {
                version: version_label(s.version_str()),
                suite,
                tmp_key,
                chain,
                stream,
            })
        }
        Err(HandshakeError::SetupFailure(e)) => Err(Failed::Offer(e.to_string())),
        Err(HandshakeError::Failure(mid)) => {
            let e = mid.error().to_string();
            // "no ciphers available" and friends: the client refused to
            // send a hello. Nothing reached the server.
            if e.contains("no ciphers available") || e.contains("no protocols available") {
                Err(Failed::Offer(e))
            } else {
                Err(Failed::Handshake(e))
            }
        }
        Err(HandshakeError::WouldBlock(mid)) => {
            Err(Failed::Handshake(format!("timeout: {}", mid.error())))
        }
    }
}

/// OpenSSL's "TLSv1" is "TLSv1.0" in the lab's tables.
fn version_label(v: &str) -> String {
    if v == "TLSv1" {
        "TLSv1.0".into()
    } else {
        v.to_string()
    }
}

/// A write sink whose reads never complete: the ClientHello lands in it.
struct Capture(Vec<u8>);

impl Read for Capture {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Err(io::ErrorKind::WouldBlock.into())
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Every cipher suite this OpenSSL can offer (TLS 1.0 to 1.3), as
/// (OpenSSL name, IANA id), taken from a real ClientHello.
pub fn openssl_suites() -> Vec<(String, u16)> {
    let mut b = SslContext::builder(SslMethod::tls_client()).expect("ctx");
    b.set_security_level(0);
    b.clear_options(SslOptions::NO_TLSV1 | SslOptions::NO_TLSV1_1 | SslOptions::NO_TLSV1_2);
    b.set_min_proto_version(Some(SslVersion::TLS1))
        .expect("min");
    b.set_max_proto_version(Some(SslVersion::TLS1_3))
        .expect("max");
    b.set_cipher_list(ALL_LEGACY).expect("ciphers");
    b.set_ciphersuites(ALL_TLS13).expect("suites");
    let ctx = b.build();
    let ssl = Ssl::new(&ctx).expect("ssl");
    let mid = match ssl.connect(Capture(Vec::new())) {
        Err(HandshakeError::WouldBlock(mid)) => mid,
        _ => panic!("the capture never answers"),
    };
    let hello = &mid.get_ref().0;
    let suites = raw_hello_suites(hello).expect("own ClientHello parses");
    let lists = mid
        .ssl()
        .bytes_to_cipher_list(&suites, false)
        .expect("decode suites");
    lists
        .suites
        .iter()
        .map(|c| (c.name().to_string(), u16::from_be_bytes(c.protocol_id())))
        .collect()
}

/// The raw cipher_suites bytes of a ClientHello record.
pub fn raw_hello_suites(rec: &[u8]) -> Option<Vec<u8>> {
    let body = rec.get(5 + 4..)?;
    let sid_len = usize::from(*body.get(34)?);
    let at = 35 + sid_len;
    let len = usize::from(u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]));
    Some(body.get(at + 2..at + 2 + len)?.to_vec())
}

/// A TLS ClientHello record: the given versions, session id and suites,
/// null compression and the given extensions.
pub fn client_hello(
    record_version: u16,
    version: u16,
    sid: &[u8],
    suites: &[u16],
    extensions: &[(u16, Vec<u8>)],
) -> Vec<u8> {
    let mut body = version.to_be_bytes().to_vec();
    body.extend((0..32u8).map(|i| i.wrapping_mul(7)));
    body.push(sid.len() as u8);
    body.extend_from_slice(sid);
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]);
    if !extensions.is_empty() {
        let mut block = Vec::new();
        for (ty, data) in extensions {
            block.extend_from_slice(&ty.to_be_bytes());
            block.extend_from_slice(&(data.len() as u16).to_be_bytes());
            block.extend_from_slice(data);
        }
        body.extend_from_slice(&(block.len() as u16).to_be_bytes());
        body.extend_from_slice(&block);
    }
    let len = body.len() as u32;
    let mut hs = vec![1];
    hs.extend_from_slice(&len.to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16];
    rec.extend_from_slice(&record_version.to_be_bytes());
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// An SSL 2.0 CLIENT-HELLO (two-byte header) with the given 3-byte cipher
/// specs.
pub fn sslv2_client_hello(specs: &[u32]) -> Vec<u8> {
    let mut msg = vec![0x01, 0x00, 0x02];
    msg.extend_from_slice(&((specs.len() * 3) as u16).to_be_bytes());
    msg.extend_from_slice(&0u16.to_be_bytes());
    msg.extend_from_slice(&16u16.to_be_bytes());
    for s in specs {
        msg.extend_from_slice(&s.to_be_bytes()[1..]);
    }
    msg.extend_from_slice(&[0x5a; 16]);
    let mut rec = vec![0x80 | (msg.len() >> 8) as u8, msg.len() as u8];
    rec.extend_from_slice(&msg);
    rec
}

/// Reads whatever the server sends within `wait` (until EOF, a reset, the
/// wait or `cap` bytes). The flag is true when the server closed.
pub fn read_for(tcp: &mut TcpStream, wait: Duration, cap: usize) -> (Vec<u8>, bool) {
    let deadline = std::time::Instant::now() + wait;
    let mut out = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || out.len() >= cap {
            return (out, false);
        }
        tcp.set_read_timeout(Some(left)).expect("timeout");
        match tcp.read(&mut buf) {
            Ok(0) => return (out, true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut =>
            {
                return (out, false);
            }
            Err(_) => return (out, true),
        }
    }
}

/// True if `resp` starts with a ServerHello (TLS record or SSL 2.0).
pub fn is_server_hello(resp: &[u8]) -> bool {
    let tls = resp.first() == Some(&0x16) && resp.get(5) == Some(&0x02);
    let ssl2 = resp.first().is_some_and(|b| b & 0x80 != 0) && resp.get(2) == Some(&0x04);
    tls || ssl2
}
