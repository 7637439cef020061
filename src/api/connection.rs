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

/// Defines a connection and edge type for a view (`nodes` built by [`super::rows::Rows`]).
macro_rules! connection {
    ($conn:ident, $edge:ident, $view:ty, $name:literal, $edge_name:literal) => {
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
        #[derive(SimpleObject)]
        #[graphql(name = $name)]
        pub struct $conn {
            /// Items with cursors.
            pub edges: Vec<$edge>,
            /// Items.
            pub nodes: Rows<$view>,
            /// Pagination state.
            pub page_info: PageInfo,
            /// Items in the whole list.
            pub total_count: i32,
        }

        impl $conn {
            pub(crate) fn from_page(
                items: Vec<(String, $view)>,
                total: usize,
                has_next: bool,
                has_previous: bool,
            ) -> Self {
                let page_info = PageInfo {
                    has_next_page: has_next,
                    has_previous_page: has_previous,
                    start_cursor: items.first().map(|(c, _)| c.clone()),
                    end_cursor: items.last().map(|(c, _)| c.clone()),
                };
                $conn {
                    nodes: items.iter().map(|(_, v)| *v).collect(),
                    edges: items
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                    page_info,
                    total_count: total as i32,
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

pub(crate) fn offset_cursor(prefix: char, offset: usize) -> String {
    format!("{prefix}{offset}")
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
