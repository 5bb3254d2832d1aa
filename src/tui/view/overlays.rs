//! Help (generated from the keymap table) and the command palette.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, pane_block};
use crate::tui::keymap::{self, Context};
use crate::tui::layout::centered;
use crate::tui::state::AppState;
use crate::tui::state::palette::PaletteState;

/// Help lines for a mode: each context's keys, then the palette's commands where the palette
/// is reachable, wrapped to `width` columns. `true` marks a heading.
pub fn help_lines(contexts: &[Context], state: &AppState, width: usize) -> Vec<(bool, String)> {
    let label_w = 16;
    let text_w = width.saturating_sub(label_w + 2).max(12);
    let mut lines = Vec::new();
    for (title, rows) in keymap::help_sections(contexts) {
        if rows.is_empty() {
            continue;
        }
        lines.push((true, title.to_string()));
        for (label, help) in rows {
            let help = if label == "1-9" {
                let tabs: Vec<String> =
                    (0..state.views.len()).map(|t| format!("{} {}", t + 1, state.tab_title(t))).collect();
                format!("Jump to a tab: {}", tabs.join(", "))
            } else {
                help.to_string()
            };
            for (i, chunk) in wrap(&help, text_w).into_iter().enumerate() {
                let label = if i == 0 { label } else { "" };
                lines.push((false, format!("  {label:<label_w$}{chunk}", label_w = label_w - 2)));
            }
        }
    }
    if contexts.iter().any(|c| matches!(c, Context::Panes | Context::Palette)) {
        lines.push((true, "Palette commands (:)".to_string()));
        let names: Vec<String> = state.palette_suggestions("").into_iter().map(|(n, _)| n).collect();
        for chunk in wrap(&names.join(", "), width.saturating_sub(2).max(12)) {
            lines.push((false, format!("  {chunk}")));
        }
    }
    lines
}

/// Word wrap; a word longer than the width is cut into pieces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let chars: Vec<char> = word.chars().collect();
        for piece in chars.chunks(width.max(1)) {
            let piece: String = piece.iter().collect();
            let need = line.chars().count() + usize::from(!line.is_empty()) + piece.chars().count();
            if need > width && !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// The keys of the mode beneath, wrapped to the terminal; scrolls when taller than it.
pub fn help(frame: &mut Frame, scroll: usize, contexts: &[Context], state: &AppState, theme: &Theme, area: Rect) {
    let rect = Rect {
        x: area.x + 1,
        y: area.y + 1,
        width: area.width.saturating_sub(2),
        height: area.height.saturating_sub(2),
    };
    let lines: Vec<Line> = help_lines(contexts, state, usize::from(rect.width.saturating_sub(2)))
        .into_iter()
        .map(|(heading, text)| if heading { Line::from(Span::styled(text, theme.header())) } else { Line::from(text) })
        .collect();
    let rect = Rect { height: rect.height.min(u16::try_from(lines.len() + 2).unwrap_or(u16::MAX)), ..rect };
    frame.render_widget(Clear, rect);
    let visible = usize::from(rect.height.saturating_sub(2));
    let scroll = scroll.min(lines.len().saturating_sub(visible));
    let title = if lines.len() > visible {
        let below = lines.len() - visible - scroll;
        format!(
            "Keys · {}–{} of {} · j/k scroll ({below} more below) · Esc closes",
            scroll + 1,
            scroll + visible,
            lines.len()
        )
    } else {
        "Keys · Esc or ? closes".to_string()
    };
    let block = pane_block(title, true, theme, rect.width);
    frame.render_widget(Paragraph::new(lines.into_iter().skip(scroll).collect::<Vec<_>>()).block(block), rect);
}

/// "Discard this change?": Esc again discards, any other key keeps it.
pub fn discard(frame: &mut Frame, what: &str, theme: &Theme, area: Rect) {
    let rect = centered(area, 64, 4);
    frame.render_widget(Clear, rect);
    let lines = vec![Line::from(Span::styled(
        format!("Esc again discards this {what} · any other key keeps it"),
        theme.header(),
    ))];
    frame.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }).block(pane_block(
            format!("Discard the {what}?"),
            true,
            theme,
            rect.width,
        )),
        rect,
    );
}

pub fn palette(frame: &mut Frame, state: &AppState, p: &PaletteState, theme: &Theme, area: Rect) {
    let suggestions = state.palette_suggestions(&p.input);
    let rect = crate::tui::layout::palette_area(area, suggestions.len());
    frame.render_widget(Clear, rect);
    let mut lines = vec![Line::from(vec![Span::styled(":", theme.header()), Span::raw(format!("{}▏", p.input))])];
    let selected = p.selected.min(suggestions.len().saturating_sub(1));
    for (i, (name, _)) in suggestions.iter().enumerate().take(rect.height.saturating_sub(3) as usize) {
        let style = if i == selected { theme.selected(true) } else { Default::default() };
        lines.push(Line::from(Span::styled(format!(" {name} "), style)));
    }
    if suggestions.is_empty() {
        lines.push(Line::from(Span::styled(" no matching command", theme.dim())));
    }
    frame.render_widget(Paragraph::new(lines).block(pane_block("Command".into(), true, theme, rect.width)), rect);
}
