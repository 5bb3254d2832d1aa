//! `till checkout create`: one request for any provider, `--dry-run` to see it without
//! sending, and the billing estimate (the provider's own, or computed locally and labelled).

use crate::billing::{CheckoutPurpose, CheckoutRequest, Estimate, EstimateSource, FeatureQuantity};
use crate::providers::BillingProvider;

use super::CheckoutArgs;
use super::run::{ExitCode, Failure, emit, failure};

fn purpose(args: &CheckoutArgs) -> Result<Option<CheckoutPurpose>, Failure> {
    match args.kind.as_str() {
        "purchase" => Ok(None),
        "activate-subscription" => {
            let subscription_id = args
                .subscription
                .clone()
                .ok_or_else(|| failure(ExitCode::Usage, "--type activate-subscription needs --subscription ID"))?;
            Ok(Some(CheckoutPurpose::ActivateSubscription { subscription_id }))
        }
        "add-payment-method" => {
            Ok(Some(CheckoutPurpose::AddPaymentMethod { subscription_id: args.subscription.clone() }))
        }
        other => Err(failure(
            ExitCode::Usage,
            format!("--type {other:?} is not one of purchase, activate-subscription, add-payment-method"),
        )),
    }
}

pub fn request(args: &CheckoutArgs) -> Result<CheckoutRequest, Failure> {
    Ok(CheckoutRequest {
        plan_id: args.plan.clone(),
        period: args.period,
        price_id: args.price.clone(),
        customer_id: args.customer.clone(),
        customer_email: args.customer_email.clone(),
        customer_first_name: args.first_name.clone(),
        customer_last_name: args.last_name.clone(),
        currency: args.currency.clone(),
        quantity: args.quantity,
        features: args
            .features
            .iter()
            .map(|(feature_id, quantity)| FeatureQuantity { feature_id: feature_id.clone(), quantity: *quantity })
            .collect(),
        success_url: args.success_url.clone(),
        cancel_url: args.cancel_url.clone(),
        ip_address: args.ip.map(|ip| ip.to_string()),
        start_date: args.start_date,
        end_date: args.end_date,
        business_entity_id: args.business_entity.clone(),
        expires_at: args.expires_at,
        disabled_products: args.disabled_products.clone(),
        billing_mode: args.billing_mode.clone(),
        target_amount: args.target_amount.clone(),
        metadata: args.metadata.iter().cloned().collect(),
        purpose: purpose(args)?,
        preserve_billing_cycle_anchor: args.preserve_billing_cycle_anchor,
        output_name: args.output_name.clone(),
    })
}

pub async fn create(conn: &super::run::Connection, args: CheckoutArgs, json: bool) -> Result<(), Failure> {
    let p: &dyn BillingProvider = conn.provider.as_ref();
    let request = request(&args)?;
    if args.dry_run {
        let preview = p.checkout_preview(&request).await?;
        return emit(json, &preview, || {
            format!("{}\n\n{}\n", preview.pretty_body().unwrap_or_default(), preview.curl())
        });
    }
    let act = crate::audit::Action {
        provider: p.kind(),
        action: "checkout.create",
        customer: request.customer_id.clone(),
        target: None,
        before: Some(serde_json::json!({"request": request})),
    };
    let mut session = super::writes::recorder(conn).record(act, p.create_checkout(&request)).await?;
    if session.estimate.is_none() {
        session.estimate = p.estimate_checkout(&request).await.ok();
    }
    emit(json, &session, || {
        let mut s = format!("{}\n", session.url.as_deref().unwrap_or("(no checkout URL returned)"));
        s.push_str(&format!("session {}  status {}\n", session.id, session.raw_status));
        if let Some(e) = &session.estimate {
            s.push_str(&estimate_text(e));
        }
        s
    })
}

/// The estimate as people read it: each invoice's lines and total, and who computed it.
pub fn estimate_text(e: &Estimate) -> String {
    let mut s = String::new();
    let source = if e.source == EstimateSource::Local { "estimated locally by till" } else { "provider estimate" };
    s.push_str(&format!("due now {} ({source})\n", e.current_invoice.total));
    for line in &e.current_invoice.lines {
        s.push_str(&format!("  {:<48} {}\n", line.description, line.amount.rounded()));
    }
    if let Some(next) = &e.next_invoice {
        s.push_str(&format!(
            "next invoice {} on {}\n",
            next.total,
            next.date.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    s
}
