//! Rate limits (token buckets per client address and for the whole server) and the cap on
//! checks running at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most client addresses tracked; past it, full buckets are forgotten first, then the oldest.
const MAX_CLIENTS: usize = 10_000;

/// A bucket of `capacity` tokens refilled at `capacity` per minute.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(capacity: f64, now: Instant) -> Bucket {
        Bucket {
            tokens: capacity,
            at: now,
        }
    }

    fn refill(&mut self, capacity: f64, now: Instant) {
        let gained = now.saturating_duration_since(self.at).as_secs_f64() * capacity / 60.0;
        self.tokens = (self.tokens + gained).min(capacity);
        self.at = now;
    }

    /// Seconds until one token is there.
    fn wait(&self, capacity: f64) -> u64 {
        let missing = (1.0 - self.tokens).max(0.0);
        (missing * 60.0 / capacity).ceil().max(1.0) as u64
    }
}

/// Which limit a request ran into, and when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub global: bool,
    pub retry_after: u64,
}

/// The per-client and the global buckets.
#[derive(Debug)]
pub struct RateLimits {
    per_client: f64,
    global_capacity: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    global: Bucket,
    clients: HashMap<IpAddr, Bucket>,
}

impl RateLimits {
    pub fn new(per_client_per_minute: u32, global_per_minute: u32) -> RateLimits {
        let now = Instant::now();
        RateLimits {
            per_client: f64::from(per_client_per_minute),
            global_capacity: f64::from(global_per_minute),
            state: Mutex::new(State {
                global: Bucket::full(f64::from(global_per_minute), now),
                clients: HashMap::new(),
            }),
        }
    }

    /// Take one token for `client` and one from the global bucket, or say which is empty.
    pub fn take(&self, client: IpAddr) -> Result<(), Limited> {
        self.take_at(client, Instant::now())
    }

    fn take_at(&self, client: IpAddr, now: Instant) -> Result<(), Limited> {
        let mut s = match self.state.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        if s.clients.len() >= MAX_CLIENTS && !s.clients.contains_key(&client) {
            let cap = self.per_client;
            s.clients.retain(|_, b| {
                let mut b2 = *b;
                b2.refill(cap, now);
                b2.tokens < cap
            });
            if s.clients.len() >= MAX_CLIENTS
                && let Some(oldest) = s.clients.iter().min_by_key(|(_, b)| b.at).map(|(k, _)| *k)
            {
                s.clients.remove(&oldest);
            }
        }
        let per_client = self.per_client;
        let global_capacity = self.global_capacity;
        let mut c = s
            .clients
            .get(&client)
            .copied()
            .unwrap_or_else(|| Bucket::full(per_client, now));
        c.refill(per_client, now);
        s.global.refill(global_capacity, now);
        if c.tokens < 1.0 {
            s.clients.insert(client, c);
            return Err(Limited {
                global: false,
                retry_after: c.wait(per_client),
            });
        }
        if s.global.tokens < 1.0 {
            s.clients.insert(client, c);
            return Err(Limited {
                global: true,
                retry_after: s.global.wait(global_capacity),
            });
        }
        c.tokens -= 1.0;
        s.global.tokens -= 1.0;
        s.clients.insert(client, c);
        Ok(())
    }
}

/// Open connections per client address.
pub type OpenPerClient = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// One open connection of a client, counted while it lives.
pub struct ClientSlot {
    map: OpenPerClient,
    client: IpAddr,
}

impl ClientSlot {
    /// A slot for `client`, unless it has `max` connections open already.
    pub fn take(map: &OpenPerClient, client: IpAddr, max: usize) -> Option<ClientSlot> {
        let mut m = match map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let n = m.entry(client).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            map: map.clone(),
            client,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut m = match self.map.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        if let Some(n) = m.get_mut(&self.client) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.client);
            }
        }
    }
}

/// How long a check waits for a free slot before the request is answered 503.
pub const BUSY_WAIT: Duration = Duration::from_secs(2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_per_client_are_capped_and_freed() {
        let map = OpenPerClient::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let s1 = ClientSlot::take(&map, a, 2).unwrap();
        let _s2 = ClientSlot::take(&map, a, 2).unwrap();
        assert!(ClientSlot::take(&map, a, 2).is_none());
        assert!(ClientSlot::take(&map, b, 2).is_some());
        drop(s1);
        assert!(ClientSlot::take(&map, a, 2).is_some());
        drop(_s2);
        assert!(map.lock().unwrap().is_empty(), "nothing left behind");
    }

    #[test]
    fn buckets_empty_and_refill() {
        let r = RateLimits::new(2, 3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let t = Instant::now();
        assert!(r.take_at(a, t).is_ok());
        assert!(r.take_at(a, t).is_ok());
        let l = r.take_at(a, t).unwrap_err();
        assert!(!l.global && l.retry_after == 30, "{l:?}");
        assert!(r.take_at(b, t).is_ok());
        let l = r.take_at(b, t).unwrap_err();
        assert!(l.global, "{l:?}");
        // Half a minute later a's bucket has one token again, the global one 1.5.
        assert!(r.take_at(a, t + Duration::from_secs(30)).is_ok());
    }
}
