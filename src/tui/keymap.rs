//! Keys → actions. One table feeds dispatch, the status-bar hints and the `?` help overlay, so
//! what the help says is what the keys do.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where a binding applies. Text inputs (filter, palette) are not here: they own their keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Global,
    List,
    Customers,
    Requests,
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
    ($ctx:ident, $label:expr, $action:expr, $hint:expr, $help:expr, [$(($code:expr, $mods:expr)),+]) => {
        Binding { keys: &[$(($code, $mods)),+], label: $label, action: $action, context: Context::$ctx, hint: $hint, help: $help }
    };
}

pub const BINDINGS: &[Binding] = &[
    b!(Global, "q", Action::Quit, "quit", "Back out of an overlay, or quit", [(KeyCode::Char('q'), NONE)]),
    b!(Global, "Ctrl-C", Action::ForceQuit, "", "Quit at once", [(KeyCode::Char('c'), CTRL)]),
    b!(Global, "Esc", Action::Back, "", "Back out one level (clear filter, close overlay)", [(KeyCode::Esc, NONE)]),
    b!(Global, "?", Action::Help, "help", "Show this help", [(KeyCode::Char('?'), NONE), (KeyCode::Char('?'), SHIFT)]),
    b!(
        Global,
        ":",
        Action::Palette,
        "commands",
        "Command palette: provider, customer id, pane",
        [(KeyCode::Char(':'), NONE), (KeyCode::Char(':'), SHIFT)]
    ),
    b!(
        Global,
        "r",
        Action::Requests,
        "requests",
        "Request log (Enter: details, c: copy as curl)",
        [(KeyCode::Char('r'), NONE)]
    ),
    b!(
        Global,
        "R",
        Action::Refresh,
        "refresh",
        "Reload the current provider's data",
        [(KeyCode::Char('R'), SHIFT), (KeyCode::Char('R'), NONE)]
    ),
    b!(Global, "Tab", Action::NextPane, "pane", "Next pane", [(KeyCode::Tab, NONE)]),
    b!(
        Global,
        "Shift-Tab",
        Action::PrevPane,
        "",
        "Previous pane",
        [(KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)]
    ),
    b!(Global, "]", Action::NextTab, "provider", "Next provider tab", [(KeyCode::Char(']'), NONE)]),
    b!(Global, "[", Action::PrevTab, "", "Previous provider tab", [(KeyCode::Char('['), NONE)]),
    b!(
        Global,
        "1-5",
        Action::GoTab(0),
        "",
        "Jump to tab: 1 All, 2 Kelviq, 3 Flowglad, 4 KuvarPay, 5 Zenskar",
        [(KeyCode::Char('1'), NONE)]
    ),
    b!(List, "j / ↓", Action::Down, "move", "Move down", [(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)]),
    b!(List, "k / ↑", Action::Up, "", "Move up", [(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)]),
    b!(
        List,
        "PgDn / Ctrl-d",
        Action::PageDown,
        "",
        "Page down",
        [(KeyCode::PageDown, NONE), (KeyCode::Char('d'), CTRL)]
    ),
    b!(List, "PgUp / Ctrl-u", Action::PageUp, "", "Page up", [(KeyCode::PageUp, NONE), (KeyCode::Char('u'), CTRL)]),
    b!(List, "g / Home", Action::Top, "", "First row", [(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)]),
    b!(
        List,
        "G / End",
        Action::Bottom,
        "",
        "Last row (loads every remaining page)",
        [(KeyCode::End, NONE), (KeyCode::Char('G'), SHIFT), (KeyCode::Char('G'), NONE)]
    ),
    b!(List, "Enter", Action::Enter, "open", "Drill in", [(KeyCode::Enter, NONE)]),
    b!(
        List,
        "y",
        Action::Copy,
        "copy id",
        "Copy the selected id or URL (OSC 52, works over SSH)",
        [(KeyCode::Char('y'), NONE)]
    ),
    b!(List, "o", Action::Open, "", "Open the selected URL in the browser", [(KeyCode::Char('o'), NONE)]),
    b!(
        List,
        "u",
        Action::ChangePlan,
        "change plan",
        "Change the selected subscription's plan (preview, then confirm)",
        [(KeyCode::Char('u'), NONE)]
    ),
    b!(
        List,
        "x",
        Action::Cancel,
        "cancel",
        "Cancel the selected subscription (preview, then confirm)",
        [(KeyCode::Char('x'), NONE)]
    ),
    b!(
        List,
        "U",
        Action::Uncancel,
        "",
        "Undo the selected subscription's scheduled cancellation",
        [(KeyCode::Char('U'), SHIFT), (KeyCode::Char('U'), NONE)]
    ),
    b!(List, "a", Action::Audit, "", "The selected customer's audit journal", [(KeyCode::Char('a'), NONE)]),
    b!(
        List,
        "i",
        Action::Invoices,
        "",
        "The selected customer's invoices (y copies the link, o opens it)",
        [(KeyCode::Char('i'), NONE)]
    ),
    b!(
        List,
        "n",
        Action::NewCheckout,
        "checkout",
        "New checkout session for this provider, prefilled with the selected customer and plan",
        [(KeyCode::Char('n'), NONE)]
    ),
    b!(
        Customers,
        "/",
        Action::Filter,
        "filter",
        "Fuzzy filter (accents folded: muller finds Müller)",
        [(KeyCode::Char('/'), NONE)]
    ),
    b!(
        Requests,
        "c",
        Action::CopyCurl,
        "copy curl",
        "Copy the exchange as a curl command (key as ${TILL_<PROVIDER>_KEY})",
        [(KeyCode::Char('c'), NONE)]
    ),
];

/// The action for `key` in the given contexts (earlier contexts win).
pub fn action_for(key: &KeyEvent, contexts: &[Context]) -> Option<Action> {
    if let KeyCode::Char(c @ '1'..='5') = key.code
        && key.modifiers == NONE
    {
        return Some(Action::GoTab(c as u8 - b'1'));
    }
    contexts.iter().find_map(|ctx| {
        BINDINGS
            .iter()
            .filter(|b| b.context == *ctx)
            .find(|b| b.keys.iter().any(|(code, mods)| *code == key.code && *mods == key.modifiers))
            .map(|b| b.action)
    })
}

/// Status-bar hints for the given contexts, most specific first.
pub fn hints(contexts: &[Context]) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    for ctx in contexts {
        for b in BINDINGS.iter().filter(|b| b.context == *ctx && !b.hint.is_empty()) {
            out.push((b.label, b.hint));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn vim_keys_and_arrows_map_to_the_same_action() {
        let ctx = [Context::List, Context::Global];
        assert_eq!(action_for(&key(KeyCode::Char('j'), NONE), &ctx), Some(Action::Down));
        assert_eq!(action_for(&key(KeyCode::Down, NONE), &ctx), Some(Action::Down));
        assert_eq!(action_for(&key(KeyCode::Char('c'), CTRL), &ctx), Some(Action::ForceQuit));
        assert_eq!(action_for(&key(KeyCode::Char('3'), NONE), &ctx), Some(Action::GoTab(2)));
        assert_eq!(action_for(&key(KeyCode::Char('/'), NONE), &ctx), None, "filter only in the customers pane");
    }

    #[test]
    fn every_binding_has_help_text_and_hints_come_from_the_table() {
        assert!(BINDINGS.iter().all(|b| !b.help.is_empty() && !b.label.is_empty()));
        let hints = hints(&[Context::Customers, Context::List, Context::Global]);
        assert_eq!(hints.first(), Some(&("/", "filter")));
        assert!(hints.contains(&("?", "help")));
    }
}
