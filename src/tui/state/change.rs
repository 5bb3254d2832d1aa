//! Plan change (`u`), cancel (`x`) and undo (`U`) as step-by-step dialogs: choose, preview,
//! confirm, apply once. Pure state; the effects they ask for run in tasks.

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent};
use rust_decimal::Decimal;

use super::checkout::Live;
use crate::billing::{CancelTiming, ChangeTiming, ChargePeriod, Estimate, Plan, PlanChange, Price, Subscription};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relation {
    Current,
    Upgrade,
    Downgrade,
    SamePrice,
    /// No price in the subscription's currency to compare.
    Unknown,
}

impl Relation {
    pub fn label(&self) -> &'static str {
        match self {
            Relation::Current => "current",
            Relation::Upgrade => "upgrade",
            Relation::Downgrade => "downgrade",
            Relation::SamePrice => "same price",
            Relation::Unknown => "",
        }
    }
}

/// Price per day, so a yearly price compares fairly with a monthly one.
pub fn per_day(amount: Decimal, period: ChargePeriod) -> Option<Decimal> {
    let days = period.average_days()?;
    (!days.is_zero()).then(|| amount / days)
}

pub struct PlanOption {
    pub plan: Plan,
    pub relation: Relation,
}

/// Where a dialog is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Choose,
    Period,
    Timing,
    /// Preview shown; Enter (or, in LIVE mode, the typed customer id) confirms.
    Confirm,
    Applying,
    Done,
}

pub struct ChangeFlow {
    pub slot: u8,
    pub customer_id: String,
    pub customer_name: String,
    pub subscription: Subscription,
    pub options: Vec<PlanOption>,
    pub plan_idx: usize,
    pub periods: Vec<ChargePeriod>,
    pub period_idx: usize,
    pub timings: Vec<ChangeTiming>,
    pub timing_idx: usize,
    pub step: Step,
    pub preview: Live<Estimate>,
    pub diff: Vec<String>,
    pub live: bool,
    pub typed: String,
    pub outcome: Option<Result<Subscription, String>>,
}

/// What a key did to a dialog.
#[derive(Debug, PartialEq)]
pub enum DialogKey {
    Nothing,
    /// The choice is made: fetch the preview.
    Preview,
    Apply,
    Close,
}

impl ChangeFlow {
    pub fn new(
        slot: u8,
        customer_id: String,
        customer_name: String,
        subscription: Subscription,
        plans: &[Plan],
        timings: Vec<ChangeTiming>,
        live: bool,
    ) -> ChangeFlow {
        let currency = subscription.amount.map(|a| a.currency());
        let current_rate = subscription.amount.and_then(|a| per_day(a.amount(), subscription.period));
        let options: Vec<PlanOption> = plans
            .iter()
            .filter(|p| {
                p.prices.iter().any(|pr| Some(pr.amount.currency()) == currency && pr.period != ChargePeriod::OneTime)
            })
            .map(|p| {
                let relation = if Some(&p.id) == subscription.plan_id.as_ref() {
                    Relation::Current
                } else {
                    comparable_price(p, &subscription)
                        .and_then(|pr| per_day(pr.amount.amount(), pr.period))
                        .zip(current_rate)
                        .map_or(Relation::Unknown, |(new, old)| match new.cmp(&old) {
                            std::cmp::Ordering::Greater => Relation::Upgrade,
                            std::cmp::Ordering::Less => Relation::Downgrade,
                            std::cmp::Ordering::Equal => Relation::SamePrice,
                        })
                };
                PlanOption { plan: p.clone(), relation }
            })
            .collect();
        let plan_idx = options.iter().position(|o| o.relation != Relation::Current).unwrap_or(0);
        ChangeFlow {
            slot,
            customer_id,
            customer_name,
            subscription,
            options,
            plan_idx,
            periods: Vec::new(),
            period_idx: 0,
            timings,
            timing_idx: 0,
            step: Step::Choose,
            preview: Live::default(),
            diff: Vec::new(),
            live,
            typed: String::new(),
            outcome: None,
        }
    }

    pub fn plan(&self) -> Option<&Plan> {
        self.options.get(self.plan_idx).map(|o| &o.plan)
    }

    /// The change the dialog describes now.
    pub fn change(&self) -> Option<PlanChange> {
        let plan = self.plan()?;
        let period = *self.periods.get(self.period_idx)?;
        let currency = self.subscription.amount.map(|a| a.currency().code().to_string());
        let price_id = plan.price_for(period, currency.as_deref()).and_then(|p| p.id.clone());
        Some(PlanChange {
            plan_id: plan.id.clone(),
            period,
            price_id,
            timing: *self.timings.get(self.timing_idx)?,
            features: Vec::new(),
        })
    }

    fn select_plan(&mut self) -> DialogKey {
        let currency = self.subscription.amount.map(|a| a.currency());
        self.periods = self
            .plan()
            .map(|p| {
                p.periods()
                    .into_iter()
                    .filter(|period| {
                        *period != ChargePeriod::OneTime
                            && p.prices.iter().any(|pr| pr.period == *period && Some(pr.amount.currency()) == currency)
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Start on the subscription's own period when the plan has it.
        self.period_idx = self.periods.iter().position(|p| *p == self.subscription.period).unwrap_or(0);
        if self.periods.len() > 1 {
            self.step = Step::Period;
            return DialogKey::Nothing;
        }
        self.after_period()
    }

    fn after_period(&mut self) -> DialogKey {
        if self.timings.len() > 1 {
            self.step = Step::Timing;
            return DialogKey::Nothing;
        }
        self.step = Step::Confirm;
        DialogKey::Preview
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> DialogKey {
        match (self.step, key.code) {
            (Step::Applying, _) => DialogKey::Nothing,
            (Step::Done, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) => DialogKey::Close,
            (_, KeyCode::Esc) => DialogKey::Close,
            (Step::Choose, KeyCode::Up | KeyCode::Char('k')) => step(&mut self.plan_idx, -1, self.options.len()),
            (Step::Choose, KeyCode::Down | KeyCode::Char('j')) => step(&mut self.plan_idx, 1, self.options.len()),
            (Step::Choose, KeyCode::Enter)
                if self.options.get(self.plan_idx).is_some_and(|o| o.relation != Relation::Current) =>
            {
                self.select_plan()
            }
            (Step::Period, KeyCode::Up | KeyCode::Char('k')) => step(&mut self.period_idx, -1, self.periods.len()),
            (Step::Period, KeyCode::Down | KeyCode::Char('j')) => step(&mut self.period_idx, 1, self.periods.len()),
            (Step::Period, KeyCode::Enter) => self.after_period(),
            (Step::Timing, KeyCode::Up | KeyCode::Char('k')) => step(&mut self.timing_idx, -1, self.timings.len()),
            (Step::Timing, KeyCode::Down | KeyCode::Char('j')) => step(&mut self.timing_idx, 1, self.timings.len()),
            (Step::Timing, KeyCode::Enter) => {
                self.step = Step::Confirm;
                DialogKey::Preview
            }
            (Step::Confirm, code) => {
                let k = confirm_key(&mut self.typed, self.live, &self.customer_id, self.preview.value.is_some(), code);
                if k == DialogKey::Apply {
                    self.step = Step::Applying;
                }
                k
            }
            _ => DialogKey::Nothing,
        }
    }
}

/// The price the upgrade/downgrade label compares: same currency, the subscription's period
/// when the plan has it, else any recurring one.
fn comparable_price<'a>(plan: &'a Plan, sub: &Subscription) -> Option<&'a Price> {
    let currency = sub.amount?.currency();
    let same_currency = |pr: &&Price| pr.amount.currency() == currency && pr.period != ChargePeriod::OneTime;
    plan.prices
        .iter()
        .filter(same_currency)
        .find(|pr| pr.period == sub.period)
        .or_else(|| plan.prices.iter().find(same_currency))
}

fn step(index: &mut usize, delta: isize, len: usize) -> DialogKey {
    if len > 0 {
        *index = (*index as isize + delta).clamp(0, len as isize - 1) as usize;
    }
    DialogKey::Nothing
}

/// Enter applies once the preview is in; in LIVE mode only after the customer id was typed.
fn confirm_key(typed: &mut String, live: bool, customer_id: &str, ready: bool, code: KeyCode) -> DialogKey {
    match code {
        KeyCode::Enter if ready && (!live || typed.trim() == customer_id) => DialogKey::Apply,
        KeyCode::Char(c) if live => {
            typed.push(c);
            DialogKey::Nothing
        }
        KeyCode::Backspace if live => {
            typed.pop();
            DialogKey::Nothing
        }
        _ => DialogKey::Nothing,
    }
}

/// Cancel (`x`) or, with `undo`, remove a scheduled cancellation (`U`).
pub struct CancelFlow {
    pub slot: u8,
    pub customer_id: String,
    pub customer_name: String,
    pub subscription: Subscription,
    pub undo: bool,
    pub choices: Vec<CancelChoice>,
    pub idx: usize,
    pub date: String,
    pub date_error: Option<String>,
    pub step: Step,
    /// Features the customer has through this subscription's plan, lost at the end date.
    pub lost: Vec<String>,
    pub live: bool,
    pub typed: String,
    pub outcome: Option<Result<Subscription, String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelChoice {
    Immediately,
    AtPeriodEnd,
    OnDate,
}

impl CancelChoice {
    pub fn label(&self) -> &'static str {
        match self {
            CancelChoice::Immediately => "immediately",
            CancelChoice::AtPeriodEnd => "at the end of the current period",
            CancelChoice::OnDate => "on a date",
        }
    }
}

impl CancelFlow {
    pub fn timing(&self, today: NaiveDate) -> Result<CancelTiming, String> {
        match self.choices.get(self.idx) {
            Some(CancelChoice::Immediately) | None => Ok(CancelTiming::Immediately),
            Some(CancelChoice::AtPeriodEnd) => Ok(CancelTiming::AtPeriodEnd),
            Some(CancelChoice::OnDate) => {
                let d = crate::billing::validate::date(&self.date)?;
                if d < today {
                    return Err("must be today or later".into());
                }
                Ok(CancelTiming::OnDate(d))
            }
        }
    }

    /// When access ends under the chosen timing.
    pub fn end_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        match self.timing(today).ok()? {
            CancelTiming::Immediately => Some(today),
            CancelTiming::AtPeriodEnd => self.subscription.current_period_end.map(|d| d.date_naive()),
            CancelTiming::OnDate(d) => Some(d),
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent, today: NaiveDate) -> DialogKey {
        let on_date = self.choices.get(self.idx) == Some(&CancelChoice::OnDate);
        match (self.step, key.code) {
            (Step::Applying, _) => DialogKey::Nothing,
            (Step::Done, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')) => DialogKey::Close,
            (_, KeyCode::Esc) => DialogKey::Close,
            (Step::Choose, KeyCode::Up) => step(&mut self.idx, -1, self.choices.len()),
            (Step::Choose, KeyCode::Down) => step(&mut self.idx, 1, self.choices.len()),
            (Step::Choose, KeyCode::Char(c)) if on_date => {
                self.date.push(c);
                DialogKey::Nothing
            }
            (Step::Choose, KeyCode::Backspace) if on_date => {
                self.date.pop();
                DialogKey::Nothing
            }
            (Step::Choose, KeyCode::Enter) => match self.timing(today) {
                Ok(_) => {
                    self.date_error = None;
                    self.step = Step::Confirm;
                    DialogKey::Nothing
                }
                Err(e) => {
                    self.date_error = Some(e);
                    DialogKey::Nothing
                }
            },
            (Step::Confirm, code) => {
                let k = confirm_key(&mut self.typed, self.live, &self.customer_id, true, code);
                if k == DialogKey::Apply {
                    self.step = Step::Applying;
                }
                k
            }
            _ => DialogKey::Nothing,
        }
    }
}
