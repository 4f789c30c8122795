//! The campaign websocket's credentials (review L4, M6): a short-lived ticket instead of an API
//! key in the URL, cookie upgrades only from this site's pages, sockets that close once their
//! key is revoked or their session ends, and no large client messages.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::Method;
use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::TestApp;
use crate::redirects::{demo_account, form_post, session_cookie};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

const SECRET: &str = "a websocket test secret, at least 32 characters";

/// Re-check sockets every second; a known secret to forge tickets with.
async fn spawn() -> TestApp {
    TestApp::spawn_with_env(&[
        ("MATTERCRAFT_WS_RECHECK_SECONDS", "1"),
        ("MATTERCRAFT_SECRET", SECRET),
    ])
    .await
}

/// Serves the app on a real port (websockets need one).
async fn serve(app: &TestApp) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

async fn campaign(app: &TestApp, key: &str) -> String {
    let res = app
        .call(
            key,
            Method::POST,
            "/v1/campaigns",
            Some(json!({"template_id": "battery/nmc-cathode", "name": "watched"})),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["data"]["id"].as_str().unwrap().to_owned()
}

/// `POST /v1/ws-tickets` with `key`: the ticket.
async fn ticket(app: &TestApp, key: &str) -> String {
    let res = app.call(key, Method::POST, "/v1/ws-tickets", None).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let body = res.json();
    assert!(body["meta"].is_object(), "Discover envelope: {body}");
    body["data"]["ticket"].as_str().unwrap().to_owned()
}

async fn open(url: &str, headers: &[(&str, &str)]) -> Result<Socket, u16> {
    let mut req = url.into_client_request().unwrap();
    for (name, value) in headers {
        req.headers_mut().insert(
            tungstenite::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("unexpected error {other}"),
    }
}

/// Waits for the server to close `socket`; the close code it gave, if any.
async fn closed_by_server(socket: &mut Socket, within: Duration) -> Option<u16> {
    let read = async {
        while let Some(frame) = socket.next().await {
            match frame {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    };
    tokio::time::timeout(within, read)
        .await
        .expect("the server closes the socket in time")
}

#[tokio::test]
async fn a_ticket_opens_the_socket_and_an_api_key_in_the_url_is_refused() {
    let app = spawn().await;
    let key = app.connect("tickets@example.com").await.api_key;
    let id = campaign(&app, &key).await;
    let addr = serve(&app).await;
    let url = |query: &str| format!("ws://{addr}/v1/ws/campaigns/{id}?{query}");

    let res = app.call(&key, Method::POST, "/v1/ws-tickets", None).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let data = &res.json()["data"];
    let expires_at = chrono::DateTime::parse_from_rfc3339(data["expires_at"].as_str().unwrap())
        .unwrap()
        .timestamp_millis();
    let lifetime = expires_at - services::now_ms();
    assert!((55_000..=60_000).contains(&lifetime), "{lifetime} ms");
    let ticket = data["ticket"].as_str().unwrap();
    assert!(!ticket.contains(&key), "the key is not in the ticket");

    let mut socket = open(&url(&format!("ticket={ticket}")), &[])
        .await
        .expect("a ticket opens the socket");
    socket.close(None).await.unwrap();
    assert_eq!(
        open(&url(&format!("token={key}")), &[]).await.err(),
        Some(401),
        "a key in the URL is refused"
    );
    assert_eq!(
        open(&url(&format!("ticket={ticket}&token={key}")), &[])
            .await
            .err(),
        Some(401)
    );
    assert!(
        open(&url(""), &[("authorization", &format!("Bearer {key}"))])
            .await
            .is_ok(),
        "a key in the Authorization header still works"
    );
}

#[tokio::test]
async fn an_expired_tampered_or_foreign_ticket_is_refused() {
    let app = spawn().await;
    let connected = app.connect("forged@example.com").await;
    let id = campaign(&app, &connected.api_key).await;
    let addr = serve(&app).await;
    let url = |ticket: &str| format!("ws://{addr}/v1/ws/campaigns/{id}?ticket={ticket}");
    let account = connected.account();
    let key_id = domain::ids::ApiKeyId::parse(&connected.api_key_id).unwrap();
    let signer = services::ws_tickets::TicketKey::derive(SECRET.as_bytes());

    let expired = signer.issue(&account, &key_id, services::now_ms() - 1);
    assert_eq!(open(&url(&expired), &[]).await.err(), Some(401));
    let forged = services::ws_tickets::TicketKey::derive(
        b"another secret, also 32 characters long",
    )
    .issue(&account, &key_id, services::now_ms() + 60_000);
    assert_eq!(open(&url(&forged), &[]).await.err(), Some(401));
    let genuine = ticket(&app, &connected.api_key).await;
    let stretched = {
        let mut parts: Vec<&str> = genuine.split('.').collect();
        let later = (parts[3].parse::<i64>().unwrap() + 3_600_000).to_string();
        parts[3] = &later;
        parts.join(".")
    };
    assert_eq!(open(&url(&stretched), &[]).await.err(), Some(401));
    assert_eq!(open(&url("wst1.nope"), &[]).await.err(), Some(401));
    assert!(open(&url(&genuine), &[]).await.is_ok());

    // Another account's ticket opens nothing of this account's.
    let other = app.connect("other-watcher@example.com").await.api_key;
    let theirs = ticket(&app, &other).await;
    assert_eq!(open(&url(&theirs), &[]).await.err(), Some(404));

    // A ticket is no better than its key.
    let res = app
        .call(
            &connected.api_key,
            Method::DELETE,
            &format!("/v1/api-keys/{}", connected.api_key_id),
            None,
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert_eq!(open(&url(&genuine), &[]).await.err(), Some(401));
}

#[tokio::test]
async fn only_keys_with_campaigns_read_get_tickets_and_sessions_use_their_cookie() {
    let app = spawn().await;
    let (email, password, admin) = demo_account(&app).await;
    let files_only = app
        .create_key(
            &admin,
            json!({"name": "printer", "scopes": ["files:write"]}),
        )
        .await;
    let res = app
        .call(
            files_only["api_key"].as_str().unwrap(),
            Method::POST,
            "/v1/ws-tickets",
            None,
        )
        .await;
    res.assert_error(403, "forbidden");
    let signed_in = form_post(
        &app,
        "sign_in",
        &[("email", &email), ("password", &password), ("next", "/")],
        true,
        None,
    )
    .await;
    let cookie = session_cookie(&signed_in);
    let res = app
        .request(
            axum::http::Request::post("/v1/ws-tickets")
                .header("cookie", &cookie)
                .header("sec-fetch-site", "same-origin")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    res.assert_error(403, "forbidden");
}

#[tokio::test]
async fn a_cookie_upgrade_from_another_sites_page_is_refused() {
    let app = spawn().await;
    let (email, password, admin) = demo_account(&app).await;
    let id = campaign(&app, &admin).await;
    let signed_in = form_post(
        &app,
        "sign_in",
        &[("email", &email), ("password", &password), ("next", "/")],
        true,
        None,
    )
    .await;
    let cookie = session_cookie(&signed_in);
    let addr = serve(&app).await;
    let url = format!("ws://{addr}/v1/ws/campaigns/{id}");
    let own_origin = format!("http://{addr}");
    for refused in [
        vec![
            ("cookie", cookie.as_str()),
            ("origin", "https://evil.example"),
        ],
        vec![
            ("cookie", cookie.as_str()),
            ("origin", "http://evil.127.0.0.1.nip.io"),
        ],
        vec![("cookie", cookie.as_str()), ("sec-fetch-site", "same-site")],
        vec![("cookie", cookie.as_str()), ("origin", "null")],
        vec![("cookie", cookie.as_str())],
    ] {
        assert_eq!(open(&url, &refused).await.err(), Some(403), "{refused:?}");
    }
    for allowed in [
        vec![("cookie", cookie.as_str()), ("origin", own_origin.as_str())],
        vec![
            ("cookie", cookie.as_str()),
            ("sec-fetch-site", "same-origin"),
        ],
    ] {
        assert!(open(&url, &allowed).await.is_ok(), "{allowed:?}");
    }
}

#[tokio::test]
async fn revoking_a_key_closes_the_sockets_opened_with_it() {
    let app = spawn().await;
    let (_, _, admin) = demo_account(&app).await;
    let id = campaign(&app, &admin).await;
    let watcher = app
        .create_key(
            &admin,
            json!({"name": "watcher", "scopes": ["campaigns:read"]}),
        )
        .await;
    let watcher_key = watcher["api_key"].as_str().unwrap();
    let addr = serve(&app).await;
    let ticket = ticket(&app, watcher_key).await;
    let mut by_ticket = open(
        &format!("ws://{addr}/v1/ws/campaigns/{id}?ticket={ticket}"),
        &[],
    )
    .await
    .unwrap();
    let mut by_header = open(
        &format!("ws://{addr}/v1/ws/campaigns/{id}"),
        &[("authorization", &format!("Bearer {watcher_key}"))],
    )
    .await
    .unwrap();
    let res = app
        .call(
            &admin,
            Method::DELETE,
            &format!("/v1/api-keys/{}", watcher["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.text());
    for socket in [&mut by_ticket, &mut by_header] {
        assert_eq!(
            closed_by_server(socket, Duration::from_secs(10)).await,
            Some(1008),
            "closed as a policy violation"
        );
    }
}

#[tokio::test]
async fn signing_out_closes_the_browsers_socket() {
    let app = spawn().await;
    let (email, password, admin) = demo_account(&app).await;
    let id = campaign(&app, &admin).await;
    let signed_in = form_post(
        &app,
        "sign_in",
        &[("email", &email), ("password", &password), ("next", "/")],
        true,
        None,
    )
    .await;
    let cookie = session_cookie(&signed_in);
    let addr = serve(&app).await;
    let own_origin = format!("http://{addr}");
    let mut socket = open(
        &format!("ws://{addr}/v1/ws/campaigns/{id}"),
        &[("cookie", &cookie), ("origin", &own_origin)],
    )
    .await
    .unwrap();
    let out = form_post(&app, "sign_out", &[], true, Some(&cookie)).await;
    assert_eq!(out.status, 302, "{}", out.text());
    assert_eq!(
        closed_by_server(&mut socket, Duration::from_secs(10)).await,
        Some(1008)
    );
}

#[tokio::test]
async fn a_client_message_over_4_kib_ends_the_socket() {
    let app = spawn().await;
    let key = app.connect("chatty@example.com").await.api_key;
    let id = campaign(&app, &key).await;
    let addr = serve(&app).await;
    let mut socket = open(
        &format!("ws://{addr}/v1/ws/campaigns/{id}"),
        &[("authorization", &format!("Bearer {key}"))],
    )
    .await
    .unwrap();
    socket
        .send(Message::Text("small".into()))
        .await
        .expect("small messages are read and ignored");
    let _ = socket
        .send(Message::Text("x".repeat(8 * 1024).into()))
        .await;
    let code = closed_by_server(&mut socket, Duration::from_secs(5)).await;
    assert!(
        code.is_none_or(|code| code == 1009),
        "closed for its size (or dropped): {code:?}"
    );
}
