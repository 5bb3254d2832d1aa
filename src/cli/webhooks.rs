//! `till webhooks verify` (one saved delivery) and `till listen` (a local receiver for a real
//! provider's deliveries, behind the user's own tunnel): each delivery's signature and
//! timestamp checked as its provider signs them (`crate::webhooks`), shown, forgeries refused
//! with the reason, valid ones forwarded to the user's app unchanged.

use std::collections::HashSet;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use clap::{Args, Subcommand};

use super::common::{ExitCode, Failure, failure};
use crate::billing::ProviderKind;
use crate::webhooks::{self, Checks, Request, Scheme, TOLERANCE_SECS};

#[derive(Debug, Subcommand)]
pub enum WebhooksCmd {
    /// Check one saved delivery (the raw HTTP request on stdin) against the signing secret:
    /// `till webhooks verify -p flowglad < request.txt`.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The endpoint's signing secret (better: TILL_WEBHOOK_SECRET, which stays out of the shell history).
    #[arg(long)]
    pub secret: Option<String>,
    /// Accept a signed timestamp of any age (a delivery saved earlier); by default one more
    /// than 5 minutes from now is refused as a possible replay.
    #[arg(long)]
    pub any_age: bool,
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The loopback port to receive deliveries on (point your tunnel here).
    #[arg(long)]
    pub port: Option<u16>,
    /// The endpoint's signing secret (better: TILL_WEBHOOK_SECRET).
    #[arg(long)]
    pub secret: Option<String>,
    /// Where valid deliveries are sent on, unchanged (your app's webhook URL). Without
    /// --port: the running sandbox delivers its own events there, signed.
    #[arg(long)]
    pub forward_to: Option<String>,
    /// Without --port: only these event types (comma-separated), e.g. invoice.paid,checkout.completed.
    #[arg(long, value_delimiter = ',')]
    pub events: Vec<String>,
    /// Without --port: the sandbox to use (its admin token in TILL_SANDBOX_TOKEN); by default
    /// the one `till sandbox serve` recorded.
    #[arg(long)]
    pub sandbox: Option<url::Url>,
}

fn scheme(provider: Option<ProviderKind>) -> Result<(Scheme, ProviderKind), Failure> {
    match provider {
        Some(p @ ProviderKind::Kelviq) => Ok((Scheme::Kelviq, p)),
        Some(p @ ProviderKind::Flowglad) => Ok((Scheme::Flowglad, p)),
        Some(p @ ProviderKind::KuvarPay) => Ok((Scheme::KuvarPay, p)),
        Some(p @ ProviderKind::Zenskar) => Ok((Scheme::Zenskar, p)),
        None => Err(failure(
            ExitCode::Usage,
            "which provider signed the delivery? Pass --provider kelviq, flowglad, kuvarpay or zenskar",
        )),
    }
}

fn secret(flag: Option<String>) -> Result<String, Failure> {
    flag.or_else(|| std::env::var("TILL_WEBHOOK_SECRET").ok())
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| failure(ExitCode::Usage, "no signing secret: set TILL_WEBHOOK_SECRET (or pass --secret)"))
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `till webhooks verify`: exit 0 and what the delivery is when it holds, exit 5 with the reason
/// when it does not, exit 2 when stdin is not a request.
pub fn verify(provider: Option<ProviderKind>, args: VerifyArgs, json: bool) -> Result<(), Failure> {
    let (scheme, provider) = scheme(provider)?;
    let secret = secret(args.secret)?;
    let mut raw = Vec::new();
    std::io::stdin()
        .read_to_end(&mut raw)
        .map_err(|e| failure(ExitCode::Failure, format!("could not read the request from stdin: {e}")))?;
    let request = webhooks::parse_request(&raw).map_err(|m| failure(ExitCode::Usage, format!("stdin: {m}")))?;
    let checks = Checks { now: now_secs(), tolerance: (!args.any_age).then_some(TOLERANCE_SECS) };
    let verdict = webhooks::verify(scheme, &secret, &request, checks);
    let line = Delivery { at: chrono::Utc::now(), provider, verdict, forwarded: None, again: Again::Unknown };
    print_delivery(&line, json);
    match line.verdict {
        Ok(_) => Ok(()),
        Err(e) => Err(failure(ExitCode::Validation, format!("refused: {e}"))),
    }
}

/// One delivery as `till listen` and `till webhooks verify` show it.
struct Delivery {
    at: chrono::DateTime<chrono::Utc>,
    provider: ProviderKind,
    verdict: Result<webhooks::Verified, webhooks::Rejected>,
    /// Your app's answer: its status (or why it gave none) and how long it took.
    forwarded: Option<(Result<u16, String>, u128)>,
    again: Again,
}

/// Whether a delivery is a later attempt of one made before. JSON said `"again": null` for a
/// first attempt and for a saved request alike, and never marked a repeat `till listen --port`
/// received; now `again` is a boolean where till can know, and absent where it cannot.
#[derive(Debug, PartialEq)]
enum Again {
    /// One saved request (`till webhooks verify`): nothing to compare it with.
    Unknown,
    First,
    /// Why it is not the first: `retry 2`, `resent` (the console's `r`), or `received before`
    /// (a delivery id this `till listen` already received).
    Yes(String),
}

/// One attempt the sandbox made, as `till listen` prints it (the sandbox signed it, so it is
/// valid by construction; what matters is your app's answer).
pub(super) fn print_sandbox_attempt(a: &serde_json::Value, json: bool) {
    let text = |k: &str| a[k].as_str().map(str::to_string);
    let provider = text("provider").and_then(|p| ProviderKind::ALL.into_iter().find(|k| k.slug() == p));
    let Some(provider) = provider else { return };
    let at = text("at").and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.to_utc());
    let verified = webhooks::Verified {
        id: text("event_id"),
        event_type: text("type"),
        object_id: text("object"),
        timestamp: None,
    };
    let ms = u128::from(a["latency_ms"].as_u64().unwrap_or(0));
    let answer = match a["status"].as_u64() {
        Some(status) => Ok(u16::try_from(status).unwrap_or(0)),
        None => Err(text("error").unwrap_or_else(|| "no answer".into())),
    };
    let again = match (a["redelivery"].as_bool(), a["retry"].as_u64()) {
        (Some(true), _) => Again::Yes("resent".to_string()),
        (_, Some(n)) if n > 0 => Again::Yes(format!("retry {n}")),
        _ => Again::First,
    };
    let line = Delivery {
        at: at.unwrap_or_else(chrono::Utc::now),
        provider,
        verdict: Ok(verified),
        forwarded: Some((answer, ms)),
        again,
    };
    print_delivery(&line, json);
}

fn print_delivery(d: &Delivery, json: bool) {
    let text = if json { delivery_json(d) } else { delivery_line(d) };
    println!("{text}");
}

fn delivery_line(d: &Delivery) -> String {
    let clean = |s: &Option<String>| s.as_deref().map(|x| crate::text::line(x).into_owned()).unwrap_or("-".into());
    let mut out = format!("{}  {:<8}", d.at.format("%Y-%m-%d %H:%M:%S UTC"), d.provider.display_name());
    match &d.verdict {
        Ok(v) => {
            out.push_str(&format!("  {}  {}  id {}  valid", clean(&v.event_type), clean(&v.object_id), clean(&v.id)));
            if let Again::Yes(why) = &d.again {
                out.push_str(&format!(" ({why})"));
            }
        }
        Err(e) => out.push_str(&format!("  REFUSED: {}", crate::text::line(&e.0))),
    }
    match &d.forwarded {
        Some((Ok(status), ms)) => out.push_str(&format!("  → your app {status} in {ms} ms")),
        Some((Err(why), ms)) => out.push_str(&format!("  → your app failed after {ms} ms: {}", crate::text::line(why))),
        None => {}
    }
    out
}

fn delivery_json(d: &Delivery) -> String {
    let (valid, v, reason) = match &d.verdict {
        Ok(v) => (true, Some(v), None),
        Err(e) => (false, None, Some(e.0.clone())),
    };
    let mut value = serde_json::json!({
        "at": d.at.to_rfc3339(),
        // Lowercase, as in every other JSON till prints (`ProviderKind`'s serde name).
        "provider": d.provider.slug(),
        "valid": valid,
        "reason": reason,
        "type": v.and_then(|v| v.event_type.clone()),
        "object_id": v.and_then(|v| v.object_id.clone()),
        "id": v.and_then(|v| v.id.clone()),
        "timestamp": v.and_then(|v| v.timestamp),
        "app_status": d.forwarded.as_ref().and_then(|f| f.0.as_ref().ok().copied()),
        "app_error": d.forwarded.as_ref().and_then(|f| f.0.as_ref().err().cloned()),
        "app_ms": d.forwarded.as_ref().map(|f| f.1),
    });
    match &d.again {
        Again::Unknown => {}
        Again::First => value["again"] = serde_json::json!(false),
        Again::Yes(why) => {
            value["again"] = serde_json::json!(true);
            value["again_reason"] = serde_json::json!(why);
        }
    }
    crate::text::json(&value.to_string()).into_owned()
}

struct Receiver {
    scheme: Scheme,
    provider: ProviderKind,
    secret: String,
    forward_to: Option<reqwest::Url>,
    client: reqwest::Client,
    json: bool,
    /// Delivery ids seen: a provider retries, so a repeat is shown as one, not refused.
    seen: Mutex<HashSet<String>>,
}

/// `till listen --port N --secret S [--forward-to URL]`: runs until interrupted.
pub async fn listen(provider: Option<ProviderKind>, args: ListenArgs, json: bool) -> Result<(), Failure> {
    let (scheme, provider) = scheme(provider)?;
    let Some(port) = args.port else {
        return Err(failure(
            ExitCode::Usage,
            "till listen needs --port: it receives a real provider's deliveries on 127.0.0.1:PORT (behind your tunnel)",
        ));
    };
    let secret = secret(args.secret)?;
    let forward_to = match args.forward_to.as_deref() {
        Some(u) => Some(crate::text::safe_url(u).ok_or_else(|| {
            failure(ExitCode::Usage, format!("--forward-to {:?} is not an http(s) URL", crate::text::line(u)))
        })?),
        None => None,
    };
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| failure(ExitCode::Failure, format!("could not build the HTTP client: {e}")))?;
    let receiver =
        Arc::new(Receiver { scheme, provider, secret, forward_to, client, json, seen: Mutex::new(HashSet::new()) });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| failure(ExitCode::Failure, format!("could not listen on 127.0.0.1:{port}: {e}")))?;
    let bound = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    let target = receiver.forward_to.as_ref().map(|u| format!(", forwarding valid ones to {u}")).unwrap_or_default();
    eprintln!(
        "till: receiving {} deliveries on http://127.0.0.1:{bound}/ (any path){target}; Ctrl-C stops",
        receiver.provider.display_name()
    );
    let app = axum::Router::new().fallback(receive).with_state(receiver);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| failure(ExitCode::Failure, format!("the receiver stopped: {e}")))
}

async fn receive(
    axum::extract::State(r): axum::extract::State<Arc<Receiver>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let request = Request {
        headers: headers
            .iter()
            .map(|(n, v)| (n.as_str().to_ascii_lowercase(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body: body.to_vec(),
    };
    let checks = Checks { now: now_secs(), tolerance: Some(TOLERANCE_SECS) };
    let verdict = webhooks::verify(r.scheme, &r.secret, &request, checks);
    let mut delivery =
        Delivery { at: chrono::Utc::now(), provider: r.provider, verdict, forwarded: None, again: Again::Unknown };
    let answer = match &delivery.verdict {
        Err(e) => (StatusCode::UNAUTHORIZED, format!("refused: {e}\n")),
        Ok(v) => {
            let repeat = v.id.as_ref().is_some_and(|id| r.seen.lock().is_ok_and(|mut seen| !seen.insert(id.clone())));
            delivery.again = if repeat { Again::Yes("received before".into()) } else { Again::First };
            match &r.forward_to {
                Some(url) => {
                    let (status, took) = forward(&r.client, url, &headers, body).await;
                    let code = status
                        .as_ref()
                        .ok()
                        .and_then(|s| StatusCode::from_u16(*s).ok())
                        .unwrap_or(StatusCode::BAD_GATEWAY);
                    delivery.forwarded = Some((status, took));
                    (code, String::new())
                }
                None if repeat => (StatusCode::OK, "received again\n".into()),
                None => (StatusCode::OK, "received\n".into()),
            }
        }
    };
    print_delivery(&delivery, r.json);
    answer
}

/// Sends the delivery on with its own headers and exact body, so your app checks the same
/// signature.
async fn forward(
    client: &reqwest::Client,
    url: &reqwest::Url,
    headers: &HeaderMap,
    body: Bytes,
) -> (Result<u16, String>, u128) {
    let started = Instant::now();
    let mut request = client.post(url.clone()).body(body);
    for (name, value) in headers {
        if !matches!(name.as_str(), "host" | "content-length" | "connection" | "transfer-encoding") {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    let result = request.send().await.map(|r| r.status().as_u16()).map_err(|e| e.to_string());
    (result, started.elapsed().as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(retry: u64, redelivery: bool) -> Delivery {
        Delivery {
            at: chrono::DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z").unwrap().to_utc(),
            provider: ProviderKind::Kelviq,
            verdict: Ok(webhooks::Verified {
                id: Some("evt_1".into()),
                event_type: Some("invoice.paid".into()),
                object_id: Some("inv_1".into()),
                timestamp: None,
            }),
            forwarded: Some((Ok(200), 3)),
            again: match (redelivery, retry) {
                (true, _) => Again::Yes("resent".into()),
                (_, 0) => Again::First,
                (_, n) => Again::Yes(format!("retry {n}")),
            },
        }
    }

    #[test]
    fn a_retry_or_a_resend_says_so_and_a_first_attempt_says_nothing() {
        assert!(delivery_line(&attempt(0, false)).ends_with("id evt_1  valid  → your app 200 in 3 ms"));
        assert!(delivery_line(&attempt(2, false)).contains("valid (retry 2)  → your app"));
        assert!(delivery_line(&attempt(0, true)).contains("valid (resent)"));
    }

    /// `"again": null` stood for a first attempt and for a saved request alike, and the
    /// provider was `"Kelviq"` where every other JSON of till says `"kelviq"`.
    #[test]
    fn json_says_again_as_a_boolean_where_known_and_names_the_provider_in_lowercase() {
        let json = |d: &Delivery| serde_json::from_str::<serde_json::Value>(&delivery_json(d)).unwrap();
        let first = json(&attempt(0, false));
        assert_eq!((&first["provider"], &first["again"]), (&serde_json::json!("kelviq"), &serde_json::json!(false)));
        assert!(first.get("again_reason").is_none(), "{first}");
        let resent = json(&attempt(0, true));
        assert_eq!(
            (&resent["again"], &resent["again_reason"]),
            (&serde_json::json!(true), &serde_json::json!("resent"))
        );
        assert_eq!(json(&attempt(2, false))["again_reason"], "retry 2");
        let mut saved = attempt(0, false);
        saved.again = Again::Unknown;
        let saved = json(&saved);
        assert!(saved.get("again").is_none() && saved.get("again_reason").is_none(), "{saved}");
    }
}
