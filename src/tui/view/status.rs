//! The status bar: mode badge, profile, spinner while loading, then a notice or key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::tui::action::Action;
use crate::tui::keymap;
use crate::tui::state::{AppState, Mode, NoticeKind};
use crate::util::ellipsize;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Sandbox => "SANDBOX",
        Mode::Test => "TEST",
        Mode::Live => "LIVE",
    }
}

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let badge = format!(" {} ", mode_name(state.mode));
    let mut spans = vec![Span::styled(badge, theme.badge(state.mode))];
    // Sandbox time, while it differs from real time, takes the profile's place: the header
    // already names the embedded sandbox.
    match state.sandbox_time_label() {
        Some(label) => spans.push(Span::styled(format!(" {label} "), theme.header())),
        None => spans.push(Span::raw(format!(" {} ", state.profile))),
    }
    if state.read_only {
        spans.push(Span::styled("READ-ONLY ", theme.error()));
    }
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

/// Hints for what has focus, only for actions that can run now, and only those that fit
/// whole. Help comes first, so it is the last hint to go on a narrow terminal.
fn hint_spans<'a>(state: &AppState, theme: &Theme, room: usize) -> Vec<Span<'a>> {
    let contexts = state.contexts();
    let typing = contexts.first().is_some_and(|c| c.is_text());
    let help = if typing { ("F1", "help") } else { ("?", "help") };
    let mut hints = vec![help];
    hints.extend(
        keymap::hints(&contexts)
            .into_iter()
            .filter(|(_, _, action)| *action != Action::Help && state.runnable(*action))
            .map(|(key, hint, _)| (key, hint)),
    );
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
