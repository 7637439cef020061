//! The GraphiQL playground: an HTML page and its JavaScript and CSS, vendored under
//! `vendor/graphiql/` and embedded in the binary, so the playground works offline (nothing
//! is fetched from a CDN).

/// Path prefix the assets are served under.
pub const ASSET_PREFIX: &str = "/playground/";

/// The query the playground opens with.
pub const EXAMPLE_QUERY: &str = r#"# Welcome to eventgraph. Press ▶ to run.
{
  events(first: 5) {
    totalCount
    nodes { id title kind date datePrecision status
            participants { name } places { name }
            articles { source language } }
  }
}
"#;

/// An embedded file: name, content type, bytes.
pub(crate) struct Asset {
    /// File name as served.
    pub(crate) name: &'static str,
    /// HTTP content type.
    pub(crate) content_type: &'static str,
    /// The file.
    pub(crate) bytes: &'static [u8],
}

/// The content type and bytes of the asset `name` in `assets`, if it is one.
pub(crate) fn find(assets: &[Asset], name: &str) -> Option<(&'static str, &'static [u8])> {
    assets
        .iter()
        .find(|a| a.name == name)
        .map(|a| (a.content_type, a.bytes))
}

const ASSETS: [Asset; 4] = [
    Asset {
        name: "react.production.min.js",
        content_type: "application/javascript",
        bytes: include_bytes!("../vendor/graphiql/react.production.min.js"),
    },
    Asset {
        name: "react-dom.production.min.js",
        content_type: "application/javascript",
        bytes: include_bytes!("../vendor/graphiql/react-dom.production.min.js"),
    },
    Asset {
        name: "graphiql.min.js",
        content_type: "application/javascript",
        bytes: include_bytes!("../vendor/graphiql/graphiql.min.js"),
    },
    Asset {
        name: "graphiql.min.css",
        content_type: "text/css",
        bytes: include_bytes!("../vendor/graphiql/graphiql.min.css"),
    },
];

/// The content type and bytes of the asset `name`, if it is one.
pub fn asset(name: &str) -> Option<(&'static str, &'static [u8])> {
    find(&ASSETS, name)
}

/// The playground page for a GraphQL endpoint and a subscription endpoint (paths).
pub fn page(endpoint: &str, subscription_endpoint: &str) -> String {
    let json = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string());
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>eventgraph · GraphiQL</title>
    <style>body {{ margin: 0; overflow: hidden; }} #graphiql {{ height: 100vh; }}</style>
    <link rel="stylesheet" href="{prefix}graphiql.min.css">
    <script src="{prefix}react.production.min.js"></script>
    <script src="{prefix}react-dom.production.min.js"></script>
    <script src="{prefix}graphiql.min.js"></script>
  </head>
  <body>
    <div id="graphiql">Loading…</div>
    <script>
      const url = (path, ws) => {{
        const u = new URL(path, window.location.origin);
        if (ws) u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
        return u.toString();
      }};
      ReactDOM.createRoot(document.getElementById('graphiql')).render(
        React.createElement(GraphiQL, {{
          fetcher: GraphiQL.createFetcher({{
            url: url({endpoint}, false),
            subscriptionUrl: url({subscriptions}, true),
          }}),
          defaultQuery: {query},
          defaultEditorToolsVisibility: true,
        }})
      );
    </script>
  </body>
</html>
"#,
        prefix = ASSET_PREFIX,
        endpoint = json(endpoint),
        subscriptions = json(subscription_endpoint),
        query = json(EXAMPLE_QUERY),
    )
}
