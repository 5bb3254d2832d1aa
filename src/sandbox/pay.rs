//! The sandbox's hosted checkout page, shared by every provider: `GET /pay/{session}` shows
//! the order, submitting the form pays it. Stripe's test cards decide the outcome.
//!
//! The form carries an anti-CSRF token: a random value per session, issued with the page and
//! required with the payment, so another web page cannot submit a payment with a blind POST.

use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::{AppState, lock};

/// What the page shows for one session.
#[derive(Clone, Debug)]
pub struct OrderSummary {
    pub provider: &'static str,
    pub session_id: String,
    pub paid: bool,
    pub customer: String,
    pub lines: Vec<(String, String)>,
    /// What paying charges now (zero during a free trial).
    pub total: String,
    /// A free trial: what is charged when it ends, and on which day; the page says so
    /// instead of asking to pay the plan's price now.
    pub trial: Option<TrialTerms>,
    pub success_url: Option<String>,
}

/// The charge a free trial defers: the amount (formatted) and the day it is taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrialTerms {
    pub days: u32,
    pub first_charge: String,
    pub on: chrono::NaiveDate,
}

/// The card the form submits; Stripe's test numbers as Kelviq's sandbox documents them.
pub const CARD_OK: &str = "4242 4242 4242 4242";
pub const CARD_DECLINED: &str = "4000 0000 0000 0002";
/// Stripe's "attaches, then charges fail" card: the hosted page takes it (and its first
/// payment), and every later charge of it — renewals, retries — is declined.
pub const CARD_DECLINES_LATER: &str = "4000 0000 0000 0341";

/// A card the hosted page took, as a provider keeps it: the network read from the number's
/// first digits and the last four. The page asks for no expiry, so none is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardSeen {
    pub brand: &'static str,
    pub last4: String,
}

impl CardSeen {
    /// Whether a charge of this saved card, after the checkout that saved it, is declined
    /// ([`CARD_DECLINES_LATER`]; the last four digits are all a provider keeps).
    pub fn declines_later(&self) -> bool {
        self.last4 == CARD_DECLINES_LATER[CARD_DECLINES_LATER.len() - 4..]
    }

    /// From what was typed (spaces and dashes allowed); an empty field pays with `CARD_OK`.
    pub fn from_typed(typed: &str) -> CardSeen {
        let mut digits: String = typed.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            digits = CARD_OK.replace(' ', "");
        }
        let brand = match digits.as_bytes() {
            [b'4', ..] => "visa",
            [b'3', b'4' | b'7', ..] => "amex",
            [b'5', b'1'..=b'5', ..] | [b'2', b'2'..=b'7', ..] => "mastercard",
            [b'6', ..] => "discover",
            _ => "card",
        };
        let last4 = digits[digits.len().saturating_sub(4)..].to_string();
        CardSeen { brand, last4 }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum PayError {
    Declined,
    AlreadyPaid,
    Unavailable(String),
}

/// Implemented by each provider's sandbox state.
pub trait HostedCheckout {
    fn owns_checkout(&self, session_id: &str) -> bool;
    fn summary(&self, session_id: &str) -> Option<OrderSummary>;
    /// Completes the payment: the provider activates whatever the session sold.
    fn pay(&mut self, session_id: &str, card: &str) -> Result<OrderSummary, PayError>;
    /// The provider and the events a payment just made announces (under the same lock).
    fn paid_events(&self, session_id: &str) -> (crate::billing::ProviderKind, Vec<super::events::Emitted>);
}

#[derive(serde::Deserialize)]
pub struct PayForm {
    #[serde(default)]
    card: String,
    #[serde(default)]
    csrf: String,
}

/// The session's form token, issued on first sight of the page.
fn form_token(app: &AppState, session: &str) -> String {
    lock(&app.pay_tokens).entry(session.to_string()).or_insert_with(|| super::admin::random_token(32)).clone()
}

pub async fn show(State(app): State<AppState>, Path(session): Path<String>) -> Response {
    match app.with_checkout(&session, |c| c.summary(&session)).flatten() {
        Some(summary) => {
            let token = form_token(&app, &session);
            Html(render(&summary, None, &token)).into_response()
        }
        None => not_found(&session),
    }
}

pub async fn submit(State(app): State<AppState>, Path(session): Path<String>, Form(form): Form<PayForm>) -> Response {
    let expected = lock(&app.pay_tokens).get(&session).cloned();
    // A paid session cannot take money again, so it answers "already paid" whatever the token.
    let paid = app.with_checkout(&session, |c| c.summary(&session)).flatten().is_some_and(|s| s.paid);
    if !paid && !expected.is_some_and(|t| super::admin::same_secret(&t, &form.csrf)) {
        return (
            StatusCode::FORBIDDEN,
            Html(
                "<!doctype html><title>Expired form</title><p>This form has expired; open the checkout page again.</p>",
            ),
        )
            .into_response();
    }
    let token = form.csrf;
    let card = if form.card.trim().is_empty() { CARD_OK.to_string() } else { form.card };
    let outcome = app.with_checkout(&session, |c| {
        let paid = c.pay(&session, &card);
        let events = paid.is_ok().then(|| c.paid_events(&session));
        (paid, events)
    });
    let outcome = outcome.map(|(paid, events)| {
        if let Some((provider, events)) = events {
            app.webhooks.emit(provider, events);
        }
        paid
    });
    match outcome {
        None => not_found(&session),
        Some(Ok(summary)) => match &summary.success_url {
            // Checked when the checkout was created; a URL a header cannot hold shows the page.
            Some(url) if axum::http::HeaderValue::from_str(url).is_ok() => {
                (StatusCode::SEE_OTHER, [(header::LOCATION, url.clone())], Html(render(&summary, None, &token)))
                    .into_response()
            }
            _ => Html(render(&summary, None, &token)).into_response(),
        },
        Some(Err(err)) => {
            let message = match err {
                PayError::Declined => "Your card was declined. Try 4242 4242 4242 4242.".to_string(),
                PayError::AlreadyPaid => "This checkout has already been paid.".to_string(),
                PayError::Unavailable(m) => m,
            };
            let summary = app.with_checkout(&session, |c| c.summary(&session)).flatten();
            match summary {
                Some(s) => (StatusCode::PAYMENT_REQUIRED, Html(render(&s, Some(&message), &token))).into_response(),
                None => not_found(&session),
            }
        }
    }
}

fn not_found(session: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(format!("<!doctype html><title>Not found</title><p>No checkout session {}.</p>", escape(session))),
    )
        .into_response()
}

fn render(s: &OrderSummary, error: Option<&str>, token: &str) -> String {
    let rows: String =
        s.lines.iter().map(|(k, v)| format!("<tr><td>{}</td><td class=n>{}</td></tr>", escape(k), escape(v))).collect();
    let button = match &s.trial {
        Some(_) => format!("Start trial · {} now", s.total),
        None => format!("Pay {}", s.total),
    };
    let action = if s.paid {
        let done = if s.trial.is_some() { "Trial started. Thank you!" } else { "Paid. Thank you!" };
        format!("<p class=ok>{done}</p>")
    } else {
        format!(
            "<form method=post><input type=hidden name=csrf value=\"{}\"><label>Card number <input name=card value=\"{CARD_OK}\" size=24></label> <button type=submit>{}</button></form><p class=hint>Test cards: {CARD_OK} succeeds, {CARD_DECLINED} is declined, {CARD_DECLINES_LATER} pays now and declines every renewal.</p>",
            escape(token),
            escape(&button)
        )
    };
    let trial = s
        .trial
        .as_ref()
        .map(|t| {
            let when = format!("After the {}-day free trial, on {}", t.days, t.on);
            format!("<tr><td>{}</td><td class=n>{}</td></tr>", escape(&when), escape(&t.first_charge))
        })
        .unwrap_or_default();
    let error = error.map(|e| format!("<p class=err>{}</p>", escape(e))).unwrap_or_default();
    format!(
        "<!doctype html><html><head><meta charset=utf-8><title>Checkout {id}</title><style>body{{font-family:sans-serif;max-width:36em;margin:2em auto}}td.n{{text-align:right}}.err{{color:#b00}}.ok{{color:#070}}.hint{{color:#666;font-size:small}}</style></head><body><h1>{provider} sandbox checkout</h1><p>Session <code>{id}</code> for {customer}</p><table>{rows}<tr><th>Due today</th><th class=n>{total}</th></tr>{trial}</table>{error}{action}</body></html>",
        id = escape(&s.session_id),
        provider = s.provider,
        customer = escape(&s.customer),
        total = escape(&s.total),
    )
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod card_tests {
    use super::*;

    #[test]
    fn a_typed_card_keeps_only_its_network_and_last_four() {
        assert_eq!(CardSeen::from_typed("4242 4242 4242 4242"), CardSeen { brand: "visa", last4: "4242".into() });
        assert_eq!(CardSeen::from_typed("5555-5555-5555-4444"), CardSeen { brand: "mastercard", last4: "4444".into() });
        assert_eq!(CardSeen::from_typed("3782 822463 10005"), CardSeen { brand: "amex", last4: "0005".into() });
        assert_eq!(CardSeen::from_typed(""), CardSeen { brand: "visa", last4: "4242".into() }, "the default card");
    }
}
