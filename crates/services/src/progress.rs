//! Live campaign progress: an in-process fan-out of [`CampaignEvent`]s per campaign, which
//! the campaign job publishes to and websockets subscribe to, and the per-key socket limit.
//!
//! Within one process every watcher sees every event. (Several server instances on
//! PostgreSQL would relay events through `LISTEN/NOTIFY`; not built yet.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use domain::campaigns::CampaignEvent;
use domain::time::rfc3339_from_millis;
use tokio::sync::broadcast;

/// Events a slow watcher may fall behind by before it skips ahead.
const BUFFER: usize = 256;

/// Sockets one API key (or session) may hold open at once.
pub const SOCKETS_PER_KEY: usize = 10;

/// The fan-out hub. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ProgressHub {
    channels: Arc<Mutex<HashMap<String, broadcast::Sender<CampaignEvent>>>>,
    sockets: Arc<Mutex<HashMap<String, usize>>>,
}

impl ProgressHub {
    /// Receives every event published for `campaign_id` from now on.
    pub fn subscribe(&self, campaign_id: &str) -> broadcast::Receiver<CampaignEvent> {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        channels
            .entry(campaign_id.to_owned())
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe()
    }

    /// Sends `data` as an event of type `kind` to the campaign's watchers (if any).
    pub fn publish(&self, campaign_id: &str, kind: &str, data: serde_json::Value) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = channels.get(campaign_id) {
            let event = CampaignEvent {
                kind: kind.to_owned(),
                timestamp: rfc3339_from_millis(store::now_ms()),
                data,
            };
            if sender.send(event).is_err() {
                // Nobody is listening any more.
                channels.remove(campaign_id);
            }
        }
    }

    /// Takes one of `owner`'s socket slots, or `None` when all are in use. The slot is given
    /// back when the guard drops.
    pub fn open_socket(&self, owner: &str) -> Option<SocketSlot> {
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        let count = sockets.entry(owner.to_owned()).or_default();
        if *count >= SOCKETS_PER_KEY {
            return None;
        }
        *count += 1;
        Some(SocketSlot {
            hub: self.clone(),
            owner: owner.to_owned(),
        })
    }
}

/// One open socket of a key; frees its slot on drop.
#[derive(Debug)]
pub struct SocketSlot {
    hub: ProgressHub,
    owner: String,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut sockets = self.hub.sockets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = sockets.get_mut(&self.owner) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                sockets.remove(&self.owner);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_subscriber_gets_events_published_after_it_subscribed() {
        let hub = ProgressHub::default();
        hub.publish("cmp_1", "ignored", json!({}));
        let mut a = hub.subscribe("cmp_1");
        let mut b = hub.subscribe("cmp_1");
        let mut other = hub.subscribe("cmp_2");
        hub.publish("cmp_1", "iteration_start", json!({"iteration": 1}));
        for rx in [&mut a, &mut b] {
            let event = rx.try_recv().unwrap();
            assert_eq!(event.kind, "iteration_start");
            assert_eq!(event.data["iteration"], 1);
            assert!(rx.try_recv().is_err());
        }
        assert!(other.try_recv().is_err());
    }

    #[test]
    fn a_key_holds_at_most_ten_sockets_and_closing_one_frees_a_slot() {
        let hub = ProgressHub::default();
        let mut slots: Vec<SocketSlot> = (0..SOCKETS_PER_KEY)
            .map(|_| hub.open_socket("key_a").unwrap())
            .collect();
        assert!(hub.open_socket("key_a").is_none());
        assert!(hub.open_socket("key_b").is_some(), "limits are per key");
        slots.pop();
        assert!(hub.open_socket("key_a").is_some());
    }
}
