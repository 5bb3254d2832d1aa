//! The sandbox's admin API (`/_admin/faults`): only for whoever started this run.
//!
//! Every run draws a random token ([`random_token`], from the OS's random source);
//! `till sandbox serve` prints it, the embedded sandbox hands it over in-process
//! ([`super::SandboxHandle::admin_token`], or [`super::SandboxHandle::set_faults`] without
//! HTTP at all). Requests without `Authorization: Bearer <token>` get 401, so another local
//! process cannot change how the console's sandbox behaves.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

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

fn authorised(state: &AppState, headers: &HeaderMap) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    given.is_some_and(|t| same_secret(t, &state.admin_token))
}

fn unauthorised() -> Response {
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
