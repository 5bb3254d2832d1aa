//! Verbs the console understands, separate from the keys that trigger them.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    PrevPane,
    NextTab,
    PrevTab,
    GoTab(u8),
    Enter,
    Back,
    Quit,
    ForceQuit,
    Help,
    Palette,
    Requests,
    Refresh,
    Filter,
    Copy,
    Open,
    CopyCurl,
    NewCheckout,
}
