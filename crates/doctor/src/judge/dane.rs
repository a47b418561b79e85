//! DANE for SMTP (RFC 7672, with RFC 7671 and RFC 6698): matching a chain as sent against the
//! TLSA records of an MX host. Pure: bytes in, verdicts out.
//!
//! * Usage 3, DANE-EE (RFC 7672 §3.1.1): the record matches the server's own certificate or key;
//!   names and dates are not checked.
//! * Usage 2, DANE-TA (RFC 7672 §3.1.2): the record matches a CA certificate or key that the
//!   server sends in its chain (RFC 7671 §5.2.2 asks servers to include it), the leaf must chain up
//!   to it, and the leaf must carry the MX host name.
//! * Usages 0 and 1 (PKIX-TA, PKIX-EE) are unusable for SMTP (RFC 7672 §3.1.3): senders ignore them.
//! * Selectors: 0 the whole certificate, 1 its SubjectPublicKeyInfo. Matching types: 0 the exact
//!   bytes, 1 SHA-256, 2 SHA-512 (RFC 6698 §2.1.2-2.1.3).

use crate::model::dane::Tlsa;
use crate::model::dane::TlsaResult;
use x509_parser::prelude::*;

/// The association data of a certificate for a selector and matching type, as hex.
pub fn association(cert_der: &[u8], selector: u8, matching: u8) -> Option<String> {
    let selected: Vec<u8> = match selector {
        0 => cert_der.to_vec(),
        1 => {
            let (_, c) = X509Certificate::from_der(cert_der).ok()?;
            c.tbs_certificate.subject_pki.raw.to_vec()
        }
        _ => return None,
    };
    let out = match matching {
        0 => selected,
        1 => ring::digest::digest(&ring::digest::SHA256, &selected)
            .as_ref()
            .to_vec(),
        2 => ring::digest::digest(&ring::digest::SHA512, &selected)
            .as_ref()
            .to_vec(),
        _ => return None,
    };
    Some(crate::model::dns::hex(&out))
}

/// A TLSA record line for a certificate: what to publish (`3 1 1 <sha256 of the key>`).
pub fn record_for(cert_der: &[u8], usage: u8, selector: u8, matching: u8) -> Option<Tlsa> {
    Some(Tlsa {
        usage,
        selector,
        matching,
        data: association(cert_der, selector, matching)?,
    })
}

/// Match every record against the chain as sent (leaf first). `names` are the reference
/// identifiers for DANE-TA (the MX host name, RFC 7672 §3.2.2).
pub fn match_chain(records: &[Tlsa], chain: &[Vec<u8>], names: &[String]) -> Vec<TlsaResult> {
    records.iter().map(|r| match_one(r, chain, names)).collect()
}

/// One record against the chain: unusable, DANE-EE against the leaf, or DANE-TA against a CA the
/// server sends.
fn match_one(r: &Tlsa, chain: &[Vec<u8>], names: &[String]) -> TlsaResult {
    if let Some(why) = unusable(r) {
        return result(r, "unusable", why, None);
    }
    let want = r.data.to_ascii_lowercase();
    let Some(leaf) = chain.first() else {
        return result(r, "no-match", "the server sent no certificate".into(), None);
    };
    if r.usage == 3 {
        match_ee(r, leaf, &want)
    } else {
        match_ta(r, chain, names, &want)
    }
}

/// A record's verdict.
fn result(r: &Tlsa, result: &str, detail: String, idx: Option<usize>) -> TlsaResult {
    TlsaResult {
        record: r.clone(),
        result: result.to_string(),
        detail,
        matched_index: idx,
    }
}

/// Why SMTP senders ignore the record: a PKIX usage (RFC 7672 §3.1.3), or an undefined selector
/// or matching type (RFC 6698 §2.1).
fn unusable(r: &Tlsa) -> Option<String> {
    if !matches!(r.usage, 2 | 3) {
        return Some(format!(
            "usage {} ({}) is unusable for SMTP: senders ignore it (RFC 7672 §3.1.3)",
            r.usage,
            if r.usage == 0 { "PKIX-TA" } else { "PKIX-EE" }
        ));
    }
    if r.selector > 1 || r.matching > 2 {
        return Some(format!(
            "selector {} / matching type {} is not defined (RFC 6698 §2.1)",
            r.selector, r.matching
        ));
    }
    None
}

/// DANE-EE: the record matches the server's own certificate or key (`want`: its data in lower
/// case).
fn match_ee(r: &Tlsa, leaf: &[u8], want: &str) -> TlsaResult {
    let served = association(leaf, r.selector, r.matching);
    if served.as_deref() == Some(want) {
        return result(
            r,
            "match",
            "the server's certificate (DANE-EE)".into(),
            Some(0),
        );
    }
    result(
        r,
        "no-match",
        format!(
            "the server's certificate has {} {} {} {}: the record was made for another certificate or key (a renewal with a new key?)",
            r.usage,
            r.selector,
            r.matching,
            served.unwrap_or_else(|| "?".into())
        ),
        None,
    )
}

/// DANE-TA: the record matches a CA in the chain as sent, the leaf chains up to it through the
/// certificates sent, and the leaf carries one of `names`.
fn match_ta(r: &Tlsa, chain: &[Vec<u8>], names: &[String], want: &str) -> TlsaResult {
    let found = chain
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, c)| association(c, r.selector, r.matching).as_deref() == Some(want));
    let Some((idx, _)) = found else {
        return result(
            r,
            "no-match",
            "no CA certificate the server sends matches (DANE-TA needs the trust anchor in the chain the server sends, RFC 7671 §5.2.2)".into(),
            None,
        );
    };
    let parsed: Vec<Option<X509Certificate<'_>>> = chain
        .iter()
        .map(|c| X509Certificate::from_der(c).ok().map(|(_, x)| x))
        .collect();
    if !chains_up_to(&parsed, idx) {
        return result(
            r,
            "no-match",
            format!("certificate #{idx} matches, but the chain below it does not lead up to it"),
            None,
        );
    }
    if !leaf_carries(&parsed, names) && !names.is_empty() {
        return result(
            r,
            "no-match",
            format!(
                "certificate #{idx} matches (DANE-TA), but the server's certificate does not carry {} (RFC 7672 §3.2.2)",
                names.join(" or ")
            ),
            None,
        );
    }
    result(
        r,
        "match",
        format!("CA certificate #{idx} of the chain (DANE-TA)"),
        Some(idx),
    )
}

/// Each certificate from the leaf up to position `idx` is issued by the next one sent.
fn chains_up_to(parsed: &[Option<X509Certificate<'_>>], idx: usize) -> bool {
    (0..idx).all(|i| {
        match (
            parsed.get(i).and_then(Option::as_ref),
            parsed.get(i + 1).and_then(Option::as_ref),
        ) {
            (Some(c), Some(issuer)) => crate::judge::cert::issued_by(c, issuer),
            _ => false,
        }
    })
}

/// The leaf's DNS names cover one of `names` (RFC 7672 §3.2.2: DANE-TA checks the name).
fn leaf_carries(parsed: &[Option<X509Certificate<'_>>], names: &[String]) -> bool {
    let Some(leaf) = parsed.first().and_then(Option::as_ref) else {
        return false;
    };
    let sans: Vec<String> = leaf
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|s| {
            s.value
                .general_names
                .iter()
                .filter_map(|g| match g {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    names
        .iter()
        .any(|n| sans.iter().any(|p| crate::judge::cert::name_matches(p, n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_usages() {
        let r = Tlsa {
            usage: 1,
            selector: 1,
            matching: 1,
            data: "00".into(),
        };
        assert!(!r.usable());
        let m = match_chain(&[r], &[vec![0x30]], &[]);
        assert_eq!(m[0].result, "unusable");
    }

    #[test]
    fn exact_match_on_any_bytes() {
        // Selector 0 with matching 0 compares the certificate bytes themselves.
        let cert = vec![0x30, 0x03, 0x02, 0x01, 0x05];
        let r = Tlsa {
            usage: 3,
            selector: 0,
            matching: 0,
            data: crate::model::dns::hex(&cert),
        };
        assert_eq!(
            match_chain(std::slice::from_ref(&r), std::slice::from_ref(&cert), &[])[0].result,
            "match"
        );
        let r1 = record_for(&cert, 3, 0, 1).unwrap();
        assert_eq!(r1.data.len(), 64);
        assert_eq!(
            match_chain(&[r1], std::slice::from_ref(&cert), &[])[0].result,
            "match"
        );
        let r2 = record_for(&cert, 3, 0, 2).unwrap();
        assert_eq!(r2.data.len(), 128);
        assert_eq!(match_chain(&[r2], &[vec![0x31]], &[])[0].result, "no-match");
        assert_eq!(match_chain(&[r], &[], &[])[0].result, "no-match");
    }
}
