//! Creating a customer (`:new customer ID [EMAIL] [NAME…]`) and changing the selected one's
//! name (`:rename NAME…`) or email (`:email ADDRESS`): what will change is shown first, and
//! only Ctrl-S writes it (LIVE: once the customer id is typed), journaled by `ops`.

use super::{AppState, Dialog, Effect, Mode};
use crate::billing::{Customer, CustomerUpdate, NewCustomer};
use crate::tui::action::Action;

#[derive(Clone, Debug, PartialEq)]
pub enum CustomerWrite {
    Create(NewCustomer),
    Update { before: Box<Customer>, update: CustomerUpdate },
}

impl CustomerWrite {
    pub fn customer_id(&self) -> &str {
        match self {
            CustomerWrite::Create(c) => &c.id,
            CustomerWrite::Update { before, .. } => &before.id,
        }
    }

    /// What will change, one line each: "name: Ada → Ada Lovelace".
    pub fn preview(&self) -> Vec<String> {
        let show = |v: Option<&str>| v.filter(|s| !s.is_empty()).unwrap_or("—").to_string();
        match self {
            CustomerWrite::Create(c) => vec![
                format!("Create customer {}", c.id),
                format!("name: {}", show(c.name.as_deref())),
                format!("email: {}", show(c.email.as_deref())),
            ],
            CustomerWrite::Update { before, update } => {
                let mut out = vec![format!("Change customer {}", before.id)];
                if let Some(name) = &update.name {
                    out.push(format!("name: {} → {name}", show(before.name.as_deref())));
                }
                if let Some(email) = &update.email {
                    out.push(format!("email: {} → {email}", show(before.email.as_deref())));
                }
                out
            }
        }
    }
}

pub struct CustomerWriteFlow {
    pub slot: u8,
    pub write: CustomerWrite,
    pub live: bool,
    pub typed: String,
    pub applying: bool,
    pub result: Option<Result<Customer, String>>,
}

impl AppState {
    /// Opens the confirmation of a customer write after the checks that need no provider.
    pub(crate) fn open_customer_write(&mut self, write: Result<(u8, CustomerWrite), String>) -> Vec<Effect> {
        if self.read_only {
            self.notify_error("Read-only: customer changes are disabled");
            return Vec::new();
        }
        let (slot, write) = match write {
            Ok(w) => w,
            Err(e) => {
                self.notify_error(e);
                return Vec::new();
            }
        };
        let check = match &write {
            CustomerWrite::Create(c) if !self.slots[slot as usize].caps.create_customer => {
                Err(format!("Creating customers is not offered by {}", self.slots[slot as usize].kind))
            }
            CustomerWrite::Create(c) => c
                .email
                .as_deref()
                .map_or(Ok(()), |e| crate::ops::customer_writes::check_email(e).map_err(|e| e.message)),
            CustomerWrite::Update { update, .. } => update
                .email
                .as_deref()
                .map_or(Ok(()), |e| crate::ops::customer_writes::check_email(e).map_err(|e| e.message)),
        };
        if let Err(e) = check {
            self.notify_error(e);
            return Vec::new();
        }
        let live = self.mode == Mode::Live;
        let flow = CustomerWriteFlow { slot, write, live, typed: String::new(), applying: false, result: None };
        self.push(Dialog::CustomerWrite(Box::new(flow)));
        Vec::new()
    }

    /// `:new customer ID [EMAIL] [NAME…]` on the current provider tab.
    pub(crate) fn new_customer_write(&self, words: &str) -> Result<(u8, CustomerWrite), String> {
        let slot = if self.tab == 0 { None } else { Some((self.tab - 1) as u8) };
        let slot = slot.ok_or("Choose a provider tab first: a new customer belongs to one provider")?;
        let mut parts = words.split_whitespace();
        let id = parts.next().ok_or("Type the new customer's id: new customer ID [EMAIL] [NAME…]")?.to_string();
        let rest: Vec<&str> = parts.collect();
        let (email, name_words) = match rest.first() {
            Some(w) if w.contains('@') => (Some((*w).to_string()), &rest[1..]),
            _ => (None, &rest[..]),
        };
        let name = Some(name_words.join(" ")).filter(|n| !n.is_empty());
        Ok((slot, CustomerWrite::Create(NewCustomer { id, name, email, metadata: Default::default() })))
    }

    /// `:rename NAME…` / `:email ADDRESS` on the selected customer.
    pub(crate) fn update_customer_write(
        &self,
        name: Option<String>,
        email: Option<String>,
    ) -> Result<(u8, CustomerWrite), String> {
        let (slot, c) = self.selected_customer().ok_or("Select a customer first")?;
        if name.as_deref().is_some_and(str::is_empty) || email.as_deref().is_some_and(str::is_empty) {
            return Err("Type the new value after the command".into());
        }
        let update = CustomerUpdate { name, email, metadata: None };
        Ok((slot, CustomerWrite::Update { before: Box::new(c.to_customer()), update }))
    }

    pub(crate) fn customer_write_action(&mut self, action: Action) -> Vec<Effect> {
        let read_only = self.read_only;
        let Some(Dialog::CustomerWrite(f)) = self.dialogs.last_mut() else { return Vec::new() };
        match action {
            _ if f.applying => Vec::new(),
            Action::Back | Action::Choose if f.result.is_some() => {
                // The list already shows what the provider answered (`show_written_customer`).
                self.pop();
                Vec::new()
            }
            Action::Back => {
                self.pop();
                Vec::new()
            }
            Action::Text(key) if f.live => {
                crate::tui::text::edit_line(&mut f.typed, key);
                Vec::new()
            }
            Action::Choose => {
                self.notify("Enter never writes: Ctrl-S does");
                Vec::new()
            }
            Action::Confirm => {
                let guard = match super::payments::confirm_guard(read_only, f.live, &f.typed, f.write.customer_id()) {
                    Ok(g) => g,
                    Err(e) => {
                        self.notify_error(e);
                        return Vec::new();
                    }
                };
                f.applying = true;
                vec![Effect::WriteCustomer { slot: f.slot, write: Box::new(f.write.clone()), guard }]
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn customer_written(&mut self, result: Result<Customer, String>) -> Vec<Effect> {
        let Some(Dialog::CustomerWrite(f)) = self.dialogs.iter_mut().find(|d| matches!(d, Dialog::CustomerWrite(_)))
        else {
            return Vec::new();
        };
        f.applying = false;
        let slot = f.slot;
        let written = result.as_ref().ok().cloned();
        f.result = Some(result);
        match written {
            Some(c) => self.show_written_customer(slot, c),
            None => Vec::new(),
        }
    }

    /// The provider's answer to a customer write goes into the list as it is: a changed
    /// customer's row in place, a new one added and selected. A name or an email changes nothing
    /// else, so nothing else is read again: not the other rows, not anyone's subscriptions, not
    /// the other providers on the All tab.
    fn show_written_customer(&mut self, slot: u8, c: Customer) -> Vec<Effect> {
        let id = c.id.clone();
        let Some(store) = self.slots.get_mut(slot as usize).map(|s| &mut s.customers) else { return Vec::new() };
        if !store.replace(c.clone()) {
            store.merge_found(vec![c]);
        }
        let mut effects = Vec::new();
        for tab in [0, slot as usize + 1] {
            if self.views[tab].sort.is_some() {
                self.resort_customers(tab);
            }
            // A renamed row may match the filter now, or no longer: a full run, not a narrowing.
            self.views[tab].filter.applied = None;
            effects.extend(self.rerun_filter(tab));
        }
        if self.tab == 0 || self.tab == slot as usize + 1 {
            let row = self.slots[slot as usize].customers.position(&id);
            if self.views[self.tab].filter.active() {
                // The filter's new hits decide where the customer is: selected when they come.
                self.follow_customer = Some((slot, id));
            } else if let Some(row) = row {
                self.select_row(super::customers::RowRef { slot, row: row as u32 });
            }
        }
        effects.extend(self.ensure_loaded());
        effects
    }

    /// A filter run finished: a customer just written is selected where the new hits put it
    /// (not left at the row number the old hits had).
    pub(crate) fn follow_into_hits(&mut self) {
        let Some((slot, id)) = self.follow_customer.clone() else { return };
        let Some(row) = self.slots.get(slot as usize).and_then(|s| s.customers.position(&id)) else { return };
        let r = super::customers::RowRef { slot, row: row as u32 };
        // Renamed out of the filter: nothing to select, and nothing to follow later either.
        self.follow_customer = None;
        if self.views[self.tab].filter.hits.contains(&r) {
            self.select_row(r);
        }
    }
}
