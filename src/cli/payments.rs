//! `till payments list|refund`, `till portal`, `till usage report`: the everyday support
//! actions of issue 16, headless. A refund prints its preview and applies only with `--yes`,
//! as `till subscriptions cancel` does; under a LIVE profile it also needs the customer id
//! typed again (`--confirm-customer`).

use clap::{Args, Subcommand};
use serde_json::json;

use super::common::{Connection, Failure, emit, recorder};
use super::table;
use crate::billing::payments::{Payment, PaymentMethod, RefundReason, UsageMode, UsageReport};
use crate::ops;

#[derive(Debug, Subcommand)]
pub enum PaymentsCmd {
    /// A customer's payments (Kelviq orders, Flowglad payments), newest first.
    List {
        /// The customer's id at the provider.
        #[arg(long, value_parser = super::id_arg)]
        customer: String,
    },
    /// Refund a payment, wholly or partly: prints the preview; applies it only with --yes.
    Refund(RefundArgs),
    /// A customer's saved payment methods (Kelviq, Flowglad, Zenskar), default first.
    Methods {
        /// The customer's id at the provider.
        #[arg(long, value_parser = super::id_arg)]
        customer: String,
    },
}

#[derive(Debug, Args)]
pub struct RefundArgs {
    /// The payment (Kelviq order id, Flowglad payment id).
    #[arg(value_parser = super::id_arg)]
    pub id: String,
    /// How much to refund, in the payment's currency (e.g. 10.50); everything still
    /// refundable when not given.
    #[arg(long)]
    pub amount: Option<String>,
    /// duplicate, fraudulent, requested-by-customer or other (Kelviq records it).
    #[arg(long, value_parser = RefundReason::parse)]
    pub reason: Option<RefundReason>,
    /// An internal note kept with the refund (Kelviq).
    #[arg(long)]
    pub note: Option<String>,
    /// Apply the refund (the payment is read again and must not have changed).
    #[arg(long)]
    pub yes: bool,
    /// Under a LIVE profile: the payment's customer id, typed again to confirm.
    #[arg(long)]
    pub confirm_customer: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UsageCmd {
    /// Report usage of a metered feature (journaled; it changes what is billed).
    Report {
        /// The customer's id at the provider.
        #[arg(long, value_parser = super::id_arg)]
        customer: String,
        /// The metered feature (Kelviq feature id, Flowglad usage meter slug).
        #[arg(long)]
        feature: String,
        /// How much usage to add (a whole number).
        #[arg(long)]
        quantity: u64,
        /// Set the meter to the quantity instead of adding (Kelviq only).
        #[arg(long)]
        set: bool,
        /// Report it; without --yes the meter is read and what the report would make of it
        /// is printed, nothing sent.
        #[arg(long)]
        yes: bool,
        /// Under a LIVE profile: the customer id, typed again to confirm.
        #[arg(long)]
        confirm_customer: Option<String>,
    },
}

fn guard(conn: &Connection, typed: Option<String>) -> ops::payments::Guard {
    let live = conn.profile.as_ref().is_some_and(|(_, mode)| *mode == "live");
    // Read-only was refused before connecting (writes::is_write).
    ops::payments::Guard { read_only: false, live, typed_customer: typed }
}

pub async fn payments(conn: &Connection, cmd: PaymentsCmd, json: bool) -> Result<(), Failure> {
    let p = conn.provider.as_ref();
    match cmd {
        PaymentsCmd::List { customer } => {
            let list = ops::payments::list(p, &customer).await?;
            super::common::exists_when_empty(p, &customer, list.is_empty()).await?;
            emit(json, &list, || payment_table(&list))
        }
        PaymentsCmd::Refund(args) => refund(conn, args, json).await,
        PaymentsCmd::Methods { customer } => {
            let list = ops::payments::payment_methods(p, &customer).await?;
            emit(json, &list, || method_table(&list))
        }
    }
}

async fn refund(conn: &Connection, args: RefundArgs, json: bool) -> Result<(), Failure> {
    let p = conn.provider.as_ref();
    let preview = ops::payments::preview_refund(p, &args.id, args.amount.as_deref(), args.reason, args.note).await?;
    let what = if preview.full { "the whole remaining amount" } else { "part of it" };
    let text = format!(
        "{} would refund {} of {} ({what}) to {}\n",
        preview.payment.id,
        preview.amount,
        preview.payment.amount.map_or_else(|| "?".into(), |m| m.to_string()),
        preview.payment.customer_id.as_deref().unwrap_or("?"),
    );
    if !args.yes {
        return emit(json, &json!({"preview": preview, "applied": false}), || {
            format!("{text}(preview only: add --yes to apply)\n")
        });
    }
    let outcome = ops::payments::refund(p, &recorder(conn), &guard(conn, args.confirm_customer), &preview).await?;
    emit(json, &json!({"applied": true, "refund": outcome}), || {
        format!(
            "refunded: {} of {}; it is now {} ({} still refundable)\n",
            outcome.amount,
            outcome.payment.id,
            outcome.payment.status.label(),
            outcome.payment.refundable.map_or_else(|| "?".into(), |m| m.to_string())
        )
    })
}

pub async fn portal(conn: &Connection, customer: &str, return_url: Option<&str>, json: bool) -> Result<(), Failure> {
    let link = ops::portal::link(conn.provider.as_ref(), &recorder(conn), customer, return_url).await?;
    emit(json, &link, || format!("{}\n", link.url))
}

pub async fn usage(conn: &Connection, cmd: UsageCmd, json: bool) -> Result<(), Failure> {
    let UsageCmd::Report { customer, feature, quantity, set, yes, confirm_customer } = cmd;
    let mode = if set { UsageMode::Set } else { UsageMode::Increment };
    let report = UsageReport { customer_id: customer, feature_id: feature, quantity, mode };
    if !yes {
        let preview = ops::usage::preview(conn.provider.as_ref(), &report).await?;
        return emit(json, &json!({"preview": preview, "applied": false}), || {
            format!("{}\n(preview only: add --yes to apply)\n", preview.text())
        });
    }
    let receipt =
        ops::usage::report(conn.provider.as_ref(), &recorder(conn), &guard(conn, confirm_customer), &report).await?;
    emit(json, &receipt, || {
        let verb = if set { "set to" } else { "added" };
        format!("usage {verb} {} on {} for {}\n", receipt.quantity, receipt.feature_id, receipt.customer_id)
    })
}

fn method_table(list: &[PaymentMethod]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                m.kind.clone(),
                m.brand.clone().unwrap_or_default(),
                m.last4.clone().unwrap_or_default(),
                m.expires.map(|(mo, y)| format!("{mo:02}/{y}")).unwrap_or_default(),
                if m.is_default { "yes".into() } else { String::new() },
                m.created_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
                m.issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
            ]
        })
        .collect();
    table::render(&["METHOD", "TYPE", "BRAND", "LAST 4", "EXPIRES", "DEFAULT", "ADDED", "ISSUES"], &rows)
}

fn payment_table(list: &[Payment]) -> String {
    let money = |m: Option<crate::billing::Money>| m.map_or_else(|| "?".into(), |m| m.to_string());
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|p| {
            let mut status = p.status.label().to_string();
            if !p.issues.is_empty() {
                status.push_str(" (!)");
            }
            vec![
                p.id.clone(),
                p.created_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
                status,
                money(p.amount),
                money(p.refunded),
                money(p.refundable),
                p.invoice_id.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table::render(&["PAYMENT", "DATE", "STATUS", "AMOUNT", "REFUNDED", "REFUNDABLE", "INVOICE"], &rows)
}
