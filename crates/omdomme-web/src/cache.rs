//! A small time-limited cache for figures that many requests ask for again: a dashboard is
//! opened by a whole team and refreshed by each, while its figures only change as items
//! arrive. Entries live [`FigureCache::ttl`] on the app's clock; the oldest go first when it
//! is full. Holds no per-user data: pages render their own HTML from what it returns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

/// Computed figures by key, each kept for `ttl`.
pub struct FigureCache<V> {
    ttl: SignedDuration,
    capacity: usize,
    entries: Mutex<HashMap<String, (Timestamp, Arc<V>)>>,
}

impl<V> FigureCache<V> {
    pub fn new(ttl: SignedDuration, capacity: usize) -> FigureCache<V> {
        FigureCache {
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> SignedDuration {
        self.ttl
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Timestamp, Arc<V>)>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The figures stored under `key` less than `ttl` before `now`.
    pub fn get(&self, key: &str, now: Timestamp) -> Option<Arc<V>> {
        let entries = self.lock();
        let (stored_at, value) = entries.get(key)?;
        (now.duration_since(*stored_at) < self.ttl).then(|| value.clone())
    }

    /// Keeps `value` under `key` from `now`, making room by dropping expired entries and
    /// then the oldest.
    pub fn put(&self, key: String, value: Arc<V>, now: Timestamp) {
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (stored_at, _)| now.duration_since(*stored_at) < self.ttl);
            if entries.len() >= self.capacity {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, (stored_at, _))| *stored_at)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    entries.remove(&oldest);
                }
            }
        }
        entries.insert(key, (now, value));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_oldest_make_room() {
        let cache = FigureCache::new(SignedDuration::from_secs(10), 2);
        let t0: Timestamp = "2026-11-27T12:00:00Z".parse().unwrap();
        cache.put("a".into(), Arc::new(1), t0);
        assert_eq!(
            cache.get("a", t0 + SignedDuration::from_secs(9)).as_deref(),
            Some(&1)
        );
        assert_eq!(cache.get("a", t0 + SignedDuration::from_secs(10)), None);
        assert_eq!(cache.get("b", t0), None);
        cache.put("b".into(), Arc::new(2), t0 + SignedDuration::from_secs(1));
        cache.put("c".into(), Arc::new(3), t0 + SignedDuration::from_secs(2));
        // Full: "a", the oldest, went.
        let now = t0 + SignedDuration::from_secs(3);
        assert_eq!(cache.get("a", now), None);
        assert_eq!(cache.get("b", now).as_deref(), Some(&2));
        assert_eq!(cache.get("c", now).as_deref(), Some(&3));
    }
}
