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
            Context::Lists => "Lists (request log, invoices, audit, sessions)",
            Context::ListFilter => "List filter (typing filters; 5xx, POST, /path in the request log)",
            Context::Form => "Checkout form",
            Context::FormText => "Text field (typing edits; Ctrl-A/E start/end, Ctrl-U/W delete)",
            Context::FormPick => "Picker (typing filters the options)",
            Context::FormToggle => "Toggle",
            Context::FormRows => "List editor (typing edits the cell)",
            Context::FormSubmit => "Submit button",
            Context::FormResult => "Checkout result",
            Context::CheckoutSessions => "Checkout sessions",
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

pub const BINDINGS: &[Binding] = &[
    // Everywhere.
    b!(Global, "Ctrl-C", Action::ForceQuit, "", "Quit at once", [(KeyCode::Char('c'), CTRL)]),
    b!(Global, "F1", Action::Help, "", "Help for what has focus (also inside text fields)", [(KeyCode::F(1), NONE)]),
    b!(
        NotTyping,
        "?",
        Action::Help,
        "help",
        "Help for what has focus",
        [(KeyCode::Char('?'), NONE), (KeyCode::Char('?'), SHIFT)]
    ),
    // The panes.
    b!(
        Panes,
        "Enter",
        Action::Choose,
        "open",
        "Open the selected row: every field of the customer, subscription or plan",
        [ENTER]
    ),
    b!(
        Panes,
        "u",
        Action::ChangePlan,
        "change plan",
        "Change the selected subscription's plan (steps, preview, Ctrl-S applies)",
        [(KeyCode::Char('u'), NONE)]
    ),
    b!(
        Panes,
        "x",
        Action::Cancel,
        "cancel",
        "Cancel the selected subscription (steps, preview, Ctrl-S applies)",
        [(KeyCode::Char('x'), NONE)]
    ),
    b!(
        Panes,
        "n",
        Action::NewCheckout,
        "checkout",
        "New checkout for this provider, prefilled with the selected customer and plan",
        [(KeyCode::Char('n'), NONE)]
    ),
    b!(
        Panes,
        "N",
        Action::CheckoutSessions,
        "",
        "Checkout sessions: this console's and the provider's (Enter reopens one with its URL and QR code)",
        [(KeyCode::Char('N'), SHIFT), (KeyCode::Char('N'), NONE)]
    ),
    b!(
        Panes,
        "y",
        Action::Copy,
        "copy id",
        "Copy the selected id (OSC 52, works over SSH)",
        [(KeyCode::Char('y'), NONE)]
    ),
    b!(Panes, "q", Action::Quit, "quit", "Quit", [(KeyCode::Char('q'), NONE)]),
    b!(
        Panes,
        "s / S",
        Action::Sort,
        "",
        "Sort the focused pane by its next column (S reverses); the title says how",
        [(KeyCode::Char('s'), NONE)]
    ),
    b!(
        Panes,
        "S",
        Action::SortReverse,
        "",
        "Reverse the sort",
        [(KeyCode::Char('S'), SHIFT), (KeyCode::Char('S'), NONE)]
    ),
    b!(
        Panes,
        "U",
        Action::Uncancel,
        "",
        "Undo the selected subscription's scheduled cancellation or plan change (preview, Ctrl-S applies)",
        [(KeyCode::Char('U'), SHIFT), (KeyCode::Char('U'), NONE)]
    ),
    b!(Panes, "a", Action::Audit, "", "The selected customer's audit journal", [(KeyCode::Char('a'), NONE)]),
    b!(Panes, "i", Action::Invoices, "", "The selected customer's invoices", [(KeyCode::Char('i'), NONE)]),
    b!(
        Panes,
        "P",
        Action::Payments,
        "",
        "The selected customer's payments (f refunds one: amount, preview, Ctrl-S)",
        [(KeyCode::Char('P'), SHIFT), (KeyCode::Char('P'), NONE)]
    ),
    b!(Panes, "o", Action::Open, "", "Open the selected object's link in the browser", [(KeyCode::Char('o'), NONE)]),
    b!(
        Panes,
        ":",
        Action::Palette,
        "commands",
        "Command palette (see the list below)",
        [(KeyCode::Char(':'), NONE), (KeyCode::Char(':'), SHIFT)]
    ),
    b!(
        Panes,
        "r",
        Action::Requests,
        "requests",
        "Request log (Enter: details, c: copy as curl)",
        [(KeyCode::Char('r'), NONE)]
    ),
    b!(
        Panes,
        "R",
        Action::Refresh,
        "refresh",
        "Reload the current tab",
        [(KeyCode::Char('R'), SHIFT), (KeyCode::Char('R'), NONE)]
    ),
    b!(Panes, "Tab", Action::NextPane, "pane", "Next pane", [(KeyCode::Tab, NONE)]),
    b!(Panes, "Shift-Tab", Action::PrevPane, "", "Previous pane", [BACKTAB, BACKTAB_BARE]),
    b!(Panes, "]", Action::NextTab, "provider", "Next provider tab", [(KeyCode::Char(']'), NONE)]),
    b!(Panes, "[", Action::PrevTab, "", "Previous provider tab", [(KeyCode::Char('['), NONE)]),
    b!(Panes, "1-9", Action::GoTab(0), "", "Jump to a tab (see the tab row)", [(KeyCode::Char('1'), NONE)]),
    b!(Panes, "Esc", Action::Back, "", "Back out one level (clear the filter, focus Customers)", [ESC]),
    b!(
        Customers,
        "/",
        Action::Filter,
        "filter",
        "Fuzzy filter (accents folded: muller finds Müller)",
        [(KeyCode::Char('/'), NONE)]
    ),
    // Movement, in every list, picker and scrolling overlay.
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
        "Last row (in Customers, loads every remaining page)",
        [(KeyCode::End, NONE), (KeyCode::Char('G'), SHIFT), (KeyCode::Char('G'), NONE)]
    ),
    // The filter line.
    b!(Filter, "Enter", Action::Choose, "keep", "Keep the filter and return to the list", [ENTER]),
    b!(Filter, "Esc", Action::Back, "clear", "Clear the filter", [ESC]),
    b!(Filter, "↑ / ↓", Action::Down, "move", "Move in the matches (↑ moves up)", [(KeyCode::Down, NONE)]),
    b!(Filter, "↑", Action::Up, "", "Move up in the matches", [(KeyCode::Up, NONE)]),
    // The command palette.
    b!(Palette, "Enter", Action::Choose, "run", "Run the highlighted command", [ENTER]),
    b!(Palette, "↓ / Tab", Action::Down, "choose", "Next command", [(KeyCode::Down, NONE), (KeyCode::Tab, NONE)]),
    b!(
        Palette,
        "↑ / Shift-Tab",
        Action::Up,
        "",
        "Previous command",
        [(KeyCode::Up, NONE), (KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)]
    ),
    b!(Palette, "Esc", Action::Back, "close", "Close the palette", [ESC]),
    // Help.
    b!(Help, "Esc / q / ?", Action::Back, "close", "Close help", [ESC, (KeyCode::Char('q'), NONE)]),
    // The request log.
    b!(Requests, "Enter", Action::Choose, "details", "Show the whole exchange (secrets redacted)", [ENTER]),
    b!(
        Requests,
        "c",
        Action::CopyCurl,
        "copy curl",
        "Copy the exchange as a curl command (key as an environment variable)",
        [(KeyCode::Char('c'), NONE)]
    ),
    b!(Requests, "y", Action::Copy, "copy URL", "Copy the request URL", [(KeyCode::Char('y'), NONE)]),
    b!(Requests, "o", Action::Open, "", "Open the request URL", [(KeyCode::Char('o'), NONE)]),
    b!(Requests, "R", Action::Refresh, "", "Reload the log", [(KeyCode::Char('R'), SHIFT), (KeyCode::Char('R'), NONE)]),
    b!(
        Requests,
        "Esc / q / r",
        Action::Back,
        "close",
        "Back from the details, or close the log",
        [ESC, (KeyCode::Char('q'), NONE), (KeyCode::Char('r'), NONE)]
    ),
    // Invoices.
    b!(Invoices, "Enter", Action::Choose, "open", "The invoice's fields: totals, dates, link", [ENTER]),
    b!(
        Invoices,
        "y",
        Action::Copy,
        "copy link",
        "Copy the invoice link (the id when there is none)",
        [(KeyCode::Char('y'), NONE)]
    ),
    b!(Invoices, "o", Action::Open, "open", "Open the invoice link", [(KeyCode::Char('o'), NONE)]),
    b!(
        Invoices,
        "R",
        Action::Refresh,
        "reload",
        "Reload the invoices",
        [(KeyCode::Char('R'), SHIFT), (KeyCode::Char('R'), NONE)]
    ),
    b!(
        Invoices,
        "Esc / q / i",
        Action::Back,
        "close",
        "Close",
        [ESC, (KeyCode::Char('q'), NONE), (KeyCode::Char('i'), NONE)]
    ),
    // Filter, sort and export, in every overlay list.
    b!(
        Lists,
        "/",
        Action::Filter,
        "filter",
        "Filter the list (every word must match; the request log also takes 5xx, POST, /path)",
        [(KeyCode::Char('/'), NONE)]
    ),
    b!(Lists, "s", Action::Sort, "sort", "Sort by the next column (the header shows it)", [(KeyCode::Char('s'), NONE)]),
    b!(
        Lists,
        "S",
        Action::SortReverse,
        "",
        "Reverse the sort",
        [(KeyCode::Char('S'), SHIFT), (KeyCode::Char('S'), NONE)]
    ),
    b!(
        Lists,
        ":",
        Action::Palette,
        "",
        "Command palette over the list (:export csv|json [PATH] writes it as shown)",
        [(KeyCode::Char(':'), NONE), (KeyCode::Char(':'), SHIFT)]
    ),
    b!(ListFilter, "Enter", Action::Choose, "keep", "Keep the filter and return to the list", [ENTER]),
    b!(ListFilter, "Esc", Action::Back, "clear", "Clear the filter", [ESC]),
    // Payments.
    b!(
        Payments,
        "f",
        Action::Refund,
        "refund",
        "Refund the payment: type an amount (empty: all that is refundable), Enter previews, Ctrl-S refunds",
        [(KeyCode::Char('f'), NONE)]
    ),
    b!(
        Payments,
        "Enter",
        Action::Choose,
        "open",
        "The payment's fields: paid, refunded, refundable, what it paid for",
        [ENTER]
    ),
    b!(Payments, "y", Action::Copy, "copy id", "Copy the payment id", [(KeyCode::Char('y'), NONE)]),
    b!(
        Payments,
        "R",
        Action::Refresh,
        "reload",
        "Reload the payments",
        [(KeyCode::Char('R'), SHIFT), (KeyCode::Char('R'), NONE)]
    ),
    b!(Payments, "Esc / q", Action::Back, "close", "Close", [ESC, (KeyCode::Char('q'), NONE)]),
    // Detail views.
    b!(
        Detail,
        "Enter",
        Action::Choose,
        "open",
        "Open the object the field names (a subscription, a plan, a request)",
        [ENTER]
    ),
    b!(Detail, "y", Action::Copy, "copy field", "Copy the field under the cursor", [(KeyCode::Char('y'), NONE)]),
    b!(
        Detail,
        "Y",
        Action::CopyAll,
        "copy JSON",
        "Copy the whole object as JSON",
        [(KeyCode::Char('Y'), SHIFT), (KeyCode::Char('Y'), NONE)]
    ),
    b!(
        Detail,
        "v",
        Action::ToggleRaw,
        "JSON",
        "Show the object as JSON (v again: the fields)",
        [(KeyCode::Char('v'), NONE)]
    ),
    b!(Detail, "o", Action::Open, "", "Open the object's link (an invoice's URL)", [(KeyCode::Char('o'), NONE)]),
    b!(
        Detail,
        "O",
        Action::OpenDashboard,
        "",
        "Open the object in the provider's dashboard, where its URL pattern is documented",
        [(KeyCode::Char('O'), SHIFT), (KeyCode::Char('O'), NONE)]
    ),
    b!(Detail, "Esc / q", Action::Back, "back", "Back one level", [ESC, (KeyCode::Char('q'), NONE)]),
    // Audit journal.
    b!(Audit, "Enter", Action::Choose, "open", "The highlighted entry: before → after, amounts, request ids", [ENTER]),
    b!(
        Audit,
        "Esc / q / a",
        Action::Back,
        "close",
        "Close",
        [ESC, (KeyCode::Char('q'), NONE), (KeyCode::Char('a'), NONE)]
    ),
    // The checkout form.
    b!(Form, "Tab", Action::NextField, "next field", "Next field", [(KeyCode::Tab, NONE)]),
    b!(Form, "Shift-Tab", Action::PrevField, "", "Previous field", [BACKTAB, BACKTAB_BARE]),
    b!(Form, "Ctrl-S", Action::Confirm, "create", "Create the checkout session (once; Enter never submits)", [CTRL_S]),
    b!(
        Form,
        "Ctrl-B",
        Action::CopyBody,
        "copy body",
        "Copy the request body (refused while the form is invalid)",
        [(KeyCode::Char('b'), CTRL)]
    ),
    b!(
        Form,
        "Ctrl-K",
        Action::CopyCurl,
        "copy curl",
        "Copy the request as curl (refused while the form is invalid)",
        [(KeyCode::Char('k'), CTRL)]
    ),
    b!(
        Form,
        "Ctrl-P",
        Action::SavePreset,
        "save preset",
        "Save the form as a named preset (never the customer)",
        [(KeyCode::Char('p'), CTRL)]
    ),
    b!(Form, "Ctrl-O", Action::LoadPreset, "load preset", "Load a saved preset", [(KeyCode::Char('o'), CTRL)]),
    b!(Form, "Esc", Action::Back, "close", "Close the form; it is kept as a draft (without the customer)", [ESC]),
    b!(FormText, "Enter / ↓", Action::NextField, "", "Next field", [ENTER, (KeyCode::Down, NONE)]),
    b!(FormText, "↑", Action::PrevField, "", "Previous field", [(KeyCode::Up, NONE)]),
    b!(
        FormPick,
        "↓ / ↑",
        Action::Down,
        "choose",
        "Highlight the next option (↑ the previous)",
        [(KeyCode::Down, NONE)]
    ),
    b!(FormPick, "↑", Action::Up, "", "Highlight the previous option", [(KeyCode::Up, NONE)]),
    b!(FormPick, "PgDn / PgUp", Action::PageDown, "", "Page through the options", [(KeyCode::PageDown, NONE)]),
    b!(FormPick, "PgUp", Action::PageUp, "", "Page up through the options", [(KeyCode::PageUp, NONE)]),
    b!(FormPick, "Home / End", Action::Top, "", "First option (End: the last)", [(KeyCode::Home, NONE)]),
    b!(FormPick, "End", Action::Bottom, "", "Last option", [(KeyCode::End, NONE)]),
    b!(FormPick, "Enter", Action::Choose, "take", "Take the highlighted option", [ENTER]),
    b!(FormPick, "Ctrl-D", Action::DeleteRow, "", "Clear an optional choice", [(KeyCode::Char('d'), CTRL)]),
    b!(FormToggle, "Space / Enter", Action::Toggle, "flip", "Flip the toggle", [(KeyCode::Char(' '), NONE), ENTER]),
    b!(FormToggle, "↓", Action::NextField, "", "Next field", [(KeyCode::Down, NONE)]),
    b!(FormToggle, "↑", Action::PrevField, "", "Previous field", [(KeyCode::Up, NONE)]),
    b!(FormRows, "Ctrl-N", Action::AddRow, "add row", "Add a row", [(KeyCode::Char('n'), CTRL)]),
    b!(FormRows, "Ctrl-D", Action::DeleteRow, "", "Delete the row", [(KeyCode::Char('d'), CTRL)]),
    b!(FormRows, "← / →", Action::Left, "", "Previous cell (→ the next)", [(KeyCode::Left, NONE)]),
    b!(FormRows, "→", Action::Right, "", "Next cell", [(KeyCode::Right, NONE)]),
    b!(
        FormRows,
        "↑ / ↓",
        Action::Up,
        "",
        "Previous row (↓ the next; past the ends, the next field)",
        [(KeyCode::Up, NONE)]
    ),
    b!(FormRows, "↓", Action::Down, "", "Next row", [(KeyCode::Down, NONE), ENTER]),
    b!(FormRows, "Space", Action::Toggle, "", "Flip \"enabled\" in its column", [(KeyCode::Char(' '), NONE)]),
    b!(FormSubmit, "Enter", Action::Choose, "", "Says which key submits: Enter never submits, Ctrl-S does", [ENTER]),
    b!(FormSubmit, "↑", Action::PrevField, "", "Previous field", [(KeyCode::Up, NONE)]),
    b!(FormResult, "y", Action::Copy, "copy URL", "Copy the checkout URL", [(KeyCode::Char('y'), NONE)]),
    b!(FormResult, "o", Action::Open, "open", "Open the checkout URL", [(KeyCode::Char('o'), NONE)]),
    b!(
        FormResult,
        "Esc / q",
        Action::Back,
        "close",
        "Close (payment is still watched in the background)",
        [ESC, (KeyCode::Char('q'), NONE)]
    ),
    b!(
        CheckoutSessions,
        "Enter",
        Action::Choose,
        "reopen",
        "Reopen the session: URL, QR code and status, watched until paid or expired",
        [ENTER]
    ),
    b!(CheckoutSessions, "y", Action::Copy, "copy URL", "Copy the session's URL", [(KeyCode::Char('y'), NONE)]),
    b!(CheckoutSessions, "o", Action::Open, "", "Open the session's URL", [(KeyCode::Char('o'), NONE)]),
    b!(
        CheckoutSessions,
        "R",
        Action::Refresh,
        "reload",
        "Ask the providers again",
        [(KeyCode::Char('R'), SHIFT), (KeyCode::Char('R'), NONE)]
    ),
    b!(
        CheckoutSessions,
        "Esc / q / N",
        Action::Back,
        "close",
        "Close the list",
        [ESC, (KeyCode::Char('q'), NONE), (KeyCode::Char('N'), SHIFT), (KeyCode::Char('N'), NONE)]
    ),
    b!(PresetSave, "Enter", Action::Choose, "save", "Save under the typed name", [ENTER]),
    b!(PresetSave, "Esc", Action::Back, "cancel", "Back to the form", [ESC]),
    b!(PresetLoad, "Enter", Action::Choose, "load", "Load the highlighted preset", [ENTER]),
    b!(PresetLoad, "Esc", Action::Back, "cancel", "Back to the form", [ESC]),
    b!(LiveConfirm, "Ctrl-S", Action::Confirm, "create", "Create the LIVE checkout once the id matches", [CTRL_S]),
    b!(LiveConfirm, "Esc", Action::Back, "cancel", "Back to the form", [ESC]),
    // The change, cancel and uncancel dialogs.
    b!(
        Steps,
        "Enter",
        Action::Choose,
        "next step",
        "Take the highlighted option and go to the next step (never applies)",
        [ENTER]
    ),
    b!(Steps, "Ctrl-S", Action::Confirm, "apply", "Apply the previewed change (only on the Preview step)", [CTRL_S]),
    b!(
        Steps,
        "Backspace / Shift-Tab",
        Action::StepBack,
        "back",
        "Back one step",
        [(KeyCode::Backspace, NONE), (KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)]
    ),
    b!(Steps, "Esc", Action::Back, "close", "Close (asks first once a choice was made)", [ESC]),
    b!(StepText, "Enter", Action::Choose, "next step", "Take the typed value and go to the next step", [ENTER]),
    b!(
        StepText,
        "Ctrl-S",
        Action::Confirm,
        "apply",
        "Apply (only on the Preview step, once the id matches in LIVE)",
        [CTRL_S]
    ),
    b!(StepText, "Shift-Tab", Action::StepBack, "back", "Back one step", [BACKTAB, BACKTAB_BARE]),
    b!(StepText, "Esc", Action::Back, "close", "Close (asks first)", [ESC]),
    b!(StepText, "↓", Action::Down, "", "Scroll a long preview down (letters type)", [(KeyCode::Down, NONE)]),
    b!(StepText, "↑", Action::Up, "", "Scroll a long preview up", [(KeyCode::Up, NONE)]),
    b!(Discard, "Esc", Action::Back, "discard", "Discard the started change", [ESC]),
    b!(Discard, "any other key", Action::Keep, "keep", "Keep editing", [(KeyCode::Null, NONE)]),
];

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
        assert_eq!(action_for(&key(KeyCode::Char('/'), NONE), &ctx), None, "filter only in the customers pane");
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
