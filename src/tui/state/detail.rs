//! The detail view (Enter on any row): one object's fields, grouped and labelled, with `y` for
//! the field under the cursor, `Y` for the whole object as JSON, `v` for that JSON on screen,
//! `o` for its link and `O` for the provider's dashboard. Detail views stack: Enter on a
//! subscription inside a customer opens the subscription above it, and Esc goes back one
//! level; the title shows the path (Kelviq › Eszter Kovács › sub_…).

use serde_json::Value;

use super::{AppState, Dialog, Effect, Pane};
use crate::tui::action::Action;

/// Where Enter on a field leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A subscription of the customer the view belongs to.
    Subscription { slot: u8, customer_id: String, id: String },
    /// A plan of the slot's catalog.
    Plan { slot: u8, id: String },
    /// The exchange in the request log with this provider request id.
    Request(String),
}

/// One line of a detail view: a group heading, or a labelled value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DetailLine {
    Section(String),
    /// `copy` is what `y` copies when it is not the value itself (a subscription's id);
    /// `name` what its notice calls the field when the label is empty (a provider field's path).
    Field {
        label: String,
        value: String,
        target: Option<Target>,
        copy: Option<String>,
        name: Option<String>,
    },
}

impl DetailLine {
    pub fn field(label: impl Into<String>, value: impl Into<String>) -> DetailLine {
        DetailLine::Field { label: label.into(), value: value.into(), target: None, copy: None, name: None }
    }

    pub fn link(label: impl Into<String>, value: impl Into<String>, target: Target) -> DetailLine {
        DetailLine::Field { label: label.into(), value: value.into(), target: Some(target), copy: None, name: None }
    }

    /// The same line, with `y` copying `text` instead of the value.
    pub fn copying(mut self, text: impl Into<String>) -> DetailLine {
        if let DetailLine::Field { copy, .. } = &mut self {
            *copy = Some(text.into());
        }
        self
    }

    /// The same line, named `text` in `y`'s notice (its label is empty).
    pub fn named(mut self, text: impl Into<String>) -> DetailLine {
        if let DetailLine::Field { name, .. } = &mut self {
            *name = Some(text.into());
        }
        self
    }

    pub fn section(title: impl Into<String>) -> DetailLine {
        DetailLine::Section(title.into())
    }
}

/// The one read that brings an object back into the request log when its copy there rolled
/// off or was cut at the preview limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawRead {
    /// A customer, by the id till addresses it by.
    Customer(String),
    Subscription(String),
    /// A customer's invoices (no provider reads one invoice by id through till).
    Invoices {
        customer_id: String,
    },
    /// The plan catalog.
    Plans,
    Payment(String),
}

/// What kind of object a detail view shows, for its dashboard message and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetailKind {
    Customer,
    Subscription,
    Invoice,
    Plan,
    AuditEntry,
    /// A link to hand to a customer (a portal session).
    Link,
    Payment,
    /// A webhook event and its deliveries.
    Event,
}

impl DetailKind {
    pub fn singular(self) -> &'static str {
        match self {
            DetailKind::Customer => "customer",
            DetailKind::Subscription => "subscription",
            DetailKind::Invoice => "invoice",
            DetailKind::Plan => "plan",
            DetailKind::AuditEntry => "audit entry",
            DetailKind::Link => "link",
            DetailKind::Payment => "payment",
            DetailKind::Event => "event",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            DetailKind::Customer => "customers",
            DetailKind::Subscription => "subscriptions",
            DetailKind::Invoice => "invoices",
            DetailKind::Plan => "plans",
            DetailKind::AuditEntry => "audit entries",
            DetailKind::Link => "links",
            DetailKind::Payment => "payments",
            DetailKind::Event => "events",
        }
    }
}

#[derive(Clone, Debug)]
pub struct DetailState {
    pub kind: DetailKind,
    /// The provider's name (or "Audit") first, then the objects opened on the way here.
    pub crumbs: Vec<String>,
    pub lines: Vec<DetailLine>,
    /// Index into `lines`; always a field when there is one.
    pub selected: usize,
    pub offset: usize,
    /// The object as till reads it (what `--json` prints), for `Y` and `v`.
    pub json: String,
    pub show_json: bool,
    pub json_scroll: usize,
    /// What `o` opens (an invoice's or session's link).
    pub link: Option<String>,
    /// The provider whose dashboard `O` would open.
    pub provider: Option<crate::billing::ProviderKind>,
    /// The object to look up in the provider's own answers (slot, id).
    pub raw_for: Option<(u8, String)>,
    /// How to read the object again when the log has no whole copy of it.
    pub raw_fetch: Option<RawRead>,
    /// The provider's object as it sent it: `None` while looking, `Some(None)` when not found.
    pub raw: Option<Option<String>>,
    /// A customer whose payment methods are still to come (slot, customer id).
    pub methods_for: Option<(u8, String)>,
}

impl DetailState {
    pub fn new(kind: DetailKind, crumbs: Vec<String>, lines: Vec<DetailLine>, json: String) -> DetailState {
        let selected = lines.iter().position(|l| matches!(l, DetailLine::Field { .. })).unwrap_or(0);
        // JSON passes bidi and C1 controls through raw: escaped here, where every detail view
        // is made (crumbs, a title, are made safe where every pane title is, `pane_block`).
        DetailState {
            kind,
            crumbs,
            lines,
            selected,
            offset: 0,
            json: crate::text::json(&json).into_owned(),
            show_json: false,
            json_scroll: 0,
            link: None,
            provider: None,
            raw_for: None,
            raw_fetch: None,
            raw: None,
            methods_for: None,
        }
    }

    /// Looks the object up in the provider's answers once the view opens.
    pub fn with_raw(mut self, slot: u8, id: &str) -> DetailState {
        self.raw_for = Some((slot, id.to_string()));
        self
    }

    /// When not in the log, read it again this way.
    pub fn fetching(mut self, read: RawRead) -> DetailState {
        self.raw_fetch = Some(read);
        self
    }

    /// What `v` shows: the provider's own JSON when it was found, else till's.
    pub fn shown_json(&self) -> &str {
        match &self.raw {
            Some(Some(raw)) => raw,
            _ => &self.json,
        }
    }

    pub fn with_link(mut self, link: Option<String>) -> DetailState {
        self.link = link;
        self
    }

    pub fn with_provider(mut self, provider: crate::billing::ProviderKind) -> DetailState {
        self.provider = Some(provider);
        self
    }

    /// The field under the cursor: (label, what `y` copies, target).
    pub fn selected_field(&self) -> Option<(&str, &str, Option<&Target>)> {
        match self.lines.get(self.selected)? {
            DetailLine::Field { label, value, target, copy, .. } => {
                Some((label, copy.as_deref().unwrap_or(value), target.as_ref()))
            }
            DetailLine::Section(_) => None,
        }
    }

    /// What `y`'s notice calls the selected field: its label, else its name (a provider
    /// field's path), else what it copies, quoted and shortened; safe to draw.
    pub fn copied_name(&self) -> Option<String> {
        let DetailLine::Field { label, value, copy, name, .. } = self.lines.get(self.selected)? else { return None };
        let what = match (label.is_empty(), name) {
            (false, _) => label.clone(),
            (true, Some(name)) => name.clone(),
            (true, None) => format!("“{}”", crate::util::ellipsize(copy.as_ref().unwrap_or(value), 40)),
        };
        Some(crate::text::line(&what).into_owned())
    }

    /// Moves to the next field in the direction of the movement, skipping headings, and
    /// scrolls so that field is on screen whole; the JSON view scrolls by rows. Both count
    /// rows as the view draws them (`detail_rows`), wrapped values and lines included.
    fn navigate(&mut self, action: Action, (width, height): (usize, usize)) {
        let height = height.max(1);
        if self.show_json {
            let rows = self.json_row_count(width);
            if let Some(delta) = super::movement::nav_delta(action, height) {
                // The last page ends at the last row: End shows a full screen, not one line.
                let last = rows.saturating_sub(height);
                self.json_scroll = self.json_scroll.saturating_add_signed(delta).min(last);
            }
            return;
        }
        let Some(delta) = super::movement::nav_delta(action, height) else { return };
        let (_, value_w) = self.columns(width);
        let len = self.lines.len();
        if len == 0 {
            return;
        }
        let at = match action {
            // A page is a screen of rows, however many lines they hold.
            Action::PageDown | Action::PageUp => self.page_target(delta > 0, height, value_w),
            _ => self.selected.saturating_add_signed(delta).min(len - 1),
        };
        let is_field = |i: usize| matches!(self.lines.get(i), Some(DetailLine::Field { .. }));
        // Land on a field: onward in the direction moved, else back.
        let onward: Box<dyn Iterator<Item = usize>> =
            if delta >= 0 { Box::new(at..len) } else { Box::new((0..=at).rev()) };
        let back: Box<dyn Iterator<Item = usize>> =
            if delta >= 0 { Box::new((0..at).rev()) } else { Box::new(at..len) };
        if let Some(i) = onward.chain(back).find(|&i| is_field(i)) {
            self.selected = i;
        }
        // Scrolling up shows the line above too (often the field's heading), and moving to the
        // top the heading above the first field.
        if self.selected < self.offset || (delta < 0 && self.lines[..self.selected].iter().all(is_heading)) {
            self.offset = self.offset.min(self.selected.saturating_sub(1));
        }
        self.keep_selected_whole(height, value_w);
    }
}

impl DetailState {
    /// The label and value widths at `width` columns: labels take the widest label (a third of
    /// the view, at most 28), values the rest. The view draws with these and the mouse finds
    /// lines with them.
    pub fn columns(&self, width: usize) -> (usize, usize) {
        let label_w = self
            .lines
            .iter()
            .filter_map(|l| match l {
                DetailLine::Field { label, .. } => Some(unicode_width::UnicodeWidthStr::width(label.as_str())),
                DetailLine::Section(_) => None,
            })
            .max()
            .unwrap_or(0)
            .clamp(4, (width / 3).clamp(4, 28));
        (label_w, width.saturating_sub(label_w + 3).max(8))
    }
}

fn is_heading(line: &DetailLine) -> bool {
    matches!(line, DetailLine::Section(_))
}

impl AppState {
    /// Columns and rows inside a detail view's border: the overlay is the screen less the
    /// tab row and the status bar (`view/detail.rs::draw`, `mouse.rs`'s overlay).
    pub(crate) fn detail_area(&self) -> (usize, usize) {
        (usize::from(self.size.0.saturating_sub(2)), usize::from(self.size.1.saturating_sub(4)).max(1))
    }

    pub(crate) fn detail_action(&mut self, action: Action) -> Vec<Effect> {
        let area = self.detail_area();
        let Some(Dialog::Detail(d)) = self.dialogs.last_mut() else { return Vec::new() };
        match action {
            Action::Back => {
                if d.show_json {
                    d.show_json = false;
                } else {
                    self.pop();
                }
                Vec::new()
            }
            Action::ToggleRaw => {
                d.show_json = !d.show_json;
                d.json_scroll = 0;
                Vec::new()
            }
            Action::Copy => match (d.selected_field(), d.copied_name()) {
                (Some((_, value, _)), Some(what)) => {
                    let value = value.to_string();
                    self.notify(format!("Copied {what} (OSC 52)"));
                    vec![Effect::Copy(value)]
                }
                _ => Vec::new(),
            },
            Action::CopyAll => {
                let (json, what) = (d.json.clone(), d.kind.singular());
                self.notify(format!("Copied the {what} as JSON (OSC 52)"));
                vec![Effect::Copy(json)]
            }
            Action::Open => match d.link.clone() {
                Some(url) => {
                    self.notify(format!("Opening {url}"));
                    vec![Effect::Open(url)]
                }
                None => {
                    let noun = d.kind.noun();
                    self.notify(format!("Nothing to open: these {noun} have no link of their own"));
                    Vec::new()
                }
            },
            Action::OpenDashboard => {
                let who = d.provider.map_or("this view".to_string(), |p| p.display_name().to_string());
                let noun = d.kind.noun();
                // None of the four providers documents a URL pattern for its dashboard pages.
                self.notify(format!("No dashboard link known for {noun} of {who}"));
                Vec::new()
            }
            Action::Choose => {
                let target = d.selected_field().and_then(|(_, _, t)| t.cloned());
                match target {
                    Some(t) => self.open_target(t),
                    None => Vec::new(),
                }
            }
            nav => {
                d.navigate(nav, area);
                Vec::new()
            }
        }
    }

    /// Enter on a field that names another object: open it above this one.
    fn open_target(&mut self, target: Target) -> Vec<Effect> {
        let crumbs = match self.top() {
            Some(Dialog::Detail(d)) => d.crumbs.clone(),
            _ => Vec::new(),
        };
        let next = match &target {
            Target::Subscription { slot, customer_id, id } => self.subscription_detail(*slot, customer_id, id, crumbs),
            Target::Plan { slot, .. } if self.slots.get(*slot as usize).is_some_and(|s| s.plans.value.is_none()) => {
                let name = self.slots[*slot as usize].kind.display_name();
                self.notify(format!("Loading {name}'s plans… Enter again opens the plan"));
                let plans = &mut self.slots[*slot as usize].plans;
                if plans.loading {
                    return Vec::new();
                }
                plans.loading = true;
                return vec![Effect::LoadPlans { slot: *slot }];
            }
            Target::Plan { slot, id } => self.plan_detail(*slot, id, crumbs),
            Target::Request(request_id) => {
                self.push(Dialog::Requests(super::requests::RequestsState::focused_on(request_id)));
                return vec![Effect::SnapshotRequests];
            }
        };
        match next {
            Some(d) => self.push_detail(d),
            None => {
                self.notify("That object is no longer loaded: press R in the panes to reload");
                Vec::new()
            }
        }
    }

    /// Enter in the panes: the selected row's detail view.
    pub(crate) fn open_pane_detail(&mut self) -> Vec<Effect> {
        let effects = if self.focus == Pane::Customers { self.ensure_loaded() } else { Vec::new() };
        let Some((slot, customer)) = self.selected_customer() else {
            if self.focus == Pane::Plans {
                return self.open_selected_plan();
            }
            return effects;
        };
        let (customer_id, crumbs) = (customer.id.to_string(), self.customer_crumbs(slot, customer));
        let detail = match self.focus {
            Pane::Customers | Pane::Entitlements => self.customer_detail(slot, &customer_id),
            Pane::Subscriptions => {
                let sub = self
                    .selected_details()
                    .and_then(|d| d.subscriptions.value.as_ref())
                    .and_then(|s| s.get(self.sub_selected))
                    .map(|s| s.id.clone());
                sub.and_then(|id| self.subscription_detail(slot, &customer_id, &id, crumbs))
            }
            Pane::Plans => return self.open_selected_plan(),
        };
        match detail {
            Some(d) => {
                let mut effects = effects;
                effects.extend(self.push_detail(d));
                effects
            }
            None => {
                self.notify("Nothing selected to open");
                effects
            }
        }
    }

    fn open_selected_plan(&mut self) -> Vec<Effect> {
        let Some(slot) = self.plans_slot() else { return Vec::new() };
        let crumbs = vec![self.slots[slot as usize].kind.display_name().to_string()];
        let id = self.selected_plan().map(|p| p.id.clone());
        match id.and_then(|id| self.plan_detail(slot, &id, crumbs)) {
            Some(d) => self.push_detail(d),
            None => {
                self.notify("No plan selected");
                Vec::new()
            }
        }
    }

    /// "Kelviq › Eszter Kovács": where a customer's objects sit.
    pub(crate) fn customer_crumbs(&self, slot: u8, customer: super::rows::CustomerRow<'_>) -> Vec<String> {
        vec![self.slots[slot as usize].kind.display_name().to_string(), customer.display_name().to_string()]
    }
}

/// At most this many of the provider's fields are listed (the JSON view has them all).
const RAW_FIELDS: usize = 300;

impl AppState {
    /// Opens a detail view above the top dialog, and asks for the provider's own object.
    pub(crate) fn push_detail(&mut self, d: DetailState) -> Vec<Effect> {
        let fetch = d.raw_fetch.clone();
        let raw = d.raw_for.clone().map(|(slot, id)| Effect::FindRaw { slot, id, fetch });
        let methods = d.methods_for.clone().map(|(slot, customer_id)| Effect::LoadPaymentMethods { slot, customer_id });
        self.push(Dialog::Detail(Box::new(d)));
        raw.into_iter().chain(methods).collect()
    }

    /// The provider's object arrived (or was not found): every detail view of it lists its
    /// fields under "From the provider".
    pub(crate) fn raw_arrived(&mut self, slot: u8, id: &str, found: Option<serde_json::Value>) {
        for dialog in &mut self.dialogs {
            let Dialog::Detail(d) = dialog else { continue };
            if d.raw_for.as_ref().is_none_or(|(s, i)| *s != slot || i != id) || d.raw.is_some() {
                continue;
            }
            let Some(value) = &found else {
                d.lines.push(DetailLine::section("From the provider"));
                d.lines.push(DetailLine::field("", "not in this session's request log"));
                d.raw = Some(None);
                continue;
            };
            let fields = flat_fields(value);
            let title = format!("From the provider ({} fields; v shows its JSON)", fields.len());
            d.lines.push(DetailLine::section(title));
            // The path rides with the value, so long paths do not widen the label column.
            let shown = fields
                .into_iter()
                .take(RAW_FIELDS)
                .map(|(k, v)| DetailLine::field("", format!("{k}: {v}")).copying(v).named(k));
            d.lines.extend(shown);
            d.raw = Some(serde_json::to_string_pretty(value).ok().map(|j| crate::text::json(&j).into_owned()));
        }
    }
}

/// Every leaf of a JSON document by path (`plan.name`, `items[0].quantity`).
pub fn flat_fields(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    flatten("", value, &mut out);
    out
}

pub(crate) fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let join = |key: &str| if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") };
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| flatten(&join(k), v, out)),
        Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| flatten(&format!("{prefix}[{i}]"), v, out));
        }
        Value::Null if prefix.is_empty() => {}
        Value::Null => out.push((prefix.to_string(), "—".to_string())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Number(n) => {
            let date = n.as_i64().and_then(|n| epoch_date(prefix, n));
            let text = date.map_or_else(|| n.to_string(), |d| format!("{n} ({d})"));
            out.push((prefix.to_string(), text));
        }
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// A timestamp field sent as a number (Flowglad's epoch milliseconds, epoch seconds
/// elsewhere), as the date it stands for; the number itself stays beside it.
fn epoch_date(key: &str, n: i64) -> Option<String> {
    let name = key.rsplit(['.', ']']).next().unwrap_or(key).to_ascii_lowercase();
    let dated = ["at", "date", "created", "updated", "start", "end"].iter().any(|s| name.ends_with(s));
    let when = match n {
        1_000_000_000_000..100_000_000_000_000 if dated => chrono::DateTime::from_timestamp_millis(n),
        1_000_000_000..100_000_000_000 if dated => chrono::DateTime::from_timestamp(n, 0),
        _ => None,
    };
    when.map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_timestamps_show_their_date_and_other_numbers_stay_numbers() {
        let value = serde_json::json!({
            "createdAt": 1_784_886_413_034_i64, "current_period_end": 1_767_225_600,
            "amount": 1_784_886_413_034_i64, "items": [{"updatedAt": 0}]
        });
        let mut out = Vec::new();
        flatten("", &value, &mut out);
        let get = |k: &str| out.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        assert_eq!(get("createdAt"), Some("1784886413034 (2026-07-24 09:46:53 UTC)"));
        assert_eq!(get("current_period_end"), Some("1767225600 (2026-01-01 00:00:00 UTC)"));
        assert_eq!(get("amount"), Some("1784886413034"), "not a date by its name");
        assert_eq!(get("items[0].updatedAt"), Some("0"), "too small to be a timestamp");
    }
}
