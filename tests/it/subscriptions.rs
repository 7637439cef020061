//! Subscriptions over a real WebSocket (graphql-transport-ws): an ingestion from any entry
//! point fires `articleIngested`, `eventAdded` and, for a second source, `eventUpdated`.

use crate::support::{Server, ServerOptions, TOKEN, TempDir};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// A single-threaded runtime for one test's WebSocket client.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Opens a graphql-transport-ws connection and completes its handshake.
pub(crate) async fn connect(
    addr: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    ws.send(Message::text(
        json!({ "type": "connection_init" }).to_string(),
    ))
    .await
    .expect("init");
    let ack = ws.next().await.expect("ack").expect("ack");
    assert!(ack.to_text().unwrap_or("").contains("connection_ack"));
    ws
}

pub(crate) async fn next_payload(
    ws: &mut (impl StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin),
) -> Value {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(30), ws.next())
            .await
            .expect("timed out waiting for a subscription message")
            .expect("socket closed")
            .expect("socket error");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).unwrap_or_default();
            if value["type"] == "next" {
                return value["payload"].clone();
            }
        }
    }
}

#[test]
fn subscriptions_fire_on_ingest() {
    let data = TempDir::new("ws");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    });
    runtime().block_on(async {
        let mut ws = connect(&server.addr).await;
        for (id, query) in [
            ("1", "subscription { articleIngested { source } }"),
            ("2", "subscription { eventAdded(filter: { kind: MEETING }) { kind title } }"),
            ("3", "subscription { eventUpdated { kind articles { source } } }"),
        ] {
            ws.send(Message::text(json!({ "id": id, "type": "subscribe", "payload": { "query": query } }).to_string()))
                .await
                .expect("subscribe");
        }
        // Give the server a moment to register the three subscriptions.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;

        let addr = server.addr.clone();
        let post = move |source: &str, text: &str| {
            let body = json!({ "query": "mutation($i: ArticleInput!) { ingestArticle(input: $i) { duplicate } }",
                               "variables": { "i": { "source": source, "text": text } } })
            .to_string();
            let auth = format!("Bearer {TOKEN}");
            crate::support::http(&addr, "POST", "/graphql", &[("content-type", "application/json"), ("authorization", auth.as_str())], &body)
                .expect("post")
        };
        let first = " date 2025-06-10 Тоқаев Мирзиёевпен кездесті\nМемлекет басшысы Қасым-Жомарт Тоқаев Ташкентте Шавкат Мирзиёевпен кездесті.";
        let second = " date 2025-06-10 Токаев встретился с Мирзиёевым\nКасым-Жомарт Токаев встретился в Ташкенте с Шавкатом Мирзиёевым.";
        tokio::task::spawn_blocking({
            let post = post.clone();
            move || post("kk.txt", first)
        })
        .await
        .expect("post");
        let mut seen = Vec::new();
        for _ in 0..2 {
            seen.push(next_payload(&mut ws).await);
        }
        assert!(seen.iter().any(|p| p["data"]["articleIngested"]["source"] == "kk.txt"), "{seen:?}");
        assert!(seen.iter().any(|p| p["data"]["eventAdded"]["kind"] == "MEETING"), "{seen:?}");
        tokio::task::spawn_blocking(move || post("ru.txt", second)).await.expect("post");
        let mut updated = None;
        for _ in 0..2 {
            let p = next_payload(&mut ws).await;
            if !p["data"]["eventUpdated"].is_null() {
                updated = Some(p);
            }
        }
        let updated = updated.expect("eventUpdated fired");
        assert_eq!(updated["data"]["eventUpdated"]["articles"].as_array().map(Vec::len), Some(2), "{updated}");
    });
}

#[test]
fn one_connection_holds_at_most_a_hundred_subscriptions() {
    let data = TempDir::new("ws-cap");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: None,
        extra: vec![],
    });
    runtime().block_on(async {
        let mut ws = connect(&server.addr).await;
        for id in 0..101 {
            ws.send(Message::text(json!({ "id": id.to_string(), "type": "subscribe", "payload": { "query": "subscription { articleIngested { source } }" } }).to_string()))
                .await
                .expect("subscribe");
        }
        // One of them (the server polls them in no set order) is refused with a coded error;
        // the others stay open.
        let refusal = loop {
            let message = tokio::time::timeout(std::time::Duration::from_secs(30), ws.next())
                .await
                .expect("a refusal for the subscription over the limit")
                .expect("socket open")
                .expect("socket ok");
            let value: Value = serde_json::from_str(message.to_text().unwrap_or("")).unwrap_or_default();
            if value["type"] == "next" && !value["payload"]["errors"].is_null() {
                break value;
            }
        };
        let text = refusal.to_string();
        assert!(text.contains("LIMIT_EXCEEDED") && text.contains("100 subscriptions"), "{text}");
    });
}

#[test]
fn a_cli_ingest_into_a_running_servers_store_appears_and_fires_event_added() {
    let data = TempDir::new("store-watch");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: None,
        extra: vec![],
    });
    let inbox = TempDir::new("store-watch-inbox");
    let file = inbox.path().join("talks.txt");
    std::fs::write(
        &file,
        " date 2025-09-02 Тоқаев Лукашенкомен келіссөздер жүргізді\nМемлекет басшысы Қасым-Жомарт Тоқаев Минскіде Александр Лукашенкомен келіссөздер жүргізді.",
    )
    .expect("write the article");
    runtime().block_on(async {
        let mut ws = connect(&server.addr).await;
        ws.send(Message::text(
            json!({ "id": "1", "type": "subscribe",
                    "payload": { "query": "subscription { eventAdded { kind articles { source } } }" } })
            .to_string(),
        ))
        .await
        .expect("subscribe");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let data_dir = data.path().to_string_lossy().to_string();
        let file = file.to_string_lossy().to_string();
        // Another process writes into the store the server is using.
        let (ok, out, err) = tokio::task::spawn_blocking(move || {
            crate::support::cli(&["ingest", "--data", &data_dir, &file])
        })
        .await
        .expect("cli");
        assert!(ok, "{out}{err}");
        let written = std::time::Instant::now();
        let payload = next_payload(&mut ws).await;
        let waited = written.elapsed();
        assert_eq!(
            payload["data"]["eventAdded"]["articles"][0]["source"], "talks.txt",
            "{payload}"
        );
        // The server looks once a second; a generous bound for a loaded CI machine.
        assert!(waited < std::time::Duration::from_secs(5), "{waited:?}");
    });
    let r = server.graphql("{ articles { totalCount nodes { source } } }", json!({}));
    assert_eq!(r["data"]["articles"]["totalCount"], 1, "{r}");
}
