//! The key table itself: every binding of every mode, in the order help and hints list them.

use crossterm::event::KeyCode;

use super::{BACKTAB, BACKTAB_BARE, Binding, CTRL, CTRL_S, Context, ENTER, ESC, NONE, SHIFT};
use crate::tui::action::Action;

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
        "e",
        Action::Events,
        "",
        "Events: webhook events and their deliveries (the sandbox's, live; Kelviq's delivery log)",
        [(KeyCode::Char('e'), NONE)]
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
        "/",
        Action::Filter,
        "",
        "Filter the focused list: customers, or the plans in the Plans pane",
        [(KeyCode::Char('/'), NONE)]
    ),
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
    b!(
        Events,
        "Enter",
        Action::Choose,
        "details",
        "The event: its deliveries, the headers sent and the payload",
        [ENTER]
    ),
    b!(
        Events,
        "r",
        Action::Redeliver,
        "resend",
        "Send the event again to every endpoint that wants it (sandbox events)",
        [(KeyCode::Char('r'), NONE)]
    ),
    b!(Events, "y", Action::Copy, "copy id", "Copy the event's id", [(KeyCode::Char('y'), NONE)]),
    b!(
        Events,
        "R",
        Action::Refresh,
        "reload",
        "Read the events again (the sandbox's arrive by themselves)",
        [(KeyCode::Char('R'), SHIFT), (KeyCode::Char('R'), NONE)]
    ),
    b!(
        Events,
        "Esc / q / e",
        Action::Back,
        "close",
        "Close",
        [ESC, (KeyCode::Char('q'), NONE), (KeyCode::Char('e'), NONE)]
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
