//! `till checkout create`: one request for any provider, `--dry-run` to see it without
//! sending, and the billing estimate (the provider's own, or computed locally and labelled).

use chrono::Utc;

use crate::billing::{CheckoutRequest, Estimate, EstimateSource, Plan, ProviderKind};
use crate::ops::{
    self,
    checkout::{Draft, Field, Row},
    plans::Narrowing,
};
use crate::providers::BillingProvider;

use super::CheckoutArgs;
use super::common::{Failure, emit};

/// The draft the flags describe, with `plan` as the plan id to send.
fn draft(kind: ProviderKind, args: &CheckoutArgs, plan: &str) -> Draft {
    let mut d = Draft::new(kind);
    d.set(Field::Plan, plan)
        .set_opt(Field::Period, args.period.map(|p| p.to_string()))
        .set_opt(Field::Price, args.price.as_ref())
        .set_opt(Field::Quantity, args.quantity.as_ref())
        .set_opt(Field::Customer, args.customer.as_ref())
        .set_opt(Field::CustomerEmail, args.customer_email.as_ref())
        .set_opt(Field::FirstName, args.first_name.as_ref())
        .set_opt(Field::LastName, args.last_name.as_ref())
        .set(Field::SuccessUrl, &args.success_url)
        .set_opt(Field::CancelUrl, args.cancel_url.as_ref())
        .set_opt(Field::Currency, args.currency.as_ref())
        .set_opt(Field::Ip, args.ip.as_ref())
        .set_opt(Field::StartDate, args.start_date.as_ref())
        .set_opt(Field::EndDate, args.end_date.as_ref())
        .set_opt(Field::ExpiresAt, args.expires_at.as_ref())
        .set_opt(Field::BillingMode, args.billing_mode.as_ref())
        .set_opt(Field::TargetAmount, args.target_amount.as_ref())
        .set(Field::CheckoutType, &args.kind)
        .set_opt(Field::TargetSubscription, args.subscription.as_ref())
        .set_opt(Field::PreserveAnchor, args.preserve_billing_cycle_anchor.map(|b| b.to_string()))
        .set_opt(Field::OutputName, args.output_name.as_ref());
    // A business entity without a customer is Zenskar's guest checkout.
    if args.business_entity.is_some() && args.customer.is_none() {
        d.set(Field::Guest, "true").set_opt(Field::BusinessEntity, args.business_entity.as_ref());
    }
    let row = |key: &str, value: String, enabled| Row { key: key.to_string(), value, enabled };
    let mut quantities: Vec<Row> = args.features.iter().map(|(k, q)| row(k, q.to_string(), true)).collect();
    quantities.extend(args.disabled_products.iter().map(|k| row(k, String::new(), false)));
    let list = if kind == ProviderKind::Zenskar { Field::ProductOverrides } else { Field::Features };
    d.set_rows(list, quantities);
    d.set_rows(Field::Metadata, args.metadata.iter().map(|(k, v)| row(k, v.clone(), true)).collect());
    d
}

/// Every problem on one line, each naming its field: the form's messages.
fn refuse(problems: &[ops::checkout::Problem]) -> Result<(), Failure> {
    if problems.is_empty() {
        return Ok(());
    }
    let text: Vec<String> = problems.iter().map(ops::checkout::Problem::for_cli).collect();
    Err(ops::OpsError::usage(text.join("; ")).into())
}

/// The checks that need no provider, before anything is started or sent.
pub fn precheck(kind: ProviderKind, args: &CheckoutArgs) -> Result<(), Failure> {
    let now = Utc::now();
    refuse(&ops::checkout::validate_all(&draft(kind, args, &args.plan), &[], now.date_naive(), now))
}

/// The request the flags describe, refused before anything is sent when a field breaks the
/// rules the console's form checks (same messages, exit code 2). `--plan` is resolved against
/// the catalog: an id, slug or name as `till plans list` shows it (`--period` and `--currency`
/// narrow a name several plans share).
pub async fn request(p: &dyn BillingProvider, args: &CheckoutArgs) -> Result<CheckoutRequest, Failure> {
    // A catalog that cannot be read leaves `--plan` as typed: the create that follows meets the
    // same failure and reports (and journals) it.
    let plans: Vec<Plan> =
        if args.plan.trim().is_empty() { Vec::new() } else { p.list_plans().await.unwrap_or_default() };
    let narrow = Narrowing { period: args.period, currency: args.currency.as_deref() };
    let plan = ops::plans::resolve(&plans, &args.plan, narrow)?;
    let d = draft(p.kind(), args, &plan);
    let now = Utc::now();
    refuse(&ops::checkout::validate_all(&d, &plans, now.date_naive(), now))?;
    Ok(d.request())
}

pub async fn create(conn: &super::common::Connection, args: CheckoutArgs, json: bool) -> Result<(), Failure> {
    let p: &dyn BillingProvider = conn.provider.as_ref();
    let request = request(p, &args).await?;
    if args.dry_run {
        let preview = p.checkout_preview(&request).await?;
        return emit(json, &preview, || {
            format!("{}\n\n{}\n", preview.pretty_body().unwrap_or_default(), preview.curl())
        });
    }
    let mut session = ops::checkout::create(p, &super::common::recorder(conn), &request).await?;
    if session.estimate.is_none() {
        session.estimate = p.estimate_checkout(&request).await.ok();
    }
    emit(json, &session, || {
        let mut s = format!("{}\n", session.url.as_deref().unwrap_or("(no checkout URL returned)"));
        s.push_str(&format!("session {}  status {}\n", session.id, session.status_text()));
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
    s.push_str(&format!("{} ({source})\n", e.headline()));
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

/// `till checkout sessions`: the provider's sessions, newest first, as a table or JSON.
pub async fn sessions(p: &dyn BillingProvider, limit: u32, json: bool) -> Result<(), Failure> {
    let sessions = ops::checkout::sessions::list(p, limit).await?;
    emit(json, &sessions, || session_table(&sessions))
}

fn session_table(sessions: &[crate::billing::CheckoutListing]) -> String {
    if sessions.is_empty() {
        return "no checkout sessions\n".into();
    }
    let when = |t: Option<chrono::DateTime<Utc>>| t.map_or("-".to_string(), |t| t.format("%Y-%m-%d %H:%M").to_string());
    let rows: Vec<Vec<String>> = sessions
        .iter()
        .map(|l| {
            let customer = l.customer_name.clone().or(l.customer_email.clone()).or(l.session.customer_id.clone());
            vec![
                l.session.id.clone(),
                l.session.status_text(),
                customer.unwrap_or_else(|| "-".into()),
                l.amount.map_or("-".into(), |m| m.to_string()),
                when(l.created_at),
                when(l.session.expires_at),
            ]
        })
        .collect();
    super::table::render(&["ID", "STATUS", "CUSTOMER", "AMOUNT", "CREATED (UTC)", "EXPIRES (UTC)"], &rows)
}
