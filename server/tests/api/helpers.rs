//! `TestApp`: the real router over a fresh database, driven in-process.

pub mod browser;
pub mod mail;
pub mod parts;

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use domain::ids::{AccountId, JobId};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use server::config::Settings;
use server::state::AppState;
use services::Services;
use store::tasks::{Runner, RunnerConfig};
use store::{Db, DbOptions};
use tempfile::TempDir;
use tower::ServiceExt;

/// The worker name tests run campaign jobs under (a job shows it as its `worker_id`).
pub const TEST_WORKER: &str = "test-worker";

/// The application under test.
pub struct TestApp {
    pub router: Router,
    pub db: Db,
    pub database_url: String,
    pub services: Services,
    _data_dir: TempDir,
}

/// What `POST /v1/connect` gave back.
pub struct Connected {
    pub account_id: String,
    pub api_key_id: String,
    pub api_key: String,
}

impl Connected {
    /// The account, typed, for store queries.
    pub fn account(&self) -> AccountId {
        AccountId::parse(&self.account_id).unwrap()
    }
}

/// A response, fully read.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `path` of every error detail, in order.
    pub fn detail_paths(&self) -> Vec<String> {
        self.json()["details"]
            .as_array()
            .map(|d| {
                d.iter()
                    .map(|d| d["path"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts the API error shape and returns the body.
    pub fn assert_error(&self, status: u16, code: &str) -> serde_json::Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        let body = self.json();
        assert_eq!(body["error"], code, "body: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        assert!(body["details"].is_array(), "{body}");
        let request_id = body["request_id"].as_str().expect("request_id");
        assert!(request_id.starts_with("req_"), "{request_id}");
        assert_eq!(self.header("x-request-id"), Some(request_id));
        body
    }
}

impl TestApp {
    /// The app over a fresh database of the selected backend.
    pub async fn spawn() -> Self {
        Self::spawn_with(store::testing::fresh_database_url().await, Router::new()).await
    }

    /// The app over `database_url`, with `extra_v1` routes mounted under `/v1`.
    pub async fn spawn_with(database_url: String, extra_v1: Router<AppState>) -> Self {
        Self::spawn_configured(database_url, extra_v1, &[]).await
    }

    /// The app over a fresh database with extra environment settings.
    pub async fn spawn_with_env(env: &[(&str, &str)]) -> Self {
        let url = store::testing::fresh_database_url().await;
        Self::spawn_configured(url, Router::new(), env).await
    }

    async fn spawn_configured(
        database_url: String,
        extra_v1: Router<AppState>,
        env: &[(&str, &str)],
    ) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let data = data_dir.path().to_str().unwrap().to_owned();
        let mail_from = format!(
            "MatterCraft <noreply+{}@mattercraft.test>",
            store::ids::random_hex(8)
        );
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        // Settings given by the test win over the test defaults.
        let settings = Settings::from_lookup(|key| {
            if let Some((_, v)) = env.iter().find(|(k, _)| k == key) {
                return Some(v.clone());
            }
            match key {
                "MATTERCRAFT_DATA_DIR" => Some(data.clone()),
                "DATABASE_URL" => Some(database_url.clone()),
                "MATTERCRAFT_MAX_JSON_BYTES" => Some("1024".to_owned()),
                // Mail goes through the test command's SMTP server when it runs one (else to
                // the data folder's mailbox), from a sender of this app's own, so `mail_to`
                // finds this app's mail among every test's in the shared maildir.
                "MATTERCRAFT_SMTP_URL" => std::env::var("MC_TEST_SMTP_URL").ok(),
                "MATTERCRAFT_MAIL_FROM" => Some(mail_from.clone()),
                _ => None,
            }
        })
        .unwrap();
        let db = Db::connect(&settings.database_url, DbOptions::default())
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let public = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../public");
        let leptos_options = LeptosOptions::builder()
            .output_name("mattercraft")
            .site_root(public.to_str().unwrap())
            .build();
        let services = settings.services(db.clone()).unwrap();
        let state = AppState {
            leptos_options,
            services: services.clone(),
            settings: Arc::new(settings),
        };
        Self {
            router: server::build_router_with(state, extra_v1),
            db,
            database_url,
            services,
            _data_dir: data_dir,
        }
    }

    /// The app's data folder (`objects/` holds the uploaded parts).
    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await.unwrap().to_bytes().to_vec(),
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.request(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// `POST /v1/connect` for `email`; panics unless it succeeds.
    pub async fn connect(&self, email: &str) -> Connected {
        let res = self
            .post(
                "/v1/connect",
                "application/json",
                serde_json::json!({"email": email, "name": "Test Person"}).to_string(),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let body = res.json();
        Connected {
            account_id: body["account_id"].as_str().unwrap().to_owned(),
            api_key_id: body["api_key_id"].as_str().unwrap().to_owned(),
            api_key: body["api_key"].as_str().unwrap().to_owned(),
        }
    }

    /// A request authenticated with `key`, with an optional JSON body.
    pub async fn call(
        &self,
        key: &str,
        method: Method,
        path: &str,
        json: Option<serde_json::Value>,
    ) -> TestResponse {
        let builder = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {key}"));
        let request = match json {
            Some(body) => builder
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        };
        self.request(request.unwrap()).await
    }

    /// `GET` with `key`.
    pub async fn get_as(&self, key: &str, path: &str) -> TestResponse {
        self.call(key, Method::GET, path, None).await
    }

    /// Creates a key through the API with `key`; returns the response data.
    pub async fn create_key(&self, key: &str, body: serde_json::Value) -> serde_json::Value {
        let res = self
            .call(key, Method::POST, "/v1/api-keys", Some(body))
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["data"].clone()
    }

    pub async fn post(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<Body>,
    ) -> TestResponse {
        self.request(
            Request::post(path)
                .header("content-type", content_type)
                .body(body.into())
                .unwrap(),
        )
        .await
    }
}

impl TestApp {
    /// Runs every task that is runnable now, with the handlers `serve` registers
    /// (`services::tasks::register`), one after another until the queue has none left; returns
    /// how many ran. Tasks scheduled for later (a lab campaign's timeout wake-up) stay queued.
    pub async fn run_pending_tasks(&self) -> usize {
        let runner = services::tasks::register(
            Runner::new(&self.db, RunnerConfig::new(TEST_WORKER)),
            &self.services,
        );
        runner.run_pending().await.unwrap()
    }

    /// Rows in `table`, read straight from the database.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.database_url).await.unwrap();
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        n
    }

    /// Starts one of `key`'s campaigns; the queued job's id.
    pub async fn start_campaign(&self, key: &str, id: &str) -> String {
        let res = self
            .call(
                key,
                Method::POST,
                &format!("/v1/campaigns/{id}/start"),
                None,
            )
            .await;
        assert_eq!(res.status, 202, "{}", res.text());
        res.json()["data"]["id"].as_str().unwrap().to_owned()
    }
}

/// A job id from an API response.
pub fn typed_job_id(text: &str) -> JobId {
    JobId::parse(text).unwrap_or_else(|| panic!("{text} is not a job id"))
}

/// reuse this with their own paths.
pub async fn assert_hidden_from(
    app: &TestApp,
    other_key: &str,
    requests: &[(Method, String, Option<serde_json::Value>)],
) {
    for (method, path, body) in requests {
        let res = app
            .call(other_key, method.clone(), path, body.clone())
            .await;
        assert_eq!(
            res.status,
            404,
            "{method} {path} by another account: {}",
            res.text()
        );
        // The Make family names the resource (`file_not_found`), as the seed does.
        let code = res.json()["error"].as_str().unwrap_or_default().to_owned();
        assert!(
            code == "not_found" || (path.starts_with("/v1/files") && code == "file_not_found"),
            "{method} {path}: {code}"
        );
    }
}

/// Sets the client address of a request, as the server's socket would.
pub fn from_address(mut request: Request<Body>, ip: &str) -> Request<Body> {
    let addr = std::net::SocketAddr::new(ip.parse().unwrap(), 40000);
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    request
}

/// Makes every insert into `table` fail, as a full disk or a lost connection would.
pub async fn refuse_inserts(app: &TestApp, table: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    let statements = if app.database_url.starts_with("postgres") {
        vec![
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
                .to_owned(),
            format!(
                "CREATE TRIGGER refuse BEFORE INSERT ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION refuse()"
            ),
        ]
    } else {
        vec![format!(
            "CREATE TRIGGER refuse BEFORE INSERT ON {table} \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )]
    };
    for statement in statements {
        sqlx::query(&statement).execute(&pool).await.unwrap();
    }
}
