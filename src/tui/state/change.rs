//! Plan change (`u`), cancel (`x`) and undo (`U`) as step-by-step dialogs: choose, preview,
//! confirm, apply once. Pure state; the effects they ask for run in tasks.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::checkout::Live;
use crate::billing::{CancelTiming, ChangeTiming, ChargePeriod, Estimate, Plan, PlanChange, Price, Subscription};
use crate::tui::action::Action;

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
    /// What tells same-named plans apart: the compared price and its cadence.
    pub price: String,
}

/// Where a dialog is. The change dialog always walks Choose › Period › Timing › Confirm (a
/// step with one option is shown with it chosen, never skipped); cancel walks Choose (when)
/// › Date (only "on a date") › Confirm; undo is Confirm only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Choose,
    Period,
    Timing,
    /// Typing the cancellation date.
    Date,
    /// Preview shown; Ctrl-S (in LIVE mode after the typed customer id) applies. Never Enter.
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
    /// Meters whose usage today exceeds the limit after the change (said before the confirm key).
    pub usage_warnings: Vec<String>,
    pub live: bool,
    pub typed: String,
    pub outcome: Option<Result<Subscription, String>>,
    /// Where the plan cursor started, to know whether Esc discards a started change.
    first_plan_idx: usize,
    /// Set when Enter is pressed on the current plan (the hint says to choose another) or on
    /// the Preview step (the hint says which key applies).
    pub enter_hint: bool,
    /// The provider keeps a subscription's billing interval: only that period is offered.
    pub keep_interval: bool,
    /// Lines of the Preview step scrolled past (↓/↑), when it is taller than the dialog.
    pub body_scroll: usize,
}

/// What an action did to a dialog.
#[derive(Debug, PartialEq)]
pub enum DialogKey {
    Nothing,
    /// The choice is made: fetch the preview.
    Preview,
    Apply,
    Close,
    /// Esc on a started dialog: ask before discarding it.
    AskDiscard,
}

/// What the provider allows a change to do: its timings, and whether it keeps the
/// subscription's billing interval.
#[derive(Clone, Debug)]
pub struct ChangeRules {
    pub timings: Vec<ChangeTiming>,
    pub keep_interval: bool,
}

/// The steps a change dialog shows, in order.
pub const CHANGE_STEPS: [(Step, &str); 4] =
    [(Step::Choose, "Plan"), (Step::Period, "Period"), (Step::Timing, "Timing"), (Step::Confirm, "Preview")];

impl ChangeFlow {
    pub fn new(
        slot: u8,
        customer_id: String,
        customer_name: String,
        subscription: Subscription,
        plans: &[Plan],
        rules: ChangeRules,
        live: bool,
    ) -> ChangeFlow {
        let ChangeRules { timings, keep_interval } = rules;
        let currency = subscription.amount.map(|a| a.currency());
        let current_rate = subscription.amount.and_then(|a| per_day(a.amount(), subscription.period));
        // Only what the provider accepts: a recurring price in the subscription's currency that
        // is not a usage meter's, and at its own interval where the provider keeps it.
        let offered = |pr: &crate::billing::Price| {
            Some(pr.amount.currency()) == currency
                && pr.period != ChargePeriod::OneTime
                && pr.kind != crate::billing::PriceKind::Usage
                && (!keep_interval || pr.period == subscription.period)
        };
        let options: Vec<PlanOption> = plans
            .iter()
            .filter(|p| p.prices.iter().any(offered))
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
                let price = comparable_price(p, &subscription)
                    .map(|pr| format!("{} {}", pr.amount, pr.period.label()))
                    .unwrap_or_default();
                PlanOption { plan: p.clone(), relation, price }
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
            usage_warnings: Vec::new(),
            live,
            typed: String::new(),
            outcome: None,
            first_plan_idx: plan_idx,
            enter_hint: false,
            keep_interval,
            body_scroll: 0,
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

    /// The periods the chosen plan sells in the subscription's currency.
    fn select_plan(&mut self) -> DialogKey {
        let currency = self.subscription.amount.map(|a| a.currency());
        self.periods = self
            .plan()
            .map(|p| {
                p.periods()
                    .into_iter()
                    .filter(|period| {
                        *period != ChargePeriod::OneTime
                            && (!self.keep_interval || *period == self.subscription.period)
                            && p.prices.iter().any(|pr| {
                                pr.period == *period
                                    && Some(pr.amount.currency()) == currency
                                    && pr.kind != crate::billing::PriceKind::Usage
                            })
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Start on the subscription's own period when the plan has it.
        self.period_idx = self.periods.iter().position(|p| *p == self.subscription.period).unwrap_or(0);
        self.step = Step::Period;
        DialogKey::Nothing
    }

    fn started(&self) -> bool {
        self.step != Step::Choose || self.plan_idx != self.first_plan_idx
    }

    pub fn handle_action(&mut self, action: Action) -> DialogKey {
        self.enter_hint = false;
        match (self.step, action) {
            (Step::Applying, _) => DialogKey::Nothing,
            (Step::Done, Action::Choose | Action::Back | Action::Quit) => DialogKey::Close,
            (Step::Done, _) => DialogKey::Nothing,
            (_, Action::Back) if self.started() => DialogKey::AskDiscard,
            (_, Action::Back) => DialogKey::Close,
            (Step::Choose, Action::Choose)
                if self.options.get(self.plan_idx).is_some_and(|o| o.relation != Relation::Current) =>
            {
                self.select_plan()
            }
            // Enter on the current plan changes nothing; said, not silently ignored.
            (Step::Choose, Action::Choose) => {
                self.enter_hint = true;
                DialogKey::Nothing
            }
            (Step::Period, Action::Choose) if !self.periods.is_empty() => {
                self.step = Step::Timing;
                DialogKey::Nothing
            }
            (Step::Timing, Action::Choose) if !self.timings.is_empty() => {
                self.step = Step::Confirm;
                self.body_scroll = 0;
                DialogKey::Preview
            }
            (Step::Confirm, Action::Choose) => {
                self.enter_hint = true;
                DialogKey::Nothing
            }
            (_, Action::StepBack) => {
                self.step = match self.step {
                    Step::Period => Step::Choose,
                    Step::Timing => Step::Period,
                    Step::Confirm => Step::Timing,
                    other => other,
                };
                self.typed.clear();
                DialogKey::Nothing
            }
            (Step::Confirm, Action::Confirm) => {
                let k = confirm(self.live, &self.typed, &self.customer_id, self.preview.value.is_some());
                if k == DialogKey::Apply {
                    self.step = Step::Applying;
                }
                k
            }
            (Step::Confirm, Action::Text(key)) if self.live => {
                crate::tui::text::edit_line(&mut self.typed, key);
                DialogKey::Nothing
            }
            (Step::Choose, nav) => step(&mut self.plan_idx, nav, self.options.len()),
            (Step::Period, nav) => step(&mut self.period_idx, nav, self.periods.len()),
            (Step::Timing, nav) => step(&mut self.timing_idx, nav, self.timings.len()),
            // A preview taller than the dialog scrolls; the view keeps the offset in range.
            (Step::Confirm, nav) => {
                if let Some(delta) = super::movement::nav_delta(nav, 10) {
                    self.body_scroll = self.body_scroll.saturating_add_signed(delta).min(200);
                }
                DialogKey::Nothing
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

/// Moves a choice cursor; every movement key works in every dialog list.
fn step(index: &mut usize, action: Action, len: usize) -> DialogKey {
    if let Some(delta) = super::movement::nav_delta(action, 10)
        && len > 0
    {
        *index = (*index as isize).saturating_add(delta).clamp(0, len as isize - 1) as usize;
    }
    DialogKey::Nothing
}

/// Ctrl-S applies once the preview is in; in LIVE mode only after the customer id was typed.
fn confirm(live: bool, typed: &str, customer_id: &str, ready: bool) -> DialogKey {
    if ready && (!live || typed.trim() == customer_id) { DialogKey::Apply } else { DialogKey::Nothing }
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
    /// This plan's features another live subscription of the customer still grants, with
    /// that plan's name: not lost, though a limit may fall to the other plan's.
    pub kept: Vec<String>,
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

    /// When access ends under the chosen timing: the same rule the CLI previews with.
    pub fn end_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        crate::ops::subscriptions::cancel_end(&self.subscription, self.timing(today).ok()?, today)
    }

    fn started(&self) -> bool {
        !self.undo && (self.step != Step::Choose || self.idx != 0)
    }

    pub fn handle_action(&mut self, action: Action, today: NaiveDate) -> DialogKey {
        let on_date = self.choices.get(self.idx) == Some(&CancelChoice::OnDate);
        match (self.step, action) {
            (Step::Applying, _) => DialogKey::Nothing,
            (Step::Done, Action::Choose | Action::Back | Action::Quit) => DialogKey::Close,
            (Step::Done, _) => DialogKey::Nothing,
            (_, Action::Back) if self.started() => DialogKey::AskDiscard,
            (_, Action::Back) => DialogKey::Close,
            (Step::Choose, Action::Choose) => {
                self.date_error = None;
                self.step = if on_date { Step::Date } else { Step::Confirm };
                DialogKey::Nothing
            }
            (Step::Date, Action::Choose) => match self.timing(today) {
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
            (Step::Date, Action::Text(key)) => {
                crate::tui::text::edit_line(&mut self.date, key);
                DialogKey::Nothing
            }
            (Step::Confirm | Step::Date, Action::StepBack) if !self.undo => {
                self.step = if self.step == Step::Confirm && on_date { Step::Date } else { Step::Choose };
                self.typed.clear();
                DialogKey::Nothing
            }
            (Step::Confirm, Action::Confirm) => {
                let k = confirm(self.live, &self.typed, &self.customer_id, true);
                if k == DialogKey::Apply {
                    self.step = Step::Applying;
                }
                k
            }
            (Step::Confirm, Action::Text(key)) if self.live => {
                crate::tui::text::edit_line(&mut self.typed, key);
                DialogKey::Nothing
            }
            (Step::Choose, nav) => step(&mut self.idx, nav, self.choices.len()),
            _ => DialogKey::Nothing,
        }
    }
}
