//! Subscription checkout sessions: the body built from a `CheckoutRequest` (one builder for
//! create and preview), the request fields KuvarPay's checkout cannot carry, and the local
//! estimate, which knows two things the generic one does not: a trial price charges nothing
//! until the trial ends, and METERED billing charges the target amount.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use super::wire;
use crate::billing::estimate::{EstimateLine, Invoice, PricedItem, estimate_purchase};
use crate::billing::{
    ChargePeriod, CheckoutPurpose, CheckoutRequest, Currency, Estimate, EstimateSource, Money, Plan, Price,
    ProviderKind,
};
use crate::providers::{ErrorKind, FieldError, ProviderError, Result};

const KUVARPAY: ProviderKind = ProviderKind::KuvarPay;
pub const FIXED: &str = "FIXED";
pub const METERED: &str = "METERED";
/// Digits before the decimal point that fit KuvarPay's `numeric(18,8)` amount columns.
const MAX_INTEGER_DIGITS: usize = 10;
/// The period a METERED checkout's target amount is assumed to cover (see notes/kuvarpay.md).
pub const METERED_PERIOD: ChargePeriod = ChargePeriod::Monthly;

/// An `Invalid` error naming the `CheckoutRequest` fields at fault, so the form can show each
/// message beside its field.
pub fn field_errors(fields: Vec<(&str, String)>) -> ProviderError {
    let message = fields.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>().join("; ");
    let mut err = ProviderError::new(KUVARPAY, ErrorKind::Invalid, message);
    err.field_errors = fields.into_iter().map(|(f, m)| FieldError { field: f.to_string(), message: m }).collect();
    err
}

fn field_error(field: &str, message: impl Into<String>) -> ProviderError {
    field_errors(vec![(field, message.into())])
}

fn given(text: &Option<String>) -> Option<String> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
}

/// The billing mode to send: upper-cased, `FIXED` when none is given. Anything else is sent
/// as typed, for KuvarPay to reject by name.
pub fn billing_mode(request: &CheckoutRequest) -> String {
    given(&request.billing_mode).map_or_else(|| FIXED.to_string(), |m| m.to_uppercase())
}

/// Rejects what a KuvarPay subscription checkout has no field for, rather than dropping it:
/// a session sells one price (no quantity or feature list), starts when the customer
/// approves it (no start or end date) and only purchases.
pub fn reject_unsupported(request: &CheckoutRequest) -> Result<()> {
    let checks = [
        ("quantity", request.quantity.is_some_and(|q| q > 1), " (a session sells one subscription to one price)"),
        ("features", !request.features.is_empty(), ""),
        ("start_date", request.start_date.is_some(), " (the subscription starts when the customer approves)"),
        ("end_date", request.end_date.is_some(), ""),
        ("purpose", !matches!(request.purpose, None | Some(CheckoutPurpose::Purchase)), " (purchases only)"),
        ("ip_address", given(&request.ip_address).is_some(), ""),
        ("business_entity_id", given(&request.business_entity_id).is_some(), ""),
        ("output_name", given(&request.output_name).is_some(), ""),
        ("expires_at", request.expires_at.is_some(), " (sessions expire after KuvarPay's own delay)"),
        ("preserve_billing_cycle_anchor", request.preserve_billing_cycle_anchor.is_some(), ""),
        ("disabled_products", !request.disabled_products.is_empty(), ""),
    ];
    let bad: Vec<(&str, String)> = checks
        .into_iter()
        .filter(|(_, set, _)| *set)
        .map(|(field, _, why)| (field, format!("not part of a KuvarPay checkout{why}")))
        .collect();
    if bad.is_empty() { Ok(()) } else { Err(field_errors(bad)) }
}

/// A FIXED checkout sells a price: its uid, or a plan and a charge period to find it by.
pub fn require_price(request: &CheckoutRequest) -> Result<()> {
    if given(&request.price_id).is_some() {
        Ok(())
    } else if request.plan_id.trim().is_empty() {
        Err(field_error("price_id", "choose a price, or a plan and a charge period"))
    } else if request.period.is_none() {
        Err(field_error("period", "KuvarPay sells a price: give a charge period (or a price id)"))
    } else {
        Ok(())
    }
}

/// Names `field` in a client-side error that names none (e.g. "plan X has no weekly price").
pub fn blame(mut e: ProviderError, field: &str) -> ProviderError {
    if e.kind == ErrorKind::Invalid && e.field_errors.is_empty() {
        e.field_errors.push(FieldError { field: field.to_string(), message: e.message.clone() });
    }
    e
}

/// The target price a METERED session approves: the request's currency (upper-cased) and
/// amount, sent as given for KuvarPay to judge.
fn target_price(request: &CheckoutRequest) -> wire::TargetPrice {
    wire::TargetPrice {
        target_currency: given(&request.currency).unwrap_or_default().to_uppercase(),
        target_amount: given(&request.target_amount).unwrap_or_default(),
    }
}

/// The wire body, once the price uid (FIXED) and the customer are resolved. Pure.
pub fn body(
    request: &CheckoutRequest,
    price_uid: Option<String>,
    customer: wire::CheckoutCustomer,
) -> Result<wire::CreateCheckoutSessionRequest> {
    let mode = billing_mode(request);
    if mode != METERED && given(&request.target_amount).is_some() {
        return Err(field_error("target_amount", "a target amount is for METERED billing; FIXED charges the price"));
    }
    Ok(wire::CreateCheckoutSessionRequest {
        price_uid: price_uid.filter(|p| !p.is_empty()),
        target_price: (mode == METERED).then(|| target_price(request)),
        billing_mode: mode,
        customer,
        success_url: request.success_url.trim().to_string(),
        cancel_url: given(&request.cancel_url),
        metadata: (!request.metadata.is_empty()).then(|| request.metadata.clone()),
    })
}

/// The customer block from what the request says directly; `known` (a customer looked up by
/// `customer_id`) fills the gaps.
pub fn customer(request: &CheckoutRequest, known: Option<&crate::billing::Customer>) -> wire::CheckoutCustomer {
    let email = given(&request.customer_email)
        .or_else(|| given(&request.customer_id).filter(|c| c.contains('@')))
        .or_else(|| known.and_then(|c| c.email.clone()))
        .unwrap_or_default();
    let (known_first, known_last) = match known.and_then(|c| c.name.clone()) {
        Some(name) => match name.split_once(' ') {
            Some((f, l)) => (Some(f.to_string()), Some(l.to_string())),
            None => (Some(name), None),
        },
        None => (None, None),
    };
    wire::CheckoutCustomer {
        email,
        first_name: given(&request.customer_first_name).or(known_first),
        last_name: given(&request.customer_last_name).or(known_last),
    }
}

/// Whether [`customer`] needs a lookup: only when a customer id is given and the request
/// itself lacks the e-mail or a name.
pub fn needs_lookup(request: &CheckoutRequest) -> bool {
    let c = customer(request, None);
    given(&request.customer_id).is_some() && (c.email.is_empty() || c.first_name.is_none() || c.last_name.is_none())
}

/// Which `CheckoutRequest` field a KuvarPay field error concerns, for showing it in a form.
pub fn form_field(wire_field: &str) -> Option<&'static str> {
    Some(match wire_field {
        "priceUid" => "price_id",
        "billingMode" => "billing_mode",
        "targetPrice" | "targetPrice.targetAmount" => "target_amount",
        "targetPrice.targetCurrency" => "currency",
        "customer" | "customer.email" => "customer_email",
        "customer.firstName" => "customer_first_name",
        "customer.lastName" => "customer_last_name",
        "successUrl" => "success_url",
        "cancelUrl" => "cancel_url",
        "metadata" => "metadata",
        _ => return None,
    })
}

/// The catalog price a FIXED checkout sells, found the way the client resolves it: by uid,
/// else plan + period (required) + currency.
fn catalog_price<'a>(plans: &'a [Plan], request: &CheckoutRequest) -> Result<(&'a Plan, &'a Price)> {
    if let Some(id) = given(&request.price_id) {
        return plans
            .iter()
            .find_map(|p| p.prices.iter().find(|pr| pr.id.as_deref() == Some(id.as_str())).map(|pr| (p, pr)))
            .ok_or_else(|| field_error("price_id", format!("no price {id:?} in the catalog")));
    }
    require_price(request)?;
    let plan = plans
        .iter()
        .find(|p| p.id == request.plan_id)
        .ok_or_else(|| field_error("plan_id", format!("no plan {:?} in the catalog", request.plan_id)))?;
    let period = request.period.ok_or_else(|| field_error("period", "give a charge period"))?;
    let currency = given(&request.currency);
    let price = plan.prices.iter().find(|p| {
        p.period == period && currency.as_deref().is_none_or(|c| p.amount.currency().code().eq_ignore_ascii_case(c))
    });
    let money = currency.map(|c| format!(" in {}", c.to_uppercase())).unwrap_or_default();
    let price = price
        .ok_or_else(|| field_error("period", format!("plan {} has no {} price{money}", plan.id, period.label())))?;
    Ok((plan, price))
}

/// Why a target amount is unacceptable in `currency`, if it is: a plain positive decimal
/// string with no more decimals than the currency has and no more integer digits than the
/// amount columns hold.
pub fn target_amount_problem(text: &str, currency: Option<Currency>) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return Some("targetAmount is required for METERED billing".into());
    }
    let plain = t.chars().all(|c| c.is_ascii_digit() || c == '.') && t.matches('.').count() <= 1;
    let Some(amount) = t.parse::<Decimal>().ok().filter(|_| plain) else {
        return Some("must be a decimal string such as \"5000.00\"".into());
    };
    if amount <= Decimal::ZERO {
        return Some("must be greater than zero".into());
    }
    let (whole, fraction) = t.split_once('.').unwrap_or((t, ""));
    if whole.trim_start_matches('0').len() > MAX_INTEGER_DIGITS {
        return Some(format!("must have at most {MAX_INTEGER_DIGITS} digits before the decimal point"));
    }
    match currency {
        Some(c) if fraction.trim_end_matches('0').len() > c.exponent() as usize => {
            Some(format!("{} allows at most {} decimal places", c.code(), c.exponent()))
        }
        _ => None,
    }
}

fn line(description: String, amount: Money, from: NaiveDate, to: Option<NaiveDate>) -> EstimateLine {
    EstimateLine { description, quantity: Decimal::ONE, amount, period_start: Some(from), period_end: to }
}

fn money_error(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::invalid(KUVARPAY, e.to_string())
}

/// A trial price: nothing now; the first full period is charged when the trial ends.
fn trial_estimate(plan: &Plan, price: &Price, days: u32, today: NaiveDate) -> Result<Estimate> {
    let currency = price.amount.currency();
    let name = format!("{} ({})", plan.name, price.period.label());
    let trial_end = today
        .checked_add_days(Days::new(u64::from(days)))
        .ok_or_else(|| money_error("trial ends past the calendar"))?;
    let now = line(format!("{name}, {days}-day free trial"), Money::zero(currency), today, Some(trial_end));
    let first = line(name, price.amount, trial_end, price.period.advance(trial_end));
    Ok(Estimate {
        source: EstimateSource::Local,
        current_invoice: Invoice::from_lines(Some(today), vec![now], currency).map_err(money_error)?,
        next_invoice: Some(Invoice::from_lines(Some(trial_end), vec![first], currency).map_err(money_error)?),
        effective_date: Some(today),
        credit_note: false,
    })
}

/// METERED: the target amount, charged on approval and then every [`METERED_PERIOD`].
fn metered_estimate(request: &CheckoutRequest, today: NaiveDate) -> Result<Estimate> {
    let code = given(&request.currency).ok_or_else(|| field_error("currency", "METERED billing needs a currency"))?;
    let currency = Currency::from_code(&code).map_err(|e| field_error("currency", e.to_string()))?;
    let text = given(&request.target_amount).unwrap_or_default();
    if let Some(problem) = target_amount_problem(&text, Some(currency)) {
        return Err(field_error("target_amount", problem));
    }
    let amount = Money::parse(&text, currency).map_err(|e| field_error("target_amount", e.to_string()))?;
    let item = PricedItem {
        description: format!("Metered billing ({} target)", METERED_PERIOD.label()),
        unit_amount: amount,
        quantity: 1,
        period: METERED_PERIOD,
    };
    estimate_purchase(&[item], today).map_err(money_error)
}

/// What the customer will be charged, computed locally (KuvarPay has no estimate endpoint).
/// The same unsupported fields are rejected as on create.
pub fn estimate(plans: &[Plan], request: &CheckoutRequest, today: NaiveDate) -> Result<Estimate> {
    reject_unsupported(request)?;
    match billing_mode(request).as_str() {
        METERED => metered_estimate(request, today),
        FIXED => {
            if given(&request.target_amount).is_some() {
                return Err(field_error("target_amount", "a target amount is for METERED billing"));
            }
            let (plan, price) = catalog_price(plans, request)?;
            if let Some(days) = price.trial_days.filter(|d| *d > 0) {
                return trial_estimate(plan, price, days, today);
            }
            let exact = CheckoutRequest { price_id: price.id.clone(), ..request.clone() };
            crate::providers::local_purchase_estimate(KUVARPAY, plans, &exact, today)
        }
        other => Err(field_error("billing_mode", format!("{other:?} is not FIXED or METERED"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn currency(code: &str) -> Option<Currency> {
        Currency::from_code(code).ok()
    }

    #[test]
    fn target_amounts_follow_the_currency_and_the_column_size() {
        let ngn = currency("NGN");
        for ok in ["5000", "5000.00", "5000.5", "0.01", "9999999999.99", "12.500"] {
            assert_eq!(target_amount_problem(ok, ngn), None, "{ok}");
        }
        for bad in ["", "abc", "-5", "0", "0.00", "1,000.00", "1e3", "1.2.3", "+5", "5.001", "12345678901"] {
            assert!(target_amount_problem(bad, ngn).is_some(), "{bad}");
        }
        assert!(target_amount_problem("100.5", currency("JPY")).unwrap().contains("JPY allows at most 0"));
        assert_eq!(target_amount_problem("1.125", currency("KWD")), None);
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn price(id: &str, period: ChargePeriod, amount: &str, code: &str, trial: Option<u32>) -> Price {
        let amount = Money::parse(amount, Currency::from_code(code).unwrap()).unwrap();
        Price { id: Some(id.into()), kind: crate::billing::PriceKind::Paid, period, amount, trial_days: trial }
    }

    fn catalog() -> Vec<Plan> {
        let plan = |id: &str, name: &str, prices: Vec<Price>| Plan {
            issues: Vec::new(),
            provider: KUVARPAY,
            id: id.into(),
            name: name.into(),
            description: None,
            product: None,
            prices,
            features: Vec::new(),
        };
        vec![
            plan(
                "plan_basic",
                "Basic",
                vec![
                    price("price_b_m_ngn", ChargePeriod::Monthly, "7500.00", "NGN", None),
                    price("price_b_y_usd", ChargePeriod::Yearly, "90.00", "USD", None),
                    price("price_b_m_usd", ChargePeriod::Monthly, "9.00", "USD", None),
                ],
            ),
            plan("plan_pro", "Pro", vec![price("price_p_m_usd", ChargePeriod::Monthly, "29.00", "USD", Some(14))]),
        ]
    }

    fn request() -> CheckoutRequest {
        CheckoutRequest {
            plan_id: "plan_basic".into(),
            period: Some(ChargePeriod::Monthly),
            currency: Some("usd".into()),
            customer_email: Some(" ada@example.com ".into()),
            customer_first_name: Some("Ada".into()),
            customer_last_name: Some("Ọbáfẹ́mi".into()),
            success_url: "https://shop.example/thanks".into(),
            cancel_url: Some(String::new()),
            ..Default::default()
        }
    }

    fn totals(e: &Estimate) -> (String, Option<NaiveDate>, Option<String>) {
        let next = e.next_invoice.as_ref();
        (e.current_invoice.total.to_string(), next.and_then(|n| n.date), next.map(|n| n.total.to_string()))
    }

    #[test]
    fn fixed_body_carries_the_price_and_the_customer_and_drops_empty_fields() {
        let mut r = request();
        r.metadata.insert("order".into(), "A-17".into());
        let c = customer(&r, None);
        let body = serde_json::to_value(body(&r, Some("price_b_m_usd".into()), c).unwrap()).unwrap();
        let expected = serde_json::json!({
            "priceUid": "price_b_m_usd", "billingMode": "FIXED",
            "customer": {"email": "ada@example.com", "firstName": "Ada", "lastName": "Ọbáfẹ́mi"},
            "successUrl": "https://shop.example/thanks", "metadata": {"order": "A-17"}
        });
        assert_eq!(body, expected);
    }

    #[test]
    fn metered_body_sends_the_target_price_and_no_price_uid() {
        let r = CheckoutRequest {
            billing_mode: Some("metered".into()),
            target_amount: Some(" 5000.00 ".into()),
            currency: Some("ngn".into()),
            cancel_url: Some("https://shop.example/cart".into()),
            ..request()
        };
        let body = serde_json::to_value(body(&r, None, customer(&r, None)).unwrap()).unwrap();
        assert_eq!(body["billingMode"], "METERED");
        assert_eq!(body["targetPrice"], serde_json::json!({"targetCurrency": "NGN", "targetAmount": "5000.00"}));
        assert!(body.get("priceUid").is_none());
        assert_eq!(body["cancelUrl"], "https://shop.example/cart");
        let fixed = CheckoutRequest { billing_mode: None, ..r };
        let err = super::body(&fixed, Some("p".into()), customer(&fixed, None)).unwrap_err();
        assert_eq!(err.field_errors[0].field, "target_amount");
    }

    #[test]
    fn a_known_customer_fills_only_what_the_request_leaves_out() {
        let known = crate::billing::Customer {
            provider: KUVARPAY,
            id: "kofi@example.gh".into(),
            alt_id: Some("cus_1".into()),
            name: Some("Kofi Mensah Jr".into()),
            email: Some("kofi@example.gh".into()),
            created_at: None,
            metadata: Default::default(),
            issues: Vec::new(),
        };
        let r = CheckoutRequest {
            customer_id: Some("cus_1".into()),
            customer_email: None,
            customer_first_name: None,
            customer_last_name: Some("Asante".into()),
            ..request()
        };
        assert!(needs_lookup(&r));
        let c = customer(&r, Some(&known));
        assert_eq!(
            (c.email.as_str(), c.first_name.as_deref(), c.last_name.as_deref()),
            ("kofi@example.gh", Some("Kofi"), Some("Asante"))
        );
        let complete = CheckoutRequest { customer_id: Some("cus_1".into()), ..request() };
        assert!(!needs_lookup(&complete), "nothing to fill: no lookup");
        assert!(!needs_lookup(&request()), "no customer id: no lookup");
    }

    #[test]
    fn fields_kuvarpay_cannot_carry_are_named() {
        assert!(reject_unsupported(&CheckoutRequest { quantity: Some(1), ..request() }).is_ok());
        let r = CheckoutRequest {
            quantity: Some(3),
            start_date: Some(day(2025, 1, 1)),
            ip_address: Some("10.0.0.1".into()),
            purpose: Some(CheckoutPurpose::AddPaymentMethod { subscription_id: None }),
            ..request()
        };
        let err = reject_unsupported(&r).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid);
        let fields: Vec<&str> = err.field_errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["quantity", "start_date", "purpose", "ip_address"]);
        assert!(estimate(&catalog(), &r, day(2025, 1, 1)).is_err(), "the estimate refuses what create refuses");
    }

    #[test]
    fn wire_field_names_map_to_form_fields() {
        assert_eq!(form_field("targetPrice.targetAmount"), Some("target_amount"));
        assert_eq!(form_field("targetPrice.targetCurrency"), Some("currency"));
        assert_eq!(form_field("customer.firstName"), Some("customer_first_name"));
        assert_eq!(form_field("priceUid"), Some("price_id"));
        assert_eq!(form_field("walletAddress"), None);
    }

    #[test]
    fn fixed_estimates_by_plan_and_period_or_by_price_uid() {
        let plans = catalog();
        // $9.00 monthly from 31 January 2024: next charge on the leap day.
        let e = estimate(&plans, &request(), day(2024, 1, 31)).unwrap();
        assert_eq!(e.source, EstimateSource::Local);
        assert_eq!(totals(&e), ("$9.00".into(), Some(day(2024, 2, 29)), Some("$9.00".into())));
        // By uid, the request's plan and currency do not matter; yearly from the leap day.
        let by_uid =
            CheckoutRequest { price_id: Some("price_b_y_usd".into()), currency: Some("NGN".into()), ..request() };
        let e = estimate(&plans, &by_uid, day(2024, 2, 29)).unwrap();
        assert_eq!(totals(&e), ("$90.00".into(), Some(day(2025, 2, 28)), Some("$90.00".into())));
        let naira = CheckoutRequest { currency: Some("NGN".into()), ..request() };
        let e = estimate(&plans, &naira, day(2025, 2, 28)).unwrap();
        assert_eq!(totals(&e), ("₦7,500.00".into(), Some(day(2025, 3, 28)), Some("₦7,500.00".into())));
        let missing = CheckoutRequest { period: Some(ChargePeriod::Yearly), currency: Some("NGN".into()), ..request() };
        assert_eq!(estimate(&plans, &missing, day(2025, 1, 1)).unwrap_err().field_errors[0].field, "period");
        let unknown = CheckoutRequest { price_id: Some("price_nope".into()), ..request() };
        assert_eq!(estimate(&plans, &unknown, day(2025, 1, 1)).unwrap_err().field_errors[0].field, "price_id");
    }

    #[test]
    fn a_trial_price_charges_nothing_until_the_trial_ends() {
        let r = CheckoutRequest { plan_id: "plan_pro".into(), ..request() };
        // 14 days from 20 February 2024 (leap year) is 5 March; the first month runs to 5 April.
        let e = estimate(&catalog(), &r, day(2024, 2, 20)).unwrap();
        assert_eq!(totals(&e), ("$0.00".into(), Some(day(2024, 3, 5)), Some("$29.00".into())));
        assert!(e.current_invoice.lines[0].description.contains("14-day free trial"));
        let next = e.next_invoice.unwrap();
        assert_eq!(
            (next.lines[0].period_start, next.lines[0].period_end),
            (Some(day(2024, 3, 5)), Some(day(2024, 4, 5)))
        );
    }

    #[test]
    fn metered_estimates_charge_the_target_amount_monthly_in_any_exponent() {
        let metered = |amount: &str, code: &str| CheckoutRequest {
            billing_mode: Some("METERED".into()),
            target_amount: Some(amount.into()),
            currency: Some(code.into()),
            plan_id: String::new(),
            ..request()
        };
        let e = estimate(&[], &metered("5000", "JPY"), day(2023, 2, 28)).unwrap();
        assert_eq!(totals(&e), ("¥5,000".into(), Some(day(2023, 3, 28)), Some("¥5,000".into())));
        let e = estimate(&[], &metered("1.125", "KWD"), day(2024, 4, 30)).unwrap();
        assert_eq!(totals(&e), ("KWD 1.125".into(), Some(day(2024, 5, 30)), Some("KWD 1.125".into())));
        let bad = estimate(&[], &metered("12.5", "JPY"), day(2024, 1, 1)).unwrap_err();
        assert_eq!(bad.field_errors[0].field, "target_amount");
        let bad = estimate(&[], &metered("10", "XYZ"), day(2024, 1, 1)).unwrap_err();
        assert_eq!(bad.field_errors[0].field, "currency");
        let bad = estimate(&[], &CheckoutRequest { billing_mode: Some("usage".into()), ..request() }, day(2024, 1, 1));
        assert_eq!(bad.unwrap_err().field_errors[0].field, "billing_mode");
    }
}
