//! Flowglad records → wire JSON (the same serde types the client decodes).

use rust_decimal::Decimal;
use serde_json::{Number, Value};

use super::ops::AdjustPlan;
use super::state::{
    Checkout, CheckoutKind, Customer, FeatureItem, FeatureKind, Invoice, Item, LIVEMODE, Ms, ORGANIZATION_ID,
    PaymentMethod, PriceKind, Resource, State, Subscription,
};
use crate::billing::IntervalUnit;
use crate::providers::flowglad::wire;

fn number(d: Decimal) -> Number {
    serde_json::from_str::<Number>(&d.normalize().to_string()).unwrap_or_else(|_| Number::from(0))
}

pub fn customer(s: &State, c: &Customer) -> wire::Customer {
    wire::Customer {
        id: c.id.clone(),
        created_at: c.created,
        updated_at: c.updated,
        livemode: LIVEMODE,
        organization_id: ORGANIZATION_ID.into(),
        email: c.email.clone(),
        name: c.name.clone(),
        invoice_number_base: Some(c.id.trim_start_matches("cus_").chars().take(6).collect::<String>().to_uppercase()),
        archived: false,
        logo_url: None,
        icon_url: None,
        domain: c.domain.clone(),
        billing_address: None,
        external_id: c.external_id.clone(),
        user_id: None,
        pricing_model_id: s.pricing_model_id.clone(),
    }
}

pub fn price(s: &State, i: usize) -> wire::Price {
    let p = &s.prices[i];
    let (kind, interval, trial, events, meter) = match p.kind {
        PriceKind::Subscription { unit, count, trial_days } => {
            (wire::PRICE_SUBSCRIPTION, Some((unit, count)), Some(trial_days.unwrap_or(0)), None, None)
        }
        PriceKind::SinglePayment => (wire::PRICE_SINGLE_PAYMENT, None, None, None, None),
        PriceKind::Usage { unit, count, meter, events_per_unit } => {
            (wire::PRICE_USAGE, Some((unit, count)), None, Some(events_per_unit), Some(s.meters[meter].id.clone()))
        }
    };
    wire::Price {
        id: p.id.clone(),
        created_at: p.created,
        updated_at: p.created,
        livemode: LIVEMODE,
        kind: kind.into(),
        name: Some(p.name.clone()),
        interval_unit: interval.map(|(u, _)| interval_name(u).to_string()),
        interval_count: interval.map(|(_, c)| u64::from(c)),
        trial_period_days: trial.map(u64::from),
        is_default: p.is_default,
        unit_price: p.unit_price,
        usage_events_per_unit: events,
        product_id: p.product.map(|i| s.products[i].id.clone()),
        active: true,
        currency: p.currency.code().to_string(),
        slug: Some(p.slug.clone()),
        usage_meter_id: meter,
        pricing_model_id: s.pricing_model_id.clone(),
    }
}

pub fn feature(s: &State, i: usize) -> wire::Feature {
    let f = &s.features[i];
    let (kind, amount, meter, renewal, resource) = match f.kind {
        FeatureKind::Toggle => (wire::FEATURE_TOGGLE, None, None, None, None),
        FeatureKind::Credit { meter, amount } => (
            wire::FEATURE_CREDIT_GRANT,
            Some(amount),
            Some(s.meters[meter].id.clone()),
            Some("every_billing_period".to_string()),
            None,
        ),
        FeatureKind::Resource { resource, amount } => {
            (wire::FEATURE_RESOURCE, Some(amount), None, None, Some(s.resources[resource].id.clone()))
        }
    };
    wire::Feature {
        id: f.id.clone(),
        created_at: f.created,
        updated_at: f.created,
        livemode: LIVEMODE,
        organization_id: ORGANIZATION_ID.into(),
        kind: kind.into(),
        slug: f.slug.clone(),
        name: f.name.clone(),
        description: f.description.clone(),
        amount,
        usage_meter_id: meter,
        renewal_frequency: renewal,
        pricing_model_id: s.pricing_model_id.clone(),
        resource_id: resource,
        active: true,
    }
}

pub fn product(s: &State, i: usize) -> wire::Product {
    let p = &s.products[i];
    let prices: Vec<wire::Price> = p.prices.iter().map(|&x| price(s, x)).collect();
    wire::Product {
        id: p.id.clone(),
        created_at: p.created,
        updated_at: p.created,
        livemode: LIVEMODE,
        name: p.name.clone(),
        description: Some(p.description.clone()),
        image_url: None,
        organization_id: ORGANIZATION_ID.into(),
        active: true,
        singular_quantity_label: None,
        plural_quantity_label: None,
        pricing_model_id: s.pricing_model_id.clone(),
        default: p.default,
        slug: p.slug.clone(),
        default_price: prices.iter().find(|x| x.is_default).or(prices.first()).cloned(),
        prices,
        features: p.features.iter().map(|&f| feature(s, f)).collect(),
    }
}

pub fn meter(s: &State, i: usize) -> wire::UsageMeter {
    let m = &s.meters[i];
    let prices: Vec<wire::Price> = m.price.map(|p| price(s, p)).into_iter().collect();
    wire::UsageMeter {
        id: m.id.clone(),
        created_at: m.created,
        updated_at: m.created,
        livemode: LIVEMODE,
        organization_id: ORGANIZATION_ID.into(),
        name: m.name.clone(),
        pricing_model_id: s.pricing_model_id.clone(),
        slug: m.slug.clone(),
        aggregation_type: "sum".into(),
        default_price: prices.first().cloned(),
        prices,
    }
}

pub fn pricing_model(s: &State) -> wire::PricingModel {
    wire::PricingModel {
        id: s.pricing_model_id.clone(),
        created_at: s.pricing_model_created,
        updated_at: s.pricing_model_created,
        livemode: LIVEMODE,
        organization_id: ORGANIZATION_ID.into(),
        is_default: true,
        name: s.pricing_model_name.clone(),
    }
}

pub fn pricing_model_details(s: &State) -> wire::PricingModelDetails {
    let pm = pricing_model(s);
    let products: Vec<wire::Product> = (0..s.products.len()).map(|i| product(s, i)).collect();
    wire::PricingModelDetails {
        id: pm.id,
        created_at: pm.created_at,
        updated_at: pm.updated_at,
        livemode: pm.livemode,
        organization_id: pm.organization_id,
        is_default: pm.is_default,
        name: pm.name,
        default_product: products.iter().find(|p| p.default).cloned(),
        products,
        usage_meters: (0..s.meters.len()).map(|i| meter(s, i)).collect(),
    }
}

pub fn resource(s: &State, r: &Resource) -> wire::Resource {
    wire::Resource {
        id: r.id.clone(),
        created_at: r.created,
        updated_at: r.created,
        livemode: LIVEMODE,
        organization_id: ORGANIZATION_ID.into(),
        pricing_model_id: s.pricing_model_id.clone(),
        slug: r.slug.clone(),
        name: r.name.clone(),
        active: true,
    }
}

pub fn subscription(s: &State, sub: &Subscription) -> wire::Subscription {
    let price = &s.prices[sub.price];
    let renewal = match (sub.renews, price.interval()) {
        (true, Some((unit, count))) => wire::Renewal::Renewing(wire::RenewingFields {
            interval: interval_name(unit).into(),
            interval_count: u64::from(count),
            trial_end: sub.trial_end,
            current_billing_period_start: sub.period.map(|(a, _)| a),
            current_billing_period_end: sub.period.map(|(_, b)| b),
            billing_cycle_anchor_date: Some(sub.anchor),
        }),
        _ => wire::Renewal::NonRenewing,
    };
    wire::Subscription {
        id: sub.id.clone(),
        created_at: sub.created,
        updated_at: sub.updated,
        livemode: LIVEMODE,
        start_date: sub.start,
        customer_id: s.customers[sub.customer].id.clone(),
        organization_id: ORGANIZATION_ID.into(),
        status: sub.status.clone(),
        default_payment_method_id: sub.default_payment_method.clone(),
        backup_payment_method_id: None,
        metadata: sub.metadata.clone(),
        canceled_at: sub.canceled_at,
        cancel_scheduled_at: sub.cancel_scheduled_at,
        cancellation_reason: sub.canceled_at.map(|_| "customer_request".into()),
        replaced_by_subscription_id: sub.replaced_by.clone(),
        is_free_plan: Some(sub.is_free_plan),
        do_not_charge: Some(false),
        price_id: price.id.clone(),
        run_billing_at_period_start: Some(true),
        name: sub.name.clone(),
        pricing_model_id: s.pricing_model_id.clone(),
        scheduled_adjustment_at: sub.scheduled_adjustment_at,
        current: sub.is_current(),
        renewal,
    }
}

pub fn item(s: &State, sub: &Subscription, it: &Item, with_price: bool) -> wire::SubscriptionItem {
    let p = &s.prices[it.price];
    wire::SubscriptionItem {
        id: it.id.clone(),
        created_at: it.created,
        updated_at: it.created,
        livemode: LIVEMODE,
        subscription_id: sub.id.clone(),
        name: Some(p.name.clone()),
        added_date: it.added,
        price_id: Some(p.id.clone()),
        unit_price: it.unit_price,
        quantity: it.quantity,
        metadata: None,
        kind: "static".into(),
        external_id: None,
        expired_at: it.expired,
        manually_created: false,
        pricing_model_id: s.pricing_model_id.clone(),
        price: with_price.then(|| price(s, it.price)),
    }
}

fn feature_item(s: &State, fi: &FeatureItem) -> wire::SubscriptionItemFeature {
    let f = feature(s, fi.feature);
    wire::SubscriptionItemFeature {
        id: fi.id.clone(),
        created_at: fi.created,
        updated_at: fi.created,
        livemode: LIVEMODE,
        subscription_item_id: fi.item_id.clone(),
        feature_id: f.id,
        product_feature_id: None,
        kind: f.kind,
        amount: fi.amount.or(f.amount),
        usage_meter_id: f.usage_meter_id,
        renewal_frequency: f.renewal_frequency,
        expired_at: fi.expired,
        detached_at: None,
        detached_reason: None,
        manually_created: fi.amount.is_some(),
        pricing_model_id: s.pricing_model_id.clone(),
        resource_id: f.resource_id,
        name: f.name,
        slug: f.slug,
    }
}

/// Credits granted this period minus usage, per meter the subscription touches.
fn balances(s: &State, sub: &Subscription) -> Vec<wire::UsageMeterBalance> {
    let mut granted: std::collections::BTreeMap<usize, i64> = std::collections::BTreeMap::new();
    for fi in sub.features.iter().filter(|f| f.expired.is_none()) {
        if let FeatureKind::Credit { meter, amount } = s.features[fi.feature].kind {
            *granted.entry(meter).or_default() += fi.amount.unwrap_or(amount);
        }
    }
    for meter in sub.usage.keys() {
        granted.entry(*meter).or_default();
    }
    granted
        .into_iter()
        .map(|(m, credits)| {
            let meter = &s.meters[m];
            wire::UsageMeterBalance {
                id: meter.id.clone(),
                created_at: meter.created,
                updated_at: meter.created,
                livemode: LIVEMODE,
                organization_id: ORGANIZATION_ID.into(),
                name: meter.name.clone(),
                pricing_model_id: s.pricing_model_id.clone(),
                slug: meter.slug.clone(),
                aggregation_type: "sum".into(),
                available_balance: Number::from(credits - sub.usage.get(&m).copied().unwrap_or(0)),
                subscription_id: sub.id.clone(),
            }
        })
        .collect()
}

pub fn details(s: &State, sub: &Subscription) -> wire::SubscriptionDetails {
    let live = sub.is_current();
    wire::SubscriptionDetails {
        subscription: subscription(s, sub),
        subscription_items: sub.items.iter().map(|it| item(s, sub, it, true)).collect(),
        experimental: Some(wire::Experimental {
            feature_items: sub.features.iter().map(|f| feature_item(s, f)).collect(),
            usage_meter_balances: if live { balances(s, sub) } else { Vec::new() },
        }),
    }
}

pub(crate) fn invoice(s: &State, inv: &Invoice) -> wire::InvoiceWithLines {
    let subtotal: i64 = inv.lines.iter().map(|l| l.price * l.quantity).sum();
    let lines = inv
        .lines
        .iter()
        .map(|l| wire::InvoiceLineItem {
            id: l.id.clone(),
            created_at: inv.date,
            updated_at: inv.date,
            livemode: LIVEMODE,
            invoice_id: inv.id.clone(),
            quantity: l.quantity,
            price_id: l.price_id.clone(),
            description: Some(l.description.clone()),
            price: l.price,
            kind: "static".into(),
            pricing_model_id: s.pricing_model_id.clone(),
        })
        .collect();
    let invoice = wire::Invoice {
        id: inv.id.clone(),
        created_at: inv.date,
        updated_at: inv.date,
        livemode: LIVEMODE,
        invoice_number: inv.number.clone(),
        invoice_date: inv.date,
        billing_period_id: Some(inv.billing_period_id.clone()),
        due_date: Some(inv.date),
        customer_id: s.customers[inv.customer].id.clone(),
        organization_id: ORGANIZATION_ID.into(),
        status: inv.status.into(),
        subscription_id: Some(inv.subscription_id.clone()),
        billing_period_start_date: Some(inv.period.0),
        billing_period_end_date: Some(inv.period.1),
        pdf_url: Some(format!("{}/flowglad/invoices/{}.pdf", s.public_base, inv.id)),
        kind: "subscription".into(),
        currency: inv.currency.code().to_string(),
        tax_amount: Some(0),
        subtotal: Some(subtotal),
        pricing_model_id: s.pricing_model_id.clone(),
        ..Default::default()
    };
    wire::InvoiceWithLines { invoice, invoice_line_items: lines }
}

fn payment_method(s: &State, pm: &PaymentMethod) -> wire::PaymentMethod {
    let c = &s.customers[pm.customer];
    wire::PaymentMethod {
        id: pm.id.clone(),
        created_at: pm.created,
        updated_at: pm.created,
        livemode: LIVEMODE,
        customer_id: c.id.clone(),
        pricing_model_id: s.pricing_model_id.clone(),
        billing_details: wire::BillingDetails {
            name: Some(c.name.clone()),
            email: Some(c.email.clone()),
            address: wire::Address { country: "US".into() },
        },
        kind: "card".into(),
        default: pm.default,
        payment_method_data: [
            ("brand".to_string(), Value::from(pm.brand)),
            ("last4".to_string(), Value::from(pm.last4.clone())),
        ]
        .into_iter()
        .collect(),
    }
}

pub fn billing(s: &State, customer_index: usize) -> wire::Billing {
    let c = &s.customers[customer_index];
    let subs: Vec<&Subscription> =
        s.subscriptions_of.get(&customer_index).into_iter().flatten().map(|&i| &s.subscriptions[i]).collect();
    let all: Vec<wire::SubscriptionDetails> = subs.iter().map(|sub| details(s, sub)).collect();
    let current: Vec<wire::SubscriptionDetails> = all.iter().filter(|d| d.subscription.current).cloned().collect();
    let catalog = pricing_model_details(s);
    wire::Billing {
        customer: customer(s, c),
        invoices: s
            .invoices_of
            .get(&customer_index)
            .into_iter()
            .flatten()
            .map(|&i| invoice(s, &s.invoices[i]))
            .collect(),
        payment_methods: s
            .payment_methods
            .iter()
            .filter(|p| p.customer == customer_index)
            .map(|p| payment_method(s, p))
            .collect(),
        purchases: Vec::new(),
        current_subscription: current.last().cloned(),
        current_subscriptions: Some(current),
        subscriptions: all,
        pricing_model: Some(catalog.clone()),
        catalog: Some(catalog),
        billing_portal_url: format!("{}/flowglad-portal/{ORGANIZATION_ID}/{}", s.public_base, c.id),
    }
}

pub fn checkout(s: &State, c: &Checkout) -> wire::CheckoutSessionResponse {
    let customer = c.customer.map(|i| &s.customers[i]);
    let (kind, price_id, quantity, target, update_all) = match &c.kind {
        CheckoutKind::Product { price, quantity, .. } => {
            (wire::CHECKOUT_PRODUCT, Some(s.prices[*price].id.clone()), *quantity, None, None)
        }
        CheckoutKind::Activate { target } => {
            let price = s.subscription(target).map(|i| s.prices[s.subscriptions[i].price].id.clone());
            (wire::CHECKOUT_ACTIVATE_SUBSCRIPTION, price, 1, Some(target.clone()), None)
        }
        CheckoutKind::AddPaymentMethod { target, update_all } => {
            (wire::CHECKOUT_ADD_PAYMENT_METHOD, None, 1, target.clone(), *update_all)
        }
    };
    let session = wire::CheckoutSession {
        id: c.id.clone(),
        created_at: c.created,
        updated_at: c.updated,
        livemode: LIVEMODE,
        pricing_model_id: s.pricing_model_id.clone(),
        status: c.status.into(),
        billing_address: None,
        price_id,
        purchase_id: None,
        invoice_id: None,
        quantity,
        organization_id: ORGANIZATION_ID.into(),
        customer_name: customer.map(|c| c.name.clone()),
        customer_email: customer.map(|c| c.email.clone()),
        customer_id: customer.map(|c| c.id.clone()),
        payment_method_type: (c.status == "succeeded").then(|| "card".into()),
        discount_id: None,
        success_url: Some(c.success_url.clone()),
        cancel_url: Some(c.cancel_url.clone()),
        kind: kind.into(),
        preserve_billing_cycle_anchor: c.preserve_anchor,
        output_metadata: c.output_metadata.clone(),
        output_name: c.output_name.clone(),
        target_subscription_id: target,
        automatically_update_subscriptions: update_all,
        expires: c.expires,
    };
    wire::CheckoutSessionResponse { checkout_session: session, url: format!("{}/pay/{}", s.public_base, c.id) }
}

fn preview_items(s: &State, items: impl Iterator<Item = (usize, i64)>) -> Vec<wire::PreviewItem> {
    items
        .map(|(p, q)| wire::PreviewItem {
            name: s.prices[p].name.clone(),
            unit_price: Number::from(s.prices[p].unit_price),
            quantity: Number::from(q),
            price_id: s.prices[p].id.clone(),
        })
        .collect()
}

pub fn preview(s: &State, plan: &AdjustPlan, now: Ms) -> wire::PreviewAdjustResponse {
    let sub = &s.subscriptions[plan.sub];
    let current = sub.live_items(now).map(|i| (i.price, i.quantity)).collect::<Vec<_>>();
    let payment_method =
        s.payment_method_for(sub).and_then(|id| s.payment_methods.iter().find(|p| p.id == id)).map(|pm| {
            wire::PreviewPaymentMethod {
                id: pm.id.clone(),
                kind: "card".into(),
                last4: Some(pm.last4.clone()),
                brand: Some(pm.brand.into()),
            }
        });
    wire::PreviewAdjustResponse {
        can_adjust: true,
        reason: None,
        preview_generated_at: now,
        proration_amount: Some(Number::from(plan.proration)),
        current_plan_total: Some(Number::from(plan.current_total)),
        new_plan_total: Some(Number::from(plan.new_total)),
        resolved_timing: Some(plan.timing.into()),
        effective_date: Some(plan.effective),
        is_upgrade: Some(plan.is_upgrade),
        percent_through_billing_period: Some(number(plan.fraction_through.round_dp(4))),
        billing_period_end: Some(plan.period_end),
        payment_method,
        current_subscription_items: Some(preview_items(s, current.into_iter())),
        new_subscription_items: Some(preview_items(s, plan.new_items.iter().copied())),
    }
}

/// Flowglad's `IntervalUnit` enum values (its spec), written by the emulator itself.
fn interval_name(unit: IntervalUnit) -> &'static str {
    match unit {
        IntervalUnit::Day => "day",
        IntervalUnit::Week => "week",
        IntervalUnit::Month => "month",
        IntervalUnit::Year => "year",
    }
}
