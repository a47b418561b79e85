//! parse_policy (RFC 8461 §3.2) on arbitrary bytes: it never panics, an
//! error list is never empty and stays bounded, and a policy that parses
//! holds only valid fields, matches hosts built from its own mx patterns,
//! and renders to a body that parses back to the same fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::mtasts::{MAX_AGE_LIMIT, PolicyMode, check_mx_pattern, mx_matches, parse_policy};

fuzz_target!(|data: &[u8]| {
    let policy = match parse_policy(data) {
        Ok(policy) => policy,
        Err(issues) => {
            assert!(!issues.is_empty());
            // At most 50 listed, plus one "... and N more" line.
            assert!(issues.len() <= 51, "{} issues", issues.len());
            assert!(issues.iter().all(|i| !i.message.is_empty()));
            return;
        }
    };
    assert_eq!(policy.version, "STSv1");
    assert!(policy.max_age <= MAX_AGE_LIMIT);
    assert!(policy.mode == PolicyMode::None || !policy.mx.is_empty());
    assert!(policy.warnings.len() <= 51);
    for mx in &policy.mx {
        assert!(check_mx_pattern(mx).is_ok(), "{mx:?}");
        let host = match mx.strip_prefix("*.") {
            Some(parent) => format!("mail.{parent}"),
            None => mx.clone(),
        };
        assert!(mx_matches(mx, &host), "{mx:?} vs {host:?}");
        assert!(mx_matches(mx, &format!("{}.", host.to_ascii_uppercase())));
        if mx.starts_with("*.") {
            assert!(!mx_matches(mx, &format!("a.{host}")));
        }
        assert!(policy.matches_mx(&host));
    }

    let rendered = policy.render();
    let again = match parse_policy(rendered.as_bytes()) {
        Ok(again) => again,
        Err(e) => panic!("rendered policy does not parse: {e:?}\n{rendered}"),
    };
    assert_eq!(again.version, policy.version);
    assert_eq!(again.mode, policy.mode);
    assert_eq!(again.max_age, policy.max_age);
    assert_eq!(again.mx, policy.mx);
    assert_eq!(again.extensions, policy.extensions);
    assert_eq!(again.render(), rendered);
});
