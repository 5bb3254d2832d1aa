//! The checkout form's fields: which ones each provider's API defines, their inputs, and how
//! their values become a `CheckoutRequest`.

use ratatui_textarea::TextArea;

use crate::billing::{ChargePeriod, Plan, ProviderKind};

/// The form's fields are the checkout fields `ops` validates (one set of names and rules for
/// the form and the CLI).
pub use crate::ops::checkout::Field as FieldId;

#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    /// Whether every word of a picker's typed filter is in the label or the value, accents
    /// folded ("pro ghs", "team yearly"), as every filter in the console matches.
    pub fn matches(&self, query: &str) -> bool {
        let haystack = crate::util::fold_accents(&format!("{} {}", self.label, self.value));
        query.split_whitespace().all(|word| haystack.contains(&crate::util::fold_accents(word)))
    }
}

/// One row of a list editor: an identifier, a value, and whether it is switched on.
pub use crate::ops::checkout::Row as RowItem;

pub enum Input {
    Text(Box<TextArea<'static>>),
    /// A choice from a list; typing filters it.
    Pick {
        options: Vec<Choice>,
        selected: Option<usize>,
        query: String,
        highlight: usize,
    },
    Toggle(bool),
    /// A small list editor (feature quantities, product overrides, metadata).
    Rows {
        rows: Vec<RowItem>,
        cursor: usize,
        column: usize,
        with_enabled: bool,
    },
}

pub struct Field {
    pub id: FieldId,
    pub label: &'static str,
    pub input: Input,
    pub required: bool,
    /// From validation as you type.
    pub error: Option<String>,
    /// From the provider's answer to the last submit.
    pub server_error: Option<String>,
}

pub fn text_input(value: &str) -> Input {
    Input::Text(Box::new(text_area(value)))
}

/// A one-line text area holding `value`, with the cursor after it (where typing continues).
pub fn text_area(value: &str) -> TextArea<'static> {
    let mut area = TextArea::new(vec![value.to_string()]);
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area
}

fn field(id: FieldId, label: &'static str, input: Input, required: bool) -> Field {
    Field { id, label, input, required, error: None, server_error: None }
}

fn pick(values: &[(&str, &str)], default: Option<usize>) -> Input {
    let options = values.iter().map(|(v, l)| Choice { value: v.to_string(), label: l.to_string() }).collect();
    Input::Pick { options, selected: default, query: String::new(), highlight: default.unwrap_or(0) }
}

fn rows(with_enabled: bool) -> Input {
    Input::Rows { rows: Vec::new(), cursor: 0, column: 0, with_enabled }
}

/// Flowglad's customer field for a product checkout, which may be anonymous.
pub const FLOWGLAD_CUSTOMER: &str = "Customer externalId (empty: anonymous)";

/// The fields each provider's checkout API defines (shared/providers/), in form order.
pub fn schema(provider: ProviderKind) -> Vec<Field> {
    use FieldId::{
        BillingMode, BusinessEntity, CancelUrl, CheckoutType, Currency, Customer, CustomerEmail, EndDate, ExpiresAt,
        Features, FirstName, Guest, Ip, LastName, Metadata, OutputName, Period, Plan, PreserveAnchor, Price,
        ProductOverrides, Quantity, StartDate, SuccessUrl, TargetAmount, TargetSubscription,
    };
    let success = || field(SuccessUrl, "Success URL", text_input("https://example.com/thanks"), true);
    match provider {
        ProviderKind::Kelviq => vec![
            field(Plan, "Plan", pick(&[], None), true),
            field(Period, "Charge period", pick(&[], None), true),
            field(Currency, "Currency (empty: catalog's first)", pick(&[], None), false),
            field(Customer, "Customer id (empty: new)", text_input(""), false),
            field(Features, "Feature quantities", rows(false), false),
            success(),
            field(Ip, "IP address", text_input(""), false),
        ],
        ProviderKind::Flowglad => vec![
            field(
                CheckoutType,
                "Checkout type",
                pick(
                    &[
                        ("purchase", "product"),
                        ("activate-subscription", "activate subscription"),
                        ("add-payment-method", "add payment method"),
                    ],
                    Some(0),
                ),
                true,
            ),
            field(Customer, FLOWGLAD_CUSTOMER, text_input(""), false),
            field(TargetSubscription, "Target subscription", text_input(""), false),
            field(Price, "Price", pick(&[], None), true),
            field(Quantity, "Quantity", text_input("1"), true),
            success(),
            field(CancelUrl, "Cancel URL", text_input("https://example.com/cancel"), true),
            field(PreserveAnchor, "Preserve billing cycle anchor", Input::Toggle(false), false),
            field(OutputName, "Output name", text_input(""), false),
            field(Metadata, "Metadata", rows(false), false),
        ],
        ProviderKind::KuvarPay => vec![
            field(Price, "Price", pick(&[], None), true),
            field(BillingMode, "Billing mode", pick(&[("FIXED", "FIXED"), ("METERED", "METERED")], Some(0)), true),
            field(Currency, "Target currency", pick(&[], None), false),
            field(TargetAmount, "Target amount", text_input(""), false),
            field(CustomerEmail, "Customer email", text_input(""), true),
            field(FirstName, "First name", text_input(""), false),
            field(LastName, "Last name", text_input(""), false),
            success(),
            field(CancelUrl, "Cancel URL", text_input("https://example.com/cancel"), false),
        ],
        ProviderKind::Zenskar => vec![
            field(Plan, "Plan", pick(&[], None), true),
            field(Customer, "Customer id", text_input(""), false),
            field(Guest, "Guest checkout", Input::Toggle(false), false),
            field(BusinessEntity, "Business entity (guest)", text_input(""), false),
            field(StartDate, "Start date", text_input(""), false),
            field(EndDate, "End date (empty: evergreen)", text_input(""), false),
            field(ProductOverrides, "Product overrides", rows(true), false),
            success(),
            field(CancelUrl, "Cancel URL", text_input(""), false),
            field(ExpiresAt, "Expires at (empty: 24 h)", text_input(""), false),
        ],
    }
}

/// Picker options from the provider's catalog. A name several plans share (Zenskar has one
/// plan per price: "Enterprise" ×4) is told apart by price, currency and cadence, and so is the
/// chosen value, which shows the same label.
pub fn plan_choices(plans: &[Plan]) -> Vec<Choice> {
    plans
        .iter()
        .map(|p| {
            let shared = plans.iter().filter(|o| o.name.trim().eq_ignore_ascii_case(p.name.trim())).count() > 1;
            let label = match p.prices.first().filter(|_| shared) {
                Some(pr) => {
                    format!("{} · {} {} {}", p.name, pr.amount, pr.amount.currency().code(), pr.period.label())
                }
                None if shared => format!("{} · {}", p.name, p.id),
                None => p.name.clone(),
            };
            Choice { value: p.id.clone(), label }
        })
        .collect()
}

pub fn period_choices(plan: Option<&Plan>) -> Vec<Choice> {
    plan.map(|p| {
        p.periods().into_iter().map(|period| Choice { value: period.to_string(), label: period.label() }).collect()
    })
    .unwrap_or_default()
}

/// Every price of every plan, by id: "Pro · $12.00 /monthly".
pub fn price_choices(plans: &[Plan]) -> Vec<Choice> {
    plans
        .iter()
        .flat_map(|p| {
            p.prices.iter().filter_map(move |pr| {
                let id = pr.id.clone()?;
                Some(Choice { value: id, label: format!("{} · {} {}", p.name, pr.amount, pr.period.label()) })
            })
        })
        .collect()
}

pub fn currency_choices(plans: &[Plan]) -> Vec<Choice> {
    let mut codes: Vec<String> =
        plans.iter().flat_map(|p| p.prices.iter().map(|pr| pr.amount.currency().code().to_string())).collect();
    codes.sort();
    codes.dedup();
    codes.into_iter().map(|c| Choice { value: c.clone(), label: c }).collect()
}

pub fn parse_period(value: &str) -> Option<ChargePeriod> {
    ChargePeriod::parse(value).ok()
}
