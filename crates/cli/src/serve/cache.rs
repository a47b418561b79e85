//! Checks in flight and their results: a request for a target and module already being checked
//! joins that check (single flight), and a result is served again for the module's
//! `min_interval`, so that a scrape storm cannot hammer a mail server. Bounded in size.

use doctor::model::report::CheckReport;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Most results kept; past it the expired go first, then the oldest finished.
pub const MAX_ENTRIES: usize = 1024;
/// Most progress events kept per check (a full scan makes a few hundred).
const MAX_EVENTS: usize = 4096;

/// A finished check.
#[derive(Debug)]
pub struct Done {
    pub report: CheckReport,
    pub duration: Duration,
}

/// A check that could not be made at all (the library refused the target or an option).
#[derive(Debug, Clone)]
pub struct Failed {
    pub status: u16,
    pub kind: &'static str,
    pub message: String,
    /// Seconds, for 429 and 503.
    pub retry_after: Option<u64>,
}

impl Failed {
    pub fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Failed {
        Failed {
            status,
            kind,
            message: message.into(),
            retry_after: None,
        }
    }
}

pub type Outcome = Arc<Result<Done, Failed>>;

/// What a check has told so far, and its outcome once there.
#[derive(Debug, Clone, Default)]
pub struct FlightState {
    /// Progress events as JSON objects, in order.
    pub events: Vec<String>,
    /// Events not kept (past [`MAX_EVENTS`]).
    pub dropped: usize,
    pub done: Option<Outcome>,
    pub finished_at: Option<Instant>,
}

/// One check, running or finished.
#[derive(Debug)]
pub struct Flight {
    state: watch::Sender<FlightState>,
}

impl Flight {
    pub fn new() -> Arc<Flight> {
        Arc::new(Flight {
            state: watch::Sender::new(FlightState::default()),
        })
    }

    pub fn event(&self, json: String) {
        self.state.send_modify(|s| {
            if s.events.len() < MAX_EVENTS {
                s.events.push(json);
            } else {
                s.dropped += 1;
            }
        });
    }

    /// The outcome; the first one given stays.
    pub fn finish(&self, outcome: Outcome) {
        self.state.send_if_modified(|s| {
            if s.done.is_some() {
                return false;
            }
            s.done = Some(outcome);
            s.finished_at = Some(Instant::now());
            true
        });
    }

    pub fn subscribe(&self) -> watch::Receiver<FlightState> {
        self.state.subscribe()
    }

    /// The outcome, waiting for it.
    pub async fn outcome(&self) -> Outcome {
        let mut rx = self.subscribe();
        loop {
            if let Some(o) = rx.borrow_and_update().done.clone() {
                return o;
            }
            if rx.changed().await.is_err() {
                return Arc::new(Err(Failed::new(
                    500,
                    "internal",
                    "the check ended without a result",
                )));
            }
        }
    }

    fn finished_at(&self) -> Option<Instant> {
        self.state.borrow().finished_at
    }
}

/// Finishes a flight with an internal error when dropped before the check gave its outcome (a
/// panic in the check's task), so that nobody waits for it forever.
pub struct FinishGuard(pub Arc<Flight>);

impl Drop for FinishGuard {
    fn drop(&mut self) {
        self.0.finish(Arc::new(Err(Failed::new(
            500,
            "internal",
            "the check ended without a result (an internal error); try again",
        ))));
    }
}

/// What identifies a check: the target as normalised, the module and the request's options.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub target: String,
    pub module: String,
    pub names: Vec<String>,
    pub profiles: Vec<String>,
    pub quick: bool,
}

/// What the cache had for a key.
#[derive(Debug)]
pub enum Found {
    /// A result younger than the module's `min_interval`.
    Fresh(Arc<Flight>),
    /// A check of the same key still running.
    Running(Arc<Flight>),
    Nothing,
}

struct Entry {
    flight: Arc<Flight>,
    ttl: Duration,
    created: Instant,
}

#[derive(Default)]
pub struct Cache {
    map: Mutex<HashMap<Key, Entry>>,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        }
    }

    pub fn find(&self, key: &Key) -> Found {
        let map = self.lock();
        find_in(&map, key)
    }

    /// Insert a new flight for `key` unless one was inserted meanwhile (then that is returned).
    pub fn insert(&self, key: Key, ttl: Duration) -> Result<Arc<Flight>, Found> {
        let mut map = self.lock();
        match find_in(&map, &key) {
            Found::Nothing => {}
            found => return Err(found),
        }
        if map.len() >= MAX_ENTRIES {
            let now = Instant::now();
            map.retain(|_, e| match e.flight.finished_at() {
                None => true,
                Some(at) => now.saturating_duration_since(at) < e.ttl,
            });
            if map.len() >= MAX_ENTRIES
                && let Some(oldest) = map
                    .iter()
                    .filter(|(_, e)| e.flight.finished_at().is_some())
                    .min_by_key(|(_, e)| e.created)
                    .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        let flight = Flight::new();
        map.insert(
            key,
            Entry {
                flight: flight.clone(),
                ttl,
                created: Instant::now(),
            },
        );
        Ok(flight)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().len()
    }
}

fn find_in(map: &HashMap<Key, Entry>, key: &Key) -> Found {
    match map.get(key) {
        None => Found::Nothing,
        Some(e) => match e.flight.finished_at() {
            None => Found::Running(e.flight.clone()),
            Some(at) if at.elapsed() < e.ttl => Found::Fresh(e.flight.clone()),
            Some(_) => Found::Nothing,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(t: &str) -> Key {
        Key {
            target: t.into(),
            module: "default".into(),
            names: vec![],
            profiles: vec![],
            quick: false,
        }
    }

    #[tokio::test]
    async fn single_flight_then_fresh_then_expired() {
        let c = Cache::default();
        let f = c.insert(key("a"), Duration::from_millis(200)).unwrap();
        assert!(matches!(c.find(&key("a")), Found::Running(_)));
        assert!(matches!(
            c.insert(key("a"), Duration::from_secs(1)),
            Err(Found::Running(_))
        ));
        assert!(matches!(c.find(&key("b")), Found::Nothing));
        f.finish(Arc::new(Err(Failed::new(400, "x", "y"))));
        drop(FinishGuard(f.clone()));
        assert_eq!(
            f.outcome().await.as_ref().as_ref().err().map(|e| e.status),
            Some(400)
        );
        assert!(matches!(c.find(&key("a")), Found::Fresh(_)));
        assert!(f.outcome().await.is_err());
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(matches!(c.find(&key("a")), Found::Nothing));
        assert!(c.insert(key("a"), Duration::from_secs(1)).is_ok());
    }

    #[tokio::test]
    async fn a_dropped_check_still_ends() {
        let f = Flight::new();
        let waiter = tokio::spawn({
            let f = f.clone();
            async move { f.outcome().await }
        });
        let task = tokio::spawn({
            let guard = FinishGuard(f.clone());
            async move {
                let _guard = guard;
                panic!("a check that panics");
            }
        });
        assert!(task.await.is_err());
        let o = waiter.await.unwrap();
        assert_eq!(o.as_ref().as_ref().err().map(|e| e.status), Some(500));
    }

    #[test]
    fn bounded() {
        let c = Cache::default();
        for i in 0..MAX_ENTRIES + 10 {
            let f = c
                .insert(key(&i.to_string()), Duration::from_secs(60))
                .unwrap();
            f.finish(Arc::new(Err(Failed::new(400, "x", "y"))));
        }
        assert!(c.len() <= MAX_ENTRIES);
    }
}
