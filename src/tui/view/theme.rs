//! Styles. With `NO_COLOR` set everything is monochrome, and the selection stays visible
//! through reverse video and bold, which need no colour.

use ratatui::style::{Color, Modifier, Style};

use crate::billing::SubscriptionStatus;
use crate::tui::state::Mode;

#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything non-empty (no-color.org).
    pub fn from_env() -> Theme {
        Theme { color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color { Style::default().fg(c) } else { Style::default() }
    }

    pub fn selected(&self, focused: bool) -> Style {
        if focused {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused { self.fg(Color::Cyan).add_modifier(Modifier::BOLD) } else { self.fg(Color::DarkGray) }
    }

    pub fn header(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.color { Style::default().fg(Color::DarkGray) } else { Style::default().add_modifier(Modifier::DIM) }
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn status(&self, s: SubscriptionStatus) -> Style {
        match s {
            SubscriptionStatus::Active => self.fg(Color::Green),
            SubscriptionStatus::Trialing => self.fg(Color::Cyan),
            SubscriptionStatus::PastDue | SubscriptionStatus::Incomplete => self.fg(Color::Yellow),
            SubscriptionStatus::Canceled | SubscriptionStatus::Expired => self.fg(Color::Red),
            _ => self.dim(),
        }
    }

    pub fn badge(&self, mode: Mode) -> Style {
        let base = Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED);
        if !self.color {
            return base;
        }
        match mode {
            Mode::Sandbox => Style::default().fg(Color::Black).bg(Color::Cyan).add_modifier(Modifier::BOLD),
            Mode::Test => Style::default().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD),
            Mode::Live => Style::default().fg(Color::White).bg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    pub fn tab(&self, active: bool) -> Style {
        if active { Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD) } else { Style::default() }
    }
}
