//! `/v1/ws/campaigns/{id}`: live progress of a campaign over a websocket (SPEC §4.3).
//! Authenticated like every `/v1` route, or with `?token=<api key>`; at most
//! [`services::progress::SOCKETS_PER_KEY`] sockets per key; a ping every 30 s.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use domain::campaigns::ProgressEvent;
use services::progress::SocketSlot;
use services::Services;
use tokio::sync::broadcast;

use crate::api::auth::{scope, Scoped};
use crate::api::ApiError;

/// How often an idle socket is pinged.
const PING_EVERY: Duration = Duration::from_secs(30);

/// Upgrades to a websocket that streams the campaign's `iteration_start`,
/// `evaluation_complete`, `iteration_complete`, `campaign_complete` and `error` messages.
#[utoipa::path(get, path = "/ws/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "camp_…"),
        ("token" = Option<String>, Query, description = "An API key, for clients that cannot send headers")),
    responses((status = 101, description = "Switching to the websocket protocol"),
        (status = 401, body = domain::error::ErrorBody), (status = 404, body = domain::error::ErrorBody),
        (status = 429, description = "This key already holds 10 sockets", body = domain::error::ErrorBody)))]
pub async fn campaign_socket(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    Path(id): Path<String>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    // 404 for an unknown campaign or another account's, before any upgrade.
    services.campaign(&caller, &id).await?;
    let slot = services
        .progress()
        .open_socket(&caller.rate_bucket())
        .ok_or(ApiError::RateLimited {
            retry_after_secs: 30,
        })?;
    let events = services.progress().subscribe(&id);
    Ok(upgrade.on_upgrade(move |socket| stream(socket, events, slot)))
}

async fn stream(
    mut socket: WebSocket,
    mut events: broadcast::Receiver<domain::campaigns::CampaignEvent>,
    _slot: SocketSlot,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => {
                    let last = matches!(event.event, ProgressEvent::CampaignComplete { .. });
                    let text = serde_json::to_string(&event).unwrap_or_default();
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                    if last {
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                }
                // A watcher too slow for the buffer skips ahead rather than blocking the job.
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
