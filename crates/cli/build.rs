//! The commit `--version` names: `SMTP_TLS_DOCTOR_COMMIT` when set at build time (letters,
//! digits and `-`, for a source archive), else `git rev-parse --short HEAD`, with `-dirty` when
//! tracked files had changes, or `unknown` when the source is not a git checkout (a crates
//! tarball, a source archive) or git is missing. Every failure is tolerated: the build never
//! depends on git.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // A source archive has no git: whoever builds it may name the commit (bench/run.sh does).
    let given = std::env::var("SMTP_TLS_DOCTOR_COMMIT").ok().filter(|c| {
        !c.is_empty() && c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let commit = given
        .or_else(|| commit(&manifest_dir))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo::rustc-env=SMTP_TLS_DOCTOR_COMMIT={commit}");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=SMTP_TLS_DOCTOR_COMMIT");
    // Run again when the commit or the index changes (a commit, a checkout, `git add`), and when
    // a source file of the workspace changes (which can make the tree dirty or clean), but not on
    // every build. In a worktree `.git` is a file: ask git where HEAD, the refs and the index are.
    for p in watched(&manifest_dir) {
        println!("cargo::rerun-if-changed={}", p.display());
    }
}

/// `git` run in `dir`, its standard output trimmed when it succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    // --no-optional-locks: `git status` must not refresh (write) the index, which would make
    // the next build run this script again.
    let out = Command::new("git")
        .arg("--no-optional-locks")
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout)
        .ok()
        .map(|s| s.trim().to_string())
}

/// The short hash, `-dirty` appended when tracked files differ from it; None outside git.
fn commit(dir: &Path) -> Option<String> {
    // Not this repository's checkout when its Cargo.toml is not tracked here: e.g. a packaged
    // crate unpacked under target/ of some other git work tree.
    git(dir, &["ls-files", "--error-unmatch", "Cargo.toml"])?;
    let hash = git(dir, &["rev-parse", "--short", "HEAD"])?;
    if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let dirty =
        git(dir, &["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{hash}-dirty") } else { hash })
}

/// The files whose change may change the answer of [`commit`].
fn watched(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let abs = |p: String| {
        let p = PathBuf::from(p);
        if p.is_absolute() { p } else { dir.join(p) }
    };
    if let Some(git_dir) = git(dir, &["rev-parse", "--git-dir"]).map(abs) {
        files.push(git_dir.join("HEAD"));
        files.push(git_dir.join("index"));
    }
    if let Some(common) = git(dir, &["rev-parse", "--git-common-dir"]).map(abs) {
        files.push(common.join("packed-refs"));
    }
    // The branch HEAD points at (refs/heads/NAME lives in the common directory).
    if let Some(r) = git(dir, &["rev-parse", "--symbolic-full-name", "HEAD"])
        && r.starts_with("refs/")
        && let Some(p) = git(dir, &["rev-parse", "--git-path", &r]).map(abs)
    {
        files.push(p);
    }
    if let Some(top) = git(dir, &["rev-parse", "--show-toplevel"]).map(PathBuf::from) {
        for p in ["crates", "Cargo.toml", "Cargo.lock"] {
            files.push(top.join(p));
        }
    }
    files.retain(|p| p.exists());
    files
}
