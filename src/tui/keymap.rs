//! Keys → actions for EVERY mode: panes, filter, palette, overlays, the checkout form, the
//! change and cancel dialogs and their prompts. One table feeds dispatch, the status-bar hints
//! and the `?` help, so what the help says is what the keys do. In a text context an unbound
//! key becomes `Action::Text`, which the text-field adapter (`tui::text`) interprets.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where a binding applies. `AppState::contexts` says which are active, most specific first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    /// Everywhere, text fields included.
    Global,
    /// Everywhere except while a text field has focus (`?` types a `?` there).
    NotTyping,
    /// The four panes.
    Panes,
    Customers,
    /// Movement in any list, picker or scrolling overlay.
    List,
    Filter,
    Palette,
    Help,
    Requests,
    Invoices,
    Audit,
    /// A detail view (Enter on any row).
    Detail,
    /// The payments list.
    Payments,
    /// Filter, sort and export in an overlay list (request log, invoices, audit, sessions).
    Lists,
    /// The filter line of an overlay list.
    ListFilter,
    /// The checkout form, whatever field has focus.
    Form,
    FormText,
    FormPick,
    FormToggle,
    FormRows,
    /// The Submit button.
    FormSubmit,
    FormResult,
    /// The checkout-sessions list.
    CheckoutSessions,
    /// The Events view.
    Events,
    PresetSave,
    PresetLoad,
    /// LIVE checkout: the customer id typed before Ctrl-S creates it.
    LiveConfirm,
    /// A choice step of the change or cancel dialog.
    Steps,
    /// A typing step of a dialog (cancel date, LIVE customer id).
    StepText,
    /// "Discard this change?"
    Discard,
}

impl Context {
    /// Unbound keys are text for the focused field.
    pub fn is_text(&self) -> bool {
        matches!(
            self,
            Context::Filter
                | Context::ListFilter
                | Context::Palette
                | Context::FormText
                | Context::FormPick
                | Context::FormRows
                | Context::PresetSave
                | Context::LiveConfirm
                | Context::StepText
        )
    }

    /// Heading in `?` help.
    pub fn title(&self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::NotTyping => "Outside text fields",
            Context::Panes => "Panes",
            Context::Customers => "Customers pane",
            Context::List => "Moving in lists",
            Context::Filter => "Filter (typing filters)",
            Context::Palette => "Command palette (type a command)",
            Context::Help => "Help",
            Context::Requests => "Request log",
            Context::Invoices => "Invoices",
            Context::Audit => "Audit journal",
            Context::Detail => "Detail view",
            Context::Payments => "Payments",
            Context::Lists => "Lists (request log, invoices, audit, sessions, events)",
            Context::ListFilter => "List filter (typing filters; 5xx, POST, /path in the request log)",
            Context::Form => "Checkout form",
            Context::FormText => "Text field (typing edits; Ctrl-A/E start/end, Ctrl-U/W delete)",
            Context::FormPick => "Picker (typing filters the options)",
            Context::FormToggle => "Toggle",
            Context::FormRows => "List editor (typing edits the cell)",
            Context::FormSubmit => "Submit button",
            Context::FormResult => "Checkout result",
            Context::CheckoutSessions => "Checkout sessions",
            Context::Events => "Events (webhooks)",
            Context::PresetSave => "Save preset (type a name)",
            Context::PresetLoad => "Load preset",
            Context::LiveConfirm => "LIVE confirmation (type the customer id)",
            Context::Steps => "Change / cancel dialog",
            Context::StepText => "Dialog text (typing edits)",
            Context::Discard => "Discard prompt",
        }
    }
}

pub struct Binding {
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the keys are written in hints and help.
    pub label: &'static str,
    pub action: Action,
    pub context: Context,
    /// Short status-bar hint; empty for bindings only the help lists.
    pub hint: &'static str,
    pub help: &'static str,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

macro_rules! b {
    ($ctx:ident, $label:expr, $action:expr, $hint:expr, $help:expr, [$($key:expr),+]) => {
        Binding { keys: &[$($key),+], label: $label, action: $action, context: Context::$ctx, hint: $hint, help: $help }
    };
}

const ESC: (KeyCode, KeyModifiers) = (KeyCode::Esc, NONE);
const ENTER: (KeyCode, KeyModifiers) = (KeyCode::Enter, NONE);
const CTRL_S: (KeyCode, KeyModifiers) = (KeyCode::Char('s'), CTRL);
const BACKTAB: (KeyCode, KeyModifiers) = (KeyCode::BackTab, SHIFT);
const BACKTAB_BARE: (KeyCode, KeyModifiers) = (KeyCode::BackTab, NONE);

mod bindings;
pub use bindings::BINDINGS;

/// The action for `key` in the given contexts (earlier contexts win). In a text context an
/// unbound key is `Action::Text`; in the discard prompt any other key keeps the dialog.
pub fn action_for(key: &KeyEvent, contexts: &[Context]) -> Option<Action> {
    let first = contexts.first().copied();
    if contexts.contains(&Context::Panes)
        && let KeyCode::Char(c @ '1'..='9') = key.code
        && key.modifiers == NONE
    {
        return Some(Action::GoTab(c as u8 - b'1'));
    }
    let bound = contexts.iter().find_map(|ctx| {
        BINDINGS
            .iter()
            .filter(|b| b.context == *ctx)
            .find(|b| b.keys.iter().any(|(code, mods)| *code == key.code && *mods == key.modifiers))
            .map(|b| b.action)
    });
    match (bound, first) {
        (Some(action), _) => Some(action),
        (None, Some(Context::Discard)) => Some(Action::Keep),
        (None, Some(ctx)) if ctx.is_text() => Some(Action::Text(*key)),
        (None, _) => None,
    }
}

/// Status-bar hints for the given contexts, most specific first.
pub fn hints(contexts: &[Context]) -> Vec<(&'static str, &'static str, Action)> {
    let mut out = Vec::new();
    for ctx in contexts {
        for b in BINDINGS.iter().filter(|b| b.context == *ctx && !b.hint.is_empty()) {
            out.push((b.label, b.hint, b.action));
        }
    }
    out
}

/// Help lines for the given contexts: (heading, [(keys, text)]).
pub fn help_sections(contexts: &[Context]) -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    contexts
        .iter()
        .map(|ctx| {
            let rows = BINDINGS.iter().filter(|b| b.context == *ctx).map(|b| (b.label, b.help)).collect();
            (ctx.title(), rows)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn vim_keys_and_arrows_map_to_the_same_action() {
        let ctx = [Context::Panes, Context::List, Context::NotTyping, Context::Global];
        assert_eq!(action_for(&key(KeyCode::Char('j'), NONE), &ctx), Some(Action::Down));
        assert_eq!(action_for(&key(KeyCode::Down, NONE), &ctx), Some(Action::Down));
        assert_eq!(action_for(&key(KeyCode::Char('c'), CTRL), &ctx), Some(Action::ForceQuit));
        assert_eq!(action_for(&key(KeyCode::Char('3'), NONE), &ctx), Some(Action::GoTab(2)));
        // `/` filters the focused pane's list; the panes decide which (customers or plans).
        assert_eq!(action_for(&key(KeyCode::Char('/'), NONE), &ctx), Some(Action::Filter));
    }

    #[test]
    fn text_contexts_turn_unbound_keys_into_text_and_keep_question_marks() {
        let ctx = [Context::FormText, Context::Form, Context::Global];
        let q = key(KeyCode::Char('?'), NONE);
        assert_eq!(action_for(&q, &ctx), Some(Action::Text(q)));
        assert_eq!(action_for(&key(KeyCode::F(1), NONE), &ctx), Some(Action::Help));
        assert_eq!(action_for(&key(KeyCode::Enter, NONE), &ctx), Some(Action::NextField));
    }

    #[test]
    fn enter_never_confirms_anywhere() {
        let enter = key(KeyCode::Enter, NONE);
        for b in BINDINGS.iter().filter(|b| b.action == Action::Confirm) {
            assert!(!b.keys.iter().any(|(c, m)| *c == enter.code && *m == enter.modifiers), "{}", b.label);
        }
    }

    #[test]
    fn every_binding_has_help_text_and_hints_come_from_the_table() {
        assert!(BINDINGS.iter().all(|b| !b.help.is_empty() && !b.label.is_empty()));
        let hints = hints(&[Context::Customers, Context::Panes]);
        assert_eq!(hints.first().map(|h| (h.0, h.1)), Some(("/", "filter")));
    }
}
