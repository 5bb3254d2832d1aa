//! Verbs the console understands, separate from the keys that trigger them.

use crossterm::event::KeyEvent;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    PrevPane,
    NextTab,
    PrevTab,
    GoTab(u8),
    /// Enter: open, drill in, or take the highlighted option and go to the next step. Never
    /// applies anything that moves money.
    Choose,
    /// The one key that applies a previewed write or creates a checkout (Ctrl-S): never the
    /// key that chose an option.
    Confirm,
    /// Back one step in a dialog (Backspace, Shift-Tab).
    StepBack,
    Back,
    Quit,
    ForceQuit,
    Help,
    Palette,
    Requests,
    Refresh,
    Filter,
    Copy,
    /// The whole object as JSON (`Y` in a detail view).
    CopyAll,
    Open,
    /// The object in the provider's web dashboard (`O`).
    OpenDashboard,
    /// The object's JSON on screen instead of its fields (`v`).
    ToggleRaw,
    /// The next sort column of a list (`s`).
    Sort,
    /// The sort order reversed (`S`).
    SortReverse,
    CopyCurl,
    CopyBody,
    NewCheckout,
    /// The checkout-sessions list.
    CheckoutSessions,
    /// The Events view: webhook events and their deliveries (`e`).
    Events,
    /// Send the selected sandbox event again (`r` in the Events view).
    Redeliver,
    ChangePlan,
    Cancel,
    Uncancel,
    Audit,
    Invoices,
    /// The selected customer's payments (`P`).
    Payments,
    /// Refund the selected payment (`f` in the payments list).
    Refund,
    NextField,
    PrevField,
    Toggle,
    AddRow,
    DeleteRow,
    SavePreset,
    LoadPreset,
    /// In the "discard this change?" prompt: any key but the discard key keeps the dialog.
    Keep,
    /// A key for the focused text field, handled by the text-field adapter (`tui::text`).
    Text(KeyEvent),
}

impl Action {
    /// Actions that change something at a provider; hidden and refused under --read-only.
    pub fn is_write(&self) -> bool {
        matches!(self, Action::NewCheckout | Action::ChangePlan | Action::Cancel | Action::Uncancel | Action::Refund)
    }
}
