//! All integration tests, compiled into one binary. Each test starts the real `eventgraph`
//! binary on an ephemeral port (or runs its CLI) and speaks real HTTP / WebSocket.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Tests may panic: that is how they fail.

mod api;
mod browser;
mod durability;
mod export;
mod hostile;
mod ingestion;
mod replicas;
mod schema_file;
mod seeds;
mod subscriptions;
mod support;
