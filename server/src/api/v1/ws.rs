//! `/v1/ws/campaigns/{id}`: live progress of a campaign over a websocket (SPEC §4.3), and
//! `POST /v1/ws-tickets`, the short-lived credential for opening it from a client that cannot
//! send headers.
//!
//! The socket is authenticated like every `/v1` route (a key in `Authorization`, or the
//! browser's session cookie) or with `?ticket=…`; never with a key in the URL. A
//! cookie-authenticated upgrade must come from this site's own pages. At most
//! [`services::progress::SOCKETS_PER_ACCOUNT`] sockets per account; a ping every 30 s; the credential
//! is checked again every `MATTERCRAFT_WS_RECHECK_SECONDS` (≤ 30 s), and the socket closes
//! (1008) once the key is revoked or expired or the session has ended. Clients send nothing,
//! so incoming messages are limited to [`MAX_INCOMING`].

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use domain::campaigns::{ProgressEvent, WsTicket};
use domain::envelope::Envelope;
use domain::error::{ErrorBody, ErrorCode};
use services::progress::SocketSlot;
use services::{AuthMethod, Caller, Services};
use tokio::sync::broadcast;

use crate::api::auth::{scope, Scoped};
use crate::api::{envelope, ApiError};
use crate::config::Settings;

/// How often an idle socket is pinged.
const PING_EVERY: Duration = Duration::from_secs(30);

/// The largest message or frame a client may send (it has nothing to send).
pub const MAX_INCOMING: usize = 4 * 1024;

/// Issues a ticket for opening `/v1/ws/campaigns/{id}?ticket=…` with this key, valid for
/// 60 seconds (any number of handshakes), so the key itself never appears in a URL. A browser
/// needs none: its session cookie opens the socket.
#[utoipa::path(post, path = "/ws-tickets", tag = "campaigns", security(("bearer" = [])),
    responses(
        (status = 201, description = "The ticket and when it expires", body = Envelope<WsTicket>),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The key lacks campaigns:read, or the caller is a browser session", body = ErrorBody),
    ))]
pub async fn create_ws_ticket(
    State(services): State<Services>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
) -> Result<(StatusCode, Json<Envelope<WsTicket>>), ApiError> {
    Ok(envelope::created(services.create_ws_ticket(&caller).await?))
}

/// Upgrades to a websocket that streams the campaign's `iteration_start`,
/// `evaluation_complete`, `iteration_complete`, `campaign_complete` and `error` messages.
/// Authenticate with `Authorization: Bearer <key>`, the session cookie (from this site's pages
/// only) or `?ticket=` from `POST /v1/ws-tickets`; a key in the URL (`?token=`) is refused.
#[utoipa::path(get, path = "/ws/campaigns/{id}", tag = "campaigns", security(("bearer" = [])),
    params(("id" = String, Path, description = "camp_…"),
        ("ticket" = Option<String>, Query, description = "A ticket from POST /v1/ws-tickets, for clients that cannot send headers")),
    responses((status = 101, description = "Switching to the websocket protocol"),
        (status = 401, description = "No valid key, session or ticket (an API key in the URL is refused)", body = ErrorBody),
        (status = 403, description = "A session cookie sent from another site's page", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 429, description = "This account already holds 20 sockets", body = ErrorBody)))]
pub async fn campaign_socket(
    State(services): State<Services>,
    State(settings): State<Arc<Settings>>,
    Scoped(caller, _): Scoped<scope::CampaignsRead>,
    Path(id): Path<String>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let session_token = match caller.method {
        AuthMethod::Session => {
            if !from_this_site(&headers, &settings.public_url) {
                return Err(ApiError::Refused {
                    code: ErrorCode::CsrfRejected,
                    message: "This websocket was opened from another site's page and was refused."
                        .into(),
                });
            }
            headers
                .get(header::COOKIE)
                .and_then(|v| v.to_str().ok())
                .and_then(|c| domain::auth::cookie_value(c, services.session_cookie_name()))
                .map(str::to_owned)
        }
        AuthMethod::ApiKey => None,
    };
    // 404 for an unknown campaign or another account's, before any upgrade.
    services.campaign(&caller, &id).await?;
    let slot = services
        .progress()
        .open_socket(&caller.rate_bucket())
        .ok_or(ApiError::RateLimited {
            retry_after_secs: 30,
        })?;
    let events = services.progress().subscribe(&id);
    let watch = Watch {
        services,
        caller,
        session_token,
        recheck_every: settings.ws_recheck,
    };
    Ok(upgrade
        .max_message_size(MAX_INCOMING)
        .max_frame_size(MAX_INCOMING)
        .on_upgrade(move |socket| stream(socket, events, slot, watch)))
}

/// True when a browser's websocket handshake comes from this site's own page: the browser
/// says so (`Sec-Fetch-Site: same-origin`), or its `Origin` is this site (the `Host` it asked
/// for, or the configured public address). A page on another site, a sibling subdomain
/// included, could otherwise read a signed-in user's campaigns with their cookie.
fn from_this_site(headers: &HeaderMap, public_url: &str) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        return site == "same-origin";
    }
    let Some(origin) = text(header::ORIGIN) else {
        return false;
    };
    let host = text(header::HOST);
    origin.eq_ignore_ascii_case(public_url)
        || (host.is_some() && origin.split_once("://").map(|(_, rest)| rest) == host)
}

/// Who holds an open socket, and how often to check they still may.
struct Watch {
    services: Services,
    caller: Caller,
    session_token: Option<String>,
    recheck_every: Duration,
}

async fn stream(
    mut socket: WebSocket,
    mut events: broadcast::Receiver<domain::campaigns::CampaignEvent>,
    _slot: SocketSlot,
    watch: Watch,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut recheck = tokio::time::interval(watch.recheck_every);
    recheck.tick().await;
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
            _ = recheck.tick() => {
                match watch
                    .services
                    .socket_still_authorized(&watch.caller, watch.session_token.as_deref())
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => {
                        let _ = socket
                            .send(Message::Close(Some(CloseFrame {
                                code: close_code::POLICY,
                                reason: "the key or session is no longer valid".into(),
                            })))
                            .await;
                        return;
                    }
                    // The database cannot tell right now: keep streaming, check again later.
                    Err(err) => tracing::warn!(error = %err, "websocket credential not re-checked"),
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn only_this_sites_pages_may_open_a_socket_with_the_cookie() {
        let public = "https://mattercraft.example";
        for ok in [
            headers(&[("sec-fetch-site", "same-origin")]),
            headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000"),
            ]),
            headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "https://mattercraft.example"),
            ]),
        ] {
            assert!(from_this_site(&ok, public), "{ok:?}");
        }
        for refused in [
            headers(&[]),
            headers(&[("host", "127.0.0.1:3000")]),
            headers(&[
                ("sec-fetch-site", "same-site"),
                ("origin", "https://mattercraft.example"),
            ]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[
                ("host", "mattercraft.example"),
                ("origin", "https://evil.mattercraft.example"),
            ]),
            headers(&[("host", "mattercraft.example"), ("origin", "null")]),
            headers(&[("origin", "https://evil.example")]),
        ] {
            assert!(!from_this_site(&refused, public), "{refused:?}");
        }
    }
}
