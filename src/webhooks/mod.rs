//! Webhook deliveries as each provider signs them, checked on the receiving side: what
//! `till webhooks verify` and `till listen` use. No I/O and nothing of ours imported, so the
//! sandbox (which signs its own deliveries with its own code) stays an independent witness.
//!
//! | provider | headers | signed text | digest |
//! | --- | --- | --- | --- |
//! | Kelviq | `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<hex>` | `{id}.{timestamp}.{body}` | hex HMAC-SHA256, keyed with the secret as written |
//! | Flowglad (Svix) | `svix-id`, `svix-timestamp`, `svix-signature: v1,<base64>` (several, space-separated) | `{id}.{timestamp}.{body}` | base64 HMAC-SHA256, keyed with the base64 after `whsec_` |
//! | KuvarPay | `X-KuvarPay-Signature: sha256=<hex>`, `X-KuvarPay-Event`, `X-KuvarPay-Delivery` | the body | hex HMAC-SHA256 |
//! | Zenskar (inferred) | `X-Zenskar-Signature: <hex>` | the body | hex HMAC-SHA256 |

pub mod request;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub use request::{Request, parse_request};

/// How far a signed timestamp may be from now, by default (Kelviq's and Svix's 5 minutes).
pub const TOLERANCE_SECS: i64 = 300;

/// The providers whose deliveries can be checked; the same names as everywhere in till.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Kelviq,
    Flowglad,
    KuvarPay,
    Zenskar,
}

/// A delivery whose signature holds: what it says it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The delivery's id (`webhook-id`, `svix-id`, `X-KuvarPay-Delivery`, or the body's `id`).
    pub id: Option<String>,
    /// The event type (`subscription.updated`), from the header or the body.
    pub event_type: Option<String>,
    /// The id of the object the event is about, where the body names one.
    pub object_id: Option<String>,
    /// The signed timestamp (unix seconds), for schemes that sign one.
    pub timestamp: Option<i64>,
}

/// Why a delivery is refused, in words that name the header or value at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected(pub String);

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What to check besides the signature.
#[derive(Clone, Copy, Debug)]
pub struct Checks {
    /// Unix seconds now.
    pub now: i64,
    /// Refuse a signed timestamp further than this from `now`; `None` accepts any age (a
    /// saved request checked later).
    pub tolerance: Option<i64>,
}

/// Checks one delivery's signature (and timestamp, where the scheme signs one).
pub fn verify(scheme: Scheme, secret: &str, req: &Request, checks: Checks) -> Result<Verified, Rejected> {
    if secret.trim().is_empty() {
        return Err(Rejected("the signing secret is empty".into()));
    }
    let mut verified = match scheme {
        Scheme::Kelviq => {
            timestamped(req, ["webhook-id", "webhook-timestamp", "webhook-signature"], checks, |text, sig| {
                let expected = hex_of_signature(sig, "v1,", "webhook-signature")?;
                check_mac(secret.as_bytes(), text, &expected, "webhook-signature")
            })?
        }
        Scheme::Flowglad => {
            let key = svix_key(secret)?;
            timestamped(req, ["svix-id", "svix-timestamp", "svix-signature"], checks, |text, sig| {
                check_any_svix(&key, text, sig)
            })?
        }
        Scheme::KuvarPay => {
            let sig = header(req, "x-kuvarpay-signature")?;
            let expected = hex_of_signature(sig, "sha256=", "X-KuvarPay-Signature")?;
            check_mac(secret.as_bytes(), &req.body, &expected, "X-KuvarPay-Signature")?;
            Verified {
                id: req.header("x-kuvarpay-delivery").map(str::to_string),
                event_type: req.header("x-kuvarpay-event").map(str::to_string),
                object_id: None,
                timestamp: None,
            }
        }
        Scheme::Zenskar => {
            let sig = header(req, "x-zenskar-signature")?;
            let expected = hex_of_signature(sig, "", "X-Zenskar-Signature")?;
            check_mac(secret.as_bytes(), &req.body, &expected, "X-Zenskar-Signature")?;
            Verified { id: None, event_type: None, object_id: None, timestamp: None }
        }
    };
    describe_from_body(&mut verified, &req.body);
    Ok(verified)
}

/// The Kelviq and Svix shape: an id, a timestamp and a signature over `{id}.{timestamp}.{body}`.
fn timestamped(
    req: &Request,
    [id_name, ts_name, sig_name]: [&str; 3],
    checks: Checks,
    check: impl Fn(&[u8], &str) -> Result<(), Rejected>,
) -> Result<Verified, Rejected> {
    let id = header(req, id_name)?;
    let ts_text = header(req, ts_name)?;
    let sig = header(req, sig_name)?;
    let ts: i64 =
        ts_text.trim().parse().map_err(|_| Rejected(format!("{ts_name} is {ts_text:?}, not unix seconds")))?;
    let mut text = format!("{id}.{ts_text}.").into_bytes();
    text.extend_from_slice(&req.body);
    check(&text, sig)?;
    // The signature first: an unsigned timestamp says nothing, a signed old one is a replay.
    if let Some(tolerance) = checks.tolerance {
        let off = checks.now - ts;
        if off.abs() > tolerance {
            let when = if off > 0 { "old" } else { "in the future" };
            return Err(Rejected(format!(
                "signature valid, but {ts_name} is {}s {when} (more than {tolerance}s): a replay, or a clock off",
                off.abs()
            )));
        }
    }
    Ok(Verified { id: Some(id.to_string()), event_type: None, object_id: None, timestamp: Some(ts) })
}

fn header<'a>(req: &'a Request, name: &str) -> Result<&'a str, Rejected> {
    req.header(name).ok_or_else(|| Rejected(format!("no {name} header")))
}

/// The bytes of a hex signature after its prefix (`v1,`, `sha256=`).
fn hex_of_signature(value: &str, prefix: &str, name: &str) -> Result<Vec<u8>, Rejected> {
    let digits =
        value.trim().strip_prefix(prefix).ok_or_else(|| Rejected(format!("{name} does not start with {prefix:?}")))?;
    hex::decode(digits).map_err(|_| Rejected(format!("{name} is not a hex digest after {prefix:?}")))
}

fn mac(key: &[u8], text: &[u8]) -> Result<Hmac<Sha256>, Rejected> {
    // HMAC takes keys of any length, so this fails only if the crate changes its mind.
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .map_err(|_| Rejected("the secret cannot key an HMAC-SHA256".into()))?;
    m.update(text);
    Ok(m)
}

/// Compares in constant time (`verify_slice`).
fn check_mac(key: &[u8], text: &[u8], expected: &[u8], name: &str) -> Result<(), Rejected> {
    mac(key, text)?.verify_slice(expected).map_err(|_| {
        Rejected(format!("{name} does not match the body signed with this secret (forged, altered, or another secret)"))
    })
}

/// Svix secrets are `whsec_` and the key in base64.
fn svix_key(secret: &str) -> Result<Vec<u8>, Rejected> {
    let b64 = secret.trim().strip_prefix("whsec_").unwrap_or(secret.trim());
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| Rejected("the secret is not a Svix secret (whsec_ and base64)".into()))
}

/// `svix-signature` may hold several space-separated `v1,<base64>` (during a secret rotation);
/// one match is enough.
fn check_any_svix(key: &[u8], text: &[u8], value: &str) -> Result<(), Rejected> {
    let mut versions = 0;
    for entry in value.split_whitespace() {
        let Some(b64) = entry.strip_prefix("v1,") else { continue };
        versions += 1;
        let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(b64) else { continue };
        if mac(key, text)?.verify_slice(&expected).is_ok() {
            return Ok(());
        }
    }
    Err(Rejected(if versions == 0 {
        "svix-signature holds no v1 signature".into()
    } else {
        "svix-signature does not match the body signed with this secret (forged, altered, or another secret)".into()
    }))
}

/// Fills what the body says (event type, ids) where the headers did not.
fn describe_from_body(v: &mut Verified, body: &[u8]) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else { return };
    let text = |value: Option<&serde_json::Value>| value.and_then(|x| x.as_str()).map(str::to_string);
    if v.event_type.is_none() {
        v.event_type = text(json.get("type")).or_else(|| text(json.get("event")));
    }
    if v.id.is_none() {
        v.id = text(json.get("id"));
    }
    let data = json.get("data");
    let object = data.and_then(|d| d.get("object")).or(data);
    v.object_id = text(object.and_then(|o| o.get("id")));
}

#[cfg(test)]
mod tests;
