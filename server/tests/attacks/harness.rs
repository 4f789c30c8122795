//! A real `server serve` process per test, a plain HTTP/1.1 client that can send whatever
//! bytes an attacker would, and the checks every attack ends with: the answer, the process
//! still alive and answering `/health`, and its peak memory under the stated bound.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

/// What an upload may add to the server's peak resident memory, as a multiple of its size
/// (issue 13: "peak memory for any ≤ 10 MiB upload stays under 20× the file").
pub const UPLOAD_FACTOR: u64 = 20;

/// What any single request may add to the peak, however small it is: room for the
/// allocator's arenas, a blocking thread's stack and SQLite's page cache. A debug server
/// answering the small attacks here rises by about 7 MiB over its start-up peak (measured
/// 2026-12, 2 cores), so 64 MiB is far above noise and far below a blow-up.
pub const HEADROOM: u64 = 64 << 20;

/// The memory one running campaign may use (the optimizer's default per-campaign budget).
pub const CAMPAIGN_BUDGET: u64 = 1 << 30;

/// The resident memory past which the watchdog kills the server: above every bound in this
/// suite, so a regression fails its test instead of pushing the machine into the kernel's
/// out-of-memory killer (an unbounded parser once took a server to 21 GiB here).
pub const MEMORY_CEILING: u64 = 2 << 30;

/// How long the server may take to start (a debug build migrating a new SQLite database).
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How long one request may take to be answered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// An HTTP answer.
pub struct Response {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// The value of header `name`, when sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy), for messages.
    pub fn text(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        match text.char_indices().nth(2_000) {
            Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], self.body.len()),
            None => text.into_owned(),
        }
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.text()))
    }
}

/// A multipart field: `(name, filename, content)`; a filename makes the field a file.
pub type Field<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// `fields` as a `multipart/form-data` body, and its content type.
pub fn multipart(fields: &[Field<'_>]) -> (Vec<u8>, String) {
    let boundary = "mc-attack-boundary-7f3a";
    let mut body = Vec::new();
    for (name, filename, content) in fields {
        let file = filename
            .map(|f| format!("; filename=\"{f}\"\r\nContent-Type: application/octet-stream"))
            .unwrap_or_default();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// A `server serve` process on a free loopback port with a new data folder (SQLite), rate
/// limiting off, and one account's admin key. Killed when dropped.
pub struct Server {
    child: Arc<Mutex<Child>>,
    pid: u32,
    watchdog: Watchdog,
    port: u16,
    /// The `admin` API key of the account the attacks use.
    pub key: String,
    /// Peak resident memory (bytes) after start-up and the first request.
    pub baseline: u64,
    dir: tempfile::TempDir,
}

impl Server {
    /// Starts the server, waits until it serves, and connects an account.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// [`Server::start`] with more environment variables.
    pub fn start_with(env: &[(&str, &str)]) -> Server {
        // The free port is found by binding and letting go, so another process may take it
        // first: the server then cannot listen, and another port is tried.
        let mut server = (0..3)
            .find_map(|_| Server::spawn(free_port(), env).ok())
            .unwrap_or_else(|| Server::spawn(free_port(), env).unwrap_or_else(|e| panic!("{e}")));
        let connected = server.post_json(
            "/v1/connect",
            None,
            &serde_json::json!({"email": "attacker@example.com", "name": "attack suite"}),
        );
        assert_eq!(connected.status, 201, "connect: {}", connected.text());
        server.key = connected.json()["api_key"]
            .as_str()
            .expect("an api_key in the connect answer")
            .to_owned();
        server.baseline = server.peak_memory();
        server
    }

    /// Starts `server serve` on `port`; an error (with its log) when it ends before serving.
    fn spawn(port: u16, env: &[(&str, &str)]) -> Result<Server, String> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let data = dir.path().join("data");
        let log = |name: &str| {
            fs::File::create(dir.path().join(name)).expect("a log file in the temporary folder")
        };
        // Only what the server reads: nothing from the test runner's environment (its
        // DATABASE_URL, a developer's MATTERCRAFT_* settings) leaks in.
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", "mattercraft")
            // No site is built for this suite: only the API is attacked.
            .env("LEPTOS_SITE_ROOT", dir.path().join("site"))
            .env("LEPTOS_SITE_PKG_DIR", "pkg")
            .env("MATTERCRAFT_DATA_DIR", &data)
            .env("MATTERCRAFT_RATE_LIMIT_PER_MINUTE", "0")
            // Warnings and errors, and the line saying it listens (see `wait_until_serving`).
            .env("RUST_LOG", "warn,server::startup=info")
            .env("RUST_BACKTRACE", "1")
            // A part's analysis gives up after this (default 60 s), so that a part over its
            // budget ends well within the test's wait.
            .env("MATTERCRAFT_ANALYSIS_TIMEOUT_SECONDS", "20")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log("stdout.log"))
            .stderr(log("stderr.log"))
            .spawn()
            .expect("the server binary starts");
        let pid = child.id();
        // Should the machine run short of memory all the same, the server goes first.
        let _ = fs::write(format!("/proc/{pid}/oom_score_adj"), "1000");
        let child = Arc::new(Mutex::new(child));
        let server = Server {
            watchdog: Watchdog::start(Arc::clone(&child), pid),
            child,
            pid,
            port,
            key: String::new(),
            baseline: 0,
            dir,
        };
        server.wait_until_serving()?;
        Ok(server)
    }

    /// Waits until this process says it listens on its port (so that a `/health` answer
    /// comes from it, not from another test's server that took the port) and `/health`
    /// answers.
    fn wait_until_serving(&self) -> Result<(), String> {
        let started = Instant::now();
        let listening = format!("serving on http://127.0.0.1:{}", self.port);
        loop {
            let exited = self
                .child
                .lock()
                .unwrap()
                .try_wait()
                .expect("the server's status");
            if let Some(status) = exited {
                return Err(format!(
                    "the server exited at start-up ({status}):\n{}",
                    self.log_tail()
                ));
            }
            if self.log_tail().contains(&listening)
                && self
                    .send("GET", "/health", &[], &[])
                    .is_ok_and(|res| res.status == 200)
            {
                return Ok(());
            }
            assert!(
                started.elapsed() < START_TIMEOUT,
                "the server did not answer /health within {START_TIMEOUT:?}:\n{}",
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last lines the server wrote to stderr and stdout (a panic, a stack overflow).
    pub fn log_tail(&self) -> String {
        let mut out = String::new();
        if let Some(killed) = self.watchdog.killed.lock().unwrap().as_deref() {
            out.push_str(&format!("--- {killed}\n"));
        }
        for name in ["stderr.log", "stdout.log"] {
            let text = fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(30)..].join("\n");
            out.push_str(&format!("--- {name} (last 30 lines)\n{tail}\n"));
        }
        out
    }

    /// Sends one request (`target` is sent as written: percent-escapes stay escapes) and
    /// reads the whole answer; an error when the connection breaks first.
    pub fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, String> {
        let mut stream =
            TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| format!("connect: {e}"))?;
        stream.set_read_timeout(Some(REQUEST_TIMEOUT)).ok();
        stream.set_write_timeout(Some(REQUEST_TIMEOUT)).ok();
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Content-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        // A server may answer (and stop reading) before the whole body is sent; the answer
        // is what counts, so a failed write is only reported when no answer follows.
        let written = stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body));
        let mut raw = Vec::new();
        let read = stream.read_to_end(&mut raw);
        if raw.is_empty() {
            return Err(format!(
                "no answer (write: {written:?}, read: {:?})",
                read.err()
            ));
        }
        parse_response(&raw)
    }

    /// [`Self::send`] that fails the test, with the server's log, when no answer comes.
    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        self.send(method, target, headers, body)
            .unwrap_or_else(|e| {
                panic!(
                    "{method} {}: {e}; server alive: {}\n{}",
                    shorten(target),
                    self.is_alive(),
                    self.log_tail()
                )
            })
    }

    /// `GET target` with the account's key.
    pub fn get(&self, target: &str) -> Response {
        let auth = format!("Bearer {}", self.key);
        self.request("GET", target, &[("Authorization", &auth)], &[])
    }

    /// `POST target` with a JSON body, as `key` (or nobody).
    pub fn post_json(&self, target: &str, key: Option<&str>, body: &Value) -> Response {
        self.post_raw_json(target, key, &serde_json::to_vec(body).unwrap())
    }

    /// `POST target` with `body` sent as JSON, as `key` (or nobody).
    pub fn post_raw_json(&self, target: &str, key: Option<&str>, body: &[u8]) -> Response {
        let auth = key.map(|k| format!("Bearer {k}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth));
        }
        self.request("POST", target, &headers, body)
    }

    /// `POST target` with a multipart body, as the account.
    pub fn post_multipart(&self, target: &str, fields: &[Field<'_>]) -> Response {
        let (body, content_type) = multipart(fields);
        let auth = format!("Bearer {}", self.key);
        self.request(
            "POST",
            target,
            &[("Authorization", &auth), ("Content-Type", &content_type)],
            &body,
        )
    }

    /// True while the process runs.
    pub fn is_alive(&self) -> bool {
        // Without reaping it: /proc shows an ended process as a zombie until it is waited for.
        fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .map(|stat| {
                // "pid (comm) S ...": a zombie (Z) or dead (X) process has ended.
                let state = stat.rsplit_once(") ").and_then(|(_, r)| r.chars().next());
                !matches!(state, Some('Z' | 'X') | None)
            })
            .unwrap_or(false)
    }

    /// The process's peak resident memory so far (`VmHWM`), in bytes.
    pub fn peak_memory(&self) -> u64 {
        memory(self.pid, "VmHWM:").expect("VmHWM in the server's /proc/<pid>/status")
    }

    /// The checks every attack ends with: the process is alive, answers `/health`, and its
    /// peak memory stayed under the start-up peak plus `allowed` bytes.
    pub fn assert_survived(&self, attack: &str, allowed: u64) {
        assert!(
            self.is_alive(),
            "{attack}: the server process died\n{}",
            self.log_tail()
        );
        let health = self.send("GET", "/health", &[], &[]);
        assert!(
            matches!(&health, Ok(r) if r.status == 200),
            "{attack}: /health did not answer 200 ({:?}); alive: {}\n{}",
            health.map(|r| r.status),
            self.is_alive(),
            self.log_tail()
        );
        let peak = self.peak_memory();
        let bound = self.baseline + allowed;
        eprintln!(
            "{attack}: peak RSS {} MiB (start-up {} MiB, bound {} MiB)",
            peak >> 20,
            self.baseline >> 20,
            bound >> 20
        );
        assert!(
            peak <= bound,
            "{attack}: peak RSS {} MiB is over the bound {} MiB (start-up peak {} MiB + {} MiB)",
            peak >> 20,
            bound >> 20,
            self.baseline >> 20,
            allowed >> 20
        );
    }

    /// What a request of `bytes` may add to the peak: 20× its size, at least [`HEADROOM`].
    pub fn allowance(bytes: usize) -> u64 {
        (bytes as u64 * UPLOAD_FACTOR).max(HEADROOM)
    }

    /// Polls `GET target` until `done` holds for its JSON, at most `limit`; the last answer.
    pub fn poll(&self, target: &str, limit: Duration, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let res = self.get(target);
            assert_eq!(res.status, 200, "GET {target}: {}", res.text());
            let body = res.json();
            if done(&body) {
                return body;
            }
            assert!(
                started.elapsed() < limit,
                "GET {target} still {} after {limit:?}; server alive: {}\n{}",
                shorten(&body.to_string()),
                self.is_alive(),
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.watchdog.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.watchdog.thread.take() {
            let _ = thread.join();
        }
        let mut child = self.child.lock().unwrap();
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A thread that kills the server once its resident memory passes [`MEMORY_CEILING`].
struct Watchdog {
    stop: Arc<AtomicBool>,
    /// What it did, when it killed the server.
    killed: Arc<Mutex<Option<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    fn start(child: Arc<Mutex<Child>>, pid: u32) -> Watchdog {
        let stop = Arc::new(AtomicBool::new(false));
        let killed = Arc::new(Mutex::new(None));
        let thread = std::thread::spawn({
            let (stop, killed) = (Arc::clone(&stop), Arc::clone(&killed));
            move || {
                while !stop.load(Ordering::Relaxed) {
                    let Some(rss) = memory(pid, "VmRSS:") else {
                        return;
                    };
                    if rss > MEMORY_CEILING {
                        let _ = child.lock().unwrap().kill();
                        *killed.lock().unwrap() = Some(format!(
                            "the watchdog killed the server at {} MiB resident (ceiling {} MiB)",
                            rss >> 20,
                            MEMORY_CEILING >> 20
                        ));
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        });
        Watchdog {
            stop,
            killed,
            thread: Some(thread),
        }
    }
}

/// A memory figure (`VmRSS:`, `VmHWM:`) of process `pid` in bytes; `None` once it has ended.
fn memory(pid: u32, field: &str) -> Option<u64> {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
}

/// Asserts that `res` is a refusal: a 4xx with the API's error shape (`error`, `message`,
/// `details`, `request_id`). The body.
pub fn assert_refused(res: &Response, attack: &str) -> Value {
    assert!(
        (400..500).contains(&res.status),
        "{attack}: expected a 4xx refusal, got {} {}",
        res.status,
        res.text()
    );
    assert!(
        res.header("content-type")
            .is_some_and(|ct| ct.starts_with("application/json")),
        "{attack}: {} without a JSON body: {:?} {}",
        res.status,
        res.header("content-type"),
        res.text()
    );
    let body = res.json();
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty())
            && body["message"].as_str().is_some_and(|m| !m.is_empty())
            && body["details"].is_array()
            && body["request_id"].is_string(),
        "{attack}: not the API's error shape: {body}"
    );
    body
}

/// The `path` of every detail of an error body.
pub fn detail_paths(body: &Value) -> Vec<String> {
    body["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["path"].as_str().map(str::to_owned))
        .collect()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn parse_response(raw: &[u8]) -> Result<Response, String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| {
            format!(
                "an answer without a complete head: {:?}",
                shorten(&String::from_utf8_lossy(raw))
            )
        })?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("a bad status line: {head}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut response = Response {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    };
    if response
        .header("transfer-encoding")
        .is_some_and(|te| te.eq_ignore_ascii_case("chunked"))
    {
        response.body = dechunk(&response.body)?;
    }
    Ok(response)
}

fn dechunk(mut raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = raw
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a chunk without its size line")?;
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|e| format!("a bad chunk size {size_text:?}: {e}"))?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if raw.len() < size {
            return Err("a chunk cut short".into());
        }
        body.extend_from_slice(&raw[..size]);
        raw = raw.get(size + 2..).unwrap_or_default();
    }
}
