//! What the checks of one run share: connection caps, and results observed once and reused.
//!
//! A single `check` makes one [`Shared`] for itself; a bulk run (`check --targets`) makes one for
//! the whole run, so that thousands of domains on a few provider MX hosts observe each MX
//! endpoint once, ask DNS each question once, fetch each MTA-STS policy and AIA URL once, and
//! never open more than `--max-connections` at once to one server address however many targets
//! name it, nor more than the run's global cap in all.
//!
//! Every cache is bounded ([`OnceMap`]): finished entries beyond the capacity are dropped oldest
//! first (asked again, they are observed again), so memory does not grow with the input.

use crate::model::domain::PolicyFetch;
use crate::model::observation::{EndpointObservation, Mode};
use crate::observe::once::OnceMap;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{Semaphore, SemaphorePermit};

/// The connection caps one connection is opened under: its server address's (`--max-connections`
/// permits, shared by every target of the run that names the address) and the run's global one.
/// Permits are always taken server first, then global, so two holders never wait on each other.
#[derive(Clone, Debug)]
pub struct Caps {
    server: Arc<Semaphore>,
    per_server: u32,
    global: Option<Arc<Semaphore>>,
}

/// Permits held while a connection is open.
pub struct Permits<'a> {
    _server: SemaphorePermit<'a>,
    _global: Option<SemaphorePermit<'a>>,
}

impl Caps {
    /// A cap of `max` connections for one server, no global cap (tests, single scans).
    pub fn single(max: usize) -> Caps {
        let per_server = u32::try_from(max.max(1)).unwrap_or(u32::MAX);
        Caps {
            server: Arc::new(Semaphore::new(per_server as usize)),
            per_server,
            global: None,
        }
    }

    /// One connection: one permit of the server's cap and one of the global cap. None when the
    /// run is being stopped (a semaphore closed).
    pub async fn one(&self) -> Option<Permits<'_>> {
        self.take(1).await
    }

    /// One connection, alone on its server: every permit of the server's cap (after a refusal,
    /// the scan goes one connection at a time), and one of the global cap.
    pub async fn alone(&self) -> Option<Permits<'_>> {
        self.take(self.per_server).await
    }

    async fn take(&self, n: u32) -> Option<Permits<'_>> {
        let server = self.server.acquire_many(n).await.ok()?;
        let global = match &self.global {
            Some(g) => Some(g.acquire().await.ok()?),
            None => None,
        };
        Some(Permits {
            _server: server,
            _global: global,
        })
    }
}

/// What identifies an endpoint's observation within a run (the options are the run's).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EndpointKey {
    pub name: String,
    pub address: SocketAddr,
    pub mode: Mode,
    pub sni: Option<String>,
}

/// Finished endpoint observations kept for reuse in a bulk run.
const ENDPOINTS_KEPT: usize = 512;
/// Finished policy fetches kept.
const POLICIES_KEPT: usize = 512;
/// Server addresses with a cap kept (beyond this, caps no one holds are dropped).
const SERVERS_KEPT: usize = 4096;

/// The run's shared state. Clones share it.
#[derive(Clone)]
pub struct Shared(Arc<SharedInner>);

struct SharedInner {
    aia: crate::observe::aia::Cache,
    endpoints: OnceMap<EndpointKey, (EndpointObservation, u32)>,
    policies: OnceMap<String, PolicyFetch>,
    servers: Mutex<HashMap<SocketAddr, Arc<Semaphore>>>,
    per_server: usize,
    global: Option<Arc<Semaphore>>,
}

impl Shared {
    /// For one check: `per_server` connections at once to each server address, no global cap.
    pub fn new(per_server: usize) -> Shared {
        Self::with_global(per_server, None)
    }

    /// For a run: `per_server` connections at once to each server address, and at most
    /// `global` open in all (None: no global cap).
    pub fn with_global(per_server: usize, global: Option<usize>) -> Shared {
        Shared(Arc::new(SharedInner {
            aia: crate::observe::aia::Cache::default(),
            endpoints: OnceMap::new(ENDPOINTS_KEPT),
            policies: OnceMap::new(POLICIES_KEPT),
            servers: Mutex::new(HashMap::new()),
            per_server: per_server.max(1),
            global: global.map(|g| Arc::new(Semaphore::new(g.max(1)))),
        }))
    }

    /// The run's AIA fetches (one per URL).
    pub fn aia(&self) -> &crate::observe::aia::Cache {
        &self.0.aia
    }

    /// The caps for connections to `address`.
    pub fn caps(&self, address: SocketAddr) -> Caps {
        let mut servers = self
            .0
            .servers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if servers.len() >= SERVERS_KEPT {
            // Only the map holds these: no connection is open or waiting under them.
            servers.retain(|_, s| Arc::strong_count(s) > 1);
        }
        let server = servers
            .entry(address)
            .or_insert_with(|| Arc::new(Semaphore::new(self.0.per_server)))
            .clone();
        Caps {
            server,
            per_server: u32::try_from(self.0.per_server).unwrap_or(u32::MAX),
            global: self.0.global.clone(),
        }
    }

    /// The observation of an endpoint: made by `work` the first time the run asks for it.
    pub async fn endpoint<F, Fut>(&self, key: EndpointKey, work: F) -> (EndpointObservation, u32)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = (EndpointObservation, u32)>,
    {
        self.0.endpoints.get_or_run(key, work).await
    }

    /// The MTA-STS policy fetch of `url`: made by `work` the first time the run asks for it.
    pub async fn policy<F, Fut>(&self, url: String, work: F) -> PolicyFetch
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = PolicyFetch>,
    {
        self.0.policies.get_or_run(url, work).await
    }

    /// How many distinct endpoints the run has observed and still holds.
    pub fn endpoints_held(&self) -> usize {
        self.0.endpoints.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_server_cap_across_the_run() {
        let shared = Shared::with_global(2, Some(3));
        let a: SocketAddr = "127.0.0.1:25".parse().unwrap();
        let b: SocketAddr = "127.0.0.2:25".parse().unwrap();
        let (c1, c2, c3) = (shared.caps(a), shared.caps(a), shared.caps(b));
        let p1 = c1.one().await;
        let p2 = c2.one().await;
        assert!(p1.is_some() && p2.is_some());
        // The server's two permits are taken: a third connection to `a` waits.
        let third = tokio::time::timeout(std::time::Duration::from_millis(50), c1.one()).await;
        assert!(third.is_err());
        // Another server is free; the global cap (3) now is full.
        let p3 = c3.one().await;
        assert!(p3.is_some());
        let fourth = tokio::time::timeout(std::time::Duration::from_millis(50), c3.one()).await;
        assert!(fourth.is_err());
        drop(p1);
        assert!(c3.one().await.is_some());
    }
}
