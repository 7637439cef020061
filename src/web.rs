//! The web app served at `/`: a timeline and a graph view of the event graph for people who
//! explore it, not only for developers. Its page, script and style live under `web/`; the
//! libraries it draws with (vis-timeline, cytoscape) are vendored under `vendor/web/`. All of
//! it is embedded in the binary, so the app works offline (nothing comes from a CDN).

use crate::playground::{Asset, find};

/// Path prefix the app's files are served under.
pub const ASSET_PREFIX: &str = "/app/";

/// The app's page.
pub const PAGE: &str = include_str!("../web/index.html");

const ASSETS: [Asset; 5] = [
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../web/app.js"),
    },
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../web/app.css"),
    },
    Asset {
        name: "vis-timeline-graph2d.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../vendor/web/vis-timeline-graph2d.min.js"),
    },
    Asset {
        name: "vis-timeline-graph2d.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../vendor/web/vis-timeline-graph2d.min.css"),
    },
    Asset {
        name: "cytoscape.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../vendor/web/cytoscape.min.js"),
    },
];

/// The content type and bytes of the app file `name`, if it is one.
pub fn asset(name: &str) -> Option<(&'static str, &'static [u8])> {
    find(&ASSETS, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_the_page_and_its_script_reference_is_served() {
        let script = include_str!("../web/app.js");
        let mut referenced = 0;
        for source in [PAGE, script] {
            for part in source.split(ASSET_PREFIX).skip(1) {
                let name = part.split(['"', '`']).next().unwrap_or_default();
                assert!(
                    asset(name).is_some(),
                    "{name} is referenced but not embedded"
                );
                referenced += 1;
            }
        }
        assert_eq!(
            referenced, 5,
            "the page loads four files, its script one more"
        );
    }
}
