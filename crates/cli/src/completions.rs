//! `completions SHELL` and `man`: the shell completion scripts and the manual page, both made
//! from the one clap definition of the command line ([`crate::Cli`]), so they never drift from it.

use crate::Cli;
use clap::CommandFactory;
use std::process::ExitCode;

/// The name the scripts complete and the page documents.
const BIN: &str = "smtp-tls-doctor";

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}

/// Prints the manual page.
pub fn man() -> ExitCode {
    match page() {
        Ok(roff) => {
            out!("{roff}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("smtp-tls-doctor man: cannot make the page: {e}");
            ExitCode::from(2)
        }
    }
}

/// The page: the whole command as clap_mangen lays it out (name, synopsis, description, global
/// options, the list of commands, exit statuses, version), then a section per command with its
/// own synopsis and every option: `check`'s flags are what a reader of the page looks for.
fn page() -> std::io::Result<String> {
    let mut cmd = Cli::command();
    // Gives each subcommand its full name ("smtp-tls-doctor check") for its synopsis.
    cmd.build();
    let mut roff = Vec::new();
    let top = clap_mangen::Man::new(cmd.clone());
    top.render_title(&mut roff)?;
    top.render_name_section(&mut roff)?;
    top.render_synopsis_section(&mut roff)?;
    top.render_description_section(&mut roff)?;
    top.render_options_section(&mut roff)?;
    top.render_subcommands_section(&mut roff)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        roff.extend_from_slice(
            format!(
                ".SH \"{} {}\"\n",
                escape(BIN).to_uppercase(),
                escape(sub.get_name()).to_uppercase()
            )
            .as_bytes(),
        );
        let man = clap_mangen::Man::new(sub.clone());
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        man.render_options_section(&mut part)?;
        roff.extend_from_slice(&subsections(&part));
    }
    top.render_extra_section(&mut roff)?;
    top.render_version_section(&mut roff)?;
    Ok(String::from_utf8_lossy(&roff).into_owned())
}

/// Text for roff: a hyphen as `\-` (so that it is copied as the ASCII one).
fn escape(s: &str) -> String {
    s.replace('-', "\\-")
}

/// A command's sections as subsections of its own section (`.SH` → `.SS`).
fn subsections(part: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(part);
    let mut out = String::new();
    for line in text.lines() {
        match line.strip_prefix(".SH ") {
            Some(title) => {
                // SYNOPSIS → Synopsis, "BULK RUNS" → "Bulk runs": the command's own heading
                // stays the one in capitals.
                let lower = title.to_lowercase();
                let at = lower.find(|c: char| c.is_alphabetic()).unwrap_or(0);
                let (before, rest) = lower.split_at(at);
                let mut chars = rest.chars();
                out.push_str(".SS ");
                out.push_str(before);
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                }
                out.push_str(chars.as_str());
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::{page, subsections};

    #[test]
    fn the_page_documents_every_command_and_check_flags() {
        let roff = page().unwrap();
        assert!(
            roff.starts_with(".ie") || roff.starts_with(".TH"),
            "{roff:.200}"
        );
        for heading in [
            ".SH \"SMTP\\-TLS\\-DOCTOR CHECK\"",
            ".SH \"SMTP\\-TLS\\-DOCTOR MAN\"",
        ] {
            assert!(roff.contains(heading), "no {heading}");
        }
        // clap_mangen writes a flag as \-\-name.
        for flag in ["targets", "deadline", "export\\-chain", "transcript"] {
            assert!(roff.contains(&format!("\\-\\-{flag}")), "no --{flag}");
        }
    }

    #[test]
    fn sections_become_subsections() {
        let s = subsections(b".SH SYNOPSIS\n\\fBx\\fR\n.SH OPTIONS\n.TP\n.SH \"BULK RUNS\"\n");
        assert_eq!(
            String::from_utf8(s).unwrap(),
            ".SS Synopsis\n\\fBx\\fR\n.SS Options\n.TP\n.SS \"Bulk runs\"\n"
        );
    }
}
