//! wire's table of well-known DH primes against OpenSSL's own copies of them (RFC 2409, RFC
//! 3526, RFC 5114), and the RFC 7919 primes against the construction of that RFC's section
//! A (64 one bits at each end, the bits of e after the first ones).

use openssl::bn::BigNum;
use openssl::dh::Dh;
use wire::tls::dh_groups::{KNOWN_DH_GROUPS, known_dh_group};

fn id_of(p: &BigNum) -> Option<&'static str> {
    known_dh_group(&p.to_vec()).map(|g| g.id)
}

#[test]
fn the_table_matches_openssl() {
    let pairs: Vec<(&str, BigNum)> = vec![
        ("rfc2409-1", BigNum::get_rfc2409_prime_768().expect("768")),
        ("rfc2409-2", BigNum::get_rfc2409_prime_1024().expect("1024")),
        ("rfc3526-5", BigNum::get_rfc3526_prime_1536().expect("1536")),
        (
            "rfc3526-14",
            BigNum::get_rfc3526_prime_2048().expect("2048"),
        ),
        (
            "rfc3526-15",
            BigNum::get_rfc3526_prime_3072().expect("3072"),
        ),
        (
            "rfc3526-16",
            BigNum::get_rfc3526_prime_4096().expect("4096"),
        ),
        (
            "rfc3526-17",
            BigNum::get_rfc3526_prime_6144().expect("6144"),
        ),
        (
            "rfc3526-18",
            BigNum::get_rfc3526_prime_8192().expect("8192"),
        ),
        (
            "rfc5114-1",
            Dh::get_1024_160()
                .expect("5114-1")
                .prime_p()
                .to_owned()
                .expect("p"),
        ),
        (
            "rfc5114-2",
            Dh::get_2048_224()
                .expect("5114-2")
                .prime_p()
                .to_owned()
                .expect("p"),
        ),
        (
            "rfc5114-3",
            Dh::get_2048_256()
                .expect("5114-3")
                .prime_p()
                .to_owned()
                .expect("p"),
        ),
    ];
    for (id, p) in &pairs {
        assert_eq!(id_of(p), Some(*id), "{id}");
        let g = KNOWN_DH_GROUPS
            .iter()
            .find(|g| g.id == *id)
            .expect("in table");
        assert_eq!(g.bits, p.num_bits() as u32, "{id}");
    }
    // RFC 7919 appendix A: p = 2^b - 2^{b-64} + {[2^{b-130} e] + X} * 2^64 - 1, so the
    // top and bottom 64 bits are ones and the bits after the top ones are e's (0xADF85458...).
    for g in KNOWN_DH_GROUPS.iter().filter(|g| g.id.starts_with("ffdhe")) {
        assert!(
            g.prime.starts_with("FFFFFFFFFFFFFFFFADF85458A2BB4A9A"),
            "{}",
            g.id
        );
        assert!(g.prime.ends_with("FFFFFFFFFFFFFFFF"), "{}", g.id);
        let p = BigNum::from_hex_str(g.prime).expect("hex");
        assert_eq!(p.num_bits() as u32, g.bits, "{}", g.id);
        // Probable primality of the smaller ones (the larger take long in a debug build).
        if g.bits <= 4096 {
            let mut ctx = openssl::bn::BigNumContext::new().expect("ctx");
            assert!(p.is_prime(5, &mut ctx).expect("prime test"), "{}", g.id);
        }
    }
}
