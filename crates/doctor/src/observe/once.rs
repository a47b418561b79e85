//! A bounded map of results computed once per key, for the caches of a run (DNS answers,
//! endpoint observations, policy and AIA fetches).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OnceCell;

/// A map of results computed once per key: the first caller runs the work, callers at the same
/// time wait for it (a caller that is cancelled hands the work to the next), later callers get
/// a clone. At most `capacity` finished entries are kept (oldest dropped first); entries still
/// being computed are never dropped.
pub struct OnceMap<K, V> {
    inner: Mutex<Inner<K, V>>,
    capacity: usize,
}

struct Inner<K, V> {
    map: HashMap<K, Arc<OnceCell<V>>>,
    order: VecDeque<K>,
}

impl<K: Eq + Hash + Clone, V: Clone> OnceMap<K, V> {
    pub fn new(capacity: usize) -> Self {
        OnceMap {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                order: VecDeque::new(),
            }),
            capacity: capacity.max(1),
        }
    }

    /// The value for `key`: computed by `work` on the first call, shared afterwards.
    pub async fn get_or_run<F, Fut>(&self, key: K, work: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            match inner.map.get(&key) {
                Some(c) => c.clone(),
                None => {
                    let c: Arc<OnceCell<V>> = Arc::default();
                    inner.map.insert(key.clone(), c.clone());
                    inner.order.push_back(key);
                    inner.evict(self.capacity);
                    c
                }
            }
        };
        cell.get_or_init(work).await.clone()
    }

    /// How many entries are held (finished or not).
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Eq + Hash + Clone, V> Inner<K, V> {
    /// Drop finished entries, oldest first, while more than `capacity` are held. Entries being
    /// computed go to the back of the queue.
    fn evict(&mut self, capacity: usize) {
        let mut looked = 0;
        while self.map.len() > capacity && looked < self.order.len() {
            let Some(k) = self.order.pop_front() else {
                break;
            };
            let done = self.map.get(&k).is_none_or(|c| c.initialized());
            if done {
                self.map.remove(&k);
            } else {
                self.order.push_back(k);
                looked += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn work_runs_once_per_key_even_when_asked_at_once() {
        let map: OnceMap<u32, u32> = OnceMap::new(10);
        let runs = AtomicU32::new(0);
        let ask = |k: u32| {
            let runs = &runs;
            let map = &map;
            async move {
                map.get_or_run(k, || async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    k * 2
                })
                .await
            }
        };
        let got = futures_util::future::join_all((0..20).map(|i| ask(i % 3))).await;
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        for (i, v) in got.iter().enumerate() {
            assert_eq!(*v, (i as u32 % 3) * 2);
        }
    }

    #[tokio::test]
    async fn finished_entries_beyond_the_capacity_are_dropped() {
        let map: OnceMap<u32, u32> = OnceMap::new(4);
        for k in 0..100 {
            map.get_or_run(k, || async move { k }).await;
        }
        assert!(map.len() <= 4, "{} entries held", map.len());
        // The newest are kept.
        let runs = AtomicU32::new(0);
        map.get_or_run(99, || async {
            runs.fetch_add(1, Ordering::SeqCst);
            0
        })
        .await;
        assert_eq!(runs.load(Ordering::SeqCst), 0);
    }
}
