//! `explain`: the long form of each finding, from the registry.

use doctor::judge::registry::REGISTRY;
use doctor::judge::registry::lookup;
use std::process::ExitCode;

pub fn run(code: Option<&str>) -> ExitCode {
    match code {
        None => {
            outln!("Finding codes (smtp-tls-doctor explain CODE for the long form):\n");
            for d in REGISTRY {
                outln!("  {:<22} {:<8} {}", d.code, d.severity.as_str(), d.title);
            }
            ExitCode::SUCCESS
        }
        Some(c) => match lookup(c) {
            Some(d) => {
                out!("{}", long_text(d));
                ExitCode::SUCCESS
            }
            None => {
                let near: Vec<&str> = REGISTRY
                    .iter()
                    .map(|d| d.code)
                    .filter(|k| {
                        k.contains(c)
                            || c.contains(k)
                            || k.split('-').any(|w| w.len() > 3 && c.contains(w))
                    })
                    .collect();
                eprintln!(
                    "smtp-tls-doctor explain: no finding is called '{c}'.{} Run `smtp-tls-doctor explain` for the list.",
                    if near.is_empty() {
                        String::new()
                    } else {
                        format!(" Did you mean: {}?", near.join(", "))
                    }
                );
                ExitCode::from(64)
            }
        },
    }
}

fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() + 1 > 92 {
                out.push_str(indent);
                out.push_str(&line);
                out.push('\n');
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(indent);
        out.push_str(&line);
        out.push('\n');
    }
    out
}

pub fn long_text(d: &doctor::model::finding::FindingDef) -> String {
    let mut o = format!("{} ({})\n{}\n\n", d.code, d.severity.as_str(), d.title);
    o.push_str("What is wrong\n");
    o.push_str(&wrap(d.why, "  "));
    o.push_str("\nWho fails, and how it looks\n");
    o.push_str(&wrap(d.breaks, "  "));
    o.push_str("\nHow to fix it\n");
    for f in d.fixes {
        o.push_str(&format!("  {}:\n", f.software));
        for line in f.text.lines() {
            o.push_str("    ");
            o.push_str(line);
            o.push('\n');
        }
    }
    o
}

/// `profiles`: every simulated peer with what it offers and checks.
pub fn profiles() -> ExitCode {
    let all = doctor::judge::simulate::profiles();
    outln!("Peer profiles for `check --as ID` (or --as all):\n");
    for p in &all {
        if p.role == "receiver" {
            outln!(
                "  {:<26} {}\n  {:<26} a server: what it accepts from a connecting client (for `smtp-tls-doctor client`)",
                p.id,
                p.name,
                ""
            );
            continue;
        }
        let checks = match (p.verifies_chain, p.verifies_name) {
            (true, true) => "verifies chain and name",
            (true, false) => "verifies the chain, not the name",
            (false, _) => "verifies nothing",
        };
        outln!(
            "  {:<26} {}\n  {:<26} {}; {} suites; {}{}",
            p.id,
            p.name,
            "",
            p.versions.join(", "),
            p.suites.len() + p.suites_tls13.len(),
            checks,
            if p.falls_back_to_plaintext {
                "; falls back to plaintext"
            } else {
                ""
            }
        );
    }
    ExitCode::SUCCESS
}
