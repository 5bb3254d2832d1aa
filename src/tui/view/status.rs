//! The status bar: mode badge, profile, spinner while loading, then a notice or key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::tui::keymap;
use crate::tui::state::{AppState, Mode, NoticeKind};
use crate::util::ellipsize;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let badge = match state.mode {
        Mode::Sandbox => " SANDBOX ",
        Mode::Test => " TEST ",
        Mode::Live => " LIVE ",
    };
    let mut spans = vec![Span::styled(badge, theme.badge(state.mode)), Span::raw(format!(" {} ", state.profile))];
    if state.any_loading() {
        spans.push(Span::raw(format!("{} ", SPINNER[state.spinner % SPINNER.len()])));
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(used + 1);
    match &state.notice {
        Some(n) => {
            let style = if n.kind == NoticeKind::Error { theme.error() } else { theme.ok() };
            spans.push(Span::styled(ellipsize(&n.text, room), style));
        }
        None => spans.extend(hint_spans(state, theme, room)),
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Hints for the focused context that fit whole; the rest are a `?` away.
fn hint_spans<'a>(state: &AppState, theme: &Theme, room: usize) -> Vec<Span<'a>> {
    let mut hints = keymap::hints(&state.contexts());
    if state.view().filter.editing && matches!(state.overlay, crate::tui::state::Overlay::None) {
        hints = vec![("type", "filter"), ("Enter", "keep"), ("Esc", "clear"), ("↑↓", "move")];
    }
    if let Some(b) = &state.checkout {
        hints = if b.result.is_some() {
            vec![("y", "copy URL"), ("o", "open"), ("Esc", "close")]
        } else {
            vec![
                ("Tab", "next field"),
                ("Ctrl-S", "submit"),
                ("Ctrl-B/K", "copy body/curl"),
                ("Ctrl-P", "save preset"),
                ("Ctrl-O", "load preset"),
                ("Esc", "close"),
            ]
        };
    }
    use crate::tui::state::Overlay;
    match state.overlay {
        Overlay::Palette(_) => hints = vec![("Enter", "run"), ("↑↓", "choose"), ("Esc", "close")],
        Overlay::Help { .. } | Overlay::Audit { .. } => {
            hints = vec![("j/k", "scroll"), ("PgUp/PgDn", "page"), ("g/G", "top/end"), ("Esc", "close")]
        }
        Overlay::Invoices(_) => {
            hints = vec![("j/k", "move"), ("y", "copy link"), ("o", "open"), ("R", "refresh"), ("Esc", "close")]
        }
        Overlay::None | Overlay::Requests(_) => {}
    }
    let mut out = Vec::new();
    let mut used = 0;
    for (key, hint) in hints {
        let len = key.chars().count() + hint.chars().count() + 3;
        if used + len > room {
            break;
        }
        out.push(Span::styled(key.to_string(), theme.header()));
        out.push(Span::styled(format!(" {hint}  "), theme.dim()));
        used += len;
    }
    out
}
