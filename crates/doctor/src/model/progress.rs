//! Progress of a check as it runs, for a front end that shows it (a bar on a terminal, a web
//! page's live phases). Observing reports events through [`Progress`]; nothing depends on who
//! listens, and without a listener nothing is done.

use crate::model::observation::Phase;
use std::net::SocketAddr;
use std::sync::Arc;

/// One step of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The endpoints the check will observe (a host check: one; a domain: every MX address).
    Planned { endpoints: usize },
    /// A connection of an endpoint's modern handshake reached `phase`.
    Phase { endpoint: SocketAddr, phase: Phase },
    /// The scan of an endpoint opened one more connection.
    ScanConnection { endpoint: SocketAddr },
    /// An endpoint is observed (its handshake, scan and fetches are done).
    EndpointDone { endpoint: SocketAddr },
}

/// A function told of each event.
type Listener = Arc<dyn Fn(&Event) + Send + Sync>;

/// Where the events go: a listener, or nowhere (the default).
#[derive(Clone, Default)]
pub struct Progress(Option<Listener>);

impl Progress {
    /// Events go to `listener`, called on whatever task observes (keep it quick).
    pub fn new(listener: impl Fn(&Event) + Send + Sync + 'static) -> Progress {
        Progress(Some(Arc::new(listener)))
    }

    /// Tell the listener, if any.
    pub fn emit(&self, event: Event) {
        if let Some(f) = &self.0 {
            f(&event);
        }
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Progress(listening)"
        } else {
            "Progress(none)"
        })
    }
}
