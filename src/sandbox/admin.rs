//! The sandbox's admin API (`/_admin/faults`, `/_admin/clock`): only for whoever started
//! this run.
//!
//! Every run draws a random token ([`random_token`], from the OS's random source);
//! `till sandbox serve` prints it, the embedded sandbox hands it over in-process
//! ([`super::SandboxHandle::admin_token`], or [`super::SandboxHandle::set_faults`] without
//! HTTP at all). Requests without `Authorization: Bearer <token>` get 401, so another local
//! process cannot change how the console's sandbox behaves.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::clock::{self, ClockError, Happening, Step};
use super::{AppState, faults, lock};

/// `len` characters from `[0-9A-Za-z]` drawn from the OS's random source (via UUID v4, 122
/// random bits per UUID). For secrets and for ids that must not be guessable; the seeded
/// `SplitMix64` is for reproducible demo data only.
pub fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        // A byte's low 6 bits, rejecting 62 and 63 so every symbol is equally likely; byte 6
        // holds the UUID version in its high nibble, so its low 6 bits are not all random.
        let uuid = uuid::Uuid::new_v4();
        for (_, byte) in uuid.as_bytes().iter().enumerate().filter(|(i, _)| *i != 6) {
            let v = usize::from(byte & 0x3f);
            if v < ALPHABET.len() && out.len() < len {
                out.push(char::from(ALPHABET[v]));
            }
        }
    }
    out
}

/// Compares without stopping at the first difference, so timing does not reveal a prefix.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn authorised(state: &AppState, headers: &HeaderMap) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    given.is_some_and(|t| same_secret(t, &state.admin_token))
}

pub(crate) fn unauthorised() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "the admin API needs `Authorization: Bearer <token>` (printed by `till sandbox serve`)",
    )
        .into_response()
}

pub(crate) async fn get_faults(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !authorised(&state, &headers) {
        return unauthorised();
    }
    lock(&state.faults).text().to_string().into_response()
}

/// Replaces the fault rules at runtime; an empty body clears them.
pub(crate) async fn put_faults(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    if !authorised(&state, &headers) {
        return unauthorised();
    }
    match faults::FaultSpec::parse(&body) {
        Ok(spec) => {
            *lock(&state.faults) = spec;
            (StatusCode::OK, body).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

/// What every clock call answers: the sandbox time, real time, and (after a move) what
/// happened on the way, in time order.
#[derive(serde::Serialize)]
struct ClockView {
    now: String,
    real: String,
    offset_seconds: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    happened: Option<Vec<Happening>>,
}

fn clock_view(state: &AppState, happened: Option<Vec<Happening>>) -> Response {
    let view = ClockView {
        now: clock::stamp(state.clock.now()),
        real: clock::stamp(chrono::Utc::now()),
        offset_seconds: state.clock.offset().num_seconds(),
        happened,
    };
    axum::Json(view).into_response()
}

fn clock_error(e: &ClockError) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(serde_json::json!({ "error": e.to_string() }))).into_response()
}

/// A JSON body's one string field, or the error that says what was expected.
fn field(body: &str, name: &str) -> Result<String, ClockError> {
    let value: Option<serde_json::Value> = serde_json::from_str(body).ok();
    match value.as_ref().and_then(|v| v.get(name)).and_then(|v| v.as_str()) {
        Some(text) => Ok(text.to_string()),
        None => Err(ClockError::BadStep(format!("expected a JSON body {{\"{name}\": \"…\"}}"))),
    }
}

fn moved(state: &AppState, to: Result<chrono::DateTime<chrono::Utc>, ClockError>) -> Response {
    match to.and_then(|to| state.move_clock_to(to)) {
        Ok(happened) => clock_view(state, Some(happened)),
        Err(e) => clock_error(&e),
    }
}

/// `GET /_admin/clock`: the sandbox's time.
pub(crate) async fn get_clock(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if !authorised(&state, &headers) {
        return unauthorised();
    }
    clock_view(&state, None)
}

/// `POST /_admin/clock/advance {"by": "1M"}`: forward by a step.
pub(crate) async fn advance_clock(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    if !authorised(&state, &headers) {
        return unauthorised();
    }
    let to = field(&body, "by").and_then(|by| Step::parse(&by)).and_then(|step| step.after(state.clock.now()));
    moved(&state, to)
}

/// `PUT /_admin/clock {"to": "2027-03-01T00:00Z"}`: forward to a time; earlier is refused.
pub(crate) async fn put_clock(State(state): State<AppState>, headers: HeaderMap, body: String) -> Response {
    if !authorised(&state, &headers) {
        return unauthorised();
    }
    moved(&state, field(&body, "to").and_then(|to| clock::parse_time(&to)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_fresh_and_alphanumeric() {
        let (a, b) = (random_token(32), random_token(32));
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
        assert!(same_secret(&a, &a.clone()) && !same_secret(&a, &b) && !same_secret(&a, &a[..31]));
    }
}
