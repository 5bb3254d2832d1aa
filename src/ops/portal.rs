//! Customer portal links. Not money-moving, but audited: the journal records who was handed a
//! portal for which customer; never the link itself, whose token opens the customer's billing.

use serde::Serialize;
use serde_json::json;

use super::journal::{Act, journaled};
use super::{ErrorKind, OpsError, Result};
use crate::audit::Recorder;
use crate::billing::payments::PortalLink;
use crate::providers::BillingProvider;

/// A link as the journal keeps it: the host only.
struct Audited(PortalLink);

impl Serialize for Audited {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let host = url::Url::parse(&self.0.url).ok().and_then(|u| u.host_str().map(str::to_string));
        json!({"provider": self.0.provider, "customer_id": self.0.customer_id, "host": host}).serialize(s)
    }
}

/// A fresh portal link for the customer, journaled as `portal.link`.
pub async fn link(
    p: &dyn BillingProvider,
    recorder: &Recorder,
    customer_id: &str,
    return_url: Option<&str>,
) -> Result<PortalLink> {
    if !p.actions().portal_link {
        return Err(OpsError::new(
            ErrorKind::Unavailable,
            format!("customer portal links are not offered by {}", p.kind()),
        ));
    }
    if customer_id.trim().is_empty() {
        return Err(OpsError::usage("a portal link needs a customer id"));
    }
    let act = Act {
        provider: p.kind(),
        action: "portal.link",
        customer: Some(customer_id.to_string()),
        target: None,
        before: json!({"customer": customer_id}),
    };
    let run = async { p.portal_link(customer_id, return_url).await.map(Audited) };
    Ok(journaled(recorder, act, run).await?.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::ProviderKind;

    #[test]
    fn the_journal_keeps_the_host_and_never_the_token() {
        let link = PortalLink {
            provider: ProviderKind::Kelviq,
            customer_id: "c1".into(),
            url: "https://www.kelviq.com/portal/x/?token=cpt-SECRET".into(),
        };
        let text = serde_json::to_string(&Audited(link)).unwrap();
        assert!(text.contains("www.kelviq.com") && !text.contains("SECRET"), "{text}");
    }
}
