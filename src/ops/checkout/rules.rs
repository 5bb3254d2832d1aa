//! The checkout validator: the one set of rules the console's form checks as you type and the
//! CLI checks before sending. Each message is meant to sit beside its field; the CLI prefixes
//! the field's label and flag.

use chrono::{DateTime, NaiveDate, Utc};

use super::{CheckoutType, Draft, Field};
use crate::billing::{Plan, ProviderKind, validate};

/// KuvarPay's billing mode that charges a target amount instead of a catalog price.
const METERED: &str = "METERED";

/// How the caller asks for a field: whether it must be filled, and whether it is a picker
/// (a missing choice reads "choose one" there, "required" elsewhere).
#[derive(Clone, Copy, Debug, Default)]
pub struct Need {
    pub required: bool,
    pub picker: bool,
}

/// One field's problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    pub message: String,
}

impl Problem {
    /// "Success URL (--success-url): must use http or https, not ftp".
    pub fn for_cli(&self) -> String {
        format!("{} ({}): {}", self.field.label(), self.field.flag(), self.message)
    }
}

/// The message for one field, or `None` when it is fine. `plans` is the catalog (for a period
/// the chosen plan lacks); `today` and `now` are passed in, never read here.
pub fn check(
    draft: &Draft,
    id: Field,
    need: Need,
    plans: &[Plan],
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Option<String> {
    if matches!(id, Field::Features | Field::ProductOverrides | Field::Metadata) {
        return check_rows(draft, id);
    }
    let v = draft.value(id);
    if v.is_empty() {
        return check_missing(draft, id, need);
    }
    if let Some(problem) = check_applies(draft, id, v) {
        return Some(problem);
    }
    let result = match id {
        Field::SuccessUrl | Field::CancelUrl => validate::url(v).map(|_| ()),
        Field::CustomerEmail => validate::email(v).map(|_| ()),
        Field::Ip => validate::ip(v).map(|_| ()),
        Field::Quantity => validate::positive_int(v).map(|_| ()),
        Field::StartDate => check_start_date(v, today),
        Field::EndDate => check_end_date(draft, v, today),
        Field::ExpiresAt => {
            parse_expiry(v).and_then(|t| if t > now { Ok(()) } else { Err("must be in the future".into()) })
        }
        Field::Currency => check_currency(draft, v, plans),
        Field::TargetAmount => check_amount(draft, v),
        Field::CheckoutType => CheckoutType::parse(v).map(|_| ()),
        Field::BillingMode if draft.provider == ProviderKind::KuvarPay => check_billing_mode(v),
        Field::Period => check_period(draft, v, plans),
        _ => Ok(()),
    };
    result.err()
}

/// Every field the draft sets or its provider needs, as the CLI checks them: the first
/// problem of each field, in field order.
pub fn validate_all(draft: &Draft, plans: &[Plan], today: NaiveDate, now: DateTime<Utc>) -> Vec<Problem> {
    let mut fields: Vec<Field> = draft.fields().chain(required(draft.provider).iter().copied()).collect();
    fields.extend([Field::Customer, Field::CustomerEmail, Field::TargetSubscription, Field::Currency, Field::Price]);
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .filter_map(|id| {
            let need = Need { required: required(draft.provider).contains(&id), picker: false };
            check(draft, id, need, plans, today, now).map(|message| Problem { field: id, message })
        })
        .collect()
}

/// What each provider needs filled in whatever else is chosen (a price, or a plan to find one
/// by, is checked in `check_missing` because either will do).
pub fn required(provider: ProviderKind) -> &'static [Field] {
    match provider {
        ProviderKind::Kelviq => &[Field::Plan, Field::Period, Field::SuccessUrl],
        ProviderKind::Flowglad | ProviderKind::KuvarPay => &[Field::SuccessUrl],
        ProviderKind::Zenskar => &[Field::Plan, Field::SuccessUrl],
    }
}

/// Whether `field` is part of a checkout of this type. Flowglad's session types take
/// different fields (`../shared/providers/flowglad-kuvarpay.md`, checkout sessions): only a
/// product checkout sells a price (named, or found from plan, period and currency) in a
/// quantity; activation collects an existing subscription's first payment, so it names that
/// subscription and sells nothing; an add-payment-method session has no billing cycle to
/// anchor. The form shows only these fields; the CLI refuses the others instead of dropping
/// them unsent.
pub fn applies(provider: ProviderKind, kind: CheckoutType, field: Field) -> bool {
    if provider != ProviderKind::Flowglad {
        return true;
    }
    match field {
        Field::Plan | Field::Period | Field::Currency | Field::Price | Field::Quantity => {
            kind == CheckoutType::Purchase
        }
        Field::TargetSubscription => kind != CheckoutType::Purchase,
        Field::PreserveAnchor => kind != CheckoutType::AddPaymentMethod,
        _ => true,
    }
}

/// A value given for a field this checkout type does not send.
fn check_applies(draft: &Draft, id: Field, v: &str) -> Option<String> {
    let kind = CheckoutType::parse(draft.value(Field::CheckoutType)).ok()?;
    // A toggle left off says nothing.
    if applies(draft.provider, kind, id) || (id == Field::PreserveAnchor && v == "false") {
        return None;
    }
    let article = if kind == CheckoutType::Purchase { "a" } else { "an" };
    Some(format!("not part of {article} {} checkout", kind.as_str()))
}

fn check_missing(draft: &Draft, id: Field, need: Need) -> Option<String> {
    let kind = CheckoutType::parse(draft.value(Field::CheckoutType)).unwrap_or(CheckoutType::Purchase);
    let is = |p: ProviderKind| draft.provider == p;
    let needed = need.required
        || (id == Field::TargetSubscription && kind == CheckoutType::ActivateSubscription)
        || (id == Field::Customer && is(ProviderKind::Flowglad) && kind != CheckoutType::Purchase)
        || (id == Field::Customer && is(ProviderKind::Zenskar) && draft.value(Field::Guest) != "true")
        || (id == Field::CustomerEmail && is(ProviderKind::KuvarPay) && draft.value(Field::Customer).is_empty())
        || (id == Field::Currency && !draft.value(Field::TargetAmount).is_empty())
        // A purchase sells a price: chosen, or found from the plan (and period).
        || (id == Field::Price
            && (is(ProviderKind::Flowglad) || is(ProviderKind::KuvarPay))
            && kind == CheckoutType::Purchase
            && draft.value(Field::Plan).is_empty()
            && !is_metered(draft));
    needed.then(|| if need.picker { "choose one".into() } else { "required".into() })
}

fn is_metered(draft: &Draft) -> bool {
    draft.provider == ProviderKind::KuvarPay && draft.value(Field::BillingMode).eq_ignore_ascii_case(METERED)
}

/// A checkout starts today or later: Zenskar documents only "defaults to today", and a past
/// start would backdate the contract, its elapsed periods billed by nobody (refused, as a past
/// cancel date is; README, provider notes).
fn check_start_date(v: &str, today: NaiveDate) -> Result<(), String> {
    if validate::date(v)? < today { Err("must be today or later".into()) } else { Ok(()) }
}

fn check_end_date(draft: &Draft, v: &str, today: NaiveDate) -> Result<(), String> {
    let end = validate::date(v)?;
    let start = validate::date(draft.value(Field::StartDate)).unwrap_or(today);
    validate::dates_ordered(start, end)
}

/// A positive amount in the chosen currency's decimals; KuvarPay charges one only in METERED
/// mode (FIXED charges the catalog price, and KuvarPay would refuse the pair).
fn check_amount(draft: &Draft, v: &str) -> Result<(), String> {
    if draft.provider == ProviderKind::KuvarPay && !is_metered(draft) {
        return Err("a target amount is for METERED billing; FIXED charges the price".into());
    }
    let code = draft.value(Field::Currency);
    let currency = validate::currency(if code.is_empty() { "USD" } else { code })?;
    validate::amount(v, currency).map(|_| ())
}

fn check_billing_mode(v: &str) -> Result<(), String> {
    if v.eq_ignore_ascii_case("FIXED") || v.eq_ignore_ascii_case(METERED) {
        Ok(())
    } else {
        Err(format!("{v:?} is not FIXED or METERED"))
    }
}

/// Kelviq only sells periods the organisation enabled; the form's picker already limits to the
/// plan's prices, so this catches a preset or a flag naming a period the plan lacks.
/// Kelviq sells a plan's period in the currencies it has prices in: another currency was
/// refused by Kelviq (400) after the estimate had already said so, with Submit enabled.
fn check_currency(draft: &Draft, v: &str, plans: &[Plan]) -> Result<(), String> {
    let currency = validate::currency(v)?;
    if draft.provider != ProviderKind::Kelviq {
        return Ok(());
    }
    let (plan, period) = (draft.value(Field::Plan), draft.value(Field::Period));
    let Some(p) = plans.iter().find(|p| p.id == plan) else { return Ok(()) };
    let in_period = |pr: &&crate::billing::Price| period.is_empty() || pr.period.to_string() == period;
    if p.prices.iter().filter(in_period).any(|pr| pr.amount.currency() == currency) {
        return Ok(());
    }
    let mut sold: Vec<String> =
        p.prices.iter().filter(in_period).map(|pr| pr.amount.currency().code().to_string()).collect();
    sold.sort_unstable();
    sold.dedup();
    let period = if period.is_empty() { String::new() } else { format!("{period} ") };
    Err(format!("plan {} has no {period}price in {} (it has {})", p.name, currency.code(), sold.join(", ")))
}

fn check_period(draft: &Draft, v: &str, plans: &[Plan]) -> Result<(), String> {
    if draft.provider != ProviderKind::Kelviq {
        return Ok(());
    }
    let plan = draft.value(Field::Plan);
    match plans.iter().find(|p| p.id == plan) {
        Some(p) if !p.periods().iter().any(|period| period.to_string() == v) => {
            Err(format!("plan {} has no {v} price", p.name))
        }
        _ => Ok(()),
    }
}

fn check_rows(draft: &Draft, id: Field) -> Option<String> {
    for (i, row) in draft.rows(id).iter().enumerate() {
        if row.key.trim().is_empty() {
            return Some(format!(
                "row {}: name the {}",
                i + 1,
                if id == Field::Metadata { "key" } else { "feature or product" }
            ));
        }
        if id != Field::Metadata
            && row.enabled
            && let Err(e) = validate::positive_int(&row.value)
        {
            return Some(format!("row {} ({}): quantity {e}", i + 1, row.key));
        }
    }
    None
}

/// `YYYY-MM-DD` (end of that day, UTC) or an RFC 3339 time.
pub fn parse_expiry(v: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    let day = validate::date(v).map_err(|_| "must be YYYY-MM-DD or an RFC 3339 time".to_string())?;
    day.and_hms_opt(23, 59, 59).map(|t| t.and_utc()).ok_or_else(|| "not a valid time".into())
}
