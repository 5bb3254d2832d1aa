//! The customer portal session. The docs conflict on the method (current docs: GET with a
//! JSON body; older docs: POST); the provider notes say to try POST first, so POST is sent and
//! a 405 falls back to GET with the same body.

use reqwest::Method;

use super::{ZENSKAR, ZenskarClient, wire};
use crate::billing::RowIssue;
use crate::billing::payments::{PaymentMethod, PortalLink};
use crate::providers::{ErrorKind, ProviderError, Result};

/// The redirect URL opens the portal as the customer; the session token is its key.
const SECRET_FIELDS: &[&str] = &["redirect_url", "session_token"];

impl ZenskarClient {
    pub(super) async fn portal(&self, customer_id: &str, return_url: Option<&str>) -> Result<PortalLink> {
        let return_url = return_url.map(str::trim).filter(|u| !u.is_empty()).ok_or_else(|| {
            ProviderError::invalid(ZENSKAR, "a Zenskar portal session needs a return URL (--return-url)")
        })?;
        if crate::text::safe_url(return_url).is_none_or(|u| u.host().is_none()) {
            return Err(ProviderError::invalid(
                ZENSKAR,
                format!("return URL {return_url:?} is not an absolute http(s) URL"),
            ));
        }
        let uuid = self.customer_uuid(customer_id).await?;
        let body =
            wire::CustomerSessionRequest { customer_id: uuid, return_url: return_url.to_string(), idle_timeout: None };
        let send = |method: Method| -> Result<_> {
            Ok(self.request(method, "customer/session").json(&body)?.secret_response_fields(SECRET_FIELDS))
        };
        let response = match self.http.send(send(Method::POST)?).await {
            Err(e) if e.status == Some(405) => self.http.send(send(Method::GET)?).await?,
            other => other?,
        };
        let session: wire::CustomerSessionResponse = response.json()?;
        if url::Url::parse(&session.redirect_url).is_err() {
            return Err(ProviderError::new(
                ZENSKAR,
                ErrorKind::Decode,
                "the portal session came back without redirect_url",
            ));
        }
        Ok(PortalLink { provider: ZENSKAR, customer_id: customer_id.to_string(), url: session.redirect_url })
    }

    /// The customer's saved methods, every page, default first. The connector's `details`
    /// are read the way Stripe names a card's fields (`brand`, `last4`, `exp_month`,
    /// `exp_year`), camelCase too: the docs leave that object open.
    pub(super) async fn payment_methods_of(&self, customer_id: &str) -> Result<Vec<PaymentMethod>> {
        let uuid = self.customer_uuid(customer_id).await?;
        let rows: Vec<serde_json::Value> = self.get_all(&format!("customers/{uuid}/payment_methods"), &[]).await?;
        let mut out: Vec<PaymentMethod> = rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let id =
                    row.get("id").and_then(|v| v.as_str()).map_or_else(|| format!("(row {})", i + 1), str::to_string);
                match crate::providers::decode::list_row::<wire::PaymentMethod>(i, row) {
                    Ok(m) => payment_method(m),
                    Err((path, message)) => PaymentMethod::unreadable(ZENSKAR, id, RowIssue::new(path, message)),
                }
            })
            .collect();
        out.sort_by_key(|m| !m.is_default);
        Ok(out)
    }
}

fn payment_method(m: wire::PaymentMethod) -> PaymentMethod {
    let (brand, last4, expires) = crate::providers::decode::card_details(|k| m.details.get(k));
    PaymentMethod {
        provider: ZENSKAR,
        id: m.id,
        kind: m.kind.filter(|k| !k.is_empty()).unwrap_or_else(|| "payment method".into()),
        brand,
        last4,
        expires,
        is_default: m.is_default,
        status: m.status.filter(|s| !s.is_empty()),
        created_at: None,
        issues: Vec::new(),
    }
}
