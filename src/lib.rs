//! eventgraph: news articles in Kazakh, Russian and English → an event-timeline knowledge
//! graph → GraphQL.
//!
//! Layout, in the order data flows:
//! - [`model`]: shared vocabulary (ids, kinds, dates with precision);
//! - [`ingest`]: raw bytes → validated [`ingest::Article`] (format, limits, clear errors);
//! - [`text`]: tokens, language id, kk/ru/en morphology;
//! - [`kb`]: the knowledge base loaded from `kb/`;
//! - [`extract`]: one article → its facts (pure, no I/O);
//! - [`graph`]: petgraph StableGraph + indexes, same-event merging, queries;
//! - [`store`]: the durable SQLite article log;
//! - [`service`]: the one place that runs ingest → store → graph and publishes updates;
//! - [`api`]: the async-graphql schema;
//! - [`export`]: standard file formats (TimelineJS, vis-timeline, GraphML, Cytoscape, CSV,
//!   JSON-LD) of a filtered event selection;
//! - [`server`]: the axum router and `serve(listener, state, shutdown)`;
//! - [`playground`]: the GraphiQL page and its vendored, embedded assets;
//! - [`web`]: the web app at `/` (timeline, graph view), embedded likewise;
//! - [`cli`]: the command line.
#![warn(missing_docs)]

pub mod api;
pub mod cli;
pub mod export;
pub mod extract;
mod fuzz;
pub mod graph;
pub mod ingest;
pub mod kb;
pub mod model;
pub mod playground;
pub mod server;
pub mod service;
pub mod store;
pub mod text;
pub mod web;
