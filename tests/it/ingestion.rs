//! Bad input is refused with a message that says why and changes nothing, over HTTP and in
//! the CLI; duplicates are reported, not errors; a directory ingest goes on past bad files.

use crate::support::{Server, ServerOptions, TOKEN, TempDir, cli, error_codes};
use serde_json::{Value, json};

const INGEST: &str =
    "mutation($input: ArticleInput!) { ingestArticle(input: $input) { duplicate article { id } } }";

fn count(server: &Server) -> i64 {
    server.graphql("{ articles { totalCount } }", json!({}))["data"]["articles"]["totalCount"]
        .as_i64()
        .unwrap_or(-1)
}

#[test]
fn bad_articles_over_http_are_refused_and_change_nothing() {
    let data = TempDir::new("bad-http");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec!["--max-article-bytes", "4096"],
    });
    let good = server.graphql_authed(INGEST, json!({ "input": { "source": "ok", "text": " date 2025-01-10 Тоқаев Астанада сөз сөйледі\nМемлекет басшысы форумда сөз сөйледі." } }));
    assert_eq!(good["data"]["ingestArticle"]["duplicate"], false, "{good}");
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "source": "empty", "text": "" }), "empty"),
        (json!({ "source": "blank", "text": "  \n\t " }), "empty"),
        (
            json!({ "source": "nul", "text": "abc\u{0000}def" }),
            "binary",
        ),
        (
            json!({ "source": "huge", "text": "а".repeat(5000) }),
            "limit",
        ),
        (
            json!({ "source": "baddate", "text": " date 2025-13-45 Title\nBody text." }),
            "malformed date line",
        ),
        (
            json!({ "source": "future", "text": " date 2099-01-01 Title\nBody text." }),
            "future",
        ),
        (
            json!({ "source": "future2", "text": "Title\nBody", "publishedOn": "2099-05-05" }),
            "future",
        ),
        (json!({ "source": "", "text": "Title\nBody" }), "source"),
    ];
    for (input, needle) in cases {
        let r = server.graphql_authed(INGEST, json!({ "input": input }));
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{input}: {r}");
        let message = r["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .to_lowercase();
        assert!(
            message.contains(needle),
            "{input}: message {message:?} should say {needle:?}"
        );
    }
    let bad_date_scalar = server.graphql_authed(
        INGEST,
        json!({ "input": { "source": "x", "text": "T\nB", "publishedOn": "2025-02-30" } }),
    );
    assert!(
        bad_date_scalar["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("YYYY-MM-DD"),
        "{bad_date_scalar}"
    );
    assert_eq!(count(&server), 1, "refused articles must change nothing");
    let again = server.graphql_authed(INGEST, json!({ "input": { "source": "other-name", "text": " date 2025-01-10 Тоқаев Астанада сөз сөйледі\nМемлекет басшысы форумда сөз сөйледі." } }));
    assert_eq!(again["data"]["ingestArticle"]["duplicate"], true, "{again}");
    assert_eq!(count(&server), 1);
}

#[test]
fn cli_ingest_reports_each_bad_file_and_goes_on() {
    let dir = TempDir::new("bad-files");
    let data = TempDir::new("bad-files-store");
    let sub = dir.path().join("nested");
    std::fs::create_dir_all(&sub).unwrap_or_default();
    std::fs::write(
        dir.path().join("a.txt"),
        " date 2025-03-01 Токаев посетил Баку\nКасым-Жомарт Токаев прибыл в Баку с визитом.",
    )
    .unwrap_or_default();
    std::fs::write(
        sub.join("b.txt"),
        "Tokayev met Putin\nPresident Tokayev met Vladimir Putin in Astana.",
    )
    .unwrap_or_default();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap_or_default();
    std::fs::write(dir.path().join("binary.txt"), [0u8, 159, 146, 150]).unwrap_or_default();
    std::fs::write(dir.path().join("latin1.txt"), [b'T', b'\n', 0xe9, b'a']).unwrap_or_default();
    std::fs::write(dir.path().join("baddate.txt"), " date 2025-13-45 X\nbody").unwrap_or_default();
    std::fs::write(
        dir.path().join("feed.jsonl"),
        "{\"source\":\"j1\",\"text\":\"Встреча в Астане\\nТокаев встретился с Мирзиёевым в Астане.\",\"publishedOn\":\"2025-04-04\"}\n{\"broken\n",
    )
    .unwrap_or_default();
    std::fs::write(dir.path().join("ignored.md"), "not an article").unwrap_or_default();
    let store = data.path().to_str().unwrap_or("");
    let (ok, out, err) = cli(&["ingest", "--data", store, dir.path().to_str().unwrap_or("")]);
    assert!(ok, "{err}");
    assert!(
        out.contains("3 accepted, 0 duplicate, 5 rejected"),
        "{out}\n{err}"
    );
    for name in [
        "empty.txt",
        "binary.txt",
        "latin1.txt",
        "baddate.txt",
        "feed.jsonl:2",
    ] {
        assert!(err.contains(name), "no report for {name}: {err}");
    }
    let (ok, out, _) = cli(&["ingest", "--data", store, dir.path().to_str().unwrap_or("")]);
    assert!(ok);
    assert!(out.contains("0 accepted, 3 duplicate, 5 rejected"), "{out}");
    let (ok, out, err) = cli(&["query", "--data", store, "{ articles { totalCount } }"]);
    assert!(ok, "{err}");
    assert!(out.contains("\"totalCount\": 3"), "{out}");
}

#[test]
fn stdin_ingest() {
    // The default limit, and the largest one the flag takes (its "one byte over" reading
    // must not overflow).
    for extra in [
        &[][..],
        &["--max-article-bytes", "18446744073709551615"][..],
    ] {
        let data = TempDir::new("stdin");
        let mut args = vec![
            "ingest",
            "--data",
            data.path().to_str().unwrap_or(""),
            "--source",
            "piped",
        ];
        args.extend_from_slice(extra);
        args.push("-");
        let mut child = std::process::Command::new(crate::support::binary())
            .args(&args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        use std::io::Write;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(
                " date 2025-02-02 Тоқаев сұхбат берді\nМемлекет басшысы газетке сұхбат берді."
                    .as_bytes(),
            );
        }
        let out = child.wait_with_output().expect("wait");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("1 accepted"),
            "{extra:?}: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
