//! Progress of a single check on standard error, only when it is a terminal: the phase of each
//! endpoint's connection, the scan's connections, and for a mail domain the endpoints done out
//! of all. Never on standard output, so never in the report or its JSON.

use doctor::model::progress::{Event, Progress};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The bar while a check runs; cleared by [`CheckProgress::finish`] before the report is printed.
pub struct CheckProgress {
    bar: indicatif::ProgressBar,
}

impl CheckProgress {
    /// A bar and the [`Progress`] that feeds it, when standard error is a terminal.
    pub fn start(target: &str) -> Option<(CheckProgress, Progress)> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let bar =
            indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
        if let Ok(s) = indicatif::ProgressStyle::with_template("{spinner} {prefix} {msg}") {
            bar.set_style(s);
        }
        bar.set_prefix(target.to_string());
        bar.set_message("starting");
        bar.enable_steady_tick(Duration::from_millis(120));
        let scans = Arc::new(AtomicU32::new(0));
        let last = Arc::new(Mutex::new(String::new()));
        let b = bar.clone();
        let progress = Progress::new(move |e: &Event| match e {
            Event::Planned { endpoints } if *endpoints > 1 => {
                b.set_length(*endpoints as u64);
                if let Ok(s) = indicatif::ProgressStyle::with_template(
                    "{spinner} {prefix} [{bar:20}] {pos}/{len} endpoints, {msg}",
                ) {
                    b.set_style(s.progress_chars("=> "));
                }
            }
            Event::Planned { .. } => {}
            Event::Phase { endpoint, phase } => {
                let text = format!("{endpoint}: {}", phase.as_str());
                *last.lock().unwrap_or_else(PoisonError::into_inner) = text.clone();
                b.set_message(text);
            }
            Event::ScanConnection { .. } => {
                let n = scans.fetch_add(1, Ordering::Relaxed) + 1;
                b.set_message(format!("scan: {n} connections"));
            }
            Event::EndpointDone { endpoint } => {
                b.inc(1);
                b.set_message(format!("{endpoint} done"));
            }
        });
        Some((CheckProgress { bar }, progress))
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
