//! The `:` command palette: jump to a provider, a pane or a customer id, and a few verbs.

use super::{AppState, Dialog, Effect, Pane};
use crate::tui::action::Action;

#[derive(Default, Debug)]
pub struct PaletteState {
    pub input: String,
    pub selected: usize,
}

/// What a palette entry does.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Tab(usize),
    Pane(Pane),
    Customer(String),
    Action(Action),
    Export(super::export::ExportFormat, Option<String>),
    /// A customer-portal link, with the return URL Zenskar requires.
    Portal(Option<String>),
    /// Usage to report: feature, quantity.
    Usage(String, String),
    /// `new customer ID [EMAIL] [NAME…]`.
    NewCustomer(String),
    /// `rename NAME…` / `email ADDRESS` for the selected customer.
    EditCustomer {
        name: Option<String>,
        email: Option<String>,
    },
    /// `clock` shows the sandbox time, `clock +1M` / `clock 2027-03-01` moves it.
    Clock(Option<String>),
}

impl AppState {
    /// Entries matching the typed text, in order; "customer <id>" when text follows a space.
    pub fn palette_suggestions(&self, input: &str) -> Vec<(String, Command)> {
        let text = input.trim();
        if let Some(id) =
            text.strip_prefix("customer ").or_else(|| text.strip_prefix("c ")).map(str::trim).filter(|s| !s.is_empty())
        {
            return vec![(format!("customer {id}"), Command::Customer(id.to_string()))];
        }
        if let Some(rest) = text.strip_prefix("new customer ").map(str::trim).filter(|r| !r.is_empty()) {
            return vec![(
                format!("new customer {rest} (preview, then Ctrl-S)"),
                Command::NewCustomer(rest.to_string()),
            )];
        }
        if let Some(rest) = text.strip_prefix("rename ").map(str::trim).filter(|r| !r.is_empty()) {
            let cmd = Command::EditCustomer { name: Some(rest.to_string()), email: None };
            return vec![(format!("rename the customer to {rest} (preview, then Ctrl-S)"), cmd)];
        }
        if let Some(rest) = text.strip_prefix("email ").map(str::trim).filter(|r| !r.is_empty()) {
            let cmd = Command::EditCustomer { name: None, email: Some(rest.to_string()) };
            return vec![(format!("change the customer's email to {rest} (preview, then Ctrl-S)"), cmd)];
        }
        if let Some(rest) = text.strip_prefix("usage ").map(str::trim).filter(|r| !r.is_empty()) {
            let mut words = rest.split_whitespace();
            let (feature, quantity) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
            let label = format!("usage: report {quantity} of {feature} (preview, then Ctrl-S)");
            return vec![(label, Command::Usage(feature.to_string(), quantity.to_string()))];
        }
        if let Some(rest) = text.strip_prefix("clock ").map(str::trim).filter(|r| !r.is_empty()) {
            return vec![(format!("clock: move the sandbox clock to {rest}"), Command::Clock(Some(rest.to_string())))];
        }
        if let Some(rest) = text.strip_prefix("portal ").map(str::trim).filter(|r| !r.is_empty()) {
            return vec![(format!("portal (return to {rest})"), Command::Portal(Some(rest.to_string())))];
        }
        if let Some(rest) = text.strip_prefix("export ") {
            let mut words = rest.trim().splitn(2, ' ');
            let format = match words.next() {
                Some("csv") => super::export::ExportFormat::Csv,
                Some("json") => super::export::ExportFormat::Json,
                _ => return Vec::new(),
            };
            let path = words.next().map(str::trim).filter(|p| !p.is_empty()).map(str::to_string);
            let label = format!("export {} {}", format.extension(), path.as_deref().unwrap_or("(to the data dir)"));
            return vec![(label, Command::Export(format, path))];
        }
        let mut all: Vec<(String, Command)> =
            (0..self.views.len()).map(|t| (self.tab_title(t).to_lowercase(), Command::Tab(t))).collect();
        all.extend(Pane::ALL.iter().map(|p| (p.title().to_lowercase(), Command::Pane(*p))));
        all.extend([
            ("requests".to_string(), Command::Action(Action::Requests)),
            ("checkout".to_string(), Command::Action(Action::NewCheckout)),
            ("checkout sessions".to_string(), Command::Action(Action::CheckoutSessions)),
            ("events".to_string(), Command::Action(Action::Events)),
            ("invoices".to_string(), Command::Action(Action::Invoices)),
            ("payments".to_string(), Command::Action(Action::Payments)),
            ("portal [return-url]".to_string(), Command::Portal(None)),
            ("usage <feature> <quantity>".to_string(), Command::Usage(String::new(), String::new())),
            ("new customer <id> [email] [name]".to_string(), Command::NewCustomer(String::new())),
            ("rename <name>".to_string(), Command::EditCustomer { name: Some(String::new()), email: None }),
            ("email <address>".to_string(), Command::EditCustomer { name: None, email: Some(String::new()) }),
            ("export csv [path]".to_string(), Command::Export(super::export::ExportFormat::Csv, None)),
            ("export json [path]".to_string(), Command::Export(super::export::ExportFormat::Json, None)),
            ("clock [+1M | +14d | 2027-03-01]".to_string(), Command::Clock(None)),
            ("refresh".to_string(), Command::Action(Action::Refresh)),
            ("help".to_string(), Command::Action(Action::Help)),
            ("quit".to_string(), Command::Action(Action::Quit)),
            ("customer <id>".to_string(), Command::Customer(String::new())),
        ]);
        let needle = text.to_lowercase();
        all.into_iter()
            .filter(|(name, _)| name.starts_with(&needle) || (!needle.is_empty() && name.contains(&needle)))
            .collect()
    }

    pub(crate) fn palette_action(&mut self, action: Action) -> Vec<Effect> {
        let count = match self.top() {
            Some(Dialog::Palette(p)) => self.palette_suggestions(&p.input).len(),
            _ => 0,
        };
        let Some(Dialog::Palette(p)) = self.dialogs.last_mut() else { return Vec::new() };
        match action {
            Action::Back => {
                self.pop();
                Vec::new()
            }
            Action::Text(key) => {
                if crate::tui::text::edit_line(&mut p.input, key) {
                    p.selected = 0;
                }
                Vec::new()
            }
            Action::Down => {
                // Stops at the last entry, so Up moves from where the highlight is drawn.
                p.selected = (p.selected + 1).min(count.saturating_sub(1));
                Vec::new()
            }
            Action::Up => {
                p.selected = p.selected.saturating_sub(1);
                Vec::new()
            }
            Action::Choose => {
                let input = p.input.clone();
                let selected = p.selected;
                let suggestions = self.palette_suggestions(&input);
                self.pop();
                match suggestions.get(selected.min(suggestions.len().saturating_sub(1))).map(|(_, c)| c.clone()) {
                    Some(Command::Customer(id)) if id.is_empty() => {
                        self.notify("Type the id after \"customer \"");
                        Vec::new()
                    }
                    Some(cmd) => self.run_command(cmd),
                    None => {
                        self.notify_error(format!(
                            "Unknown command {input:?}: try a provider, a pane, requests, refresh, quit or customer <id>"
                        ));
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }

    fn run_command(&mut self, cmd: Command) -> Vec<Effect> {
        match cmd {
            Command::Tab(t) => self.go_tab(t),
            Command::Pane(p) => {
                self.focus = p;
                self.ensure_loaded()
            }
            Command::Action(a) => self.handle_action(a),
            Command::Customer(id) => self.jump_to_customer(&id),
            Command::Export(format, path) => self.export(format, path),
            Command::Portal(return_url) => self.portal_link(return_url),
            Command::Usage(feature, _) if feature.is_empty() => {
                self.notify("Type the feature and the quantity after \"usage \"");
                Vec::new()
            }
            Command::Usage(feature, quantity) => self.open_usage(&feature, &quantity),
            Command::NewCustomer(words) => {
                let write = self.new_customer_write(&words);
                self.open_customer_write(write)
            }
            Command::EditCustomer { name, email } => {
                let write = self.update_customer_write(name, email);
                self.open_customer_write(write)
            }
            Command::Clock(to) => self.clock_command(to),
        }
    }

    /// Selects a loaded customer with this id, else asks the provider(s) of the current tab.
    fn jump_to_customer(&mut self, id: &str) -> Vec<Effect> {
        for slot in self.tab_slots(self.tab) {
            if let Some(row) = self.slots[slot as usize].customers.position(id) {
                if self.views[self.tab].filter.active() {
                    self.views[self.tab].filter = Default::default();
                }
                self.focus = Pane::Customers;
                self.select_row(super::customers::RowRef { slot, row: row as u32 });
                return self.ensure_loaded();
            }
        }
        let slots: Vec<u8> =
            self.tab_slots(self.tab).into_iter().filter(|&s| self.slots[s as usize].caps.get_customer).collect();
        if slots.is_empty() {
            self.notify_error(format!("No customer {id} loaded, and this tab's providers cannot look one up"));
            return Vec::new();
        }
        self.focus = Pane::Customers;
        self.views[self.tab].filter = Default::default();
        self.notify(format!("Looking up customer {id}…"));
        slots.into_iter().map(|slot| Effect::FindCustomer { slot, id: id.to_string() }).collect()
    }
}
