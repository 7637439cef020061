//! Test support: a real `eventgraph` server process on an ephemeral port, and a minimal
//! HTTP/1.1 client (std only, so the test build adds no crates).

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "test-token";

/// The binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_eventgraph"))
}

/// The store arguments for a data folder. By default none: the SQLite store in the folder.
/// With `EVENTGRAPH_TEST_BACKEND=postgres` (`.ci/run` runs the suite a second time so), a
/// database of its own on `EVENTGRAPH_TEST_POSTGRES`, named after the folder, so that a
/// restart on the same folder finds the same log.
pub fn store_args(data: &Path) -> Vec<String> {
    if std::env::var("EVENTGRAPH_TEST_BACKEND").as_deref() != Ok("postgres") {
        return Vec::new();
    }
    let admin = std::env::var("EVENTGRAPH_TEST_POSTGRES")
        .expect("EVENTGRAPH_TEST_BACKEND=postgres needs EVENTGRAPH_TEST_POSTGRES");
    // FNV-1a of the folder: stable across the restarts of one test.
    let hash = data
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    vec![
        "--store".into(),
        postgres_database(&admin, &format!("eg_it_{hash:016x}")),
    ]
}

/// The URL of the database `name` on the server of `admin` (a URL that names a database),
/// created when missing.
pub fn postgres_database(admin: &str, name: &str) -> String {
    let mut client = postgres::Client::connect(admin, postgres::NoTls).expect("connect");
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .expect("query")
        .is_some();
    if !exists {
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
    }
    let (base, query) = admin
        .split_once('?')
        .map_or((admin, None), |(base, query)| (base, Some(query)));
    let (server, _) = base.rsplit_once('/').expect("a database in the URL");
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// A fresh temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("eventgraph-it-{}-{label}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The project's seed folder.
pub fn seeds_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds")
}

/// A running server process.
pub struct Server {
    pub child: Child,
    pub addr: String,
    /// Every line the server wrote to stderr so far.
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

pub struct ServerOptions<'a> {
    pub data: &'a Path,
    pub seeds: Option<&'a Path>,
    pub token: Option<&'a str>,
    pub extra: Vec<&'a str>,
}

impl Server {
    pub fn start(options: ServerOptions<'_>) -> Server {
        let mut cmd = Command::new(binary());
        cmd.arg("serve")
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--data")
            .arg(options.data)
            .env_remove("EVENTGRAPH_WRITE_TOKEN")
            .env_remove("EVENTGRAPH_STORE")
            .env("EVENTGRAPH_LOG", "info")
            .arg("--exit-when-stdin-closes")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        match options.seeds {
            Some(seeds) => {
                cmd.arg("--seeds").arg(seeds);
            }
            None => {
                // A folder without articles: no seeds.
                let empty = options.data.join("no-seeds");
                std::fs::create_dir_all(&empty).expect("empty seeds dir");
                cmd.arg("--seeds").arg(empty);
            }
        }
        if let Some(token) = options.token {
            cmd.arg("--write-token").arg(token);
        }
        cmd.args(&options.extra);
        if !options.extra.contains(&"--store") {
            cmd.args(store_args(options.data));
        }
        let mut child = cmd.spawn().expect("spawn eventgraph");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let lines = log.clone();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent && let Some(rest) = line.split("serving GraphQL at http://").nth(1) {
                    let addr = rest.split('/').next().unwrap_or("").to_string();
                    let _ = tx.send(addr);
                    sent = true;
                }
                if let Ok(mut lines) = lines.lock() {
                    lines.push(line);
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("server did not report its address");
        let server = Server { child, addr, log };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok((200, _)) = http(&self.addr, "GET", "/healthz", &[], "") {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server never became healthy");
    }

    /// POSTs a GraphQL request and returns the JSON response.
    pub fn graphql(&self, query: &str, variables: Value) -> Value {
        self.graphql_with(query, variables, &[])
    }

    pub fn graphql_authed(&self, query: &str, variables: Value) -> Value {
        let auth = format!("Bearer {TOKEN}");
        self.graphql_with(query, variables, &[("authorization", auth.as_str())])
    }

    pub fn graphql_with(&self, query: &str, variables: Value, headers: &[(&str, &str)]) -> Value {
        let body = serde_json::json!({ "query": query, "variables": variables }).to_string();
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        let (status, body) = http(&self.addr, "POST", "/graphql", &all, &body).expect("http");
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("status {status}, not JSON: {body}"))
    }

    /// Whether the server's log holds a line containing `text`.
    pub fn logged(&self, text: &str) -> bool {
        self.log
            .lock()
            .map(|lines| lines.iter().any(|l| l.contains(text)))
            .unwrap_or(false)
    }

    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 request; returns (status, body).
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    http_with_head(addr, method, path, headers, body).map(|(status, _, body)| (status, body))
}

/// A minimal HTTP/1.1 request; returns (status, lower-cased response head, body).
pub fn http_with_head(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    // `x-declared-length` overrides Content-Length, to test limits without sending megabytes.
    let declared = headers
        .iter()
        .find(|(n, _)| *n == "x-declared-length")
        .map_or(body.len().to_string(), |(_, v)| v.to_string());
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {declared}\r\n"
    );
    for (name, value) in headers.iter().filter(|(n, _)| *n != "x-declared-length") {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    // The server may answer (413) and close before reading a body it refuses.
    let _ = stream.write_all(body.as_bytes());
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    Ok((status, head.to_ascii_lowercase(), body))
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 {
            break;
        }
        out.push_str(&after[..n.min(after.len())]);
        rest = after.get(n + 2..).unwrap_or("");
    }
    out
}

/// Runs the CLI and returns (success, stdout, stderr).
pub fn cli(args: &[&str]) -> (bool, String, String) {
    let store = match args.iter().position(|a| *a == "--data") {
        Some(at) if !args.contains(&"--store") => args
            .get(at + 1)
            .map(|data| store_args(Path::new(data)))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let out = Command::new(binary())
        .args(args)
        .args(store)
        .env_remove("EVENTGRAPH_STORE")
        .env("EVENTGRAPH_LOG", "warn")
        .output()
        .expect("run eventgraph");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The error codes of a GraphQL response.
pub fn error_codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}
