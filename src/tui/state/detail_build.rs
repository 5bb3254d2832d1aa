//! What each kind of detail view shows, built from what the console has loaded (pure: the
//! builders read `AppState` and return lines). Money and dates are formatted as everywhere
//! else; empty values read "—" so a blank never looks like a value.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::detail::{DetailKind, DetailLine, DetailState, RawRead, Target, flatten};
use super::{AppState, Dialog, Effect};
use crate::billing::money::group_int;
use crate::billing::{
    Customer, Entitlement, EntitlementKind, InvoiceRecord, Plan, PlanFeature, RowIssue, Subscription, attribution,
};
use crate::tui::action::Action;

const NONE: &str = "—";

fn or_dash(value: Option<impl ToString>) -> String {
    value.map_or_else(|| NONE.to_string(), |v| v.to_string()).chars().collect::<String>()
}

fn when(t: Option<DateTime<Utc>>) -> String {
    or_dash(t.map(|t| t.format("%Y-%m-%d %H:%M UTC")))
}

fn json_of<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("(not representable as JSON: {e})"))
}

/// "Could not read" lines for values the provider sent in a shape that broke its contract.
fn issue_lines(lines: &mut Vec<DetailLine>, issues: &[RowIssue]) {
    if issues.is_empty() {
        return;
    }
    lines.push(DetailLine::section("Could not read"));
    lines.extend(issues.iter().map(|i| DetailLine::field(i.path.clone(), i.message.clone())));
}

/// "limit 50,000 · 12,000 used", "included", "value 5".
pub fn grant_text(kind: &EntitlementKind) -> String {
    match kind {
        EntitlementKind::Boolean => "included".into(),
        EntitlementKind::Customizable { value } => format!("value {}", crate::billing::money::group_if_whole(value)),
        EntitlementKind::Meter { limit: None, used, .. } => format!("unlimited · {} used", group_int(*used)),
        EntitlementKind::Meter { limit: Some(l), used, .. } => {
            format!("limit {} · {} used", group_int(*l), group_int(*used))
        }
    }
}

fn feature_lines(features: &[PlanFeature]) -> impl Iterator<Item = DetailLine> + '_ {
    features.iter().map(|f| {
        let grants = match &f.kind {
            EntitlementKind::Meter { limit: Some(l), .. } => format!("limit {}", group_int(*l)),
            EntitlementKind::Meter { limit: None, .. } => "unlimited".into(),
            other => grant_text(other),
        };
        DetailLine::field(f.name.clone().unwrap_or_else(|| f.feature_id.clone()), grants)
    })
}

/// A subscription as one line of its customer: the plan as the label, then "active · €18.00
/// monthly · renews 2027-01-05 · <id>"; `y` copies the id, Enter opens it.
fn subscription_summary(slot: u8, s: &Subscription) -> DetailLine {
    let plan = s.plan_name.as_deref().or(s.plan_id.as_deref()).unwrap_or("(no plan)");
    let price = s.amount.map(|a| format!(" · {a} {}", s.period.label())).unwrap_or_default();
    let phrase = s.date_phrase();
    let when = if phrase.is_empty() { String::new() } else { format!(" · {phrase}") };
    let text = format!("{}{price}{when} · {}", s.status.label(), s.id);
    let target = Target::Subscription { slot, customer_id: s.customer_id.clone(), id: s.id.clone() };
    DetailLine::link(plan, text, target).copying(s.id.clone())
}

impl AppState {
    pub(crate) fn customer_detail(&self, slot: u8, customer_id: &str) -> Option<DetailState> {
        let s = self.slots.get(slot as usize)?;
        // The detail view is the one place that holds a whole customer: made from its row.
        let c = &s.customers.rows.get(s.customers.position(customer_id)?)?.to_customer();
        let details = self.details.get(&(slot, c.id.clone()));
        let mut lines = customer_identity(c);
        lines.push(DetailLine::section("Subscriptions"));
        match details.map(|d| &d.subscriptions) {
            Some(l) if l.value.is_some() => {
                let subs = l.value.as_deref().unwrap_or(&[]);
                if subs.is_empty() {
                    lines.push(DetailLine::field("", "none"));
                }
                lines.extend(subs.iter().map(|sub| subscription_summary(slot, sub)));
            }
            Some(l) if l.error.is_some() => lines.push(DetailLine::field("error", or_dash(l.error.as_ref()))),
            _ => lines.push(DetailLine::field("", "loading… (reopen once the pane shows them)")),
        }
        if let Some(ents) = details.and_then(|d| d.entitlements.value.as_deref()).filter(|e| !e.is_empty()) {
            lines.push(DetailLine::section("Entitlements"));
            lines.extend(ents.iter().map(entitlement_line));
        }
        lines.extend(super::payment_methods::placeholder(s.provider.as_ref()));
        issue_lines(&mut lines, &c.issues);
        let crumbs = vec![s.kind.display_name().to_string(), c.display_name().to_string()];
        let mut detail = DetailState::new(DetailKind::Customer, crumbs, lines, json_of(c)).with_provider(s.kind);
        if s.provider.actions().payment_methods {
            detail.methods_for = Some((slot, c.id.clone()));
        }
        // Providers name a customer object by their own id; the id till addresses it by is a
        // foreign key in every subscription.
        Some(match c.alt_id.as_deref() {
            Some(own) => detail.with_raw(slot, own).fetching(RawRead::Customer(c.id.clone())),
            None => detail,
        })
    }

    pub(crate) fn subscription_detail(
        &self,
        slot: u8,
        customer_id: &str,
        id: &str,
        mut crumbs: Vec<String>,
    ) -> Option<DetailState> {
        let s = self.slots.get(slot as usize)?;
        let details = self.details.get(&(slot, customer_id.to_string()))?;
        let subs = details.subscriptions.value.as_deref()?;
        let sub = subs.iter().find(|x| x.id == id)?;
        let catalog = s.plans.value.as_deref().unwrap_or(&[]);
        let mut lines = subscription_lines(slot, sub, catalog);
        let grants: &[PlanFeature] = if sub.features.is_empty() {
            catalog.iter().find(|p| sub.plan_id.as_ref() == Some(&p.id)).map_or(&[], |p| &p.features)
        } else {
            &sub.features
        };
        if !grants.is_empty() {
            let source = if sub.features.is_empty() { "Grants (from the plan's catalog entry)" } else { "Grants" };
            lines.push(DetailLine::section(source));
            for f in grants {
                let from = attribution::sources(&f.feature_id, subs, catalog);
                let mut line = feature_lines(std::slice::from_ref(f)).collect::<Vec<_>>();
                if let (Some(DetailLine::Field { value, .. }), false) = (line.first_mut(), from.is_empty()) {
                    value.push_str(&format!(" ({})", attribution::phrase(&from)));
                }
                lines.append(&mut line);
            }
        }
        issue_lines(&mut lines, &sub.issues);
        crumbs.push(sub.id.clone());
        let detail = DetailState::new(DetailKind::Subscription, crumbs, lines, json_of(sub));
        Some(detail.with_provider(s.kind).with_raw(slot, &sub.id).fetching(RawRead::Subscription(sub.id.clone())))
    }

    pub(crate) fn plan_detail(&self, slot: u8, id: &str, mut crumbs: Vec<String>) -> Option<DetailState> {
        let s = self.slots.get(slot as usize)?;
        let plan = s.plans.value.as_deref()?.iter().find(|p| p.id == id)?;
        crumbs.push(plan.name.clone());
        let lines = plan_lines(plan);
        Some(
            DetailState::new(DetailKind::Plan, crumbs, lines, json_of(plan))
                .with_provider(s.kind)
                .with_raw(slot, &plan.id)
                .fetching(RawRead::Plans),
        )
    }
}

fn customer_identity(c: &Customer) -> Vec<DetailLine> {
    let mut lines = vec![
        DetailLine::section("Customer"),
        DetailLine::field("Name", or_dash(c.name.as_deref())),
        DetailLine::field("Email", or_dash(c.email.as_deref())),
        DetailLine::field(format!("ID ({})", c.provider.customer_id_name()), c.id.clone()),
        DetailLine::field("Provider's own ID", or_dash(c.alt_id.as_deref())),
        DetailLine::field("Created", when(c.created_at)),
    ];
    lines.push(DetailLine::section("Metadata"));
    if c.metadata.is_empty() {
        lines.push(DetailLine::field("", "none"));
    }
    lines.extend(c.metadata.iter().map(|(k, v)| DetailLine::field(k.clone(), v.clone())));
    lines
}

fn entitlement_line(e: &Entitlement) -> DetailLine {
    let name = e.name.clone().unwrap_or_else(|| e.feature_id.clone());
    let resets = e.resets_at.as_deref().map(|r| format!(" · resets {}", reset_time(r))).unwrap_or_default();
    let text = match (&e.kind, e.has_access) {
        (EntitlementKind::Boolean, true) => "included".to_string(),
        (EntitlementKind::Boolean, false) => "not included".to_string(),
        (kind, true) => format!("{}{resets}", grant_text(kind)),
        (kind, false) => format!("no access · {}{resets}", grant_text(kind)),
    };
    DetailLine::field(name, text)
}

/// A meter's reset time as every other time here, UTC to the minute; the providers send
/// RFC 3339 with an offset and milliseconds (`2026-12-22T10:27:07.175+00:00`), which was shown
/// as sent. A value that is not RFC 3339 (a bare date) is still shown as sent.
fn reset_time(raw: &str) -> String {
    match DateTime::parse_from_rfc3339(raw) {
        Ok(t) => when(Some(t.with_timezone(&Utc))),
        Err(_) => raw.to_string(),
    }
}

fn subscription_lines(slot: u8, s: &Subscription, catalog: &[Plan]) -> Vec<DetailLine> {
    let plan = s.plan_name.clone().or_else(|| s.plan_id.clone()).unwrap_or_else(|| NONE.into());
    // A link even before the catalog is loaded: Enter loads it (see `open_target`).
    let listed = catalog.is_empty() || catalog.iter().any(|p| Some(&p.id) == s.plan_id.as_ref());
    let plan_line = match &s.plan_id {
        Some(id) if listed => DetailLine::link("Plan", format!("{plan} ({id})"), Target::Plan { slot, id: id.clone() }),
        Some(id) if plan != *id => DetailLine::field("Plan", format!("{plan} ({id})")),
        _ => DetailLine::field("Plan", plan),
    };
    let price = s.amount.map(|a| format!("{a} {}", s.period.label()));
    let mut lines = vec![
        DetailLine::section("Subscription"),
        DetailLine::field("ID", s.id.clone()),
        DetailLine::field("Customer", s.customer_id.clone()),
        plan_line,
        DetailLine::field("Price", or_dash(price)),
        DetailLine::field("Status", crate::billing::status_text(s.status.label(), &s.raw_status)),
        DetailLine::field("Now", s.date_phrase()),
        DetailLine::section("Dates"),
        DetailLine::field("Started", or_dash(s.started_on)),
        DetailLine::field("Period start", when(s.current_period_start)),
        DetailLine::field("Period end", when(s.current_period_end)),
        DetailLine::field(
            "Trial",
            or_dash(s.trial_days_remaining.filter(|d| *d > 0).map(|d| format!("{d} days left"))),
        ),
        DetailLine::field("Ends on", or_dash(s.ends_on)),
        DetailLine::field("Canceled at", when(s.canceled_at)),
    ];
    lines.push(DetailLine::field(
        "Pending change",
        s.pending_change.as_ref().map_or_else(|| "none".to_string(), crate::billing::PendingChange::phrase),
    ));
    lines
}

fn plan_lines(plan: &Plan) -> Vec<DetailLine> {
    let mut lines = vec![
        DetailLine::section("Plan"),
        DetailLine::field("ID", plan.id.clone()),
        DetailLine::field("Name", plan.name.clone()),
        DetailLine::field("Product", or_dash(plan.product.as_deref())),
        DetailLine::field("Description", or_dash(plan.description.as_deref().filter(|d| !d.is_empty()))),
        DetailLine::section("Prices"),
    ];
    if plan.prices.is_empty() {
        lines.push(DetailLine::field("", "none readable"));
    }
    for p in &plan.prices {
        let trial = p.trial_days.map(|d| format!(" · {d}-day trial")).unwrap_or_default();
        let kind = format!("{:?}", p.kind).to_lowercase();
        let label = format!("{} {}", p.period.label(), p.amount.currency().code());
        let id = p.id.as_deref().map(|i| format!(" · {i}")).unwrap_or_default();
        lines.push(DetailLine::field(label, format!("{} ({kind}){trial}{id}", p.amount)));
    }
    lines.push(DetailLine::section("Grants"));
    if plan.features.is_empty() {
        lines.push(DetailLine::field("", "none listed in the catalog"));
    }
    lines.extend(feature_lines(&plan.features));
    issue_lines(&mut lines, &plan.issues);
    lines
}

/// An invoice's fields, in the order a support agent reads them.
pub fn invoice_detail(inv: &InvoiceRecord, mut crumbs: Vec<String>, sub_target: Option<Target>) -> DetailState {
    let subscription = match (&inv.subscription_id, sub_target) {
        (Some(id), Some(t)) => DetailLine::link("Subscription", id.clone(), t),
        (id, _) => DetailLine::field("Subscription", or_dash(id.as_deref())),
    };
    let mut lines = vec![
        DetailLine::section("Invoice"),
        DetailLine::field("Number", or_dash(inv.number.as_deref())),
        DetailLine::field("ID", inv.id.clone()),
        DetailLine::field("Status", inv.status_text()),
        DetailLine::field("Customer", or_dash(inv.customer_id.as_deref())),
        subscription,
        DetailLine::section("Amounts"),
        DetailLine::field("Total", or_dash(inv.total)),
        DetailLine::field("Amount due", or_dash(inv.amount_due)),
        DetailLine::section("Dates"),
        DetailLine::field("Issued", or_dash(inv.issued_on)),
        DetailLine::field("Due", or_dash(inv.due_on)),
        DetailLine::section("Link"),
        DetailLine::field("URL", or_dash(inv.url.as_deref())),
    ];
    issue_lines(&mut lines, &inv.issues);
    crumbs.push(inv.number.clone().unwrap_or_else(|| inv.id.clone()));
    DetailState::new(DetailKind::Invoice, crumbs, lines, json_of(inv))
        .with_link(inv.url.clone())
        .with_provider(inv.provider)
}

/// An audit entry: what was done, the state before and after as a field-by-field diff, and
/// the provider request ids (Enter on one shows that exchange in the request log).
pub fn audit_detail(e: &crate::audit::Entry, customer: &str) -> DetailState {
    let mut lines = vec![
        DetailLine::section("Action"),
        DetailLine::field("Action", e.action.clone()),
        DetailLine::field("Outcome", format!("{:?}", e.outcome).to_lowercase()),
        DetailLine::field("Time", e.time.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
        DetailLine::field("Provider", e.provider.display_name()),
        DetailLine::field("Profile", format!("{} ({})", e.profile, e.mode)),
        DetailLine::field("Customer", or_dash(e.customer.as_deref())),
        DetailLine::field("Target", or_dash(e.target.as_deref())),
        DetailLine::field("Entry ID", e.id.clone()),
    ];
    if let Some(err) = &e.error {
        lines.push(DetailLine::field("Error", err.clone()));
    }
    change_lines(&mut lines, e.before.as_ref(), e.after.as_ref());
    lines.push(DetailLine::section("Provider requests (Enter shows the exchange)"));
    if e.request_ids.is_empty() {
        lines.push(DetailLine::field("", "none recorded"));
    }
    lines
        .extend(e.request_ids.iter().map(|id| DetailLine::link("Request id", id.clone(), Target::Request(id.clone()))));
    let crumbs = vec!["Audit".to_string(), customer.to_string(), e.action.clone()];
    DetailState::new(DetailKind::AuditEntry, crumbs, lines, json_of(e)).with_provider(e.provider)
}

/// A payment: what was paid, refunded and is still refundable, and what it paid for.
pub fn payment_detail(p: &crate::billing::payments::Payment, mut crumbs: Vec<String>) -> DetailState {
    let when_paid = p.created_at.map(|t| t.format("%Y-%m-%d %H:%M UTC"));
    let mut lines = vec![
        DetailLine::section("Payment"),
        DetailLine::field("ID", p.id.clone()),
        DetailLine::field("Status", crate::billing::status_text(p.status.label(), &p.raw_status)),
        DetailLine::field("Customer", or_dash(p.customer_id.as_deref())),
        DetailLine::field("Created", or_dash(when_paid)),
        DetailLine::field("Description", or_dash(p.description.as_deref())),
        DetailLine::section("Amounts"),
        DetailLine::field("Paid", or_dash(p.amount)),
        DetailLine::field("Refunded", or_dash(p.refunded)),
        DetailLine::field("Refundable", or_dash(p.refundable)),
        DetailLine::section("For"),
        DetailLine::field("Invoice", or_dash(p.invoice_id.as_deref())),
        DetailLine::field("Subscription", or_dash(p.subscription_id.as_deref())),
    ];
    issue_lines(&mut lines, &p.issues);
    crumbs.push(p.id.clone());
    DetailState::new(DetailKind::Payment, crumbs, lines, json_of(p)).with_provider(p.provider)
}

/// A customer-portal link: `o` opens it, `y` on the URL copies it. It grants access to the
/// customer's billing, so it is shown here and nowhere else (not the log, not the journal).
pub fn portal_detail(link: &crate::billing::payments::PortalLink) -> DetailState {
    let lines = vec![
        DetailLine::section("Customer portal link (hand it to the customer; it signs them in)"),
        DetailLine::field("Customer", link.customer_id.clone()),
        DetailLine::field("Provider", link.provider.display_name()),
        DetailLine::field("URL", link.url.clone()),
    ];
    let crumbs = vec![link.provider.display_name().to_string(), link.customer_id.clone(), "portal link".into()];
    let json = json_of(link);
    DetailState::new(DetailKind::Link, crumbs, lines, json)
        .with_link(Some(link.url.clone()))
        .with_provider(link.provider)
}

/// What was asked (the change, the cancellation, the checkout request), then the object before
/// → after as changed fields, or, for a new object, what came back.
fn change_lines(lines: &mut Vec<DetailLine>, before: Option<&Value>, after: Option<&Value>) {
    // The object acted on, as the journal's "before" names it; a result that wraps the object
    // (a refund's outcome holds the payment) is compared by the same key.
    let key = ["subscription", "payment", "customer"].into_iter().find(|k| before.and_then(|b| b.get(k)).is_some());
    let object_before = key.and_then(|k| before.and_then(|b| b.get(k)));
    let after = match (key, after) {
        (Some(k), Some(a)) => a.get(k).or(Some(a)),
        (_, a) => a,
    };
    let asked: Vec<(String, String)> = match before {
        Some(Value::Object(map)) => {
            let mut out = Vec::new();
            map.iter().filter(|(k, _)| Some(k.as_str()) != key).for_each(|(k, v)| flatten(k, v, &mut out));
            out
        }
        _ => Vec::new(),
    };
    if !asked.is_empty() {
        lines.push(DetailLine::section("Asked"));
        lines.extend(asked.into_iter().map(|(k, v)| DetailLine::field(k, v)));
    }
    match (object_before, after) {
        (Some(old), new) => {
            lines.push(DetailLine::section("Before → after"));
            let diff = json_diff(Some(old), new);
            if diff.is_empty() {
                lines.push(DetailLine::field("", "no recorded difference"));
            }
            lines.extend(diff.into_iter().map(|(path, change)| DetailLine::field(path, change)));
        }
        (None, Some(new)) => {
            lines.push(DetailLine::section("Result"));
            let mut out = Vec::new();
            flatten("", new, &mut out);
            lines.extend(out.into_iter().map(|(k, v)| DetailLine::field(k, v)));
        }
        (None, None) => {}
    }
}

/// Leaf values that differ between two JSON documents, by path: `amount: €18.00 → €49.00`.
pub fn json_diff(before: Option<&Value>, after: Option<&Value>) -> Vec<(String, String)> {
    let mut left = Vec::new();
    let mut right = Vec::new();
    flatten("", before.unwrap_or(&Value::Null), &mut left);
    flatten("", after.unwrap_or(&Value::Null), &mut right);
    let find = |list: &[(String, String)], key: &str| list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let mut keys: Vec<String> = left.iter().chain(&right).map(|(k, _)| k.clone()).collect();
    keys.dedup();
    let mut seen = std::collections::HashSet::new();
    keys.into_iter()
        .filter(|k| seen.insert(k.clone()))
        .filter_map(|k| {
            let (a, b) = (find(&left, &k), find(&right, &k));
            (a != b).then(|| (k, format!("{} → {}", a.as_deref().unwrap_or(NONE), b.as_deref().unwrap_or(NONE))))
        })
        .collect()
}

impl AppState {
    /// The audit journal: the top line is the highlighted entry; Enter opens it.
    pub(crate) fn audit_action(&mut self, action: Action) -> Vec<Effect> {
        if let Some(Dialog::Audit { control, offset, .. }) = self.dialogs.last_mut() {
            let columns = <crate::audit::Entry as super::listing::Tabular>::columns().len();
            if super::listing::list_key(control, offset, action, columns) {
                return Vec::new();
            }
        }
        if action != Action::Choose {
            return self.scroll_action(action);
        }
        let Some(Dialog::Audit { customer, entries, offset, control, .. }) = self.top() else { return Vec::new() };
        let visible = control.visible(entries);
        // The view clamps a scroll past the end to the last entry; so does this.
        let Some(entry) = visible.get((*offset).min(visible.len().saturating_sub(1))).and_then(|&i| entries.get(i))
        else {
            return Vec::new();
        };
        let detail = audit_detail(entry, customer);
        self.push(Dialog::Detail(Box::new(detail)));
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_diff_lists_only_changed_leaves_by_path() {
        let before = json!({"plan_id": "starter", "amount": {"value": "18.00"}, "status": "active", "x": [1, 2]});
        let after = json!({"plan_id": "growth", "amount": {"value": "49.00"}, "status": "active", "x": [1]});
        let diff = json_diff(Some(&before), Some(&after));
        assert_eq!(
            diff,
            vec![
                ("plan_id".to_string(), "starter → growth".to_string()),
                ("amount.value".to_string(), "18.00 → 49.00".to_string()),
                ("x[1]".to_string(), "2 → —".to_string()),
            ]
        );
        assert_eq!(json_diff(None, Some(&json!({"id": "s1"}))), vec![("id".to_string(), "— → s1".to_string())]);
        assert!(json_diff(Some(&before), Some(&before)).is_empty());
    }

    #[test]
    fn a_meter_reset_reads_as_a_utc_minute_like_every_other_time() {
        let meter = |resets: &str| Entitlement {
            feature_id: "form_submissions".into(),
            name: Some("Form submissions".into()),
            has_access: true,
            kind: EntitlementKind::Meter { limit: Some(100), used: 12, remaining: Some(88), hard_limit: true },
            resets_at: Some(resets.into()),
        };
        let text = |resets: &str| format!("{:?}", entitlement_line(&meter(resets)));
        assert!(text("2026-12-22T10:27:07.175+00:00").contains("resets 2026-12-22 10:27 UTC"), "{}", text("x"));
        assert!(text("2026-12-22T23:30:00-02:00").contains("resets 2026-12-23 01:30 UTC"));
        assert!(text("2026-12-22").contains("resets 2026-12-22"), "a bare date is shown as sent");
    }
}
