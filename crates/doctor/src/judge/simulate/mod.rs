//! Who can connect: peer profiles (data, embedded at build time from `profiles/*.json`) and a
//! simulation that decides, from a server's observations alone (no new connection), what each
//! peer would negotiate, or the exact reason it fails, with the fix on both sides.

mod certificate;
mod negotiate;
mod outcome;

use crate::model::cert::ChainAnalysis;
use crate::model::error::Error;
use crate::model::observation::EndpointObservation;
use crate::model::profile::Negotiated;
use crate::model::profile::Profile;
use crate::model::profile::Simulation;
use outcome::Ended;
use outcome::fail;
use outcome::unknown;

include!(concat!(env!("OUT_DIR"), "/profiles.rs"));

/// Every embedded profile, sorted by id. A profile that does not parse is a build-time bug,
/// caught by the unit test below; it is skipped here rather than failing the user.
pub fn profiles() -> Vec<Profile> {
    let mut v: Vec<Profile> = PROFILE_FILES
        .iter()
        .filter_map(|(_, text)| serde_json::from_str(text).ok())
        .collect();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

/// Resolve profile ids ("all" or ids) to profiles; an unknown id is an error naming the ids.
pub fn select(ids: &[String]) -> Result<Vec<Profile>, Error> {
    let all = profiles();
    if ids.iter().any(|i| i == "all") {
        // Receivers (servers such as smtp.gmail.com) are met by clients, not simulated against a
        // server: they serve the capture server.
        return Ok(all.into_iter().filter(|p| p.role != "receiver").collect());
    }
    let mut out = Vec::new();
    for id in ids {
        match all.iter().find(|p| &p.id == id) {
            Some(p) if p.role == "receiver" => {
                return Err(Error::Profile {
                    id: id.clone(),
                    reason: "this profile describes a server (it serves the capture server that tests applications); choose a connecting peer".into(),
                });
            }
            Some(p) => out.push(p.clone()),
            None => {
                return Err(Error::Profile {
                    id: id.clone(),
                    reason: format!(
                        "no such profile; the profiles are: {}",
                        all.iter()
                            .map(|p| p.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
    }
    Ok(out)
}

/// Decide what `p` would do against the server seen in `obs` (and its chain analysis).
pub fn simulate(
    p: &Profile,
    obs: &EndpointObservation,
    analysis: Option<&ChainAnalysis>,
    no_sni_analysis: Option<&ChainAnalysis>,
    names: &[String],
) -> Simulation {
    let mut notes = Vec::new();
    if !p.notes.is_empty() {
        notes.push(p.notes.clone());
    }
    match run(p, obs, analysis, no_sni_analysis, names, &mut notes) {
        Ok(s) => s,
        Err(s) => *s,
    }
}

/// The simulation step by step: STARTTLS, the version, the suite, the group, the DHE group, the
/// handshake signature, the certificate. The first step the peer cannot pass ends it (`Err`).
fn run(
    p: &Profile,
    obs: &EndpointObservation,
    analysis: Option<&ChainAnalysis>,
    no_sni_analysis: Option<&ChainAnalysis>,
    names: &[String],
    notes: &mut Vec<String>,
) -> Result<Simulation, Ended> {
    // A peer that sends no SNI gets the server's default certificate.
    let (analysis, sni_note) = match (p.sends_sni, no_sni_analysis) {
        (false, Some(ns)) => (Some(ns), true),
        _ => (analysis, false),
    };
    no_starttls(p, obs, notes)?;
    let Some(scan) = obs.scan.as_ref() else {
        return Err(Box::new(unknown(
            p,
            "the simulation needs the scan of versions and suites (run without --quick)",
            notes.clone(),
        )));
    };
    let (version, vr) = negotiate::version(p, scan, notes)?;
    if !vr.complete {
        notes.push(format!(
            "the server's {version} suites were not all measured"
        ));
    }
    let suite = negotiate::suite(p, &version, vr, notes)?;
    let group = negotiate::group(p, &version, &suite, scan, notes)?;
    negotiate::dh_too_small(p, &suite, scan, notes)?;
    let negotiated = Negotiated {
        version: version.clone(),
        suite: suite.clone(),
        suite_name: negotiate::suite_name(&suite),
        group,
    };
    certificate::bad_signature(p, obs, &negotiated, notes)?;
    certificate::verify_certificate(p, analysis, sni_note, names, &negotiated, notes)?;
    notes.extend(certificate::no_sni_note(p, obs, no_sni_analysis));
    Ok(Simulation {
        profile: p.id.clone(),
        name: p.name.clone(),
        result: "ok".into(),
        reason: None,
        detail: format!(
            "negotiates {} with {}",
            negotiated.version, negotiated.suite_name
        ),
        negotiated: Some(negotiated),
        plaintext_fallback: false,
        fix_server: None,
        fix_client: None,
        notes: std::mem::take(notes),
    })
}

/// A STARTTLS server whose EHLO reply lacks STARTTLS: the peer fails.
fn no_starttls(p: &Profile, obs: &EndpointObservation, notes: &[String]) -> Result<(), Ended> {
    let smtp = &obs.smtp;
    if obs.mode == crate::model::observation::Mode::Starttls
        && smtp.capabilities.is_some()
        && !smtp
            .capabilities
            .as_ref()
            .is_some_and(|c| c.has("STARTTLS"))
    {
        return Err(Box::new(fail(
            p,
            "no-starttls",
            "the server does not offer STARTTLS".into(),
            Some("offer STARTTLS (see `smtp-tls-doctor explain starttls-not-offered`)".into()),
            false,
            notes.to_vec(),
        )));
    }
    Ok(())
}

/// Failing peers first, then unknown, then ok; by id within each.
pub fn order(sims: &mut [Simulation]) {
    sims.sort_by_key(|s| {
        (
            match s.result.as_str() {
                "fails" => 0,
                "unknown" => 1,
                _ => 2,
            },
            s.profile.clone(),
        )
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_embedded_profile_parses() {
        for (file, text) in super::PROFILE_FILES {
            let p: super::Profile = match serde_json::from_str(text) {
                Ok(p) => p,
                Err(e) => panic!("{file}: {e}"),
            };
            assert_eq!(format!("{}.json", p.id), *file, "file name = id");
            assert!(!p.sources.is_empty(), "{file}: sources");
        }
    }
}
