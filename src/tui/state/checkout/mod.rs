//! The checkout builder: a per-provider form, validated as you type, with a live request
//! preview and billing estimate, submitted once, then the result (URL, QR code, status).

pub mod fields;
pub mod form_layout;
mod input;
pub mod presets;
mod request;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

use crate::billing::{CheckoutSession, Estimate, Plan, ProviderKind};
use crate::providers::{ProviderError, RequestPreview};
use fields::{Choice, Field, FieldId, Input};

/// What a key did to the form, for the app to act on.
#[derive(Debug, PartialEq)]
pub enum FormOutcome {
    Nothing,
    /// A value changed: revalidate, and refresh the preview and estimate.
    Changed,
    Submit,
    Close,
    CopyBody,
    CopyCurl,
    SavePreset,
    LoadPresets,
    /// Enter on the Submit button: say that Ctrl-S submits.
    EnterOnSubmit,
}

/// The live preview or estimate: the newest run's result; older runs are ignored.
#[derive(Debug)]
pub struct Live<T> {
    pub value: Option<T>,
    pub error: Option<String>,
    pub generation: u64,
    pub loading: bool,
}

impl<T> Default for Live<T> {
    fn default() -> Self {
        Live { value: None, error: None, generation: 0, loading: false }
    }
}

impl<T> Live<T> {
    pub fn start(&mut self) -> u64 {
        self.generation += 1;
        self.loading = true;
        self.generation
    }

    pub fn finish(&mut self, generation: u64, result: Result<T, ProviderError>) {
        if generation != self.generation {
            return;
        }
        self.loading = false;
        match result {
            Ok(v) => {
                self.value = Some(v);
                self.error = None;
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }
}

/// The session a submit created, and its status as polled.
pub struct CheckoutResult {
    pub session: CheckoutSession,
    pub polling: bool,
    pub checked_at: Option<DateTime<Utc>>,
    pub poll_error: Option<String>,
}

pub struct CheckoutBuilder {
    pub slot: u8,
    pub provider: ProviderKind,
    pub fields: Vec<Field>,
    /// Index of the focused field; `fields.len()` is the Submit button.
    pub focus: usize,
    pub preview: Live<RequestPreview>,
    pub estimate: Live<Estimate>,
    pub submitting: bool,
    pub submit_error: Option<ProviderError>,
    pub result: Option<CheckoutResult>,
    pub notice: Option<String>,
    /// A session reopened from the checkout-sessions list: closing it keeps no draft.
    pub reopened: bool,
    /// The catalog the pickers were filled from.
    plans: Vec<Plan>,
    /// Fields the chosen checkout type does not send (`ops::checkout::applies`), set aside
    /// with what was typed in them, so switching back brings them back.
    hidden: Vec<Field>,
}

impl CheckoutBuilder {
    pub fn new(
        slot: u8,
        provider: ProviderKind,
        plans: &[Plan],
        customer: Option<String>,
        plan: Option<String>,
    ) -> CheckoutBuilder {
        let mut b = CheckoutBuilder {
            slot,
            provider,
            fields: fields::schema(provider),
            focus: 0,
            preview: Live::default(),
            estimate: Live::default(),
            submitting: false,
            submit_error: None,
            result: None,
            notice: None,
            reopened: false,
            plans: Vec::new(),
            hidden: Vec::new(),
        };
        b.arrange();
        b.set_catalog(plans);
        if let Some(c) = customer {
            match provider {
                ProviderKind::KuvarPay => b.set_value(FieldId::CustomerEmail, &c),
                _ => b.set_value(FieldId::Customer, &c),
            }
        }
        if let Some(p) = plan {
            b.set_value(FieldId::Plan, &p);
            b.refresh_dependent();
        }
        b
    }

    pub fn field(&self, id: FieldId) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The field, shown or set aside (a preset or a switch back may fill a hidden one).
    fn field_mut(&mut self, id: FieldId) -> Option<&mut Field> {
        self.fields.iter_mut().chain(self.hidden.iter_mut()).find(|f| f.id == id)
    }

    /// Every field id of the form, shown or hidden.
    fn all_ids(&self) -> Vec<FieldId> {
        self.fields.iter().chain(&self.hidden).map(|f| f.id).collect()
    }

    /// Shows the fields the chosen checkout type sends, in the schema's order, and sets the
    /// rest aside: an activation sells no price and no quantity, so a form showing them
    /// (required-looking) while leaving them out of the request said something it did not do.
    /// The focus stays on the field it was on.
    fn arrange(&mut self) {
        use crate::ops::checkout::{CheckoutType, applies};
        let kind = CheckoutType::parse(&self.value(FieldId::CheckoutType)).unwrap_or(CheckoutType::Purchase);
        let focused = self.fields.get(self.focus).map(|f| f.id);
        let order: Vec<FieldId> = fields::schema(self.provider).iter().map(|f| f.id).collect();
        let mut all: Vec<Field> = self.fields.drain(..).chain(self.hidden.drain(..)).collect();
        all.sort_by_key(|f| order.iter().position(|id| *id == f.id));
        let (shown, hidden) = all.into_iter().partition(|f| applies(self.provider, kind, f.id));
        (self.fields, self.hidden) = (shown, hidden);
        self.focus = focused.and_then(|id| self.fields.iter().position(|f| f.id == id)).unwrap_or(self.fields.len());
        if self.provider == ProviderKind::Flowglad {
            // A session for an existing subscription names its customer; only a product may
            // be bought anonymously.
            let purchase = kind == CheckoutType::Purchase;
            if let Some(f) = self.field_mut(FieldId::Customer) {
                f.label = if purchase { fields::FLOWGLAD_CUSTOMER } else { "Customer externalId" };
                f.required = !purchase;
            }
            if let Some(f) = self.field_mut(FieldId::TargetSubscription) {
                f.required = kind == CheckoutType::ActivateSubscription;
            }
        }
    }

    /// The field's value as text: the typed text, the chosen option's value, "true"/"false".
    pub fn value(&self, id: FieldId) -> String {
        match self.field(id).map(|f| &f.input) {
            Some(Input::Text(area)) => area.lines().first().cloned().unwrap_or_default().trim().to_string(),
            Some(Input::Pick { options, selected, .. }) => {
                selected.and_then(|i| options.get(i)).map(|c| c.value.clone()).unwrap_or_default()
            }
            Some(Input::Toggle(on)) => on.to_string(),
            Some(Input::Rows { .. }) | None => String::new(),
        }
    }

    pub fn rows(&self, id: FieldId) -> &[fields::RowItem] {
        match self.field(id).map(|f| &f.input) {
            Some(Input::Rows { rows, .. }) => rows,
            _ => &[],
        }
    }

    /// Points the form at this customer, or at none: a draft never keeps the previous one.
    pub fn set_customer(&mut self, customer: Option<&str>) {
        let id = if self.provider == ProviderKind::KuvarPay { FieldId::CustomerEmail } else { FieldId::Customer };
        self.set_value(id, customer.unwrap_or_default());
    }

    /// Sets a field from text: types it, picks the matching option, or flips the toggle.
    pub fn set_value(&mut self, id: FieldId, value: &str) {
        self.set_value_only(id, value);
        match id {
            FieldId::Plan => self.refresh_dependent(),
            FieldId::CheckoutType => self.arrange(),
            _ => {}
        }
    }

    fn set_value_only(&mut self, id: FieldId, value: &str) {
        let Some(f) = self.field_mut(id) else { return };
        match &mut f.input {
            Input::Text(area) => **area = fields::text_area(value),
            Input::Pick { options, selected, highlight, .. } => {
                // One spelling of checkout types; presets may hold the older snake_case one.
                let value = match id {
                    FieldId::CheckoutType => {
                        crate::ops::checkout::CheckoutType::parse(value).map_or(value, |t| t.as_str())
                    }
                    _ => value,
                };
                if let Some(i) = options.iter().position(|c| c.value == value) {
                    *selected = Some(i);
                    *highlight = i;
                }
            }
            Input::Toggle(on) => *on = value == "true",
            Input::Rows { rows, .. } => {
                *rows = value
                    .split(';')
                    .filter(|r| !r.is_empty())
                    .map(|r| {
                        let mut parts = r.splitn(3, '=');
                        let key = parts.next().unwrap_or_default().to_string();
                        let value = parts.next().unwrap_or_default().to_string();
                        fields::RowItem { key, value, enabled: parts.next() != Some("off") }
                    })
                    .collect();
            }
        }
    }

    /// Rows as text, the inverse of `set_value` for list editors (for presets).
    pub fn rows_text(&self, id: FieldId) -> String {
        self.rows(id)
            .iter()
            .map(|r| format!("{}={}{}", r.key, r.value, if r.enabled { "" } else { "=off" }))
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Fills pickers from the catalog (called again when plans arrive after opening).
    pub fn set_catalog(&mut self, plans: &[Plan]) {
        self.plans = plans.to_vec();
        let choices = [
            (FieldId::Plan, fields::plan_choices(plans)),
            (FieldId::Price, fields::price_choices(plans)),
            (FieldId::Currency, fields::currency_choices(plans)),
        ];
        for (id, options) in choices {
            self.set_options(id, options);
        }
        self.refresh_dependent();
    }

    /// Options that depend on another field: the periods the chosen plan has prices for.
    fn refresh_dependent(&mut self) {
        let plan_id = self.value(FieldId::Plan);
        let plan = self.plans.iter().find(|p| p.id == plan_id);
        let periods = fields::period_choices(plan);
        // Kelviq sells a plan in the currencies it has prices in.
        let currencies = if self.provider == ProviderKind::Kelviq {
            plan.map(|p| fields::currency_choices(std::slice::from_ref(p)))
        } else {
            None
        };
        self.set_options(FieldId::Period, periods);
        if let Some(c) = currencies {
            self.set_options(FieldId::Currency, c);
        }
    }

    fn set_options(&mut self, id: FieldId, options: Vec<Choice>) {
        let Some(f) = self.field_mut(id) else { return };
        if let Input::Pick { options: current, selected, highlight, .. } = &mut f.input {
            let keep = selected.and_then(|i| current.get(i)).map(|c| c.value.clone());
            *current = options;
            // A single option is chosen for you, except optional currencies ("catalog's first").
            let single = current.len() == 1 && id != FieldId::Currency;
            *selected = keep.and_then(|v| current.iter().position(|c| c.value == v)).or(single.then_some(0));
            if selected.is_none() && id == FieldId::Period {
                // Monthly is the usual first choice when the plan has it.
                *selected = current.iter().position(|c| c.value == "MONTHLY").or((!current.is_empty()).then_some(0));
            }
            *highlight = selected.unwrap_or(0);
        }
    }

    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// The request preview matches the form as it is now (valid, and not being refreshed).
    pub fn preview_fresh(&self) -> bool {
        self.blocker().is_none() && self.preview.value.is_some() && !self.preview.loading
    }

    /// The short label of the first field the form refuses: while there is one, the estimate
    /// and request panes still show the last valid form's, so they are marked stale.
    pub fn stale_reason(&self) -> Option<&'static str> {
        self.fields.iter().find(|f| f.error.is_some()).map(|f| f.id.label())
    }

    /// Why submit is disabled, or `None` when the form is valid.
    pub fn blocker(&self) -> Option<String> {
        if self.submitting {
            return Some("submitting…".into());
        }
        self.fields.iter().find_map(|f| f.error.as_ref().map(|e| format!("{}: {e}", f.label)))
    }

    /// Marks the session a submit created.
    pub fn submitted(&mut self, result: Result<CheckoutSession, ProviderError>) {
        self.submitting = false;
        for f in &mut self.fields {
            f.server_error = None;
        }
        match result {
            Ok(session) => {
                self.submit_error = None;
                self.result = Some(CheckoutResult { session, polling: true, checked_at: None, poll_error: None });
            }
            Err(e) => {
                // Put each field error next to its field; what fits no field stays general.
                for fe in &e.field_errors {
                    if let Some(id) = FieldId::from_wire(&fe.field)
                        && let Some(f) = self.field_mut(id)
                    {
                        f.server_error = Some(fe.message.clone());
                    }
                }
                self.submit_error = Some(e);
            }
        }
    }
}
