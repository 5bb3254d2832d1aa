//! Help (generated from the keymap table) and the command palette.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, pane_block};
use crate::tui::keymap::{BINDINGS, Context};
use crate::tui::state::AppState;
use crate::tui::state::palette::PaletteState;

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2));
    let h = height.min(area.height.saturating_sub(2));
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// Every binding; scrolls (j/k, PgUp/PgDn) when the list is taller than the terminal.
pub fn help(frame: &mut Frame, scroll: usize, theme: &Theme, area: Rect) {
    // Label column 16, borders 2: the rest holds the text, cut with an ellipsis, never mid-word silently.
    let text_w = usize::from(96.min(area.width.saturating_sub(2)).saturating_sub(18));
    let mut lines = Vec::new();
    for (ctx, title) in [
        (Context::Global, "Everywhere"),
        (Context::List, "Lists"),
        (Context::Customers, "Customers"),
        (Context::Requests, "Request log"),
    ] {
        lines.push(Line::from(Span::styled(title, theme.header())));
        for b in BINDINGS.iter().filter(|b| b.context == ctx) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<14}", b.label), theme.header()),
                Span::raw(crate::util::ellipsize(b.help, text_w)),
            ]));
        }
    }
    lines.push(Line::from(Span::styled("Text fields (filter, palette) own their keys while focused.", theme.dim())));
    let rect = centered(area, 96, u16::try_from(lines.len() + 2).unwrap_or(u16::MAX));
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
    frame.render_widget(Paragraph::new(lines.split_off(scroll)).block(block), rect);
}

pub fn palette(frame: &mut Frame, state: &AppState, p: &PaletteState, theme: &Theme, area: Rect) {
    let suggestions = state.palette_suggestions(&p.input);
    let rect = centered(area, 60, (suggestions.len() as u16 + 3).min(14));
    let rect = Rect { y: area.y + 2, ..rect };
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
