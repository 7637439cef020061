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
        "path(from: ID!, to: ID!, maxLength: Int = 6): Path",
        "related(kind: EntityKind, first: Int): [RelatedEntity!]!",
    ] {
        assert!(sdl.contains(needle), "schema lacks {needle:?}");
    }
}
