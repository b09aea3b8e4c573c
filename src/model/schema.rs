//! JSON Schemas (draft 2020-12) of the two documents the site publishes for
//! scripts, generated from the model's own types so that they cannot drift
//! from what is written: the crate report (each `crates/{name}.json` and
//! each line of `data/crates.ndjson.gz`) and the site index (`index.json`).
//! Each fixes `schema_version` to [`SCHEMA_VERSION`](super::SCHEMA_VERSION).

use schemars::JsonSchema;
use serde_json::Value;

use super::{CrateReport, SCHEMA_VERSION, SiteIndex};

/// The schema of a crate report, with `$id` under `base_url`.
pub fn crate_schema(base_url: &str) -> Value {
    schema_of::<CrateReport>(base_url, "crate.schema.json", "cargofox crate report")
}

/// The schema of `index.json`, with `$id` under `base_url`.
pub fn index_schema(base_url: &str) -> Value {
    schema_of::<SiteIndex>(base_url, "index.schema.json", "cargofox site index")
}

fn schema_of<T: JsonSchema>(base_url: &str, file: &str, title: &str) -> Value {
    let mut schema = schemars::schema_for!(T).to_value();
    if let Some(root) = schema.as_object_mut() {
        root.insert(
            "$id".into(),
            format!("{}/data/{file}", base_url.trim_end_matches('/')).into(),
        );
        root.insert(
            "title".into(),
            format!("{title}, schema version {SCHEMA_VERSION}").into(),
        );
    }
    if let Some(version) = schema.pointer_mut("/properties/schema_version") {
        *version = serde_json::json!({
            "description": "Version of the schema; fields are only added within a version.",
            "const": SCHEMA_VERSION,
        });
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schemas_are_draft_2020_12_and_fix_the_version() {
        for (schema, required) in [
            (crate_schema("https://example.test/"), "findings"),
            (index_schema("https://example.test/"), "crates"),
        ] {
            assert_eq!(
                schema["$schema"],
                "https://json-schema.org/draft/2020-12/schema"
            );
            assert_eq!(
                schema["properties"]["schema_version"]["const"],
                SCHEMA_VERSION
            );
            let fields = schema["required"].as_array().unwrap();
            assert!(fields.iter().any(|f| f == required), "{fields:?}");
        }
        assert_eq!(
            crate_schema("https://example.test/site/")["$id"],
            "https://example.test/site/data/crate.schema.json"
        );
    }
}
