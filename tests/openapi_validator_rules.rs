//! Tests of the OpenAPI test-support validator's conversion and matching rules, on small
//! inline specs (the providers' real specs are exercised in openapi_validator.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use serde_json::{Value, json};
use support::openapi::{OpenApiVersion, Spec, assert_error, assert_ok};

fn mini_30() -> Spec {
    let thing = json!({ "$ref": "#/components/schemas/Thing" });
    let doc = json!({
        "openapi": "3.0.3",
        "info": { "title": "mini", "version": "1" },
        "paths": {
            "/things/": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "list",
                            "content": { "application/json": {
                                "schema": { "type": "array", "items": thing }
                            } }
                        }
                    }
                },
                "post": {
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": thing } }
                    },
                    "responses": {
                        "201": {
                            "description": "created",
                            "content": { "application/json; charset=utf-8": { "schema": thing } }
                        },
                        "204": { "description": "no body" },
                        "4XX": { "$ref": "#/components/responses/Error" },
                        "default": { "description": "anything" }
                    }
                }
            },
            "/things/{id}/": {
                "patch": {
                    "requestBody": {
                        "content": { "application/json": { "schema": { "type": "object" } } }
                    },
                    "responses": { "200": { "description": "ok" } }
                }
            },
            "/things/special/": {
                "get": { "responses": { "200": { "description": "literal" } } }
            }
        },
        "components": {
            "responses": {
                "Error": {
                    "description": "error",
                    "content": { "application/json": { "schema": {
                        "type": "object",
                        "required": ["detail"],
                        "properties": { "detail": { "type": "string" } }
                    } } }
                }
            },
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["id", "name", "secret"],
                    "discriminator": { "propertyName": "name" },
                    "example": { "id": 1 },
                    "properties": {
                        "id": { "type": "string", "format": "uuid", "readOnly": true },
                        "name": { "type": "string", "example": 5 },
                        "secret": { "type": "string", "writeOnly": true },
                        "kind": { "type": "string", "enum": ["a", "b"], "nullable": true },
                        "parent": { "$ref": "#/components/schemas/Parent", "nullable": true },
                        "address": { "$ref": "#/components/schemas/Address" },
                        "choice": {
                            "nullable": true,
                            "oneOf": [{ "type": "integer" }, { "type": "string" }]
                        },
                        "amount": { "type": "number", "minimum": 0, "exclusiveMinimum": true },
                        "link": { "type": "string", "format": "url" },
                        "example": { "type": "integer" },
                        "nullable": { "type": "boolean" }
                    }
                },
                "Parent": {
                    "type": "object",
                    "required": ["id"],
                    "properties": { "id": { "type": "string" } }
                },
                "Address": {
                    "type": "object",
                    "nullable": true,
                    "properties": { "line1": { "type": "string" } }
                }
            }
        }
    });
    Spec::from_value("mini", doc).expect("mini spec loads")
}

fn response_thing() -> Value {
    json!({ "id": "00000000-0000-0000-0000-000000000000", "name": "x" })
}

#[test]
fn mini_version_and_operations() {
    let spec = mini_30();
    assert_eq!(spec.version(), OpenApiVersion::V3_0);
    assert_eq!(
        spec.operations(),
        vec![
            ("GET".to_owned(), "/things/".to_owned()),
            ("POST".to_owned(), "/things/".to_owned()),
            ("GET".to_owned(), "/things/special/".to_owned()),
            ("PATCH".to_owned(), "/things/{id}/".to_owned()),
        ]
    );
    // GET /things/ 200, POST request + 201 + 4XX, PATCH request (204, default and
    // the literal GET have no JSON schema).
    assert_eq!(spec.compile_all(), Ok(5));
}

#[test]
fn mini_rejects_unsupported_versions() {
    let err = Spec::from_value("old", json!({ "swagger": "2.0", "paths": {} })).unwrap_err();
    assert!(err.contains("unsupported"), "{err}");
}

#[test]
fn mini_nullable_rules() {
    let spec = mini_30();
    let with = |field: &str, value: Value| {
        let mut body = response_thing();
        body[field] = value;
        spec.validate_response("POST", "/things/", 201, &body)
    };
    assert_ok(with("kind", json!("a")));
    // nullable + enum: null is accepted although the enum does not list it.
    assert_ok(with("kind", Value::Null));
    assert_error(with("kind", json!("c")), "/kind", &["\"c\""]);
    // nullable beside $ref.
    assert_ok(with("parent", Value::Null));
    assert_ok(with("parent", json!({ "id": "p" })));
    // The "not null" branch of the nullable wrapper is dropped from the report.
    assert_error(with("parent", json!({})), "/parent", &["\"id\" is a required property"]);
    // A referenced schema that is itself nullable.
    assert_ok(with("address", Value::Null));
    assert_error(with("address", json!({ "line1": 1 })), "/address/line1", &["not of type \"string\""]);
    // nullable beside oneOf.
    assert_ok(with("choice", Value::Null));
    assert_ok(with("choice", json!(3)));
    assert_error(with("choice", json!(true)), "/choice", &["oneOf"]);
    // Not nullable.
    assert_error(with("name", Value::Null), "/name", &["null is not of type \"string\""]);
}

#[test]
fn mini_keywords_and_property_names() {
    let spec = mini_30();
    let with = |field: &str, value: Value| {
        let mut body = response_thing();
        body[field] = value;
        spec.validate_response("POST", "/things/", 201, &body)
    };
    // Draft 4 boolean exclusiveMinimum.
    assert_ok(with("amount", json!(0.5)));
    assert_error(with("amount", json!(0)), "/amount", &["0"]);
    // Formats are not asserted (neither the unknown "url" nor "uuid").
    assert_ok(with("link", json!("not a url")));
    assert_ok(with("id", json!("not-a-uuid")));
    // Properties *named* like stripped keywords keep their schemas.
    assert_ok(with("example", json!(7)));
    assert_error(with("example", json!("7")), "/example", &["not of type \"integer\""]);
    assert_error(with("nullable", json!("yes")), "/nullable", &["not of type \"boolean\""]);
}

#[test]
fn mini_read_only_and_write_only() {
    let spec = mini_30();
    // readOnly `id` is not required in requests; writeOnly `secret` is.
    assert_ok(spec.validate_request("POST", "/things/", &json!({ "name": "x", "secret": "s" })));
    assert_error(
        spec.validate_request("POST", "/things/", &json!({ "name": "x" })),
        "(root)",
        &["\"secret\" is a required property"],
    );
    // …and the other way round in responses.
    assert_ok(spec.validate_response("POST", "/things/", 201, &response_thing()));
    assert_error(
        spec.validate_response("POST", "/things/", 201, &json!({ "name": "x" })),
        "(root)",
        &["\"id\" is a required property"],
    );
}

#[test]
fn mini_request_bodies() {
    let spec = mini_30();
    // Required body: "no body" is validated (and rejected).
    assert_error(
        spec.validate_request("POST", "/things/", &Value::Null),
        "(root)",
        &["null is not of type \"object\""],
    );
    // Optional body may be absent.
    assert_ok(spec.validate_request("PATCH", "/things/1/", &Value::Null));
    assert_error(spec.validate_request("PATCH", "/things/1/", &json!([])), "(root)", &["object"]);
    // No request body declared.
    assert_ok(spec.validate_request("GET", "/things/", &Value::Null));
    let errors = spec.validate_request("GET", "/things/", &json!({})).unwrap_err();
    assert!(errors[0].contains("declares no request body"), "{errors:?}");
}

#[test]
fn mini_status_lookup() {
    let spec = mini_30();
    // Exact status, with a media type carrying parameters.
    assert_error(spec.validate_response("POST", "/things/", 201, &json!([])), "(root)", &["not of type \"object\""]);
    // Declared without content.
    assert_ok(spec.validate_response("POST", "/things/", 204, &json!("anything")));
    // Range via a $ref'd response object.
    assert_ok(spec.validate_response("POST", "/things/", 404, &json!({ "detail": "gone" })));
    assert_error(
        spec.validate_response("POST", "/things/", 422, &json!({ "detail": 1 })),
        "/detail",
        &["not of type \"string\""],
    );
    // default.
    assert_ok(spec.validate_response("POST", "/things/", 503, &json!({ "anything": 1 })));
    // Undeclared status.
    let errors = spec.validate_response("GET", "/things/", 404, &json!({})).unwrap_err();
    assert!(errors[0].contains("status 404 is not declared"), "{errors:?}");
    assert!(spec.is_undeclared_status("GET", "/things/", 404));
    assert!(!spec.is_undeclared_status("GET", "/things/", 200));
    assert!(!spec.is_undeclared_status("POST", "/things/", 599));
}

#[test]
fn mini_path_matching() {
    let spec = mini_30();
    assert_eq!(spec.path_template("GET", "/things/special/"), Some("/things/special/"));
    assert_eq!(spec.path_template("PATCH", "/things/42/"), Some("/things/{id}/"));
    assert_eq!(spec.path_template("get", "/things/?page=2#x"), Some("/things/"));
    // Literal path wins even when it lacks the method (as a router would).
    assert!(!spec.has_operation("PATCH", "/things/special/"));
    let errors = spec.validate_request("PATCH", "/things/special/", &json!({})).unwrap_err();
    assert!(errors[0].contains("PATCH is not declared for path /things/special/"), "{errors:?}");
    // Trailing slash and segment count must match; params are never empty.
    assert!(!spec.has_operation("GET", "/things"));
    assert!(!spec.has_operation("PATCH", "/things/42"));
    assert!(!spec.has_operation("PATCH", "/things//"));
    assert!(!spec.has_operation("PATCH", "/things/1/2/"));
    let errors = spec.validate_response("GET", "/nope/", 200, &json!({})).unwrap_err();
    assert!(errors[0].contains("no path in the spec matches GET /nope/"), "{errors:?}");
}

#[test]
fn mini_caches_validators() {
    let spec = mini_30();
    assert_eq!(spec.cached_validators(), 0);
    for _ in 0..3 {
        assert_ok(spec.validate_response("POST", "/things/", 201, &response_thing()));
    }
    assert_eq!(spec.cached_validators(), 1);
    // Same template through a different concrete path: same validator.
    assert_ok(spec.validate_request("PATCH", "/things/1/", &json!({})));
    assert_ok(spec.validate_request("PATCH", "/things/2/", &json!({})));
    assert_eq!(spec.cached_validators(), 2);
}

#[test]
fn mini_validate_schema_by_name() {
    let spec = mini_30();
    assert_ok(spec.validate_schema("Parent", &json!({ "id": "p" })));
    assert_error(spec.validate_schema("Parent", &json!({ "id": 1 })), "/id", &["string"]);
    assert_ok(spec.validate_schema("Address", &Value::Null));
    assert!(spec.validate_schema("Missing", &json!({})).is_err());
}

// ---------------------------------------------------------------------------
// Inline OpenAPI 3.1 spec
// ---------------------------------------------------------------------------

#[test]
fn mini_31_uses_draft_2020_12() {
    let doc = json!({
        "openapi": "3.1.0",
        "info": { "title": "mini31", "version": "1" },
        "paths": {
            "/v1/items/{id}": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": { "application/json": { "schema": {
                                "$ref": "#/components/schemas/Item",
                                "required": ["extra"]
                            } } }
                        }
                    }
                }
            }
        },
        "components": { "schemas": { "Item": {
            "type": "object",
            "required": ["kind", "price"],
            "discriminator": { "propertyName": "kind" },
            "properties": {
                "kind": { "type": "string", "const": "item" },
                "price": { "type": "number", "exclusiveMinimum": 0 },
                "note": { "type": ["string", "null"] },
                "tags": { "type": "array", "prefixItems": [{ "type": "string" }] }
            }
        } } }
    });
    let spec = Spec::from_value("mini31", doc).unwrap();
    assert_eq!(spec.version(), OpenApiVersion::V3_1);
    let ok = json!({ "kind": "item", "price": 1, "note": null, "extra": true, "tags": ["a", 1] });
    assert_ok(spec.validate_response("GET", "/v1/items/abc", 200, &ok));
    let mut bad = ok.clone();
    bad["price"] = json!(0);
    assert_error(spec.validate_response("GET", "/v1/items/abc", 200, &bad), "/price", &["0"]);
    let mut bad = ok.clone();
    bad["kind"] = json!("other");
    assert_error(spec.validate_response("GET", "/v1/items/abc", 200, &bad), "/kind", &["item"]);
    let mut bad = ok.clone();
    bad["tags"] = json!([1]);
    assert_error(spec.validate_response("GET", "/v1/items/abc", 200, &bad), "/tags/0", &["string"]);
    // `$ref` siblings apply in 3.1.
    let mut bad = ok;
    bad.as_object_mut().unwrap().remove("extra");
    assert_error(
        spec.validate_response("GET", "/v1/items/abc", 200, &bad),
        "(root)",
        &["\"extra\" is a required property"],
    );
}

// ---------------------------------------------------------------------------
// Kelviq (OpenAPI 3.0.0)
// ---------------------------------------------------------------------------
