//! `:export csv [PATH]` and `:export json [PATH]`: the list in front of the user, as filtered
//! and sorted on screen, written to a file by the task runner (never by the UI loop).

use serde::Serialize;

use super::listing::Tabular;
use super::{AppState, Dialog, Effect, Pane};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// One list to write: its name (for the default file name), the rows as cells for CSV and as
/// the objects themselves for JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportJob {
    pub list: &'static str,
    pub format: ExportFormat,
    /// As typed; `None` writes `<data dir>/exports/<list>-<time>.<ext>`.
    pub path: Option<String>,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub json: serde_json::Value,
}

impl ExportJob {
    fn of<T: Tabular + Serialize>(list: &'static str, format: ExportFormat, path: Option<String>, rows: &[&T]) -> Self {
        ExportJob {
            list,
            format,
            path,
            columns: T::columns().iter().map(|c| (*c).to_string()).collect(),
            rows: rows.iter().map(|r| r.cells()).collect(),
            json: serde_json::to_value(rows).unwrap_or(serde_json::Value::Null),
        }
    }

    /// The file's contents.
    pub fn render(&self) -> Result<String, String> {
        match self.format {
            ExportFormat::Csv => {
                let columns: Vec<&str> = self.columns.iter().map(String::as_str).collect();
                crate::util::export::csv(&columns, &self.rows)
            }
            ExportFormat::Json => serde_json::to_string_pretty(&self.json)
                .map(|s| s + "\n")
                .map_err(|e| format!("could not encode JSON: {e}")),
        }
    }
}

fn pick<'a, T>(all: &'a [T], visible: &[usize]) -> Vec<&'a T> {
    visible.iter().filter_map(|&i| all.get(i)).collect()
}

impl AppState {
    /// The list on top (an overlay, else the focused pane), as shown.
    pub(crate) fn export(&mut self, format: ExportFormat, path: Option<String>) -> Vec<Effect> {
        let job = match self.top() {
            Some(Dialog::Requests(r)) => Some(ExportJob::of("requests", format, path, &pick(&r.entries, &r.visible()))),
            Some(Dialog::Invoices(i)) => {
                let all = i.list.value.as_deref().unwrap_or(&[]);
                Some(ExportJob::of("invoices", format, path, &pick(all, &i.visible())))
            }
            Some(Dialog::Audit { entries, control, .. }) => {
                Some(ExportJob::of("audit", format, path, &pick(entries, &control.visible(entries))))
            }
            Some(Dialog::CheckoutSessions(s)) => {
                Some(ExportJob::of("checkout-sessions", format, path, &pick(&s.rows, &s.visible())))
            }
            Some(Dialog::Events(e)) => Some(ExportJob::of("events", format, path, &pick(&e.rows, &e.visible()))),
            Some(_) => None,
            None => self.pane_export(format, path),
        };
        match job {
            Some(job) => vec![Effect::Export(Box::new(job))],
            None => {
                self.notify_error(
                    "Nothing to export here: open a list (customers, invoices, requests, audit, sessions, events)",
                );
                Vec::new()
            }
        }
    }

    fn pane_export(&self, format: ExportFormat, path: Option<String>) -> Option<ExportJob> {
        match self.focus {
            Pane::Customers => {
                let rows: Vec<super::rows::CustomerRow<'_>> =
                    (0..self.row_count()).filter_map(|i| self.row_at(i)).filter_map(|r| self.customer(r)).collect();
                Some(ExportJob::of("customers", format, path, &rows.iter().collect::<Vec<_>>()))
            }
            Pane::Subscriptions | Pane::Entitlements => {
                let subs = self.selected_details()?.subscriptions.value.as_deref()?;
                Some(ExportJob::of("subscriptions", format, path, &subs.iter().collect::<Vec<_>>()))
            }
            Pane::Plans => {
                let plans = self.slots.get(self.plans_slot()? as usize)?.plans.value.as_deref()?;
                Some(ExportJob::of("plans", format, path, &plans.iter().collect::<Vec<_>>()))
            }
        }
    }
}
