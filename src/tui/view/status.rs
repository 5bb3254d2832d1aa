//! The status bar: mode badge, profile, spinner while loading, then a notice or key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::tui::action::Action;
use crate::tui::keymap;
use crate::tui::state::{AppState, Mode, NoticeKind};
use crate::util::{ellipsize, fit_words};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Sandbox => "SANDBOX",
        Mode::Test => "TEST",
        Mode::Live => "LIVE",
    }
}

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let mut spans = lead_spans(state, theme);
    let room = room(&spans, area);
    match &state.notice {
        Some(n) => {
            let (first, _) = split_notice(&n.text, room, area.width);
            spans.push(Span::styled(first, notice_style(&n.kind, theme)));
        }
        None => spans.extend(hint_spans(state, theme, room)),
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A notice longer than the status bar goes on over the rows above it, drawn over everything
/// else (dialogs too), so a message is read whole, never cut ("press u again in a mom…").
pub fn draw_overflow(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let Some(n) = &state.notice else { return };
    let (_, rest) = split_notice(&n.text, room(&lead_spans(state, theme), area), area.width);
    // Never over the tab row.
    let height = (rest.len() as u16).min(area.y.saturating_sub(1));
    if height == 0 {
        return;
    }
    let above = Rect { x: area.x, y: area.y - height, width: area.width, height };
    let skip = rest.len() - usize::from(height);
    let lines: Vec<Line> =
        rest.into_iter().skip(skip).map(|l| Line::from(Span::styled(l, notice_style(&n.kind, theme)))).collect();
    frame.render_widget(ratatui::widgets::Clear, above);
    frame.render_widget(Paragraph::new(lines), above);
}

fn lead_spans<'a>(state: &AppState, theme: &Theme) -> Vec<Span<'a>> {
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
    spans
}

fn room(lead: &[Span], area: Rect) -> usize {
    let used: usize = lead.iter().map(|s| s.width()).sum();
    (area.width as usize).saturating_sub(used + 1)
}

fn notice_style(kind: &NoticeKind, theme: &Theme) -> ratatui::style::Style {
    if *kind == NoticeKind::Error { theme.error() } else { theme.ok() }
}

/// Most rows a notice takes above the status bar; a longer one is cut there.
const MAX_OVERFLOW: usize = 3;

/// A notice as the status bar shows it: what fits in `room` columns beside the badges, cut
/// between words, and the rest wrapped to the screen's `width`, at most [`MAX_OVERFLOW`] lines.
pub fn split_notice(text: &str, room: usize, width: u16) -> (String, Vec<String>) {
    let (first, mut rest) = fit_words(text, room);
    let mut lines = Vec::new();
    while !rest.is_empty() {
        if lines.len() + 1 == MAX_OVERFLOW {
            lines.push(ellipsize(rest, usize::from(width)));
            break;
        }
        let (line, more) = fit_words(rest, usize::from(width));
        lines.push(line);
        rest = more;
    }
    (first, lines)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::state::Mode;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn screen(state: &AppState) -> Vec<String> {
        let (w, h) = state.size;
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| crate::tui::view::draw(f, state, &Theme::from_env())).unwrap();
        let buffer = terminal.backend().buffer().clone();
        (0..h).map(|y| (0..w).map(|x| buffer[(x, y)].symbol().to_string()).collect::<String>()).collect()
    }

    #[test]
    fn a_notice_is_cut_between_words_and_joins_back_whole() {
        let text = "Ends 2027-04-10 (set to end at the period's close): no plan change before then";
        let (first, rest) = split_notice(text, 30, 80);
        assert!(first.chars().count() <= 30 && text.starts_with(&first), "{first:?}");
        assert!(!first.ends_with(' ') && text[first.len()..].starts_with(' '), "cut inside a word: {first:?}");
        assert_eq!(format!("{first} {}", rest.join(" ")), text);
        // Wide characters count two columns; a word wider than a line is cut inside.
        let (first, rest) = split_notice("김민준김민준김민준김민준 saved", 10, 60);
        assert_eq!((first.as_str(), rest), ("김민준김민", vec!["준김민준김민준 saved".to_string()]));
        // Past three lines above the bar the last is ellipsized.
        let (_, rest) = split_notice(&"word ".repeat(100), 10, 20);
        assert_eq!(rest.len(), MAX_OVERFLOW);
        assert!(rest[MAX_OVERFLOW - 1].ends_with('…'), "{rest:?}");
    }

    #[test]
    fn a_notice_longer_than_the_status_bar_is_shown_whole_above_it() {
        let mut state = AppState::new(Vec::new(), Mode::Sandbox, "https://api.staging.example.com profile", (80, 24));
        let text = "The plan catalog is loading; press u again in a moment, once it has arrived from Kelviq";
        state.notify(text);
        let rows = screen(&state);
        let bottom: Vec<&str> = rows[21..].iter().map(|r| r.trim()).collect();
        let shown = bottom.join(" ");
        let words: Vec<&str> = text.split(' ').collect();
        assert!(shown.contains(&words[words.len() - 6..].join(" ")), "{bottom:#?}");
        assert!(rows[23].contains("The plan catalog"), "{bottom:#?}");
        assert!(!shown.contains('…'), "{bottom:#?}");
        // A short one stays in the bar alone.
        state.notify("Saved");
        let rows = screen(&state);
        assert!(rows[23].contains("Saved") && !rows[22].contains("Saved"), "{:#?}", &rows[21..]);
    }
}
