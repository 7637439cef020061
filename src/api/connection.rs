//! Relay connections: page info, the connection and edge types a view gets from
//! [`connection!`], and the cursor checks every list shares.

use super::{codes, error};
use async_graphql::{Result, SimpleObject};
use chrono::NaiveDate;

/// Pagination state of a connection.
#[derive(SimpleObject, Default)]
pub struct PageInfo {
    /// More items after this page.
    pub has_next_page: bool,
    /// Items before this page.
    pub has_previous_page: bool,
    /// Cursor of the first item.
    pub start_cursor: Option<String>,
    /// Cursor of the last item; pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// The cursor of an item at an offset in a list (`<prefix><offset>`), written only when a
/// client asks for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OffsetCursor {
    prefix: char,
    offset: usize,
}

impl OffsetCursor {
    pub(crate) fn new(prefix: char, offset: usize) -> Self {
        OffsetCursor { prefix, offset }
    }
}

impl std::fmt::Display for OffsetCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.prefix, self.offset)
    }
}

/// Defines a connection and edge type for a view over items with cursors of type `$cursor`
/// (`nodes` built by [`super::rows::Rows`]). Cursors are kept as positions and written out
/// only for the `edges` and `pageInfo` a client selects.
macro_rules! connection {
    ($conn:ident, $edge:ident, $view:ty, $cursor:ty, $name:literal, $edge_name:literal) => {
        /// An edge of a connection.
        #[derive(SimpleObject)]
        #[graphql(name = $edge_name)]
        pub struct $edge {
            /// Opaque, stable cursor.
            pub cursor: String,
            /// The item.
            pub node: $view,
        }

        /// A page of a list, Relay style.
        pub struct $conn {
            pub(crate) cursors: Vec<$cursor>,
            pub(crate) nodes: Rows<$view>,
            has_next: bool,
            has_previous: bool,
            pub(crate) total: usize,
        }

        /// A page of a list, Relay style.
        #[async_graphql::Object(name = $name)]
        impl $conn {
            /// Items with cursors.
            async fn edges(&self) -> Vec<$edge> {
                self.cursors
                    .iter()
                    .zip(&self.nodes.0)
                    .map(|(cursor, node)| $edge {
                        cursor: cursor.to_string(),
                        node: *node,
                    })
                    .collect()
            }
            /// Items.
            async fn nodes(&self) -> &Rows<$view> {
                &self.nodes
            }
            /// Pagination state.
            async fn page_info(&self) -> PageInfo {
                self.info()
            }
            /// Items in the whole list.
            async fn total_count(&self) -> i32 {
                self.total as i32
            }
        }

        impl $conn {
            /// The page's pagination state (`pageInfo`).
            pub(crate) fn info(&self) -> PageInfo {
                PageInfo {
                    has_next_page: self.has_next,
                    has_previous_page: self.has_previous,
                    start_cursor: self.cursors.first().map(ToString::to_string),
                    end_cursor: self.cursors.last().map(ToString::to_string),
                }
            }

            pub(crate) fn from_page(
                items: Vec<($cursor, $view)>,
                total: usize,
                has_next: bool,
                has_previous: bool,
            ) -> Self {
                let (cursors, nodes) = items.into_iter().unzip();
                $conn {
                    cursors,
                    nodes: Rows(nodes),
                    has_next,
                    has_previous,
                    total,
                }
            }
        }
    };
}

/// Refuses a date range whose start lies after its end.
pub(crate) fn check_date_range(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Result<()> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(error(
            codes::BAD_USER_INPUT,
            format!("from ({from}) is after to ({to}): give from <= to"),
        )),
        _ => Ok(()),
    }
}

/// Refuses an event cursor that no event list ever produced.
pub(crate) fn check_event_cursor(after: Option<&str>) -> Result<()> {
    match after {
        Some(c) if !crate::graph::is_event_cursor(c) => Err(error(
            codes::BAD_USER_INPUT,
            format!(
                "cursor {c:?} does not belong to an event list; pass an endCursor or cursor from one"
            ),
        )),
        _ => Ok(()),
    }
}

pub(crate) fn parse_offset(prefix: char, after: Option<&str>) -> Result<usize> {
    match after {
        None => Ok(0),
        Some(c) => c
            .strip_prefix(prefix)
            .and_then(|n| n.parse::<usize>().ok())
            .map(|n| n + 1)
            .ok_or_else(|| {
                error(
                    codes::BAD_USER_INPUT,
                    format!("cursor {c:?} does not belong to this list"),
                )
            }),
    }
}

pub(crate) use connection;
