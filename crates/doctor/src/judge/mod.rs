//! Judgement: pure functions from [`crate::model`] values to findings and verdicts.
//!
//! No I/O: the same observations always give the same findings, so a saved scan can be judged
//! again and every rule is tested from JSON fixtures. Imports `model` only.
//!
//! * [`registry`]: every finding declared once (code, severity, words, fixes);
//! * [`cert`]: a chain as sent, judged against a trust store, names and the time of the check;
//! * [`diagnose`]: the rules from one endpoint's observation to findings;
//! * [`battery`]: the vulnerability battery's checks (`endpoints[].checks`) and their findings;
//! * [`endpoint`]: one endpoint's report and the verdict of a whole check;
//! * [`dane`], [`domain`]: TLSA matching and the mail domain's judgement;
//! * [`simulate`]: what a peer (profile) would negotiate, or why it fails;
//! * [`capture`]: the capture server's verdict on a client;
//! * [`software`]: which MTA an endpoint looks like, and the order of a finding's fixes for it;
//! * [`injection`]: the STARTTLS command injection check and its finding.

pub mod battery;
pub mod capture;
pub mod cert;
pub mod dane;
pub mod diagnose;
pub mod domain;
pub mod endpoint;
pub mod injection;
pub mod registry;
pub mod simulate;
pub mod software;
