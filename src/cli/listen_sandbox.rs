//! `till listen --forward-to URL` without `--port`: the running sandbox delivers its own
//! events to your app, signed as each provider signs. Registers an endpoint per provider (or
//! the one named), prints its signing secret, then each delivery as it happens (your app's
//! status and latency), and unregisters on exit.

use std::time::Duration;

use serde_json::{Value, json};

use super::common::{ExitCode, Failure, failure};
use super::webhooks::{ListenArgs, print_sandbox_attempt};
use crate::billing::ProviderKind;

struct Admin {
    base: url::Url,
    token: String,
    client: reqwest::Client,
}

impl Admin {
    fn url(&self, path: &str) -> Result<url::Url, Failure> {
        self.base.join(path).map_err(|e| failure(ExitCode::Usage, format!("bad sandbox URL: {e}")))
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Value, Failure> {
        let answer = request
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| failure(ExitCode::Failure, format!("cannot reach the sandbox at {}: {e}", self.base)))?;
        let status = answer.status();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        match status.as_u16() {
            401 => Err(failure(ExitCode::Auth, "the sandbox refused the admin token (TILL_SANDBOX_TOKEN?)")),
            s if !(200..300).contains(&s) => {
                let why =
                    body["error"].as_str().map_or_else(|| format!("the sandbox answered {status}"), str::to_string);
                Err(failure(ExitCode::Validation, why))
            }
            _ => Ok(body),
        }
    }
}

pub async fn run(provider: Option<ProviderKind>, args: ListenArgs, json: bool) -> Result<(), Failure> {
    let (base, token) = super::sandbox_clock::target_of(args.sandbox.as_ref())?;
    let admin = Admin { base, token, client: reqwest::Client::new() };
    let forward_to = args.forward_to.clone().unwrap_or_default();
    let providers = provider.map_or_else(|| ProviderKind::ALL.to_vec(), |p| vec![p]);
    let mut endpoints = Vec::new();
    for p in providers {
        let mut body = json!({ "provider": p.slug(), "url": forward_to });
        if !args.events.is_empty() {
            body["events"] = json!(args.events);
        }
        let made = match admin.send(admin.client.post(admin.url("/_admin/webhooks")?).json(&body)).await {
            Ok(made) => made,
            Err(e) => {
                unregister(&admin, &endpoints).await;
                return Err(e);
            }
        };
        let id = made["id"].as_str().unwrap_or_default().to_string();
        let secret = made["secret"].as_str().unwrap_or_default();
        // The secret goes to the terminal only: it is what the user puts in the app's config.
        eprintln!("till: {} events → {forward_to}  signing secret: {secret}", p.display_name());
        endpoints.push(id);
    }
    eprintln!("till: listening to the sandbox at {}; Ctrl-C stops and unregisters", admin.base);
    let outcome = tokio::select! {
        r = follow(&admin, &endpoints, json) => r,
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    unregister(&admin, &endpoints).await;
    outcome
}

/// Prints every attempt to our endpoints as it is recorded, until interrupted.
async fn follow(admin: &Admin, endpoints: &[String], json: bool) -> Result<(), Failure> {
    let mut after = 0u64;
    loop {
        let mut url = admin.url("/_admin/deliveries")?;
        url.query_pairs_mut().append_pair("after", &after.to_string());
        let attempts = admin.send(admin.client.get(url)).await?;
        for a in attempts.as_array().into_iter().flatten() {
            after = after.max(a["seq"].as_u64().unwrap_or(after));
            if a["endpoint"].as_str().is_some_and(|e| endpoints.iter().any(|mine| mine == e)) {
                print_sandbox_attempt(a, json);
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn unregister(admin: &Admin, endpoints: &[String]) {
    for id in endpoints {
        if let Ok(url) = admin.url(&format!("/_admin/webhooks/{id}")) {
            let _ = admin.client.delete(url).bearer_auth(&admin.token).send().await;
        }
    }
}
