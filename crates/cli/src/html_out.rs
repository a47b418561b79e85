//! `check --html FILE`: the report as one HTML page in a new file (replaced only with `--force`),
//! written the way `--export-chain` writes its file.

use doctor::model::report::CheckReport;
use doctor::observe::aia::WriteError;
use std::path::Path;

/// Why the page will not be, or was not, written, in the flag's words.
fn text(path: &Path, e: &WriteError) -> String {
    match e {
        WriteError::Exists => format!(
            "--html {}: the file exists; nothing written (give --force to replace it)",
            path.display()
        ),
        other => format!("--html {}: {other}", path.display()),
    }
}

/// Refused before any connection when the file is there and `--force` was not given.
pub fn writable(path: &Path, force: bool) -> Result<(), String> {
    doctor::observe::aia::may_write(path, force)
        .map(|_| ())
        .map_err(|e| text(path, &e))
}

/// Writes the page; the error says why not, and whether it is a usage error (the file exists).
pub fn write(path: &Path, report: &CheckReport, force: bool) -> Result<(), (bool, String)> {
    let page = doctor::render::html::render_html(report);
    doctor::observe::aia::write_new_file(path, page.as_bytes(), force)
        .map_err(|e| (matches!(e, WriteError::Exists), text(path, &e)))
}
