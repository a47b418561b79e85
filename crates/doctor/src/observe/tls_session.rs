//! The cryptography of a TLS 1.0–1.2 session, for the one probe that must finish a handshake
//! by hand: client-initiated renegotiation (rustls never renegotiates, on purpose). The PRF,
//! the key block, the Finished verify_data and record protection for the suites such a probe
//! needs to reach nearly every server that still speaks TLS 1.2 or older: ECDHE, DHE or RSA
//! key exchange with AES-GCM, ChaCha20-Poly1305 or AES-CBC with HMAC-SHA1/256/384.
//!
//! This is a probe, not a TLS library: it authenticates nothing (the certificate and the
//! ServerKeyExchange signature are not checked: the probe sends no secret), and its CBC code
//! is not constant-time. Every primitive comes from ring (AEAD, HMAC, SHA, ECDH), RustCrypto
//! (AES blocks with the cbc mode, MD5 and HMAC-MD5 for the TLS 1.0/1.1 PRF) and num-bigint
//! (finite-field DH); only the TLS framing around them is written here.
//!
//! Sources: RFC 5246 sections 5 (PRF), 6.2.3 (record protection), 6.3 (key block), 7.4.9
//! (Finished), 8.1 (master secret); RFC 2246 sections 5 and 6.2.3.2 (the TLS 1.0 PRF and
//! implicit CBC IV); RFC 4346 section 6.2.3.2 (explicit IV); RFC 5288 section 3 (AES-GCM
//! nonce); RFC 7905 section 2 (ChaCha20-Poly1305 nonce); RFC 5289 (SHA-384 suites).

use crate::model::scan::{TLS11, TLS12};
use hmac::{KeyInit, Mac};
use ring::{aead, digest, hmac as rhmac};
use wire::tls::{Kx, suite_info};

/// 32 random bytes from the system's generator (a hello's random, a private key).
pub fn random32() -> Result<[u8; 32], String> {
    let mut r = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut r)
        .map_err(|_| "the system's random generator failed".to_string())?;
    Ok(r)
}

/// The key exchange of a suite the probe can complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchange {
    Rsa,
    Dhe,
    Ecdhe,
}

/// The record protection of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bulk {
    Aes128Gcm,
    Aes256Gcm,
    Chacha20Poly1305,
    /// AES-CBC with the key length and HMAC.
    AesCbc {
        key_len: usize,
        mac: MacHash,
    },
}

/// The HMAC of a CBC suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacHash {
    Sha1,
    Sha256,
    Sha384,
}

impl MacHash {
    fn algorithm(self) -> rhmac::Algorithm {
        match self {
            MacHash::Sha1 => rhmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            MacHash::Sha256 => rhmac::HMAC_SHA256,
            MacHash::Sha384 => rhmac::HMAC_SHA384,
        }
    }
    fn len(self) -> usize {
        match self {
            MacHash::Sha1 => 20,
            MacHash::Sha256 => 32,
            MacHash::Sha384 => 48,
        }
    }
}

/// A cipher suite the probe implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    pub id: u16,
    pub kx: KeyExchange,
    pub bulk: Bulk,
    /// The TLS 1.2 PRF hash is SHA-384 (the `_SHA384` suites), else SHA-256.
    pub sha384: bool,
}

/// The suite `id` if the probe can complete a handshake with it in `version`.
pub fn suite(id: u16, version: u16) -> Option<Suite> {
    let info = suite_info(id)?;
    if info.tls13 || (info.tls12_only && version < TLS12) {
        return None;
    }
    let kx = match info.kx {
        Kx::Rsa => KeyExchange::Rsa,
        Kx::Dhe => KeyExchange::Dhe,
        Kx::Ecdhe => KeyExchange::Ecdhe,
        _ => return None,
    };
    let sha384 = info.iana.ends_with("_SHA384");
    let bulk = match (info.enc, info.mac) {
        ("AES-128-GCM", "AEAD") => Bulk::Aes128Gcm,
        ("AES-256-GCM", "AEAD") => Bulk::Aes256Gcm,
        ("CHACHA20-POLY1305", "AEAD") => Bulk::Chacha20Poly1305,
        (enc @ ("AES-128-CBC" | "AES-256-CBC"), mac) => Bulk::AesCbc {
            key_len: if enc == "AES-128-CBC" { 16 } else { 32 },
            mac: match mac {
                "SHA1" => MacHash::Sha1,
                "SHA256" => MacHash::Sha256,
                "SHA384" => MacHash::Sha384,
                _ => return None,
            },
        },
        _ => return None,
    };
    // Anonymous suites (DH_anon, ECDH_anon) are left out: servers do not offer them for mail
    // and they send no certificate, which the flow expects.
    if matches!(info.auth, wire::tls::Auth::Anon) {
        return None;
    }
    Some(Suite {
        id,
        kx,
        bulk,
        sha384,
    })
}

/// The TLS PRF (RFC 5246 section 5 for TLS 1.2 with SHA-256 or SHA-384; RFC 2246 section 5
/// for TLS 1.0 and 1.1: P_MD5 over the first half of the secret XOR P_SHA1 over the second).
pub fn prf(
    version: u16,
    sha384: bool,
    secret: &[u8],
    label: &[u8],
    seed: &[u8],
    len: usize,
) -> Vec<u8> {
    let mut label_seed = label.to_vec();
    label_seed.extend_from_slice(seed);
    if version >= TLS12 {
        let alg = if sha384 {
            rhmac::HMAC_SHA384
        } else {
            rhmac::HMAC_SHA256
        };
        return p_hash(
            |data| {
                rhmac::sign(&rhmac::Key::new(alg, secret), data)
                    .as_ref()
                    .to_vec()
            },
            &label_seed,
            len,
        );
    }
    let half = secret.len().div_ceil(2);
    let s1 = secret.get(..half).unwrap_or_default();
    let s2 = secret.get(secret.len() - half..).unwrap_or_default();
    let md5 = p_hash(
        |data| {
            let mut m = match hmac::Hmac::<md5::Md5>::new_from_slice(s1) {
                Ok(m) => m,
                Err(_) => return Vec::new(),
            };
            m.update(data);
            m.finalize().into_bytes().to_vec()
        },
        &label_seed,
        len,
    );
    let key = rhmac::Key::new(rhmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, s2);
    let sha1 = p_hash(
        |data| rhmac::sign(&key, data).as_ref().to_vec(),
        &label_seed,
        len,
    );
    md5.iter().zip(sha1.iter()).map(|(a, b)| a ^ b).collect()
}

/// P_hash (RFC 5246 section 5): A(i) = HMAC(secret, A(i-1)), output HMAC(secret, A(i) + seed).
fn p_hash(mac: impl Fn(&[u8]) -> Vec<u8>, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut a = mac(seed);
    while out.len() < len {
        if a.is_empty() {
            break;
        }
        let mut input = a.clone();
        input.extend_from_slice(seed);
        out.extend_from_slice(&mac(&input));
        a = mac(&a);
    }
    out.truncate(len);
    out
}

/// The hash of the handshake messages that a Finished covers: SHA-256 or SHA-384 in TLS 1.2
/// (the suite's PRF hash), MD5 followed by SHA-1 before (RFC 2246 section 7.4.9).
pub fn transcript_hash(version: u16, sha384: bool, messages: &[u8]) -> Vec<u8> {
    if version >= TLS12 {
        let alg = if sha384 {
            &digest::SHA384
        } else {
            &digest::SHA256
        };
        return digest::digest(alg, messages).as_ref().to_vec();
    }
    let mut out = {
        use md5::Digest;
        md5::Md5::digest(messages).to_vec()
    };
    out.extend_from_slice(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, messages).as_ref());
    out
}

/// The master secret (RFC 5246 section 8.1).
pub fn master_secret(
    version: u16,
    sha384: bool,
    premaster: &[u8],
    client_random: &[u8],
    server_random: &[u8],
) -> Vec<u8> {
    let mut seed = client_random.to_vec();
    seed.extend_from_slice(server_random);
    prf(version, sha384, premaster, b"master secret", &seed, 48)
}

/// A Finished message's verify_data (12 bytes) for `label` ("client finished" or "server
/// finished").
pub fn verify_data(
    version: u16,
    sha384: bool,
    master: &[u8],
    label: &[u8],
    messages: &[u8],
) -> Vec<u8> {
    prf(
        version,
        sha384,
        master,
        label,
        &transcript_hash(version, sha384, messages),
        12,
    )
}

/// One direction's record protection.
pub struct Protection {
    version: u16,
    bulk: Bulk,
    key: Vec<u8>,
    mac_key: Vec<u8>,
    /// The AEAD fixed IV (4 bytes for GCM, 12 for ChaCha20), or TLS 1.0's CBC chaining block.
    iv: Vec<u8>,
    seq: u64,
}

impl std::fmt::Debug for Protection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Protection")
            .field("version", &self.version)
            .field("bulk", &self.bulk)
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// The two directions' protection after ChangeCipherSpec.
#[derive(Debug)]
pub struct Keys {
    pub client: Protection,
    pub server: Protection,
}

/// The key block cut into both directions' keys (RFC 5246 section 6.3: client MAC key, server
/// MAC key, client key, server key, client IV, server IV).
pub fn keys(
    version: u16,
    suite: &Suite,
    master: &[u8],
    client_random: &[u8],
    server_random: &[u8],
) -> Keys {
    let (mac_len, key_len, iv_len) = match suite.bulk {
        Bulk::Aes128Gcm => (0, 16, 4),
        Bulk::Aes256Gcm => (0, 32, 4),
        Bulk::Chacha20Poly1305 => (0, 32, 12),
        Bulk::AesCbc { key_len, mac } => (mac.len(), key_len, if version < TLS11 { 16 } else { 0 }),
    };
    let mut seed = server_random.to_vec();
    seed.extend_from_slice(client_random);
    let block = prf(
        version,
        suite.sha384,
        master,
        b"key expansion",
        &seed,
        2 * (mac_len + key_len + iv_len),
    );
    let mut parts = block.iter().copied();
    let mut take = |n: usize| -> Vec<u8> { parts.by_ref().take(n).collect() };
    let c_mac = take(mac_len);
    let s_mac = take(mac_len);
    let c_key = take(key_len);
    let s_key = take(key_len);
    let c_iv = take(iv_len);
    let s_iv = take(iv_len);
    let dir = |key, mac_key, iv| Protection {
        version,
        bulk: suite.bulk,
        key,
        mac_key,
        iv,
        seq: 0,
    };
    Keys {
        client: dir(c_key, c_mac, c_iv),
        server: dir(s_key, s_mac, s_iv),
    }
}

/// The additional data of an AEAD record and the pseudo-header of a CBC record's MAC
/// (RFC 5246 sections 6.2.3.1 and 6.2.3.3): seq_num, type, version, length.
fn pseudo_header(seq: u64, content_type: u8, version: u16, len: usize) -> [u8; 13] {
    let mut h = [0u8; 13];
    let l = u16::try_from(len).unwrap_or(u16::MAX);
    for (slot, b) in h.iter_mut().zip(
        seq.to_be_bytes()
            .into_iter()
            .chain([content_type])
            .chain(version.to_be_bytes())
            .chain(l.to_be_bytes()),
    ) {
        *slot = b;
    }
    h
}

type Aes128CbcEnc = cbc::Encryptor<aes::Aes128>;
type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

fn cbc_encrypt(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Result<(), String> {
    use cbc::cipher::{BlockModeEncrypt, KeyIvInit, block_padding::NoPadding};
    let len = buf.len();
    let r = match key.len() {
        16 => Aes128CbcEnc::new_from_slices(key, iv)
            .map_err(|e| e.to_string())?
            .encrypt_padded::<NoPadding>(buf, len)
            .map(|_| ()),
        _ => Aes256CbcEnc::new_from_slices(key, iv)
            .map_err(|e| e.to_string())?
            .encrypt_padded::<NoPadding>(buf, len)
            .map(|_| ()),
    };
    r.map_err(|_| "CBC encryption failed".to_string())
}

fn cbc_decrypt(key: &[u8], iv: &[u8], buf: &mut [u8]) -> Result<(), String> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::NoPadding};
    let r = match key.len() {
        16 => Aes128CbcDec::new_from_slices(key, iv)
            .map_err(|e| e.to_string())?
            .decrypt_padded::<NoPadding>(buf)
            .map(|_| ()),
        _ => Aes256CbcDec::new_from_slices(key, iv)
            .map_err(|e| e.to_string())?
            .decrypt_padded::<NoPadding>(buf)
            .map(|_| ()),
    };
    r.map_err(|_| "CBC decryption failed".to_string())
}

fn aead_key(bulk: Bulk, key: &[u8]) -> Result<aead::LessSafeKey, String> {
    let alg = match bulk {
        Bulk::Aes128Gcm => &aead::AES_128_GCM,
        Bulk::Aes256Gcm => &aead::AES_256_GCM,
        Bulk::Chacha20Poly1305 => &aead::CHACHA20_POLY1305,
        Bulk::AesCbc { .. } => return Err("not an AEAD suite".into()),
    };
    aead::UnboundKey::new(alg, key)
        .map(aead::LessSafeKey::new)
        .map_err(|_| "bad AEAD key".into())
}

impl Protection {
    /// The nonce of record `seq`: GCM's fixed IV and the 8-byte explicit part (the sequence
    /// number, as most implementations send), or ChaCha20's IV XOR the sequence number.
    fn nonce(&self) -> [u8; 12] {
        let mut n = [0u8; 12];
        let seq = self.seq.to_be_bytes();
        match self.bulk {
            Bulk::Chacha20Poly1305 => {
                for (i, slot) in n.iter_mut().enumerate() {
                    let s = i
                        .checked_sub(4)
                        .and_then(|j| seq.get(j))
                        .copied()
                        .unwrap_or(0);
                    *slot = self.iv.get(i).copied().unwrap_or(0) ^ s;
                }
            }
            _ => {
                for (slot, b) in n.iter_mut().zip(self.iv.iter().chain(seq.iter())) {
                    *slot = *b;
                }
            }
        }
        n
    }

    /// `plaintext` protected as one record of `content_type` (header included).
    pub fn seal(&mut self, content_type: u8, plaintext: &[u8]) -> Result<Vec<u8>, String> {
        let aad = pseudo_header(self.seq, content_type, self.version, plaintext.len());
        let payload = match self.bulk {
            Bulk::AesCbc { mac, .. } => {
                let key = rhmac::Key::new(mac.algorithm(), &self.mac_key);
                let mut ctx = rhmac::Context::with_key(&key);
                ctx.update(&aad);
                ctx.update(plaintext);
                let tag = ctx.sign();
                let mut data = plaintext.to_vec();
                data.extend_from_slice(tag.as_ref());
                // Padding: pad_len + 1 bytes of value pad_len up to a block boundary.
                let pad = 15 - data.len() % 16;
                data.extend(std::iter::repeat_n(u8::try_from(pad).unwrap_or(0), pad + 1));
                let iv = if self.version < TLS11 {
                    self.iv.clone()
                } else {
                    let mut iv = vec![0u8; 16];
                    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut iv)
                        .map_err(|_| "no randomness".to_string())?;
                    iv
                };
                cbc_encrypt(&self.key, &iv, &mut data)?;
                if self.version < TLS11 {
                    self.iv = data
                        .get(data.len().saturating_sub(16)..)
                        .unwrap_or_default()
                        .to_vec();
                    data
                } else {
                    let mut out = iv;
                    out.extend_from_slice(&data);
                    out
                }
            }
            bulk => {
                let key = aead_key(bulk, &self.key)?;
                let nonce = aead::Nonce::assume_unique_for_key(self.nonce());
                let mut data = plaintext.to_vec();
                key.seal_in_place_append_tag(nonce, aead::Aad::from(aad), &mut data)
                    .map_err(|_| "AEAD sealing failed".to_string())?;
                if matches!(bulk, Bulk::Chacha20Poly1305) {
                    data
                } else {
                    let mut out = self.seq.to_be_bytes().to_vec();
                    out.extend_from_slice(&data);
                    out
                }
            }
        };
        self.seq = self.seq.wrapping_add(1);
        Ok(wire::tls::messages::record(
            content_type,
            self.version,
            &payload,
        ))
    }

    /// A protected record's plaintext, or why it does not decrypt or authenticate.
    pub fn open(
        &mut self,
        content_type: u8,
        version: u16,
        payload: &[u8],
    ) -> Result<Vec<u8>, String> {
        let out = match self.bulk {
            Bulk::AesCbc { mac, .. } => {
                let (iv, ct) = if self.version < TLS11 {
                    (self.iv.clone(), payload)
                } else {
                    let (iv, ct) = payload
                        .split_at_checked(16)
                        .ok_or("a record shorter than its IV")?;
                    (iv.to_vec(), ct)
                };
                if ct.is_empty() || ct.len() % 16 != 0 {
                    return Err(format!(
                        "a CBC record of {} bytes, not whole blocks",
                        ct.len()
                    ));
                }
                let mut data = ct.to_vec();
                cbc_decrypt(&self.key, &iv, &mut data)?;
                if self.version < TLS11 {
                    self.iv = ct.get(ct.len() - 16..).unwrap_or_default().to_vec();
                }
                let pad = usize::from(data.last().copied().unwrap_or(0));
                let body_len = data
                    .len()
                    .checked_sub(pad + 1 + mac.len())
                    .ok_or("bad CBC padding")?;
                if data
                    .get(data.len() - pad - 1..)
                    .is_none_or(|p| p.iter().any(|b| usize::from(*b) != pad))
                {
                    return Err("bad CBC padding".into());
                }
                let (plain, rest) = data.split_at(body_len);
                let tag = rest.get(..mac.len()).unwrap_or_default();
                let key = rhmac::Key::new(mac.algorithm(), &self.mac_key);
                let mut msg = pseudo_header(self.seq, content_type, version, plain.len()).to_vec();
                msg.extend_from_slice(plain);
                rhmac::verify(&key, &msg, tag).map_err(|_| "bad record MAC".to_string())?;
                plain.to_vec()
            }
            bulk => {
                let key = aead_key(bulk, &self.key)?;
                let (nonce, ct) = if matches!(bulk, Bulk::Chacha20Poly1305) {
                    (self.nonce(), payload)
                } else {
                    let (explicit, ct) = payload
                        .split_at_checked(8)
                        .ok_or("a record shorter than its nonce")?;
                    let mut n = [0u8; 12];
                    for (slot, b) in n.iter_mut().zip(self.iv.iter().chain(explicit.iter())) {
                        *slot = *b;
                    }
                    (n, ct)
                };
                let plain_len = ct
                    .len()
                    .checked_sub(16)
                    .ok_or("a record shorter than its tag")?;
                let aad = pseudo_header(self.seq, content_type, version, plain_len);
                let mut data = ct.to_vec();
                let plain = key
                    .open_in_place(
                        aead::Nonce::assume_unique_for_key(nonce),
                        aead::Aad::from(aad),
                        &mut data,
                    )
                    .map_err(|_| "the record does not authenticate".to_string())?;
                plain.to_vec()
            }
        };
        self.seq = self.seq.wrapping_add(1);
        Ok(out)
    }
}

/// A PKCS#1 v1.5 encryption block (RFC 8017 section 7.2.1) of `k` bytes around a fresh
/// 48-byte premaster secret that starts with `version`, the version the ClientHello offered
/// (RFC 5246 section 7.4.7.1): 0x00 0x02, at least 8 nonzero random bytes, 0x00, the secret.
/// The block and the secret; an error for a key under 59 bytes.
pub fn premaster_block(k: usize, version: u16) -> Result<(Vec<u8>, Vec<u8>), String> {
    let pad_len = k
        .checked_sub(3 + 48)
        .filter(|l| *l >= 8)
        .ok_or("the RSA key is too small")?;
    let mut random = vec![0u8; pad_len + 48];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random)
        .map_err(|_| "the system's random generator failed")?;
    let (pad, premaster) = random.split_at_mut(pad_len);
    for b in pad.iter_mut().filter(|b| **b == 0) {
        *b = 0x55;
    }
    for (slot, b) in premaster.iter_mut().zip(version.to_be_bytes()) {
        *slot = b;
    }
    let mut block = Vec::with_capacity(k);
    block.extend_from_slice(&[0x00, 0x02]);
    block.extend_from_slice(pad);
    block.push(0x00);
    block.extend_from_slice(premaster);
    Ok((block, premaster.to_vec()))
}

/// An RSA ClientKeyExchange body: the EncryptedPreMasterSecret with its 2-byte length in TLS
/// (RFC 5246 section 7.4.7.1), bare in SSL 3.0 (RFC 6101 section 5.6.7.1).
pub fn rsa_key_exchange(version: u16, encrypted: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(encrypted.len() + 2);
    if version != crate::model::scan::SSLV3 {
        body.extend_from_slice(&u16::try_from(encrypted.len()).unwrap_or(0).to_be_bytes());
    }
    body.extend_from_slice(encrypted);
    body
}

/// `block` encrypted with the RSA key (modulus, exponent) as a big-endian integer of the
/// modulus's size: raw RSA, m^e mod n.
pub fn rsa_encrypt(block: &[u8], modulus: &[u8], exponent: &[u8]) -> Option<Vec<u8>> {
    use num_bigint::BigUint;
    let n = BigUint::from_bytes_be(modulus);
    let e = BigUint::from_bytes_be(exponent);
    let m = BigUint::from_bytes_be(block);
    if n.bits() < 512 || m >= n {
        return None;
    }
    let c = m.modpow(&e, &n).to_bytes_be();
    let k = block.len();
    let mut out = vec![0u8; k.checked_sub(c.len())?];
    out.extend_from_slice(&c);
    Some(out)
}

/// The RSA public key of a DER certificate: the modulus without leading zeros, and the exponent.
pub fn rsa_key(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    match cert.public_key().parsed().ok()? {
        x509_parser::public_key::PublicKey::RSA(rsa) => {
            let n: Vec<u8> = rsa
                .modulus
                .iter()
                .copied()
                .skip_while(|b| *b == 0)
                .collect();
            Some((n, rsa.exponent.to_vec()))
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::model::scan::TLS10;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The TLS 1.2 PRF test vector for SHA-256 circulated on the IETF TLS list (and used by
    /// Go's and NSS's test suites): secret, "test label", seed, 100 bytes.
    #[test]
    fn prf_sha256_vector() {
        let out = prf(
            TLS12,
            false,
            &hex("9bbe436ba940f017b17652849a71db35"),
            b"test label",
            &hex("a0ba9f936cda311827a6f796ffd5198c"),
            100,
        );
        assert_eq!(
            out,
            hex(
                "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
            )
        );
    }

    #[test]
    fn suites_the_probe_speaks() {
        assert!(suite(0xc02f, TLS12).is_some()); // ECDHE-RSA-AES128-GCM-SHA256
        assert!(suite(0xc030, TLS12).unwrap().sha384);
        assert!(suite(0xc02f, TLS10).is_none()); // GCM needs TLS 1.2
        assert!(suite(0x002f, TLS10).is_some()); // AES128-SHA
        assert!(suite(0x000a, TLS10).is_none()); // 3DES
        assert!(suite(0x1301, TLS12).is_none());
        assert_eq!(suite(0xcca8, TLS12).unwrap().bulk, Bulk::Chacha20Poly1305);
        assert_eq!(suite(0x0039, TLS11).unwrap().kx, KeyExchange::Dhe);
    }

    /// Each bulk cipher round-trips through a client seal and a server open with the same
    /// keys, over several records (the TLS 1.0 CBC chain and the sequence numbers).
    #[test]
    fn seal_then_open() {
        for (id, v) in [
            (0xc02f, TLS12),
            (0xc030, TLS12),
            (0xcca8, TLS12),
            (0xc013, TLS10),
            (0xc014, TLS11),
            (0x003c, TLS12),
            (0xc028, TLS12),
        ] {
            let s = suite(id, v).unwrap();
            let k = keys(v, &s, &[5; 48], &[1; 32], &[2; 32]);
            let mut sender = k.client;
            let mut receiver = keys(v, &s, &[5; 48], &[1; 32], &[2; 32]).client;
            for n in [0usize, 1, 15, 16, 300] {
                let msg = vec![0x42u8; n];
                let rec = sender.seal(22, &msg).unwrap();
                assert_eq!(&rec[..3], &[22, (v >> 8) as u8, v as u8]);
                let got = receiver.open(22, v, &rec[5..]).unwrap();
                assert_eq!(got, msg, "suite {id:#06x} version {v:#06x} len {n}");
            }
            let mut rec = sender.seal(21, &[1, 0]).unwrap();
            let last = rec.len() - 1;
            rec[last] ^= 1;
            assert!(receiver.open(21, v, &rec[5..]).is_err());
        }
    }

    proptest::proptest! {
        /// Whatever a server sends as a protected record, opening it gives a plaintext or an
        /// error, never a panic (every bulk cipher, every version it is used in).
        #[test]
        fn open_never_panics(payload in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
                             typ in 20u8..24) {
            for (id, v) in [(0xc02f, TLS12), (0xcca8, TLS12), (0xc013, TLS10), (0xc014, TLS11), (0xc028, TLS12)] {
                let s = suite(id, v).unwrap();
                let mut k = keys(v, &s, &[5; 48], &[1; 32], &[2; 32]).server;
                let _ = k.open(typ, v, &payload);
            }
        }
    }
}
