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
            // A notice may quote provider text ("Copied <id>"): stand-ins, never dropped unseen.
            let safe = crate::text::line(&n.text);
            let text = if overflows(state) { split_notice(&safe, room).1 } else { ellipsize(&safe, room) };
            spans.push(Span::styled(text, notice_style(&n.kind, theme)));
        }
        None => spans.extend(hint_spans(state, theme, room)),
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A notice longer than the status bar starts in the rows above it, in the bar's message
/// column, and ends in the bar, so it reads top to bottom and is never cut ("press u again in a
/// mom…"); drawn over the panes, never over a dialog.
pub fn draw_overflow(frame: &mut Frame, state: &AppState, theme: &Theme, area: Rect) {
    let Some(n) = state.notice.as_ref().filter(|_| overflows(state)) else { return };
    let lead = lead_spans(state, theme);
    let (above, _) = split_notice(&crate::text::line(&n.text), room(&lead, area));
    // Never over the tab row (the smallest screen leaves room for all of them).
    let height = (above.len() as u16).min(area.y.saturating_sub(1));
    if height == 0 {
        return;
    }
    let indent = " ".repeat(lead.iter().map(|s| s.width()).sum());
    let rows = Rect { x: area.x, y: area.y - height, width: area.width, height };
    let lines: Vec<Line> = above
        .into_iter()
        .take(usize::from(height))
        .map(|l| Line::from(vec![Span::raw(indent.clone()), Span::styled(l, notice_style(&n.kind, theme))]))
        .collect();
    frame.render_widget(ratatui::widgets::Clear, rows);
    frame.render_widget(Paragraph::new(lines), rows);
}

/// Only over the panes: a dialog's last rows (a preview's money, its confirm key, a QR code)
/// are never covered, so with one open a long notice is cut in the bar as before.
fn overflows(state: &AppState) -> bool {
    state.dialogs.is_empty()
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

/// A notice cut between words into lines of at most `room` columns, read top to bottom: those
/// that go above the status bar (at most [`MAX_OVERFLOW`]), then the one in it, ellipsized
/// when even that leaves some over.
pub fn split_notice(text: &str, room: usize) -> (Vec<String>, String) {
    let mut above = Vec::new();
    let mut rest = text;
    loop {
        let (line, more) = fit_words(rest, room);
        if more.is_empty() {
            return (above, line);
        }
        if above.len() == MAX_OVERFLOW {
            return (above, ellipsize(rest, room));
        }
        above.push(line);
        rest = more;
    }
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
        let (above, last) = split_notice(text, 30);
        assert!(above.iter().chain([&last]).all(|l| l.chars().count() <= 30), "{above:?} {last:?}");
        assert_eq!(format!("{} {last}", above.join(" ")), text);
        assert!(above.iter().all(|l| text.contains(&format!("{l} "))), "cut inside a word: {above:?}");
        // Wide characters count two columns; a word wider than a line is cut inside.
        let (above, last) = split_notice("김민준김민준김민준김민준 saved", 10);
        assert_eq!((above, last.as_str()), (vec!["김민준김민".to_string(), "준김민준김".to_string()], "민준 saved"));
        // Past three lines above the bar, the bar's line ends the notice with "…".
        let (above, last) = split_notice(&"word ".repeat(100), 10);
        assert_eq!(above.len(), MAX_OVERFLOW);
        assert!(last.ends_with('…'), "{last:?}");
    }

    #[test]
    fn a_notice_longer_than_the_status_bar_is_shown_whole_above_it_in_reading_order() {
        let mut state = AppState::new(Vec::new(), Mode::Sandbox, "https://api.staging.example.com profile", (80, 24));
        let text = "Ahmad Karimi paid · checkout chckt_session_oZodj2XMKz0Gmql4LxHeM complete; their subscriptions are reloading";
        state.notify(text);
        let rows = screen(&state);
        let shown: String = rows[20..].iter().map(|r| r.trim()).collect::<Vec<_>>().join(" ");
        let start = shown.find("Ahmad Karimi paid").expect("the start");
        let end = shown.find("subscriptions are reloading").expect("the end");
        assert!(start < end, "read top to bottom: {:#?}", &rows[20..]);
        assert!(rows[23].contains("reloading") && !shown.contains('…'), "{:#?}", &rows[20..]);
        // With a dialog open its last rows are never covered: the notice is cut in the bar.
        state.dialogs.push(crate::tui::state::Dialog::Help { scroll: 0, contexts: Vec::new() });
        let rows = screen(&state);
        assert!(rows[23].contains("Ahmad Karimi paid") && rows[23].contains('…'), "{:#?}", &rows[20..]);
        assert!(!rows[20..23].iter().any(|r| r.contains("Ahmad") || r.contains("reloading")), "{:#?}", &rows[20..]);
        state.dialogs.clear();
        // A short one stays in the bar alone.
        state.notify("Saved");
        let rows = screen(&state);
        assert!(rows[23].contains("Saved") && !rows[22].contains("Saved"), "{:#?}", &rows[21..]);
    }
}
