//! Turning OpenAPI schemas into JSON Schema, and validation errors into readable lines
//! (split from openapi.rs to keep each file readable).

use std::fmt::Write as _;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::{Map, Value, json};

use super::{Direction, MAX_INSTANCE_CHARS};

/// Picks the JSON media type of a `content` map: `application/json` first, then any
/// `…+json`, then wildcards.
pub(super) fn json_media(content: &Map<String, Value>) -> Option<(&str, &Value)> {
    let essence = |media_type: &str| media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let find = |accept: &dyn Fn(&str) -> bool| {
        content
            .iter()
            .find(|(media_type, _)| accept(&essence(media_type)))
            .map(|(media_type, media)| (media_type.as_str(), media))
    };
    find(&|e| e == "application/json")
        .or_else(|| find(&|e| e.starts_with("application/") && e.ends_with("+json")))
        .or_else(|| find(&|e| e == "*/*" || e == "application/*"))
}

pub(super) fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Converts an OpenAPI schema object into plain JSON Schema (see the module docs).
/// Only walks keywords whose values are schemas, so property *names* such as
/// `example` or `nullable` are left alone.
pub(super) fn convert_schema(schema: &Value, direction: Direction) -> Value {
    let Value::Object(object) = schema else {
        return schema.clone();
    };
    let convert = |value: &Value| convert_schema(value, direction);
    let convert_map = |value: &Value| match value {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), convert(v))).collect()),
        other => other.clone(),
    };
    let convert_list = |value: &Value| match value {
        Value::Array(list) => Value::Array(list.iter().map(convert).collect()),
        other => convert(other),
    };
    let mut out = Map::new();
    for (keyword, value) in object {
        let converted = match keyword.as_str() {
            "nullable" | "discriminator" | "example" | "examples" | "xml" | "externalDocs" => continue,
            k if k.starts_with("x-") => continue,
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => convert_map(value),
            "items"
            | "additionalItems"
            | "additionalProperties"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "unevaluatedProperties"
            | "unevaluatedItems"
            | "contentSchema"
            | "allOf"
            | "anyOf"
            | "oneOf"
            | "prefixItems" => convert_list(value),
            "dependencies" => match value {
                Value::Object(map) => Value::Object(
                    map.iter().map(|(k, v)| (k.clone(), if v.is_object() { convert(v) } else { v.clone() })).collect(),
                ),
                other => other.clone(),
            },
            "required" => {
                let Value::Array(names) = value else {
                    out.insert(keyword.clone(), value.clone());
                    continue;
                };
                let ignored = match direction {
                    Direction::Request => "readOnly",
                    Direction::Response => "writeOnly",
                };
                let kept: Vec<Value> = names
                    .iter()
                    .filter(|name| {
                        let flagged = name.as_str().and_then(|name| object.get("properties")?.get(name)?.get(ignored))
                            == Some(&Value::Bool(true));
                        !flagged
                    })
                    .cloned()
                    .collect();
                // Draft 4 forbids an empty `required`.
                if kept.is_empty() {
                    continue;
                }
                Value::Array(kept)
            }
            _ => value.clone(),
        };
        out.insert(keyword.clone(), converted);
    }
    if object.get("nullable") == Some(&Value::Bool(true)) { make_nullable(out) } else { Value::Object(out) }
}

pub(super) fn make_nullable(mut schema: Map<String, Value>) -> Value {
    let needs_wrapping =
        ["$ref", "allOf", "anyOf", "oneOf", "not", "const"].iter().any(|keyword| schema.contains_key(*keyword));
    let null = Value::from("null");
    match schema.get_mut("type") {
        Some(Value::String(name)) if !needs_wrapping => {
            let name = Value::from(std::mem::take(name));
            schema.insert("type".to_owned(), Value::Array(vec![name, null]));
        }
        Some(Value::Array(names)) if !needs_wrapping => {
            if !names.contains(&null) {
                names.push(null);
            }
        }
        _ => return json!({ "anyOf": [Value::Object(schema), { "type": "null" }] }),
    }
    if let Some(Value::Array(options)) = schema.get_mut("enum")
        && !options.contains(&Value::Null)
    {
        options.push(Value::Null);
    }
    Value::Object(schema)
}

/// Renders one validation error as `"<instance pointer>: <problem>"` lines.
///
/// For `anyOf`/`oneOf` failures the branch that only says "not null" (added for
/// `nullable`) is dropped; if a single branch remains its errors are reported
/// directly, otherwise one line lists what each branch rejected (at most three
/// reasons per branch, in brackets).
pub(super) fn describe(error: &ValidationError<'_>, out: &mut Vec<String>) {
    let context = match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => context,
        _ => {
            out.push(format!("{}: {}", pointer(error), shorten_message(error)));
            return;
        }
    };
    let branches: Vec<(usize, &Vec<ValidationError<'static>>)> =
        context.iter().enumerate().filter(|(_, branch)| !is_null_branch(branch)).collect();
    if let [(_, branch)] = branches.as_slice() {
        for sub in *branch {
            describe(sub, out);
        }
        return;
    }
    let mut line = format!(
        "{}: {} is not valid under any of the schemas listed in '{}'",
        pointer(error),
        shorten(&error.instance().to_string()),
        error.kind().keyword()
    );
    for (index, branch) in branches {
        let mut reasons = Vec::new();
        for sub in branch {
            describe(sub, &mut reasons);
        }
        let _ = write!(line, "; branch {index}: [{}", reasons.iter().take(3).cloned().collect::<Vec<_>>().join(", "));
        if reasons.len() > 3 {
            let _ = write!(line, " (+{} more)", reasons.len() - 3);
        }
        line.push(']');
    }
    out.push(line);
}

pub(super) fn is_null_branch(branch: &[ValidationError<'_>]) -> bool {
    matches!(
        branch,
        [only] if matches!(only.kind(), ValidationErrorKind::Type { kind: TypeKind::Single(JsonType::Null) })
    )
}

pub(super) fn pointer(error: &ValidationError<'_>) -> String {
    let path = error.instance_path().as_str();
    if path.is_empty() { "(root)".to_owned() } else { path.to_owned() }
}

pub(super) fn shorten_message(error: &ValidationError<'_>) -> String {
    let message = error.to_string();
    let instance = error.instance().to_string();
    if instance.chars().count() > MAX_INSTANCE_CHARS {
        message.replacen(&instance, &shorten(&instance), 1)
    } else {
        message
    }
}

pub(super) fn shorten(text: &str) -> String {
    if text.chars().count() > MAX_INSTANCE_CHARS {
        let head: String = text.chars().take(MAX_INSTANCE_CHARS).collect();
        format!("{head}…")
    } else {
        text.to_owned()
    }
}
