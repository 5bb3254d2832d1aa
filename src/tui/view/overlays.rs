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

pub fn help(frame: &mut Frame, _state: &AppState, theme: &Theme, area: Rect) {
    let mut lines = Vec::new();
    for (ctx, title) in [
        (Context::Global, "Everywhere"),
        (Context::List, "Lists"),
        (Context::Customers, "Customers"),
        (Context::Requests, "Request log"),
    ] {
        lines.push(Line::from(Span::styled(title, theme.header())));
        for b in BINDINGS.iter().filter(|b| b.context == ctx) {
            lines.push(Line::from(vec![Span::styled(format!("  {:<14}", b.label), theme.header()), Span::raw(b.help)]));
        }
    }
    lines.push(Line::from(Span::styled("Text fields (filter, palette) own their keys while focused.", theme.dim())));
    let rect = centered(area, 96, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = pane_block("Keys · Esc or ? closes".into(), true, theme, rect.width);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
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
