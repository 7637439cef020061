//! The web app in a real browser: Debian's `chromium`, headless, driven over the DevTools
//! protocol (a WebSocket; the few commands used are sent by hand). The server runs on the
//! seeds; the test checks that the timeline draws the seed events, that clicking one shows
//! its sources, that the graph view draws Tokayev's neighbours, and that an article ingested
//! through the API appears without a reload. Screenshots of each step are written to
//! `target/browser/`.
//!
//! Needs chromium (`EVENTGRAPH_CHROMIUM`, else `chromium`, `chromium-browser` or
//! `google-chrome` on the PATH). Missing, the test fails under `CI=true` and says it did not
//! run otherwise.

use crate::support::{Server, ServerOptions, TOKEN, TempDir, seeds_dir};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn find_chromium() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("EVENTGRAPH_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A child process killed when dropped, also when a test panics half-way through a launch.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A headless chromium and a DevTools connection to its page.
struct Browser {
    _child: KillOnDrop,
    socket: Socket,
    /// The page's session, once attached.
    session: Option<String>,
    /// Uncaught exceptions and error log entries the page reported.
    page_errors: Vec<String>,
    next_id: u64,
    _profile: TempDir,
}

impl Browser {
    async fn launch(binary: &std::path::Path) -> Browser {
        let profile = TempDir::new("chromium-profile");
        let mut child = Command::new(binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--hide-scrollbars",
                "--window-size=1400,800",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromium");
        let stderr = child.stderr.take().expect("chromium stderr");
        // From here on a panic (no DevTools port, no page) still ends the browser.
        let child = KillOnDrop(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(url) = line.split("DevTools listening on ").nth(1) {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let browser_url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("chromium did not open its DevTools port");
        let (socket, _) = tokio_tungstenite::connect_async(browser_url.as_str())
            .await
            .expect("connect to chromium");
        let mut browser = Browser {
            _child: child,
            socket,
            session: None,
            page_errors: Vec::new(),
            next_id: 0,
            _profile: profile,
        };
        // A page of its own, attached in flat mode: page commands carry its session id.
        let target = browser
            .call("Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = browser
            .call(
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        browser.session = Some(
            attached["sessionId"]
                .as_str()
                .expect("session id")
                .to_string(),
        );
        browser
    }
    /// Sends a DevTools command and returns its result (events in between are skipped).
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let message = message.to_string();
        self.socket
            .send(Message::Text(message.into()))
            .await
            .expect("send to chromium");
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(60), self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("{method}: no answer from chromium"))
                .expect("chromium closed the connection")
                .expect("DevTools frame");
            let Message::Text(text) = frame else { continue };
            let value: Value = serde_json::from_str(&text).expect("DevTools JSON");
            match value["method"].as_str() {
                Some("Runtime.exceptionThrown") => self
                    .page_errors
                    .push(value["params"]["exceptionDetails"].to_string()),
                Some("Log.entryAdded") if value["params"]["entry"]["level"] == "error" => {
                    self.page_errors.push(value["params"]["entry"].to_string())
                }
                _ => {}
            }
            if value["id"] == id {
                assert!(value["error"].is_null(), "{method} failed: {value}");
                return value["result"].clone();
            }
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        assert!(
            result["exceptionDetails"].is_null(),
            "{expression} threw: {result}"
        );
        result["result"]["value"].clone()
    }

    /// Waits until `expression` is truthy; returns its value.
    async fn wait_for(&mut self, what: &str, expression: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let value = self.eval(expression).await;
            if !(value.is_null() || value == false || value == 0 || value == "") {
                return value;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url })).await;
        // The new document, then the app's first load.
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.wait_for(
            "the app to be ready",
            "document.body && document.body.dataset.state === 'ready'",
        )
        .await;
    }

    /// A real mouse click at the centre of the first element matching `selector`.
    async fn click(&mut self, selector: &str) {
        let selector_js = serde_json::to_string(selector).expect("selector");
        let rect = self
            .wait_for(
                selector,
                &format!(
                    "(() => {{ const r = document.querySelector({selector_js})?.getBoundingClientRect();
                       return r && r.width > 0 ? {{ x: r.x + r.width / 2, y: r.y + r.height / 2 }} : null; }})()"
                ),
            )
            .await;
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": rect["x"], "y": rect["y"], "button": "left", "clickCount": 1 }),
            )
            .await;
        }
    }

    async fn screenshot(&mut self, name: &str) {
        let shot = self
            .call("Page.captureScreenshot", json!({ "format": "png" }))
            .await;
        let bytes = base64_decode(shot["data"].as_str().expect("screenshot data"));
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{name}.png")), bytes).expect("write screenshot");
    }
}

/// Standard base64 (the screenshot's encoding).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = text.bytes().filter(|&c| c != b'=' && c != b'\n').collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &c)| {
            acc | u32::from(value(c)) << (18 - 6 * i)
        });
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

#[test]
fn the_web_app_shows_the_timeline_details_graph_and_live_events() {
    let Some(chromium) = find_chromium() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "chromium is required under CI=true (install Debian's `chromium` or set EVENTGRAPH_CHROMIUM)"
        );
        eprintln!("NOT RUN: chromium not found; the browser test did not run");
        return;
    };
    let data = TempDir::new("browser");
    let seeds = seeds_dir();
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: Some(&seeds),
        token: Some(TOKEN),
        extra: vec![],
    });
    let base = format!("http://{}", server.addr);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut browser = Browser::launch(&chromium).await;
        for domain in ["Page.enable", "Runtime.enable", "Log.enable"] {
            browser.call(domain, json!({})).await;
        }

        // 1. The timeline draws every dated seed event.
        let api = server.graphql("{ events(first: 100) { nodes { id date } } }", json!({}));
        let dated: Vec<String> = api["data"]["events"]["nodes"]
            .as_array()
            .expect("events")
            .iter()
            .filter(|e| e["date"].is_string())
            .map(|e| e["id"].as_str().expect("id").to_string())
            .collect();
        assert!(!dated.is_empty());
        let started = Instant::now();
        browser.open(&format!("{base}/")).await;
        let ready_ms = started.elapsed().as_millis();
        let drawn = browser
            .eval("[...document.querySelectorAll('#timeline .vis-item [data-event-id]')].map(e => e.dataset.eventId)")
            .await;
        let drawn: Vec<String> = serde_json::from_value(drawn).expect("ids");
        for id in &dated {
            assert!(drawn.contains(id), "{id} is not on the timeline: {drawn:?}");
        }
        let paint = browser
            .eval("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1")
            .await;
        eprintln!("app on the seeds: first contentful paint {paint} ms, timeline ready {ready_ms} ms");
        browser.screenshot("1-timeline").await;

        // 2. Clicking an event shows its sources.
        browser.click("#timeline .vis-item.kind-SUMMIT [data-event-id]").await;
        let sources = browser
            .wait_for(
                "the event's sources",
                "document.querySelectorAll('#details .sources li').length",
            )
            .await;
        assert!(sources.as_u64().unwrap_or(0) >= 1);
        let shown = browser.eval("document.getElementById('details').dataset.event").await;
        let detail = server.graphql(
            "query($id: ID!) { node(id: $id) { ... on Event { articles { source } } } }",
            json!({ "id": shown }),
        );
        let panel = browser.eval("document.getElementById('details').innerText").await;
        for article in detail["data"]["node"]["articles"].as_array().expect("articles") {
            let source = article["source"].as_str().expect("source");
            assert!(
                panel.as_str().unwrap_or("").contains(source),
                "{source} missing from {panel}"
            );
        }
        let url = browser.eval("location.search").await;
        assert!(
            url.as_str().unwrap_or("").contains("event="),
            "the selected event is in the URL: {url}"
        );
        browser.screenshot("2-details").await;

        // 3. The graph view draws Tokayev's neighbours (as the API lists them).
        let tokayev = "Entity:person/kassym-jomart-tokayev";
        browser
            .open(&format!("{base}/?view=graph&entity={tokayev}"))
            .await;
        let hood = server.graphql(
            "query($id: ID!) { neighborhood(id: $id, depth: 2, first: 12) { nodes { id } } }",
            json!({ "id": tokayev }),
        );
        let expected: Vec<String> = hood["data"]["neighborhood"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n["id"].as_str().expect("id").to_string())
            .collect();
        let nodes = browser
            .wait_for(
                "the graph",
                "window.eventgraph.cy && window.eventgraph.cy.nodes().map(n => n.id())",
            )
            .await;
        let nodes: Vec<String> = serde_json::from_value(nodes).expect("node ids");
        for id in &expected {
            assert!(nodes.contains(id), "{id} is not drawn: {nodes:?}");
        }
        assert!(nodes.iter().any(|n| n == "Entity:person/vladimir-putin"));
        browser.screenshot("3-graph").await;

        // The interface in Kazakh, names in Kazakh, from the URL alone.
        browser.open(&format!("{base}/?ui=kk&entity={tokayev}")).await;
        let chip = browser
            .wait_for(
                "the entity's Kazakh name",
                "document.getElementById('entity-name').textContent",
            )
            .await;
        assert_eq!(chip, "Қасым-Жомарт Тоқаев");
        assert_eq!(
            browser
                .eval("document.getElementById('tab-timeline').textContent")
                .await,
            "Хронология"
        );
        let lanes = browser
            .eval("[...document.querySelectorAll('#timeline .vis-label')].map(l => l.textContent)")
            .await;
        assert!(
            lanes.as_array().is_some_and(|l| l.iter().any(|x| x == "Сұхбат")),
            "Kazakh lane names: {lanes}"
        );

        // 4. An article ingested through the API appears live, without a reload.
        browser.open(&format!("{base}/")).await;
        browser
            .wait_for("the live subscription", "document.body.dataset.live === 'open'")
            .await;
        let marker = browser.eval("window.__same_document = true").await;
        assert_eq!(marker, true);
        let ingest = server.graphql_authed(
            "mutation($input: ArticleInput!) { ingestArticle(input: $input) { article { mainEvent { id date } } } }",
            json!({ "input": {
                "source": "browser-live.txt",
                "text": " date 2026-03-02 Tokayev holds talks with the President of Finland\nKassym-Jomart Tokayev held talks with President of Finland Alexander Stubb in Helsinki on 2 March 2026.",
            } }),
        );
        let event = ingest["data"]["ingestArticle"]["article"]["mainEvent"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("ingest failed: {ingest}"))
            .to_string();
        let selector = format!("#timeline [data-event-id={}]", json!(event));
        browser
            .wait_for(
                "the new event on the timeline",
                &format!("!!document.querySelector({})", json!(selector)),
            )
            .await;
        assert_eq!(
            browser.eval("window.__same_document === true").await,
            true,
            "the page was not reloaded"
        );
        browser.screenshot("4-live").await;

        // 5. A second report of that event (in Russian) joins it: the open details gain the
        // source without a reload (eventUpdated).
        browser
            .click(&format!("#timeline [data-event-id={}]", json!(event)))
            .await;
        browser
            .wait_for(
                "the new event's details",
                &format!(
                    "document.getElementById('details').dataset.event === {}",
                    json!(event)
                ),
            )
            .await;
        let second = server.graphql_authed(
            "mutation($input: ArticleInput!) { ingestArticle(input: $input) { article { mainEvent { id } } } }",
            json!({ "input": {
                "source": "browser-live-ru.txt",
                "text": " date 2026-03-02 Токаев провёл переговоры с президентом Финляндии\nКасым-Жомарт Токаев провёл переговоры с президентом Финляндии Александром Стуббом в Хельсинки 2 марта 2026 года.",
            } }),
        );
        assert_eq!(
            second["data"]["ingestArticle"]["article"]["mainEvent"]["id"],
            json!(event),
            "the Russian report joins the event: {second}"
        );
        browser
            .wait_for(
                "the second source in the open details",
                "document.querySelectorAll('#details .sources li').length >= 2",
            )
            .await;
        assert_eq!(browser.eval("window.__same_document === true").await, true);
        // The whole session ran without an uncaught exception or an error in the console
        // (a failed request, a missing file).
        assert!(
            browser.page_errors.is_empty(),
            "page errors: {:#?}",
            browser.page_errors
        );
    });
}

/// Page load figures of the app on a running server (`EVENTGRAPH_APP_URL`), printed, not
/// asserted: run by `benches/app_load.sh` on a large store. First contentful paint and
/// the time until the first view is complete, for the default timeline and for one
/// entity's timeline (median of 5 cold loads each).
#[test]
#[ignore = "a measurement: benches/app_load.sh runs it against a server it starts"]
fn app_load_figures() {
    let url = std::env::var("EVENTGRAPH_APP_URL").expect("EVENTGRAPH_APP_URL");
    let entity = std::env::var("EVENTGRAPH_APP_ENTITY")
        .unwrap_or_else(|_| "Entity:person/kassym-jomart-tokayev".into());
    let chromium = find_chromium().expect("chromium");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for (view, path) in [
            ("default timeline", "/".to_string()),
            ("entity timeline", format!("/?entity={entity}")),
            ("entity graph", format!("/?view=graph&entity={entity}")),
        ] {
            let (mut paints, mut readies) = (Vec::new(), Vec::new());
            for _ in 0..5 {
                let mut browser = Browser::launch(&chromium).await;
                browser.open(&format!("{url}{path}")).await;
                let paint = browser
                    .eval("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1")
                    .await
                    .as_f64()
                    .unwrap_or(-1.0);
                let ready: f64 = browser
                    .eval("document.body.dataset.readyMs")
                    .await
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(-1.0);
                paints.push(paint);
                readies.push(ready);
            }
            let median = |v: &mut Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            println!(
                "{view}: first contentful paint {:.0} ms, view complete {:.0} ms (median of 5)",
                median(&mut paints),
                median(&mut readies)
            );
        }
    });
}
