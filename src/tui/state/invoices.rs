//! The invoices overlay (`i`): the selected customer's invoices, newest first, where the
//! provider has an invoice API (Flowglad, KuvarPay, Zenskar). Kelviq sends invoices only as
//! webhooks, so there the key says so instead of opening an empty window.

use super::customers::move_window;
use super::{AppState, Dialog, Effect, Loadable, Pane};
use crate::billing::{InvoiceRecord, ProviderKind};
use crate::providers::ProviderError;
use crate::tui::action::Action;

pub struct InvoicesState {
    pub slot: u8,
    pub provider: ProviderKind,
    pub customer_id: String,
    pub customer_name: String,
    pub list: Loadable<Vec<InvoiceRecord>>,
    pub selected: usize,
    pub offset: usize,
    pub control: super::listing::ListControl,
}

impl InvoicesState {
    /// The rows shown, filtered and sorted: indexes into the list.
    pub fn visible(&self) -> Vec<usize> {
        self.list.value.as_deref().map_or_else(Vec::new, |l| self.control.visible(l))
    }

    pub fn selected(&self) -> Option<&InvoiceRecord> {
        let i = *self.visible().get(self.selected)?;
        self.list.value.as_ref()?.get(i)
    }

    fn navigate(&mut self, action: Action, height: usize) {
        let len = self.visible().len();
        if let Some(delta) = super::movement::nav_delta(action, height.max(1)) {
            move_window(&mut self.selected, &mut self.offset, delta, len, height);
        }
    }
}

impl AppState {
    /// Opens the overlay for the selected customer and asks for their invoices.
    pub fn show_invoices(&mut self) -> Vec<Effect> {
        let Some((slot, customer)) = self.selected_customer() else {
            self.notify("Select a customer to see their invoices");
            return Vec::new();
        };
        let (customer_id, customer_name) = (customer.id.to_string(), customer.name.unwrap_or_default().to_string());
        let Some(s) = self.slots.get(slot as usize) else { return Vec::new() };
        let provider = s.kind;
        if !s.caps.invoices {
            self.notify(format!("Invoices are not offered by {provider} (its invoices arrive only as webhooks)"));
            return Vec::new();
        }
        self.push(Dialog::Invoices(InvoicesState {
            slot,
            provider,
            customer_id: customer_id.clone(),
            customer_name,
            list: Loadable::loading(),
            selected: 0,
            offset: 0,
            control: Default::default(),
        }));
        vec![Effect::LoadInvoices { slot, customer_id }]
    }

    /// Invoices arrived; kept only if the overlay still shows that customer.
    pub(crate) fn invoices_arrived(
        &mut self,
        slot: u8,
        customer_id: &str,
        result: Result<Vec<InvoiceRecord>, ProviderError>,
    ) {
        if let Some(Dialog::Invoices(inv)) = self.dialogs.iter_mut().rev().find(|d| matches!(d, Dialog::Invoices(_)))
            && inv.slot == slot
            && inv.customer_id == customer_id
        {
            inv.list.settle(result, self.now);
            let len = inv.visible().len();
            inv.selected = inv.selected.min(len.saturating_sub(1));
        }
    }

    pub(crate) fn invoices_action(&mut self, action: Action) -> Vec<Effect> {
        let height = self.page_height(Pane::Customers);
        let Some(Dialog::Invoices(inv)) = self.dialogs.last_mut() else { return Vec::new() };
        let columns = <InvoiceRecord as super::listing::Tabular>::columns().len();
        if super::listing::list_key(&mut inv.control, &mut inv.selected, action, columns) {
            inv.offset = 0;
            return Vec::new();
        }
        match action {
            Action::Back => {
                self.pop();
                Vec::new()
            }
            Action::Choose => {
                let Some(invoice) = inv.selected() else { return Vec::new() };
                let crumbs = vec![inv.provider.display_name().to_string(), inv.customer_name.clone()];
                let (slot, customer_id) = (inv.slot, inv.customer_id.clone());
                let invoice = invoice.clone();
                let target = invoice.subscription_id.clone().filter(|id| {
                    self.details
                        .get(&(slot, customer_id.clone()))
                        .and_then(|d| d.subscriptions.value.as_ref())
                        .is_some_and(|subs| subs.iter().any(|s| &s.id == id))
                });
                let target =
                    target.map(|id| super::detail::Target::Subscription { slot, customer_id: customer_id.clone(), id });
                let detail = super::detail_build::invoice_detail(&invoice, crumbs, target)
                    .with_raw(slot, &invoice.id)
                    .fetching(super::detail::RawRead::Invoices { customer_id: customer_id.clone() });
                self.push_detail(detail)
            }
            Action::Refresh => {
                inv.list.loading = true;
                vec![Effect::LoadInvoices { slot: inv.slot, customer_id: inv.customer_id.clone() }]
            }
            Action::Copy | Action::Open => {
                let Some(invoice) = inv.selected() else {
                    self.notify("No invoice selected");
                    return Vec::new();
                };
                let effect = match (action, &invoice.url) {
                    (Action::Open, Some(url)) => Effect::Open(url.clone()),
                    (Action::Open, None) => {
                        let id = invoice.id.clone();
                        self.notify(format!("Invoice {id} has no link to open"));
                        return Vec::new();
                    }
                    (_, Some(url)) => Effect::Copy(url.clone()),
                    (_, None) => Effect::Copy(invoice.id.clone()),
                };
                match &effect {
                    Effect::Open(u) => self.notify(format!("Opening {u}")),
                    Effect::Copy(t) => self.notify(format!("Copied {t} (OSC 52)")),
                    _ => {}
                }
                vec![effect]
            }
            nav => {
                inv.navigate(nav, height);
                Vec::new()
            }
        }
    }
}
