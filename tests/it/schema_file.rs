//! `schema/schema.graphql` must be exactly what `eventgraph schema` prints, and cover the
//! contract's names.

use crate::support::cli;

#[test]
fn committed_schema_matches_the_binary() {
    let (ok, printed, stderr) = cli(&["schema"]);
    assert!(ok, "{stderr}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/schema.graphql");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != printed {
        // Regenerate so the diff can be reviewed, then fail.
        let _ = std::fs::write(&path, &printed);
        panic!(
            "schema/schema.graphql was stale and has been regenerated: review `git diff schema/` and commit it"
        );
    }
}

#[test]
fn schema_covers_the_contract() {
    let (_, sdl, _) = cli(&["schema"]);
    for needle in [
        "scalar Date",
        "type Query {",
        "type Mutation {",
        "type Subscription {",
        "enum DatePrecision",
        "interface Node",
        "type Article implements Node",
        "type Event implements Node",
        "type Entity implements Node",
        "mainEvent: Event!",
        "mentionedEvents: [Event!]!",
        "publishedOn: Date",
        "totalCount: Int!",
        "ingestArticle(input: ArticleInput!): IngestArticlePayload!",
        "timeline(entity: ID, from: Date, to: Date, granularity: Granularity = MONTH): [TimelineBucket!]!",
        "path(from: ID!, to: ID!, maxLength: Int = 6, avoid: [ID!]): Path",
        "related(kind: EntityKind, first: Int): [RelatedEntity!]!",
    ] {
        assert!(sdl.contains(needle), "schema lacks {needle:?}");
    }
}

/// Every type, field, argument and enum value of the contract is in our SDL with the same
/// type: the schema may grow beyond the contract, never below it.
#[test]
fn schema_is_a_superset_of_the_contract() {
    use async_graphql::parser::parse_schema;
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    use std::collections::HashMap;

    // name → (fields: name → (type, args: name → type), enum values)
    type Shape = (
        HashMap<String, (String, HashMap<String, String>)>,
        Vec<String>,
    );
    fn shapes(sdl: &str) -> HashMap<String, Shape> {
        let document = parse_schema(sdl).expect("SDL parses");
        let mut out = HashMap::new();
        for definition in document.definitions {
            let TypeSystemDefinition::Type(t) = definition else {
                continue;
            };
            let t = t.node;
            let field = |f: &async_graphql::parser::types::FieldDefinition| {
                let args = f
                    .arguments
                    .iter()
                    .map(|a| (a.node.name.node.to_string(), a.node.ty.node.to_string()))
                    .collect();
                (f.name.node.to_string(), (f.ty.node.to_string(), args))
            };
            let shape: Shape = match &t.kind {
                TypeKind::Object(o) => (
                    o.fields.iter().map(|f| field(&f.node)).collect(),
                    Vec::new(),
                ),
                TypeKind::Interface(i) => (
                    i.fields.iter().map(|f| field(&f.node)).collect(),
                    Vec::new(),
                ),
                TypeKind::InputObject(i) => (
                    i.fields
                        .iter()
                        .map(|f| {
                            (
                                f.node.name.node.to_string(),
                                (f.node.ty.node.to_string(), HashMap::new()),
                            )
                        })
                        .collect(),
                    Vec::new(),
                ),
                TypeKind::Enum(e) => (
                    HashMap::new(),
                    e.values
                        .iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect(),
                ),
                _ => (HashMap::new(), Vec::new()),
            };
            out.insert(t.name.node.to_string(), shape);
        }
        out
    }
    let contract = shapes(include_str!("../../schema/contract.graphql"));
    let ours = shapes(include_str!("../../schema/schema.graphql"));
    let mut missing = Vec::new();
    for (name, (fields, values)) in &contract {
        let Some((our_fields, our_values)) = ours.get(name) else {
            missing.push(format!("type {name}"));
            continue;
        };
        for value in values {
            if !our_values.contains(value) {
                missing.push(format!("{name}.{value}"));
            }
        }
        for (field, (ty, args)) in fields {
            match our_fields.get(field) {
                None => missing.push(format!("{name}.{field}")),
                Some((our_ty, our_args)) => {
                    if our_ty != ty {
                        missing.push(format!("{name}.{field}: {ty} (ours {our_ty})"));
                    }
                    for (arg, arg_ty) in args {
                        if our_args.get(arg) != Some(arg_ty) {
                            missing.push(format!(
                                "{name}.{field}({arg}: {arg_ty}) (ours {:?})",
                                our_args.get(arg)
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the schema is below the contract: {missing:#?}"
    );
}
