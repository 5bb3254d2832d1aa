//! Validates JSON bodies against the providers' official OpenAPI documents.
//!
//! Integration tests use this to assert that every request our client sends and
//! every response our sandbox returns conforms to the provider's spec.
//!
//! ```ignore
//! mod support;
//! use support::openapi::Spec;
//!
//! #[test]
//! fn customer_list_conforms() {
//!     // `None` (with a "skipped: …" line on stderr) when the spec file is missing
//!     // locally; a missing spec panics when `CI=true`.
//!     let Some(kelviq) = Spec::shared("kelviq") else { return };
//!     let body = serde_json::json!({"count": 0, "next": null, "previous": null, "results": []});
//!     kelviq.assert_response("GET", "/customers/?page=1", 200, &body);
//! }
//! ```
//!
//! Specs are read from `$TILL_SPECS_DIR/<provider>/openapi.json`; `TILL_SPECS_DIR`
//! defaults to `<CARGO_MANIFEST_DIR>/../shared/specs`.
//!
//! # How schemas are turned into JSON Schema
//!
//! OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4 and are not valid JSON
//! Schema as they stand, so every schema is converted before it is compiled:
//!
//! * `nullable: true` next to a plain `type` becomes `type: [T, "null"]` (and `null`
//!   is added to an `enum`, if any); next to `$ref`/`allOf`/`anyOf`/`oneOf`/`not`/
//!   `const`, or without `type`, the schema is wrapped as
//!   `anyOf: [<schema>, {"type": "null"}]`. `nullable` beside a `$ref` is honoured
//!   even though OpenAPI 3.0 says `$ref` siblings are ignored, because providers
//!   write it that way and mean it.
//! * `discriminator`, `example`, `examples`, `xml`, `externalDocs` and `x-*`
//!   extensions are dropped. `format` is kept but never asserted (providers use
//!   non-standard formats such as `url`).
//! * A property marked `readOnly: true` is not required in requests, and one marked
//!   `writeOnly: true` is not required in responses (OpenAPI semantics).
//! * `$ref: "#/components/schemas/X"` keeps working because every compiled schema is
//!   rooted in a document whose `components.schemas` holds the converted schemas.
//!
//! 3.0 documents are compiled with draft 4 semantics (boolean `exclusiveMinimum`),
//! 3.1 documents with draft 2020-12. The same conversion is applied to 3.1 documents;
//! it only removes annotations and (if a 3.1 document still says `nullable: true`)
//! widens to accept `null`.
//!
//! Compiled validators are cached per (method, path template, request/response status,
//! media type), so repeated validations are cheap.

#![allow(dead_code)]

#[path = "openapi_schema.rs"]
mod schema;

use schema::{convert_schema, describe, escape_pointer, json_media};

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

/// Errors that come from the spec itself (a schema that does not compile, a `$ref`
/// that does not resolve) rather than from the validated body start with this.
pub const SPEC_ERROR_PREFIX: &str = "spec error:";

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Instance values longer than this are shortened in error messages.
const MAX_INSTANCE_CHARS: usize = 120;

/// Which OpenAPI version a document declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenApiVersion {
    /// 3.0.x: schemas are a draft 4 dialect with `nullable`.
    V3_0,
    /// 3.1.x: schemas are JSON Schema draft 2020-12.
    V3_1,
}

/// Whether a body travels to the provider or comes back from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Direction {
    Request,
    Response,
}

/// A loaded OpenAPI document that can validate request and response bodies.
pub struct Spec {
    name: String,
    version: OpenApiVersion,
    doc: Value,
    /// `{"components": {"schemas": …}}` converted for request bodies.
    request_root: Value,
    /// `{"components": {"schemas": …}}` converted for response bodies.
    response_root: Value,
    paths: Vec<PathTemplate>,
    cache: Mutex<HashMap<CacheKey, Arc<Validator>>>,
}

impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spec")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("paths", &self.paths.len())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct CacheKey {
    method: String,
    template: String,
    target: String,
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.method.is_empty() {
            write!(f, "{} ({})", self.template, self.target)
        } else {
            write!(f, "{} {} ({})", self.method.to_ascii_uppercase(), self.template, self.target)
        }
    }
}

/// A path key of the spec, split into segments; `None` is a `{param}` segment.
#[derive(Debug)]
struct PathTemplate {
    key: String,
    segments: Vec<Option<String>>,
}

impl PathTemplate {
    fn parse(key: &str) -> Self {
        let segments = key
            .split('/')
            .map(|segment| {
                let is_param = segment.len() > 2
                    && segment.starts_with('{')
                    && segment.ends_with('}')
                    && !segment[1..segment.len() - 1].contains(['{', '}']);
                (!is_param).then(|| segment.to_owned())
            })
            .collect();
        PathTemplate { key: key.to_owned(), segments }
    }

    /// `Some(specificity)` when the template matches; literal segments earlier in the
    /// path make a match more specific (`/a/b/{x}` beats `/a/{y}/c`).
    fn specificity(&self, segments: &[&str]) -> Option<Vec<bool>> {
        if self.segments.len() != segments.len() {
            return None;
        }
        self.segments
            .iter()
            .zip(segments)
            .map(|(template, actual)| match template {
                Some(literal) => (literal == actual).then_some(true),
                None => (!actual.is_empty()).then_some(false),
            })
            .collect()
    }
}

/// The directory holding `<provider>/openapi.json`: `$TILL_SPECS_DIR`, or
/// `<CARGO_MANIFEST_DIR>/../shared/specs` when that is unset or empty.
pub fn specs_dir() -> PathBuf {
    match std::env::var_os("TILL_SPECS_DIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/specs"),
    }
}

impl Spec {
    /// Loads `<specs_dir>/<provider>/openapi.json`.
    ///
    /// When the file is missing: panics if the environment variable `CI` is `"true"`
    /// (a missing spec must fail CI); otherwise prints `skipped: spec not found at …`
    /// to stderr and returns `None`. A file that exists but cannot be read or parsed
    /// always panics.
    pub fn load(provider: &str) -> Option<Spec> {
        let path = specs_dir().join(provider).join("openapi.json");
        if !path.is_file() {
            let message = format!("spec not found at {}", path.display());
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{message} (CI=true, so a missing spec is an error; \
                 set TILL_SPECS_DIR to the directory holding <provider>/openapi.json)"
            );
            eprintln!("skipped: {message}");
            return None;
        }
        match Spec::from_file(provider, &path) {
            Ok(spec) => Some(spec),
            Err(error) => panic!("{error}"),
        }
    }

    /// Like [`Spec::load`], but loads each provider's spec once per test binary and
    /// shares it (and its validator cache) between tests.
    pub fn shared(provider: &str) -> Option<&'static Spec> {
        static LOADED: OnceLock<Mutex<HashMap<String, Option<&'static Spec>>>> = OnceLock::new();
        let mut loaded = LOADED.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(spec) = loaded.get(provider) {
            if spec.is_none() {
                eprintln!("skipped: spec not found at {}", specs_dir().join(provider).join("openapi.json").display());
            }
            return *spec;
        }
        let spec: Option<&'static Spec> = Spec::load(provider).map(|spec| &*Box::leak(Box::new(spec)));
        loaded.insert(provider.to_owned(), spec);
        spec
    }

    /// Reads and parses an OpenAPI document from `path`; `name` is used in messages.
    pub fn from_file(name: &str, path: &Path) -> Result<Spec, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read {}: {e}", path.display()))?;
        let doc: Value =
            serde_json::from_str(&text).map_err(|e| format!("{name}: {} is not valid JSON: {e}", path.display()))?;
        Spec::from_value(name, doc)
    }

    /// Builds a spec from an already parsed OpenAPI 3.0.x or 3.1.x document.
    pub fn from_value(name: &str, doc: Value) -> Result<Spec, String> {
        let version = match doc.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.0") => OpenApiVersion::V3_0,
            Some(v) if v.starts_with("3.1") => OpenApiVersion::V3_1,
            other => {
                return Err(format!(
                    "{name}: unsupported or missing `openapi` version {other:?} (want 3.0.x or 3.1.x)"
                ));
            }
        };
        let schemas = doc.pointer("/components/schemas").and_then(Value::as_object);
        let root_for = |direction| {
            let converted: Map<String, Value> = schemas
                .into_iter()
                .flatten()
                .map(|(key, schema)| (key.clone(), convert_schema(schema, direction)))
                .collect();
            json!({ "components": { "schemas": converted } })
        };
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(key, _)| PathTemplate::parse(key))
            .collect();
        Ok(Spec {
            name: name.to_owned(),
            version,
            request_root: root_for(Direction::Request),
            response_root: root_for(Direction::Response),
            doc,
            paths,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The name given at load time (the provider).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The OpenAPI version the document declares.
    pub fn version(&self) -> OpenApiVersion {
        self.version
    }

    /// The raw OpenAPI document, e.g. to walk its examples.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// Every operation in the spec as `(METHOD, path template)`, sorted by path
    /// template, then in the order get, put, post, delete, options, head, patch, trace.
    pub fn operations(&self) -> Vec<(String, String)> {
        let mut operations = Vec::new();
        for template in &self.paths {
            let Some(item) = self.path_item(&template.key) else {
                continue;
            };
            for method in METHODS {
                if item.get(method).is_some_and(Value::is_object) {
                    operations.push((method.to_ascii_uppercase(), template.key.clone()));
                }
            }
        }
        // By path, then in METHODS order; the document's own key order is not relied on.
        operations.sort_by(|a, b| a.1.cmp(&b.1));
        operations
    }

    /// The path template (spec path key) of the operation `method path` resolves to,
    /// or `None` when there is no such operation.
    pub fn path_template(&self, method: &str, path: &str) -> Option<&str> {
        self.operation(method, path).ok().map(|(template, _)| template)
    }

    /// The `operationId` of the operation `method path` resolves to, if any.
    pub fn operation_id(&self, method: &str, path: &str) -> Option<&str> {
        let (_, operation) = self.operation(method, path).ok()?;
        operation.get("operationId").and_then(Value::as_str)
    }

    /// Whether the spec declares an operation for `method` on `path`.
    pub fn has_operation(&self, method: &str, path: &str) -> bool {
        self.operation(method, path).is_ok()
    }

    /// Validates a request body.
    ///
    /// `path` is the request path relative to the spec's path keys (callers strip
    /// their own mount prefix); a query string is allowed and ignored. `{param}`
    /// matches one non-empty segment, trailing slashes must match exactly, and literal
    /// segments win over templated ones (`/subscriptions/create/` is not
    /// `/subscriptions/{subscriptionId}/`); the method is looked up only on the
    /// best-matching path, as a router would.
    ///
    /// `Value::Null` stands for "no body": it is accepted when the operation has no
    /// request body or an optional one. A non-null body for an operation that declares
    /// no (JSON) request body is an error.
    pub fn validate_request(&self, method: &str, path: &str, body: &Value) -> Result<(), Vec<String>> {
        let (template, operation) = self.operation(method, path).map_err(|e| vec![e])?;
        let Some(request_body) = operation.get("requestBody") else {
            if body.is_null() {
                return Ok(());
            }
            return Err(vec![format!(
                "{}: {} {template} declares no request body, but a body was sent",
                self.name,
                method.to_ascii_uppercase()
            )]);
        };
        let request_body = self.resolve(request_body).map_err(|e| vec![e])?;
        let required = request_body.get("required").and_then(Value::as_bool) == Some(true);
        if body.is_null() && !required {
            return Ok(());
        }
        let content = request_body.get("content").and_then(Value::as_object);
        let Some((media_type, media)) = content.and_then(json_media) else {
            let declared: Vec<&String> = content.into_iter().flat_map(Map::keys).collect();
            return Err(vec![format!(
                "{}: {} {template} declares no JSON request body (media types: {declared:?})",
                self.name,
                method.to_ascii_uppercase()
            )]);
        };
        let Some(schema) = media.get("schema") else {
            return Ok(());
        };
        let key = CacheKey {
            method: method.to_ascii_lowercase(),
            template: template.to_owned(),
            target: format!("request {media_type}"),
        };
        self.validate_with(key, schema, Direction::Request, body)
    }

    /// Validates a response body against the schema declared for `status`: the exact
    /// status, else its range (`2XX`), else `default`.
    ///
    /// `Ok` when that response declares no JSON content or a JSON media type without
    /// a schema. An error when the operation is not in the spec or the status is not
    /// declared (callers decide whether that matters; see
    /// [`Spec::is_undeclared_status`]).
    pub fn validate_response(&self, method: &str, path: &str, status: u16, body: &Value) -> Result<(), Vec<String>> {
        let (template, operation) = self.operation(method, path).map_err(|e| vec![e])?;
        let responses = operation.get("responses").and_then(Value::as_object);
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        let found = responses.and_then(|responses| {
            responses
                .iter()
                .find(|(key, _)| **key == exact)
                .or_else(|| responses.iter().find(|(key, _)| key.eq_ignore_ascii_case(&range)))
                .or_else(|| responses.iter().find(|(key, _)| *key == "default"))
        });
        let Some((status_key, response)) = found else {
            let declared: Vec<&String> = responses.into_iter().flat_map(Map::keys).collect();
            return Err(vec![format!(
                "{}: status {status} is not declared for {} {template} (declared: {declared:?})",
                self.name,
                method.to_ascii_uppercase()
            )]);
        };
        let response = self.resolve(response).map_err(|e| vec![e])?;
        let Some((media_type, media)) = response.get("content").and_then(Value::as_object).and_then(json_media) else {
            return Ok(());
        };
        let Some(schema) = media.get("schema") else {
            return Ok(());
        };
        let key = CacheKey {
            method: method.to_ascii_lowercase(),
            template: template.to_owned(),
            target: format!("response {status_key} {media_type}"),
        };
        self.validate_with(key, schema, Direction::Response, body)
    }

    /// Validates `value` against `#/components/schemas/<name>` with response
    /// semantics (useful for webhook payloads and fixtures).
    pub fn validate_schema(&self, name: &str, value: &Value) -> Result<(), Vec<String>> {
        let pointer = format!("/components/schemas/{}", escape_pointer(name));
        if self.doc.pointer(&pointer).is_none() {
            return Err(vec![format!("{}: no schema named {name:?}", self.name)]);
        }
        let key = CacheKey { method: String::new(), template: format!("#{pointer}"), target: "schema".to_owned() };
        let schema = json!({ "$ref": key.template });
        self.validate_with(key, &schema, Direction::Response, value)
    }

    /// Panics with every error when [`Spec::validate_request`] fails.
    #[track_caller]
    pub fn assert_request(&self, method: &str, path: &str, body: &Value) {
        if let Err(errors) = self.validate_request(method, path, body) {
            panic!(
                "{} request {} {path} does not conform to the spec:\n  {}\nbody: {body:#}",
                self.name,
                method.to_ascii_uppercase(),
                errors.join("\n  ")
            );
        }
    }

    /// Panics with every error when [`Spec::validate_response`] fails.
    #[track_caller]
    pub fn assert_response(&self, method: &str, path: &str, status: u16, body: &Value) {
        if let Err(errors) = self.validate_response(method, path, status, body) {
            panic!(
                "{} response {status} to {} {path} does not conform to the spec:\n  {}\nbody: {body:#}",
                self.name,
                method.to_ascii_uppercase(),
                errors.join("\n  ")
            );
        }
    }

    /// Whether `validate_response` errors only because the operation does not declare
    /// `status` (e.g. a 429 or 503 the spec does not list), so callers can tolerate it.
    pub fn is_undeclared_status(&self, method: &str, path: &str, status: u16) -> bool {
        let Ok((_, operation)) = self.operation(method, path) else {
            return false;
        };
        let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
            return true;
        };
        let range = format!("{}XX", status / 100);
        !responses.keys().any(|key| *key == status.to_string() || key.eq_ignore_ascii_case(&range) || key == "default")
    }

    /// Compiles the validator of every request body and response in the spec and
    /// returns how many were compiled, or every compile error. Proves the conversion
    /// handles the whole document.
    pub fn compile_all(&self) -> Result<usize, Vec<String>> {
        let mut compiled = 0;
        let mut errors = Vec::new();
        for (method, template) in self.operations() {
            let operation = &self.doc["paths"][&template][method.to_ascii_lowercase()];
            let mut targets = Vec::new();
            if let Some(request_body) = operation.get("requestBody") {
                targets.push((Direction::Request, "request".to_owned(), request_body));
            }
            for (status, response) in operation.get("responses").and_then(Value::as_object).into_iter().flatten() {
                targets.push((Direction::Response, format!("response {status}"), response));
            }
            for (direction, target, object) in targets {
                let object = match self.resolve(object) {
                    Ok(object) => object,
                    Err(error) => {
                        errors.push(error);
                        continue;
                    }
                };
                let media = object.get("content").and_then(Value::as_object).and_then(json_media);
                let Some((media_type, Some(schema))) = media.map(|(t, m)| (t, m.get("schema"))) else {
                    continue;
                };
                let key = CacheKey {
                    method: method.to_ascii_lowercase(),
                    template: template.clone(),
                    target: format!("{target} {media_type}"),
                };
                match self.validator(key, schema, direction) {
                    Ok(_) => compiled += 1,
                    Err(error) => errors.push(error),
                }
            }
        }
        if errors.is_empty() { Ok(compiled) } else { Err(errors) }
    }

    /// How many compiled validators are cached.
    pub fn cached_validators(&self) -> usize {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    fn path_item(&self, key: &str) -> Option<&Value> {
        self.doc.get("paths")?.get(key)
    }

    /// Resolves `method path` to (path template, operation object).
    fn operation(&self, method: &str, path: &str) -> Result<(&str, &Value), String> {
        let upper = method.to_ascii_uppercase();
        let lower = method.to_ascii_lowercase();
        let bare = path.split(['?', '#']).next().unwrap_or_default();
        let segments: Vec<&str> = bare.split('/').collect();
        let mut best: Option<(&PathTemplate, Vec<bool>)> = None;
        for template in &self.paths {
            if let Some(specificity) = template.specificity(&segments)
                && best.as_ref().is_none_or(|(_, current)| specificity > *current)
            {
                best = Some((template, specificity));
            }
        }
        let Some((template, _)) = best else {
            return Err(format!("{}: no path in the spec matches {upper} {path}", self.name));
        };
        let item = self.path_item(&template.key).unwrap_or(&Value::Null);
        match item.get(&lower) {
            Some(operation) if operation.is_object() && METHODS.contains(&lower.as_str()) => {
                Ok((template.key.as_str(), operation))
            }
            _ => {
                let declared: Vec<String> = METHODS
                    .iter()
                    .filter(|m| item.get(**m).is_some_and(Value::is_object))
                    .map(|m| m.to_ascii_uppercase())
                    .collect();
                Err(format!(
                    "{}: {upper} is not declared for path {} (matched by {path}; declared: {declared:?})",
                    self.name, template.key
                ))
            }
        }
    }

    /// Follows local `$ref`s of response/request-body objects.
    fn resolve<'a>(&'a self, mut value: &'a Value) -> Result<&'a Value, String> {
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Ok(value);
            };
            value = reference
                .strip_prefix('#')
                .and_then(|pointer| self.doc.pointer(pointer))
                .ok_or_else(|| format!("{SPEC_ERROR_PREFIX} {}: cannot resolve {reference:?}", self.name))?;
        }
        Err(format!("{SPEC_ERROR_PREFIX} {}: $ref cycle", self.name))
    }

    fn validate_with(
        &self,
        key: CacheKey,
        schema: &Value,
        direction: Direction,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        let validator = self.validator(key, schema, direction).map_err(|e| vec![e])?;
        let mut errors = Vec::new();
        for error in validator.iter_errors(body) {
            describe(&error, &mut errors);
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    fn validator(&self, key: CacheKey, schema: &Value, direction: Direction) -> Result<Arc<Validator>, String> {
        if let Some(validator) = self.cache.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return Ok(Arc::clone(validator));
        }
        let mut root = match direction {
            Direction::Request => self.request_root.clone(),
            Direction::Response => self.response_root.clone(),
        };
        // Wrapped in `allOf` so that a top-level `$ref` (whose siblings draft 4
        // ignores) sits next to `components` without trouble.
        root["allOf"] = json!([convert_schema(schema, direction)]);
        let draft = match self.version {
            OpenApiVersion::V3_0 => Draft::Draft4,
            OpenApiVersion::V3_1 => Draft::Draft202012,
        };
        let validator =
            jsonschema::options()
                .with_draft(draft)
                .should_validate_formats(false)
                .offline()
                .build(&root)
                .map_err(|e| format!("{SPEC_ERROR_PREFIX} {}: cannot compile the schema of {key}: {e}", self.name))?;
        let validator = Arc::new(validator);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(Arc::clone(cache.entry(key).or_insert(validator)))
    }
}

/// Asserts that validation failed and that some error names `pointer` and contains
/// every one of `needles`.
#[track_caller]
pub fn assert_error(result: Result<(), Vec<String>>, pointer: &str, needles: &[&str]) {
    let errors = match result {
        Ok(()) => panic!("expected a validation error at {pointer}, got Ok"),
        Err(errors) => errors,
    };
    let prefix = format!("{pointer}: ");
    assert!(
        errors.iter().any(|e| e.starts_with(&prefix) && needles.iter().all(|n| e.contains(n))),
        "no error starts with {prefix:?} and contains {needles:?}; errors: {errors:#?}"
    );
}

#[track_caller]
pub fn assert_ok(result: Result<(), Vec<String>>) {
    if let Err(errors) = result {
        panic!("expected Ok, got errors: {errors:#?}");
    }
}
