//! Plain read queries answered without async-graphql's executor.
//!
//! Front ends send the same few shapes over and over: an entity's page of events with a few
//! plain fields. The executor resolves each field through its general machinery (a future
//! per field, a tree of values, then serialisation), which is most of such a request's cost.
//! Once a request has passed full validation (see [`super::Api`]), [`respond`] walks its
//! document and writes the response JSON straight from one graph snapshot, when every
//! field is one it knows:
//!
//! - `__typename` anywhere;
//! - `node(id:)`, with the fields and inline fragments of the node's type;
//! - a view's plain fields, read by the same functions as its resolvers ([`PlainFields`]);
//! - `Entity.events(…)`, through the resolver's own [`EntityEventsArgs::page`], with
//!   `totalCount`, `nodes`, `edges` and `pageInfo`;
//! - `Entity.related(…)` ([`related_rows`], as its resolver), with `weight` and `entity`.
//!
//! Anything else returns `None` and the executor answers as before: another field, a
//! directive, a fragment spread, a response key written twice, an argument the resolver
//! refuses, an id that names nothing. Reads have no effects, so trying first costs only the
//! walk. A test compares both paths' responses on every shape.

use super::rows::PlainFields;
use super::types::{
    ArticleView, Date, DatePrecision, EntityEventsArgs, EntityKind, EntityView, EventConnection,
    EventKind, EventStatus, EventView, Order, RelatedEntity, related_rows, resolve_id,
};
use crate::graph::{Graph, NodeRef};
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::{InputType, Name, Positioned, Value, Variables};

/// The response body (`{"data":{…}}`) of the document's operation, or `None` when a field
/// is not one this path answers.
pub(crate) fn respond(
    graph: &Graph,
    document: &ExecutableDocument,
    operation: Option<&str>,
    variables: &Variables,
) -> Option<Vec<u8>> {
    let mut operations = document.operations.iter();
    let (_, op) = match operation {
        Some(wanted) => operations.find(|(name, _)| name.is_some_and(|n| n.as_str() == wanted))?,
        None => {
            let only = operations.next()?;
            if operations.next().is_some() {
                return None;
            }
            only
        }
    };
    if op.node.ty != OperationType::Query || !op.node.directives.is_empty() {
        return None;
    }
    let mut writer = Writer {
        graph,
        variables,
        out: Vec::with_capacity(2048),
    };
    writer.out.extend_from_slice(b"{\"data\":");
    writer.object(
        &op.node.selection_set,
        "Query",
        false,
        |w, field| match field.name.node.as_str() {
            "node" => {
                let id: String = w.argument(field, "id")?;
                let node = resolve_id(w.graph, &id)?;
                w.node(node, &field.selection_set)
            }
            _ => None,
        },
    )?;
    writer.out.push(b'}');
    Some(writer.out)
}

/// The response being written, and what it is written from.
struct Writer<'a> {
    graph: &'a Graph,
    variables: &'a Variables,
    out: Vec<u8>,
}

impl Writer<'_> {
    /// Writes an object of type `type_name` with the fields of `set`: `__typename` here,
    /// every other field through `field` (which writes its value). Inline fragments on the
    /// type (or on `Node`, when `is_node`) are merged in; `None` on anything else.
    fn object(
        &mut self,
        set: &Positioned<SelectionSet>,
        type_name: &str,
        is_node: bool,
        mut field: impl FnMut(&mut Self, &Field) -> Option<()>,
    ) -> Option<()> {
        let mut keys: Vec<&Name> = Vec::new();
        self.out.push(b'{');
        self.fields(set, type_name, is_node, &mut keys, &mut field)?;
        self.out.push(b'}');
        // No field applies (fragments on other types only): async-graphql answers `null`
        // there, not `{}`; leave such a request to it.
        (!keys.is_empty()).then_some(())
    }

    fn fields<'s>(
        &mut self,
        set: &'s Positioned<SelectionSet>,
        type_name: &str,
        is_node: bool,
        keys: &mut Vec<&'s Name>,
        field: &mut impl FnMut(&mut Self, &Field) -> Option<()>,
    ) -> Option<()> {
        for item in &set.node.items {
            match &item.node {
                Selection::Field(f) => {
                    let f = &f.node;
                    let key = &f.response_key().node;
                    // A key written twice would need GraphQL's field merging.
                    if !f.directives.is_empty() || keys.contains(&key) {
                        return None;
                    }
                    keys.push(key);
                    if keys.len() > 1 {
                        self.out.push(b',');
                    }
                    self.string(key.as_str())?;
                    self.out.push(b':');
                    if f.name.node == "__typename" {
                        self.string(type_name)?;
                    } else {
                        field(self, f)?;
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    if !fragment.directives.is_empty() {
                        return None;
                    }
                    let applies = fragment.type_condition.as_ref().is_none_or(|c| {
                        let on = c.node.on.node.as_str();
                        on == type_name || (is_node && on == "Node")
                    });
                    if applies {
                        self.fields(&fragment.selection_set, type_name, is_node, keys, field)?;
                    }
                }
                Selection::FragmentSpread(_) => return None,
            }
        }
        Some(())
    }

    /// A node of the graph with the selection `set`.
    fn node(&mut self, node: NodeRef, set: &Positioned<SelectionSet>) -> Option<()> {
        match node {
            NodeRef::Entity(e) => {
                let view = EntityView(e);
                self.object(set, EntityView::TYPE_NAME, true, |w, field| {
                    match field.name.node.as_str() {
                        "events" => w.entity_events(view, field),
                        "related" => w.related(view, field),
                        _ => w.plain(&view, field),
                    }
                })
            }
            NodeRef::Event(e) => self.view(&EventView(e), set),
            NodeRef::Article(a) => self.view(&ArticleView(a), set),
        }
    }

    /// A view with only plain fields selected.
    fn view<T: PlainFields>(&mut self, view: &T, set: &Positioned<SelectionSet>) -> Option<()> {
        self.object(set, T::TYPE_NAME, true, |w, field| w.plain(view, field))
    }

    /// A plain field of a view: no arguments, no selection.
    fn plain<T: PlainFields>(&mut self, view: &T, field: &Field) -> Option<()> {
        if !field.arguments.is_empty() || !field.selection_set.node.items.is_empty() {
            return None;
        }
        let value = view.plain_field(self.graph, field.name.node.as_str())?;
        self.value(&value)
    }

    /// `Entity.related(…)`: the resolver's rows, written out.
    fn related(&mut self, view: EntityView, field: &Field) -> Option<()> {
        let (mut kind, mut first) = (None, None);
        for (name, _) in &field.arguments {
            match name.node.as_str() {
                "kind" => kind = self.argument::<Option<EntityKind>>(field, "kind")?,
                "first" => first = self.argument::<Option<i32>>(field, "first")?,
                _ => return None,
            }
        }
        let rows = related_rows(self.graph, view.0, kind, first).ok()?;
        self.list(&rows.0, |w, row: &RelatedEntity| {
            w.object(
                &field.selection_set,
                RelatedEntity::TYPE_NAME,
                false,
                |w, f| match f.name.node.as_str() {
                    "entity" => w.view(&row.entity, &f.selection_set),
                    _ => w.plain(row, f),
                },
            )
        })
    }

    /// `Entity.events(…)`: the resolver's page, written out.
    fn entity_events(&mut self, view: EntityView, field: &Field) -> Option<()> {
        let mut args = EntityEventsArgs::default();
        for (name, _) in &field.arguments {
            match name.node.as_str() {
                "from" => args.from = self.argument::<Option<Date>>(field, "from")?,
                "to" => args.to = self.argument::<Option<Date>>(field, "to")?,
                "kind" => args.kind = self.argument::<Option<EventKind>>(field, "kind")?,
                "kinds" => args.kinds = self.argument::<Option<Vec<EventKind>>>(field, "kinds")?,
                "status" => args.status = self.argument::<Option<EventStatus>>(field, "status")?,
                "dated" => args.dated = self.argument::<Option<bool>>(field, "dated")?,
                "minPrecision" => {
                    args.min_precision =
                        self.argument::<Option<DatePrecision>>(field, "minPrecision")?;
                }
                "order" => args.order = self.argument::<Option<Order>>(field, "order")?,
                "first" => args.first = self.argument::<Option<i32>>(field, "first")?,
                "after" => args.after = self.argument::<Option<String>>(field, "after")?,
                _ => return None,
            }
        }
        let connection = args.page(self.graph, view.0).ok()?;
        self.event_connection(&connection, &field.selection_set)
    }

    fn event_connection(
        &mut self,
        connection: &EventConnection,
        set: &Positioned<SelectionSet>,
    ) -> Option<()> {
        self.object(set, "EventConnection", false, |w, field| {
            if !field.arguments.is_empty() {
                return None;
            }
            let nodes = &connection.nodes.0;
            match field.name.node.as_str() {
                "totalCount" => w.value(&Value::from(connection.total as i32)),
                "nodes" => w.list(nodes, |w, node| w.view(node, &field.selection_set)),
                "edges" => w.list(connection.cursors.iter().zip(nodes), |w, (cursor, node)| {
                    w.object(
                        &field.selection_set,
                        "EventEdge",
                        false,
                        |w, edge| match edge.name.node.as_str() {
                            "cursor" => w.string(&cursor.to_string()),
                            "node" => w.view(node, &edge.selection_set),
                            _ => None,
                        },
                    )
                }),
                "pageInfo" => {
                    let info = connection.info();
                    w.object(&field.selection_set, "PageInfo", false, |w, f| {
                        let value = match f.name.node.as_str() {
                            "hasNextPage" => Value::from(info.has_next_page),
                            "hasPreviousPage" => Value::from(info.has_previous_page),
                            "startCursor" => Value::from(info.start_cursor.as_deref()),
                            "endCursor" => Value::from(info.end_cursor.as_deref()),
                            _ => return None,
                        };
                        w.value(&value)
                    })
                }
                _ => None,
            }
        })
    }

    /// A JSON array of `items`, each written by `item`.
    fn list<I>(
        &mut self,
        items: impl IntoIterator<Item = I>,
        mut item: impl FnMut(&mut Self, I) -> Option<()>,
    ) -> Option<()> {
        self.out.push(b'[');
        for (i, x) in items.into_iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            item(self, x)?;
        }
        self.out.push(b']');
        Some(())
    }

    /// The value of argument `name`, variables substituted, parsed as the schema's type;
    /// `None` when missing where required, or refused.
    fn argument<T: InputType>(&self, field: &Field, name: &str) -> Option<T> {
        let value = match field.get_argument(name) {
            Some(value) => Some(
                value
                    .node
                    .clone()
                    .into_const_with(|var| self.variables.get(&var).cloned().ok_or(()))
                    .ok()?,
            ),
            None => None,
        };
        T::parse(value).ok()
    }

    fn value(&mut self, value: &Value) -> Option<()> {
        serde_json::to_writer(&mut self.out, value).ok()
    }

    fn string(&mut self, s: &str) -> Option<()> {
        serde_json::to_writer(&mut self.out, s).ok()
    }
}

#[cfg(test)]
mod tests {
    use crate::api::{Api, run_to_end};
    use crate::extract::Extractor;
    use crate::fuzz::Rng;
    use crate::ingest::{self, Limits, RawArticle};
    use crate::service::Service;
    use async_graphql::{Executor, Request, Variables};
    use std::sync::Arc;

    /// The seeds plus articles of my own in three languages over several dates.
    fn api() -> Api {
        let service = Arc::new(Service::in_memory(
            Arc::new(Extractor::new()),
            Limits::default(),
        ));
        let mut raws = Vec::new();
        for file in ingest::list_files(std::path::Path::new("seeds")).unwrap_or_default() {
            ingest::read_file(&file, usize::MAX, &mut |(_, r)| raws.extend(r.ok()));
        }
        for n in 0..12 {
            let text = match n % 3 {
                0 => format!(
                    " date 2024-{:02}-10 Тоқаев Қытайға сапармен барды\nҚазақстан Президенті Қасым-Жомарт Тоқаев Бейжіңде келіссөздер жүргізді.",
                    n + 1
                ),
                1 => format!(
                    " date 2025-{:02}-03 Токаев провёл переговоры с Путиным\nПрезидент Казахстана Касым-Жомарт Токаев провёл переговоры с Владимиром Путиным в Москве.",
                    n + 1
                ),
                _ => "Tokayev to visit France\nPresident Kassym-Jomart Tokayev will pay an official visit to France in November.".to_string(),
            };
            raws.push(RawArticle {
                source: format!("mine-{n}"),
                bytes: text.into_bytes(),
                ..RawArticle::default()
            });
        }
        service.ingest_many(raws);
        Api::new(service)
    }

    fn request(query: &str, variables: &serde_json::Value) -> Request {
        Request::new(query).variables(Variables::from_json(variables.clone()))
    }

    /// The executor's response (which also marks the request validated), then the direct
    /// path's, both as JSON.
    fn both(
        api: &Api,
        query: &str,
        variables: &serde_json::Value,
    ) -> (serde_json::Value, Option<serde_json::Value>) {
        let executed = run_to_end(api.execute(request(query, variables)));
        let executed = serde_json::to_value(&executed).unwrap_or_default();
        let direct = api
            .execute_direct(&request(query, variables))
            .map(|body| serde_json::from_slice(&body).unwrap_or_default());
        (executed, direct)
    }

    /// The ids of a person, an event and one of its articles, all of them present.
    fn sample_ids(api: &Api) -> [String; 3] {
        let (ids, _) = both(
            api,
            "{ entities(kind: PERSON, first: 1) { nodes { id } } events(first: 1) { nodes { id articles { id } } } }",
            &serde_json::Value::Null,
        );
        let id = |value: &serde_json::Value| value.as_str().unwrap_or("").to_string();
        let found = [
            id(&ids["data"]["entities"]["nodes"][0]["id"]),
            id(&ids["data"]["events"]["nodes"][0]["id"]),
            id(&ids["data"]["events"]["nodes"][0]["articles"][0]["id"]),
        ];
        assert!(found.iter().all(|id| !id.is_empty()), "{ids}");
        found
    }

    #[test]
    fn the_direct_path_answers_exactly_as_the_executor_or_not_at_all() {
        let api = api();
        let none = serde_json::Value::Null;
        let [person, event, article] = sample_ids(&api);
        let (first_page, _) = both(
            &api,
            &format!(
                r#"{{ node(id: "{person}") {{ ... on Entity {{ events(first: 2) {{ pageInfo {{ endCursor }} }} }} }} }}"#
            ),
            &none,
        );
        let cursor = first_page["data"]["node"]["events"]["pageInfo"]["endCursor"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(!cursor.is_empty(), "{first_page}");

        let vars = serde_json::json!({ "id": person, "n": 3, "after": cursor, "kinds": ["MEETING", "VISIT"] });
        let answered_directly = [
            "query($id: ID!) { node(id: $id) { id __typename } }".to_string(),
            format!(r#"{{ node(id: "{person}") {{ ... on Entity {{ events(first: 20) {{ totalCount nodes {{ id title date kind }} }} }} }} }}"#),
            format!(r#"{{ a: node(id: "{person}") {{ ... on Node {{ id }} ... on Entity {{ name t: __typename events(first: 3, order: OLDEST_FIRST) {{ c: totalCount edges {{ cursor node {{ id kind status datePrecision endDate label headline }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor __typename }} __typename }} }} ... on Event {{ title }} }} }}"#),
            format!(r#"{{ node(id: "{person}") {{ ... on Entity {{ events(kinds: [MEETING, VISIT, PHONE_CALL], dated: true, minPrecision: DAY, from: "2020-01-01", status: HAPPENED, first: 2, after: "{cursor}") {{ totalCount nodes {{ id date }} pageInfo {{ hasPreviousPage hasNextPage }} }} }} }} }}"#),
            "query($id: ID!, $n: Int, $after: String, $kinds: [EventKind!]) { node(id: $id) { ... on Entity { events(first: $n, after: $after, kinds: $kinds) { totalCount nodes { id } } } } }".to_string(),
            format!(r#"{{ node(id: "{event}") {{ ... on Event {{ id title date endDate kind }} ... on Entity {{ name }} }} }}"#),
            format!(r#"{{ node(id: "{article}") {{ __typename ... on Article {{ id source }} }} }}"#),
            format!(r#"{{ node(id: "{person}") {{ ... on Entity {{ related(first: 20) {{ weight entity {{ id name }} }} }} }} }}"#),
            format!(r#"{{ node(id: "{person}") {{ ... on Entity {{ r: related(kind: COUNTRY, first: 2) {{ __typename w: weight entity {{ __typename kind ... on Node {{ id }} }} }} }} }} }}"#),
        ];
        let mut rows = 0;
        for query in &answered_directly {
            let (executed, direct) = both(&api, query, &vars);
            assert!(executed.get("errors").is_none(), "{query}: {executed}");
            assert_eq!(direct.as_ref(), Some(&executed), "{query}");
            rows += executed["data"]["node"]["events"]["nodes"]
                .as_array()
                .map_or(0, Vec::len);
        }
        assert!(rows >= 20, "the pages compared hold events: {rows}");
        let (related, _) = both(&api, &answered_directly[answered_directly.len() - 2], &vars);
        assert!(
            related["data"]["node"]["related"]
                .as_array()
                .is_some_and(|r| r.len() >= 3),
            "{related}"
        );
        // A document of several operations: the one named in the request.
        let two = format!(
            r#"query A {{ node(id: "{person}") {{ id }} }} query B {{ node(id: "{person}") {{ __typename ... on Entity {{ name }} }} }}"#
        );
        for name in ["A", "B"] {
            let executed = Some(run_to_end(
                api.execute(Request::new(two.as_str()).operation_name(name)),
            ))
            .map(|r| serde_json::to_value(&r).unwrap_or_default());
            let direct = api
                .execute_direct(&Request::new(two.as_str()).operation_name(name))
                .map(|body| serde_json::from_slice(&body).unwrap_or_default());
            assert!(executed.as_ref().is_some_and(|e| e.get("errors").is_none()));
            assert_eq!(direct, executed, "operation {name}");
        }
        // Before a request passed full validation once, it is never answered directly.
        let fresh = format!(r#"{{ node(id: "{person}") {{ id name }} }}"#);
        assert!(api.execute_direct(&request(&fresh, &none)).is_none());

        let left_to_the_executor = [
            // Introspection (a root of only `__` fields) has its own schema.
            "{ __typename }".to_string(),
            format!(
                r#"{{ node(id: "{person}") {{ ... on Entity {{ related(first: 3) {{ entity {{ events {{ totalCount }} }} }} }} }} }}"#
            ),
            format!(
                r#"{{ node(id: "{person}") {{ ... on Entity {{ related(first: 101) {{ weight }} }} }} }}"#
            ),
            format!(r#"{{ node(id: "{person}") {{ ...F }} }} fragment F on Entity {{ id }}"#),
            format!(r#"{{ node(id: "{person}") {{ id @include(if: true) }} }}"#),
            format!(r#"{{ node(id: "{person}") {{ id ... on Entity {{ id }} }} }}"#),
            r#"{ node(id: "Entity:nothing/here") { id } }"#.to_string(),
            format!(
                r#"{{ node(id: "{person}") {{ ... on Entity {{ events(kind: MEETING, kinds: [VISIT]) {{ totalCount }} }} }} }}"#
            ),
            format!(r#"{{ node(id: "{person}") {{ ... on Entity {{ name(language: RU) }} }} }}"#),
            format!(r#"{{ events(first: 2) {{ totalCount }} node(id: "{person}") {{ id }} }}"#),
        ];
        for query in &left_to_the_executor {
            let (_, direct) = both(&api, query, &vars);
            assert!(direct.is_none(), "{query} went the direct way: {direct:?}");
        }
    }

    /// A random selection: 1 to `most` items drawn from `items`, each aliased now and then.
    fn pick_fields(rng: &mut Rng, items: &[&str], most: usize, alias: &mut usize) -> String {
        let mut out = Vec::new();
        for _ in 0..1 + rng.below(most) {
            let item = rng.pick(items);
            if rng.below(5) == 0 && !item.starts_with("...") {
                *alias += 1;
                out.push(format!("a{alias}: {item}"));
            } else {
                out.push(item.to_string());
            }
        }
        out.join(" ")
    }

    /// Random arguments of `Entity.events`, sometimes ones the resolver refuses.
    fn events_arguments(rng: &mut Rng) -> String {
        let choices = [
            "first: 0",
            "first: 3",
            "first: 25",
            "first: 101",
            "order: OLDEST_FIRST",
            "order: NEWEST_FIRST",
            "kind: MEETING",
            "kind: VISIT",
            "kinds: [MEETING, PHONE_CALL]",
            "kinds: []",
            "status: PLANNED",
            "status: HAPPENED",
            "dated: true",
            "dated: false",
            "minPrecision: DAY",
            "minPrecision: YEAR",
            "from: \"2024-06-01\"",
            "to: \"2025-03-01\"",
            "from: \"2025-01-01\", to: \"2024-01-01\"",
            "after: \"e739000.3\"",
            "after: \"nonsense\"",
        ];
        let mut names = Vec::new();
        let mut args = Vec::new();
        for _ in 0..rng.below(4) {
            let arg = rng.pick(&choices);
            let name = arg.split(':').next().unwrap_or("");
            if !names.contains(&name) {
                names.push(name);
                args.push(arg);
            }
        }
        if args.is_empty() {
            String::new()
        } else {
            format!("({})", args.join(", "))
        }
    }

    #[test]
    fn random_selections_get_the_executors_answer_from_the_direct_path() {
        let api = api();
        let none = serde_json::Value::Null;
        let [person, event, article] = sample_ids(&api);
        let ids = [person, event, article, "Entity:nothing/here".to_string()];
        let event_fields = [
            "id",
            "title",
            "date",
            "endDate",
            "kind",
            "status",
            "datePrecision",
            "label",
            "headline",
            "__typename",
        ];
        let mut rng = Rng(0x5eed_d1ec7);
        let (mut direct_answers, mut runs) = (0, 0);
        for _ in 0..400 {
            let mut alias = 0;
            let event_selection = pick_fields(&mut rng, &event_fields, 4, &mut alias);
            let connection = [
                "totalCount".to_string(),
                format!("nodes {{ {event_selection} }}"),
                format!("edges {{ cursor node {{ {event_selection} }} }}"),
                "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }".to_string(),
                "__typename".to_string(),
            ];
            let connection: Vec<&str> = connection.iter().map(String::as_str).collect();
            let connection_selection = pick_fields(&mut rng, &connection, 3, &mut alias);
            let events = format!(
                "events{} {{ {connection_selection} }}",
                events_arguments(&mut rng)
            );
            let related = format!(
                "related{} {{ weight entity {{ id name kind }} }}",
                ["", "(first: 2)", "(kind: COUNTRY)", "(first: -1)"][rng.below(4)]
            );
            let entity = [
                "id",
                "name",
                "kind",
                "eventCount",
                events.as_str(),
                related.as_str(),
                "__typename",
            ];
            let entity_selection = pick_fields(&mut rng, &entity, 3, &mut alias);
            let on_entity = format!("... on Entity {{ {entity_selection} }}");
            let on_event = format!("... on Event {{ {event_selection} }}");
            let node = [
                "id",
                "__typename",
                "... on Node { id }",
                "... on Article { source }",
                on_entity.as_str(),
                on_event.as_str(),
            ];
            let node_selection = pick_fields(&mut rng, &node, 3, &mut alias);
            let id = &ids[rng.below(ids.len())];
            let query = format!(r#"{{ node(id: "{id}") {{ {node_selection} }} }}"#);
            let (executed, direct) = both(&api, &query, &none);
            runs += 1;
            if let Some(direct) = direct {
                direct_answers += 1;
                assert_eq!(direct, executed, "{query}");
            }
            if executed.get("errors").is_some() {
                assert!(
                    api.execute_direct(&request(&query, &none)).is_none(),
                    "a query with errors is never answered directly: {query}"
                );
            }
        }
        assert!(
            direct_answers * 3 >= runs,
            "the random queries exercise the direct path: {direct_answers} of {runs}"
        );
    }
}
