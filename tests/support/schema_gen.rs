//! Generates JSON values from an OpenAPI document's schemas (3.0 and 3.1): `$ref`, `allOf`
//! (merged), `oneOf`/`anyOf` (one branch), `nullable` and `type: [.., "null"]`, `enum`, `const`,
//! formats (date-time, date, uuid, email, uri) and realistic ranges.
//!
//! "Realistic" means what a real account returns, not what the schema's types alone allow:
//! integers and amounts within 0..=10^9 (within `minimum`/`maximum` when the schema says),
//! strings from a pool that includes unicode, and, where a spec types a field only as `string`
//! but its description and the provider's docs fix the format, that format: currency fields
//! hold ISO 4217 codes, Kelviq's decimal-string amounts hold decimals. Those name-based rules
//! are listed in [`Generator::named_string`]; everything else follows the schema alone.
//!
//! Deterministic for a seed: the same seed and document give the same values.

#![allow(dead_code)]

use proptest::prelude::Rng;
use proptest::test_runner::{RngAlgorithm, TestRng};
use serde_json::{Map, Number, Value, json};

/// Deeper than this, objects keep only required properties and arrays stay empty, so
/// recursive schemas end.
const MAX_DEPTH: usize = 7;

const WORDS: [&str; 12] = [
    "Pro",
    "Zoë Ćwik-Nowak",
    "東京 Plan",
    "Ünïcödé ✓",
    "growth",
    "a",
    "Team (annual)",
    "🚀 Rocket",
    "Straße",
    "O'Brien & Co",
    "line\nbreak",
    "",
];

/// Codes with 0, 2 and 3 minor-unit digits.
const CURRENCIES: [&str; 10] = ["USD", "EUR", "JPY", "KWD", "BHD", "INR", "RUB", "KZT", "BRL", "CLP"];

pub struct Generator<'a> {
    doc: &'a Value,
    rng: TestRng,
    depth: usize,
    /// One currency per body, as one account's subscription, prices and invoices share one.
    currency: &'static str,
    /// Properties present in nearly every body even where the spec marks them optional.
    identity: &'a [&'a str],
}

impl<'a> Generator<'a> {
    pub fn new(doc: &'a Value, seed: u64) -> Generator<'a> {
        let mut bytes = [0u8; 32];
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            chunk.copy_from_slice(&(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_le_bytes());
        }
        Generator {
            doc,
            rng: TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
            depth: 0,
            currency: "USD",
            identity: &[],
        }
    }

    /// Names of properties a real response always carries (the identity of a row), which the
    /// spec may still mark optional: present in 97% of objects instead of 75%.
    pub fn with_identity(mut self, names: &'a [&'a str]) -> Generator<'a> {
        self.identity = names;
        self
    }

    /// A value for a whole response body.
    pub fn body(&mut self, schema: &Value) -> Value {
        self.currency = CURRENCIES[self.below(CURRENCIES.len() as u64) as usize];
        self.value(schema, "")
    }

    fn is_currency(name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        lower.contains("currency") && !lower.contains("symbol") && !lower.contains("rate")
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.rng.next_u64() % n }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A value for `schema`; `name` is the property it fills, if any.
    pub fn value(&mut self, schema: &Value, name: &str) -> Value {
        let doc = self.doc;
        // `nullable` beside a `$ref` is meant (providers write it that way).
        let outer_nullable = schema.get("nullable") == Some(&Value::Bool(true));
        let schema = resolve(doc, schema);
        let nullable = outer_nullable
            || schema.get("nullable") == Some(&Value::Bool(true))
            || schema.get("type").and_then(Value::as_array).is_some_and(|t| t.iter().any(|t| t == "null"));
        if nullable && self.chance(15) {
            return Value::Null;
        }
        if let Some(c) = schema.get("const") {
            return c.clone();
        }
        if Self::is_currency(name)
            && let Some(Value::Array(options)) = schema.get("enum")
        {
            let codes: Vec<&'static str> =
                CURRENCIES.iter().copied().filter(|c| options.iter().any(|o| o == c)).collect();
            if !codes.contains(&self.currency) && !codes.is_empty() {
                self.currency = codes[self.below(codes.len() as u64) as usize];
            }
            if codes.contains(&self.currency) {
                return Value::from(self.currency);
            }
        }
        if let Some(Value::Array(options)) = schema.get("enum") {
            let options: Vec<&Value> = options.iter().filter(|o| !o.is_null()).collect();
            if !options.is_empty() {
                return options[self.below(options.len() as u64) as usize].clone();
            }
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = schema.get(key) {
                let live: Vec<&Value> =
                    branches.iter().filter(|b| resolve(doc, b).get("type") != Some(&json!("null"))).collect();
                if live.is_empty() {
                    return Value::Null;
                }
                let pick = live[self.below(live.len() as u64) as usize];
                return self.value(pick, name);
            }
        }
        if schema.get("allOf").is_some() {
            let mut parts = Vec::new();
            all_of_parts(doc, schema, &mut parts);
            return self.object(&parts);
        }
        match self.type_of(schema) {
            "object" => self.object(&[schema]),
            "array" => self.array(schema, name),
            "string" => self.string(schema, name),
            "integer" => Value::from(self.integer(schema, name)),
            "number" => self.number(schema, name),
            "boolean" => Value::Bool(self.chance(50)),
            "null" => Value::Null,
            // No type: any scalar.
            _ => self.scalar(),
        }
    }

    fn type_of(&self, schema: &Value) -> &'static str {
        let named = match schema.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
            _ => None,
        };
        match named {
            Some("object") => "object",
            Some("array") => "array",
            Some("string") => "string",
            Some("integer") => "integer",
            Some("number") => "number",
            Some("boolean") => "boolean",
            Some("null") => "null",
            _ if schema.get("properties").is_some() => "object",
            _ if schema.get("items").is_some() => "array",
            _ => "any",
        }
    }

    /// An object from one schema, or from the parts of an `allOf` (properties and `required`
    /// united; open if any part is).
    fn object(&mut self, parts: &[&Value]) -> Value {
        let mut out = Map::new();
        let required: Vec<&str> = parts
            .iter()
            .filter_map(|p| p.get("required").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let properties: Vec<(&String, &Value)> =
            parts.iter().filter_map(|p| p.get("properties").and_then(Value::as_object)).flatten().collect();
        let deep = self.depth >= MAX_DEPTH;
        self.depth += 1;
        if !properties.is_empty() {
            for (key, sub) in properties {
                let percent = if self.identity.contains(&key.as_str()) { 97 } else { 75 };
                if required.contains(&key.as_str()) || (!deep && self.chance(percent)) {
                    let v = self.value(sub, key);
                    out.insert(key.clone(), v);
                }
            }
        } else if !deep && parts.iter().all(|p| p.get("additionalProperties") != Some(&Value::Bool(false))) {
            // A free-form object: a few keys of scalars, or of the declared value schema.
            let values = parts.iter().find_map(|p| p.get("additionalProperties").filter(|a| a.is_object()));
            for i in 0..self.below(3) {
                let v = match values {
                    Some(sub) => self.value(sub, ""),
                    None => self.scalar(),
                };
                out.insert(format!("key_{i}"), v);
            }
        }
        self.depth -= 1;
        Value::Object(out)
    }

    fn array(&mut self, schema: &Value, name: &str) -> Value {
        let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        // Lists shorten with depth, so one body stays the size of a real one (a few KB).
        let room = [3, 3, 2, 2, 1][self.depth.min(4)];
        let max = schema.get("maxItems").and_then(Value::as_u64).unwrap_or(min + room).min(min + room);
        let count = if self.depth >= MAX_DEPTH { min } else { min + self.below(max - min + 1) };
        let items = schema.get("items").unwrap_or(&Value::Null);
        self.depth += 1;
        let out = (0..count).map(|_| self.value(items, name)).collect();
        self.depth -= 1;
        Value::Array(out)
    }

    fn bounds(schema: &Value) -> (Option<f64>, Option<f64>) {
        let lower = match (schema.get("minimum").and_then(Value::as_f64), schema.get("exclusiveMinimum")) {
            (_, Some(Value::Number(n))) => n.as_f64().map(|n| n + 1.0),
            (Some(m), Some(Value::Bool(true))) => Some(m + 1.0),
            (m, _) => m,
        };
        let upper = match (schema.get("maximum").and_then(Value::as_f64), schema.get("exclusiveMaximum")) {
            (_, Some(Value::Number(n))) => n.as_f64().map(|n| n - 1.0),
            (Some(m), Some(Value::Bool(true))) => Some(m - 1.0),
            (m, _) => m,
        };
        (lower, upper)
    }

    /// 0, 1, small counts and large values up to 10^9, within the schema's bounds.
    fn integer(&mut self, schema: &Value, _name: &str) -> i64 {
        let (lower, upper) = Self::bounds(schema);
        // Realistic: within 0..=10^9 unless the schema's own bounds are narrower (or negative).
        let lo = lower.map_or(0, |l| l.ceil().clamp(-1e9, 1e9) as i64).max(if upper.is_some_and(|u| u < 0.0) {
            i64::MIN
        } else {
            0
        });
        let hi = upper.map_or(1_000_000_000, |u| u.floor().clamp(-1e9, 1e9) as i64).max(lo);
        let span = (hi - lo) as u64;
        let pick = match self.below(4) {
            0 => 0,
            1 => self.below(span.min(12) + 1),
            2 => self.below(span.min(1000) + 1),
            _ => self.below(span.saturating_add(1)),
        };
        lo + pick as i64
    }

    /// Whole or with up to two decimals (money), within the schema's bounds. Counts typed
    /// `number` (`total`, `count`) are whole, as counts are.
    fn number(&mut self, schema: &Value, name: &str) -> Value {
        let whole = self.integer(schema, name);
        if matches!(name, "total" | "count") || self.chance(70) {
            return Value::from(whole);
        }
        let (_, upper) = Self::bounds(schema);
        let cents = self.below(100) as f64 / 100.0;
        let f = whole as f64 + cents;
        match Number::from_f64(if upper.is_some_and(|u| f > u) { whole as f64 } else { f }) {
            Some(n) => Value::Number(n),
            None => Value::from(whole),
        }
    }

    fn scalar(&mut self) -> Value {
        match self.below(4) {
            0 => Value::from(self.below(1000)),
            1 => Value::Bool(self.chance(50)),
            _ => Value::from(WORDS[self.below(WORDS.len() as u64) as usize]),
        }
    }

    fn string(&mut self, schema: &Value, name: &str) -> Value {
        let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
        let text = match format {
            "date-time" => self.date_time(),
            "date" => self.date(),
            "uuid" => self.uuid(),
            "email" => self.email(),
            "uri" | "url" => format!("https://example.com/{}", self.below(10_000)),
            _ => match self.named_string(name) {
                Some(s) => s,
                None if schema.get("pattern").is_some() => {
                    // A pattern cannot be generated from; the spec's example matches it.
                    schema.get("example").and_then(Value::as_str).map_or_else(|| "x".to_string(), str::to_string)
                }
                None => WORDS[self.below(WORDS.len() as u64) as usize].to_string(),
            },
        };
        let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = schema.get("maxLength").and_then(Value::as_u64).map(|m| m as usize);
        let mut text: String = text.chars().take(max.unwrap_or(usize::MAX)).collect();
        while text.chars().count() < min {
            text.push('x');
        }
        Value::String(text)
    }

    /// Fields a spec types as plain `string` whose format its description and the provider's
    /// docs fix (see the module docs).
    fn named_string(&mut self, name: &str) -> Option<String> {
        let lower = name.to_ascii_lowercase();
        if Self::is_currency(name) {
            // Providers send codes in either case (Kelviq subscriptions: `usd`).
            return Some(if self.chance(50) { self.currency.to_string() } else { self.currency.to_ascii_lowercase() });
        }
        if lower == "amount" || lower.starts_with("amount") {
            let whole = self.below(1_000_000_000);
            return Some(format!("{whole}.{:02}", self.below(100)));
        }
        None
    }

    fn date(&mut self) -> String {
        format!("{:04}-{:02}-{:02}", 1990 + self.below(80), 1 + self.below(12), 1 + self.below(28))
    }

    /// RFC 3339 with the fractions and offsets providers send (Z, +05:30, none to micros).
    fn date_time(&mut self) -> String {
        let time = format!("{:02}:{:02}:{:02}", self.below(24), self.below(60), self.below(60));
        let fraction = match self.below(3) {
            0 => String::new(),
            1 => format!(".{:03}", self.below(1000)),
            _ => format!(".{:06}", self.below(1_000_000)),
        };
        let offset = if self.chance(80) { "Z" } else { "+05:30" };
        format!("{}T{time}{fraction}{offset}", self.date())
    }

    fn uuid(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }

    fn email(&mut self) -> String {
        ["zoe", "j.doe+billing", "müller", "a"][self.below(4) as usize].to_string()
            + &format!("{}@example.com", self.below(100))
    }
}

/// Follows `$ref`s (document-local JSON pointers) to the schema they name.
pub fn resolve<'v>(doc: &'v Value, mut schema: &'v Value) -> &'v Value {
    for _ in 0..32 {
        match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => match doc.pointer(pointer) {
                Some(target) => schema = target,
                None => return schema,
            },
            None => return schema,
        }
    }
    schema
}

/// The object schemas an `allOf` combines, its nested `allOf`s flattened and `$ref`s followed.
fn all_of_parts<'v>(doc: &'v Value, schema: &'v Value, out: &mut Vec<&'v Value>) {
    out.push(schema);
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        for part in parts {
            all_of_parts(doc, resolve(doc, part), out);
        }
    }
}

/// The JSON schema of `method path`'s `status` response, `None` when it declares none.
pub fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, status: &str) -> Option<&'a Value> {
    let responses = doc.get("paths")?.get(path)?.get(method.to_ascii_lowercase())?.get("responses")?;
    let mut response = responses.get(status)?;
    if let Some(r) = response.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        response = doc.pointer(r)?;
    }
    response.get("content")?.get("application/json")?.get("schema")
}
