//! Lists of nodes resolved in one pass when the selection is plain.
//!
//! async-graphql resolves every object of a list through its general machinery: a future
//! per field, joined, plus a read of the graph per field. For the lists front ends page
//! through (`events(first: 20) { nodes { id title date kind } }`) that machinery is most
//! of a request's cost. [`Rows`] looks at the selection once: when every selected field
//! is *plain* (a field without arguments, directives or sub-selection that the view can
//! read straight from a graph record, or an object field the view declares plain whose own
//! selection is plain: `related { weight entity { id name } }`), it loads the graph snapshot
//! once and builds the whole list's values directly. Any other selection (fragments,
//! directives, arguments, other nested objects) goes through async-graphql's own list
//! resolution, unchanged.
//!
//! A view's plain fields are computed by the same helpers its `#[Object]` resolvers call,
//! so both paths give the same values; an integration test compares them.

use super::scope::graph;
use crate::graph::Graph;
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection};
use async_graphql::{
    ContainerType, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value, registry,
};
use std::borrow::Cow;

/// A node view that can read its plain fields from the graph.
pub(crate) trait PlainFields: OutputType + ContainerType + Sync {
    /// The GraphQL type name, for `__typename`.
    const TYPE_NAME: &'static str;

    /// The value of the plain field `name`, or `None` when `name` is not a plain field.
    fn plain_field(&self, graph: &Graph, name: &str) -> Option<Value>;

    /// The value of `name` when it is an object field without arguments whose own view is
    /// plain (`RelatedEntity.entity { id name }`), built from `fields`; `None` when it is not
    /// such a field or a selected subfield is not plain.
    fn plain_object(&self, _graph: &Graph, _name: &str, _fields: &[Selected<'_>]) -> Option<Value> {
        None
    }
}

/// A list of views, exposed in the schema exactly as `[T!]!`.
pub struct Rows<T>(pub Vec<T>);

impl<T> FromIterator<T> for Rows<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Rows(iter.into_iter().collect())
    }
}

/// One selected field: its response key, its name, and its own selection when it is an
/// object field (empty for a leaf).
pub(crate) struct Selected<'a> {
    key: &'a Name,
    name: &'a str,
    fields: Vec<Selected<'a>>,
}

/// The fields of a selection made only of fields without arguments or directives (object
/// fields with such selections of their own included), or `None`. Whether each is a plain
/// field of its view is known when the first row is built.
fn simple_selection<'a>(items: &'a [Positioned<Selection>]) -> Option<Vec<Selected<'a>>> {
    let mut fields = Vec::with_capacity(items.len());
    for item in items {
        let Selection::Field(field) = &item.node else {
            return None;
        };
        let Field {
            name,
            arguments,
            directives,
            selection_set,
            ..
        } = &field.node;
        if !arguments.is_empty() || !directives.is_empty() {
            return None;
        }
        fields.push(Selected {
            key: &field.node.response_key().node,
            name: name.node.as_str(),
            fields: simple_selection(&selection_set.node.items)?,
        });
    }
    Some(fields)
}

/// One view's object of the selected `fields`, or `None` as soon as one is not plain.
pub(crate) fn plain_object<T: PlainFields>(
    view: &T,
    graph: &Graph,
    fields: &[Selected<'_>],
) -> Option<Value> {
    let mut object = IndexMap::with_capacity(fields.len());
    for field in fields {
        let value = match (field.name, field.fields.is_empty()) {
            ("__typename", true) => Value::String(T::TYPE_NAME.to_string()),
            (name, true) => view.plain_field(graph, name)?,
            (name, false) => view.plain_object(graph, name, &field.fields)?,
        };
        object.insert(field.key.clone(), value);
    }
    Some(Value::Object(object))
}

/// Every row's values, or `None` as soon as a selected field is not a plain field.
fn plain_rows<T: PlainFields>(
    views: &[T],
    graph: &Graph,
    fields: &[Selected<'_>],
) -> Option<Vec<Value>> {
    views
        .iter()
        .map(|view| plain_object(view, graph, fields))
        .collect()
}

impl<T: PlainFields> OutputType for Rows<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut registry::Registry) -> String {
        <Vec<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let fast = simple_selection(&ctx.item.node.items)
            .and_then(|fields| plain_rows(&self.0, &graph(ctx), &fields));
        match fast {
            Some(values) => Ok(Value::List(values)),
            None => async_graphql::resolver_utils::resolve_list(ctx, field, &self.0, None).await,
        }
    }
}
