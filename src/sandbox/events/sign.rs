//! Signing a delivery exactly as each provider does. The sandbox's own code, on purpose not
//! `crate::webhooks` (the client-side verifier), so a mistake in one is caught by the other.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::billing::ProviderKind;
use crate::sandbox::admin::random_token;

/// A new signing secret in the provider's form: Kelviq `kq_whsec_…`; Flowglad Svix's
/// `whsec_<base64 of 24 random bytes>`; KuvarPay and Zenskar (whose users choose one) a
/// random token (inferred).
pub fn new_secret(provider: ProviderKind) -> String {
    match provider {
        ProviderKind::Kelviq => format!("kq_whsec_{}", random_token(32)),
        ProviderKind::Flowglad => format!("whsec_{}", STANDARD.encode(random_token(24))),
        ProviderKind::KuvarPay => format!("kp_whsec_{}", random_token(32)),
        ProviderKind::Zenskar => random_token(32),
    }
}

/// An endpoint id: Flowglad's `webhook_…`, the others a UUID (Kelviq's logs name endpoints by
/// UUID).
pub fn endpoint_id(provider: ProviderKind) -> String {
    match provider {
        ProviderKind::Flowglad => format!("webhook_{}", random_token(21)),
        _ => uuid::Uuid::new_v4().to_string(),
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC takes a key of any length, so this never fails.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        return Vec::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// What one delivery is signed with.
pub struct Signing<'a> {
    pub provider: ProviderKind,
    pub secret: &'a str,
    pub event_id: &'a str,
    pub event_type: &'a str,
    /// Unix seconds of the sending (real time: the receiver checks it against its own clock).
    pub timestamp: i64,
    pub body: &'a str,
}

/// The headers that carry the signature, in the provider's names.
pub fn headers(s: &Signing<'_>) -> Vec<(&'static str, String)> {
    let ts = s.timestamp.to_string();
    let signed = [s.event_id.as_bytes(), b".", ts.as_bytes(), b".", s.body.as_bytes()];
    match s.provider {
        ProviderKind::Kelviq => vec![
            ("webhook-id", s.event_id.to_string()),
            ("webhook-timestamp", ts.clone()),
            ("webhook-signature", format!("v1,{}", hex::encode(hmac(s.secret.as_bytes(), &signed)))),
        ],
        ProviderKind::Flowglad => {
            let encoded = s.secret.strip_prefix("whsec_").unwrap_or(s.secret);
            let key = STANDARD.decode(encoded).unwrap_or_else(|_| encoded.as_bytes().to_vec());
            vec![
                ("svix-id", s.event_id.to_string()),
                ("svix-timestamp", ts.clone()),
                ("svix-signature", format!("v1,{}", STANDARD.encode(hmac(&key, &signed)))),
            ]
        }
        ProviderKind::KuvarPay => vec![
            (
                "X-KuvarPay-Signature",
                format!("sha256={}", hex::encode(hmac(s.secret.as_bytes(), &[s.body.as_bytes()]))),
            ),
            ("X-KuvarPay-Event", s.event_type.to_string()),
            ("X-KuvarPay-Delivery", s.event_id.to_string()),
        ],
        ProviderKind::Zenskar => {
            vec![("X-Zenskar-Signature", hex::encode(hmac(s.secret.as_bytes(), &[s.body.as_bytes()])))]
        }
    }
}
