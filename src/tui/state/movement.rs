//! How far a movement key moves a selection, shared by every list, picker and overlay.

use crate::tui::action::Action;

/// How far a movement key moves a selection with `page` rows on screen (`None`: not a movement).
/// Top and Bottom are "very far"; callers clamp to their list.
pub fn nav_delta(action: Action, page: usize) -> Option<isize> {
    let page = isize::try_from(page).unwrap_or(isize::MAX / 2);
    Some(match action {
        Action::Up => -1,
        Action::Down => 1,
        Action::PageUp => -page,
        Action::PageDown => page,
        Action::Top => isize::MIN / 2,
        Action::Bottom => isize::MAX / 2,
        _ => return None,
    })
}
