//! The database goes away and comes back: the process stays up, answers 503, then recovers.
//! Uses a TCP proxy in front of PostgreSQL that the test can cut.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinSet;

use crate::helpers::TestApp;

/// Forwards connections to `upstream` while up; when cut, drops live connections and refuses
/// new ones.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<JoinSet<()>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links = Arc::new(Mutex::new(JoinSet::new()));
        let (up2, links2) = (up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                links2.lock().await.spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Self { port, up, links }
    }

    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.links.lock().await.abort_all();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Splits `postgres://user@host:port/db` into (`host:port`, URL with `{}` for the authority).
fn split_authority(url: &str) -> (String, String) {
    let at = url.find('@').expect("user@ in the test PostgreSQL URL") + 1;
    let slash = at + url[at..].find('/').expect("/database in the URL");
    (
        url[at..slash].to_owned(),
        format!("{}{{}}{}", &url[..at], &url[slash..]),
    )
}

#[tokio::test]
async fn a_database_outage_gives_503_and_the_app_recovers_when_it_returns() {
    let url = store::testing::fresh_postgres_url().await;
    let (authority, template) = split_authority(&url);
    let proxy = Proxy::start(authority).await;
    let proxied = template.replace("{}", &format!("127.0.0.1:{}", proxy.port));
    let app = TestApp::spawn_with(proxied, Router::new()).await;
    assert_eq!(app.get("/ready").await.status, 200);
    assert_eq!(app.get("/v1/status").await.status, 200);

    proxy.cut().await;
    let ready = app.get("/ready").await;
    ready.assert_error(503, "upstream_temporarily_unavailable");
    assert!(ready.header("retry-after").is_some());
    let status = app.get("/v1/status").await;
    status.assert_error(503, "upstream_temporarily_unavailable");
    assert_eq!(
        app.get("/health").await.status,
        200,
        "liveness does not need the database"
    );
    let page = app.get("/").await;
    assert!(
        page.text().contains("temporarily unavailable"),
        "the home page says so"
    );

    proxy.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/ready").await.status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "/ready recovers once the database is back");
    assert_eq!(app.get("/v1/status").await.status, 200);
}

#[test]
fn authority_is_split_out_of_the_url() {
    let (a, t) = split_authority("postgres://postgres@127.0.0.1:5432/mc_t_1");
    assert_eq!(a, "127.0.0.1:5432");
    assert_eq!(t, "postgres://postgres@{}/mc_t_1");
}
