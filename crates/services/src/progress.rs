//! Live campaign progress: an in-process fan-out of [`CampaignEvent`]s per campaign, which
//! the campaign job publishes to and websockets subscribe to, and the per-key socket limit.
//!
//! On SQLite (one process) events go straight to the local watchers. On PostgreSQL, once
//! [`ProgressHub::start_relay`] runs, every event goes out through `NOTIFY` and comes back
//! through a `LISTEN` connection in every instance, so a socket served by one server sees a job
//! run by another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use domain::campaigns::{CampaignEvent, ProgressEvent};
use domain::ids::CampaignId;
use domain::time::rfc3339_from_millis;
use store::{Db, StoreError};
use tokio::sync::{broadcast, mpsc};

/// The PostgreSQL notification channel of campaign events.
pub const NOTIFY_CHANNEL: &str = "mc_campaign_events";

/// Events a slow watcher may fall behind by before it skips ahead.
const BUFFER: usize = 256;

/// Sockets one account may hold open at once, over all its keys and sessions (minting keys
/// does not buy more).
pub const SOCKETS_PER_ACCOUNT: usize = 20;

/// The fan-out hub. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ProgressHub {
    channels: Arc<Mutex<HashMap<String, broadcast::Sender<CampaignEvent>>>>,
    sockets: Arc<Mutex<HashMap<String, usize>>>,
    relay: Arc<OnceLock<mpsc::UnboundedSender<(String, CampaignEvent)>>>,
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

    /// Sends `event`, stamped now, to the campaign's watchers (if any), through the database
    /// relay when one runs.
    pub fn publish(&self, campaign_id: &CampaignId, event: ProgressEvent) {
        let event = CampaignEvent {
            timestamp: rfc3339_from_millis(store::now_ms()),
            event,
        };
        match self.relay.get() {
            Some(relay) => {
                let _ = relay.send((campaign_id.to_string(), event));
            }
            None => self.deliver(campaign_id.as_str(), event),
        }
    }

    /// Hands `event` to this process's watchers of the campaign.
    fn deliver(&self, campaign_id: &str, event: CampaignEvent) {
        let mut channels = self.channels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = channels.get(campaign_id) {
            if sender.send(event).is_err() {
                // Nobody is listening any more.
                channels.remove(campaign_id);
            }
        }
    }

    /// On PostgreSQL, routes events through `NOTIFY`/`LISTEN` from now on (two background
    /// tasks: one sends in publishing order, one delivers what any instance sent). Returns
    /// `false` on SQLite, where events stay in process.
    pub async fn start_relay(&self, db: &Db) -> Result<bool, StoreError> {
        let Some(mut listener) = db.listen(NOTIFY_CHANNEL).await? else {
            return Ok(false);
        };
        let (tx, mut rx) = mpsc::unbounded_channel::<(String, CampaignEvent)>();
        if self.relay.set(tx).is_err() {
            return Ok(true);
        }
        let sender_db = db.clone();
        tokio::spawn(async move {
            while let Some((campaign_id, event)) = rx.recv().await {
                let payload =
                    serde_json::json!({"campaign_id": campaign_id, "event": event}).to_string();
                if let Err(e) = sender_db.notify(NOTIFY_CHANNEL, &payload).await {
                    tracing::warn!(error = %e, "a campaign event could not be sent");
                }
            }
        });
        let hub = self.clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(notification) => {
                        #[derive(serde::Deserialize)]
                        struct Relayed {
                            campaign_id: String,
                            event: CampaignEvent,
                        }
                        if let Ok(r) = serde_json::from_str::<Relayed>(notification.payload()) {
                            hub.deliver(&r.campaign_id, r.event);
                        }
                    }
                    Err(e) => {
                        // The listener reconnects on the next receive.
                        tracing::warn!(error = %e, "campaign event listener lost its connection");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(true)
    }

    /// Takes one of `owner`'s socket slots, or `None` when all are in use. The slot is given
    /// back when the guard drops.
    pub fn open_socket(&self, owner: &str) -> Option<SocketSlot> {
        let mut sockets = self.sockets.lock().unwrap_or_else(|e| e.into_inner());
        let count = sockets.entry(owner.to_owned()).or_default();
        if *count >= SOCKETS_PER_ACCOUNT {
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

    fn start(iteration: u32) -> ProgressEvent {
        ProgressEvent::IterationStart {
            iteration,
            total_iterations: 3,
            phase: domain::campaigns::JobPhase::InitialDesign,
            batch_size: 8,
            proposed_by: None,
        }
    }

    #[test]
    fn every_subscriber_gets_events_published_after_it_subscribed() {
        let hub = ProgressHub::default();
        let camp_1 = CampaignId::parse("camp_1").unwrap();
        hub.publish(&camp_1, start(0));
        let mut a = hub.subscribe("camp_1");
        let mut b = hub.subscribe("camp_1");
        let mut other = hub.subscribe("camp_2");
        hub.publish(&camp_1, start(1));
        for rx in [&mut a, &mut b] {
            let event = rx.try_recv().unwrap();
            assert_eq!(event.event, start(1));
            let json = serde_json::to_value(&event).unwrap();
            assert_eq!(json["type"], "iteration_start");
            assert_eq!(json["data"]["iteration"], json!(1));
            assert!(rx.try_recv().is_err());
        }
        assert!(other.try_recv().is_err());
    }

    #[test]
    fn an_account_holds_at_most_twenty_sockets_and_closing_one_frees_a_slot() {
        let hub = ProgressHub::default();
        let mut slots: Vec<SocketSlot> = (0..SOCKETS_PER_ACCOUNT)
            .map(|_| hub.open_socket("key_a").unwrap())
            .collect();
        assert!(hub.open_socket("key_a").is_none());
        assert!(hub.open_socket("key_b").is_some(), "limits are per owner");
        slots.pop();
        assert!(hub.open_socket("key_a").is_some());
    }
}
