//! The capture server's pipeline for one connection: serve it and record what the client did
//! (`observe::capture`), judge it (`judge::capture`), and write its verdict line.

use crate::judge::capture::{SERVERS_NOTE, findings, judge_verification, would_connect};
use crate::model::capture::ConnectionReport;
use crate::model::profile::Profile;
use crate::observe::capture::ServeParams;
use crate::render::capture::verdict_line;
use tokio::io::{AsyncRead, AsyncWrite};

/// Serve one connection to its end, then judge it: `--verify-test`'s verdict when asked, whether
/// the client's offer would reach each of `servers`, the findings, and the verdict line.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin + Send + 'static>(
    stream: S,
    p: &ServeParams,
    servers: &[Profile],
) -> ConnectionReport {
    let report = crate::observe::capture::serve(stream, p).await;
    judge_connection(report, p.verify_test, servers)
}

/// The judgement of a recorded connection (also for one read back from JSON).
pub fn judge_connection(
    mut r: ConnectionReport,
    verify_test: bool,
    servers: &[Profile],
) -> ConnectionReport {
    r.verification =
        verify_test.then(|| judge_verification(r.certificate, r.mode, r.tls.as_ref(), &r.smtp));
    r.servers = r
        .client_hello
        .as_ref()
        .map(|h| {
            servers
                .iter()
                .map(|s| would_connect(&h.codepoints, s))
                .collect()
        })
        .unwrap_or_default();
    r.servers_note = SERVERS_NOTE.to_string();
    r.findings = findings(r.verification.as_ref(), r.tls.as_ref());
    r.verdict = verdict_line(&r);
    r
}
