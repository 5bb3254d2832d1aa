//! The mouse in the checkout form, the command palette and the preset list. Positions come
//! from the drawn screen (text found in the `TestBackend` buffer), at 120×32 and 80×24. None of
//! these clicks may submit anything: `tests/mouse.rs` clicks every cell of the form for that.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use support::console::{Console, console_sized};
use till::sandbox::SandboxOptions;
use till::tui::state::checkout::fields::{FieldId, Input};
use till::tui::state::{Dialog, Effect, Mode};

const CLICK: MouseEventKind = MouseEventKind::Down(MouseButton::Left);
const SIZES: [(u16, u16); 2] = [(120, 32), (80, 24)];

async fn sized(w: u16, h: u16) -> Console {
    console_sized(Mode::Sandbox, false, SandboxOptions::default(), (w, h)).await
}

/// One mouse event through the app; its work is let finish. The effects are returned too.
async fn send(c: &mut Console, kind: MouseEventKind, column: u16, row: u16) {
    c.app.handle_event(Event::Mouse(MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE }));
    c.app.settle(Duration::from_secs(10)).await;
}

/// Where `text` is drawn: (column, row) of its first cell, searching rows from `from.1` and
/// columns from `from.0` up to (not including) column `to`.
fn find(c: &Console, text: &str, from: (u16, u16), to: u16) -> Option<(u16, u16)> {
    let buffer = c.app.terminal.backend().buffer();
    let area = buffer.area;
    for y in from.1..area.height {
        let mut line = String::new();
        let mut starts = Vec::new();
        for x in from.0..to.min(area.width) {
            starts.push((line.len(), x));
            line.push_str(buffer[(x, y)].symbol());
        }
        if let Some(byte) = line.find(text) {
            let x = starts.iter().rev().find(|(b, _)| *b <= byte).map_or(0, |(_, x)| *x);
            return Some((x, y));
        }
    }
    None
}

/// `text` in the checkout form (the left half of the screen).
fn in_form(c: &Console, text: &str) -> (u16, u16) {
    let half = c.app.state.size.0 / 2;
    find(c, text, (0, 2), half).unwrap_or_else(|| panic!("{text:?} not in the form:\n{}", c.screen()))
}

fn focus(c: &Console) -> usize {
    c.app.state.checkout().unwrap().focus
}

fn field_index(c: &Console, id: FieldId) -> usize {
    c.app.state.checkout().unwrap().fields.iter().position(|f| f.id == id).unwrap()
}

/// The checkout form of the provider tab `tab` ('2' Kelviq, '3' Flowglad), its pickers filled.
async fn form(w: u16, h: u16, tab: char) -> Console {
    let mut c = sized(w, h).await;
    c.key(KeyCode::Char(tab)).await;
    c.key(KeyCode::Char('n')).await;
    assert!(c.app.state.checkout().is_some(), "no form\n{}", c.screen());
    c
}

fn picked(c: &Console, id: FieldId) -> (Option<usize>, Vec<String>) {
    let b = c.app.state.checkout().unwrap();
    match &b.fields[field_index(c, id)].input {
        Input::Pick { selected, options, .. } => (*selected, options.iter().map(|o| o.label.clone()).collect()),
        _ => panic!("{id:?} is no picker"),
    }
}

#[tokio::test]
async fn a_click_on_a_checkout_field_focuses_it_and_a_click_on_an_option_picks_it() {
    for (w, h) in SIZES {
        let mut c = form(w, h, '2').await;
        assert_eq!(focus(&c), field_index(&c, FieldId::Plan));
        let (x, y) = in_form(&c, "Success URL");
        send(&mut c, CLICK, x, y).await;
        assert_eq!(focus(&c), field_index(&c, FieldId::SuccessUrl), "{w}x{h}\n{}", c.screen());
        let (x, y) = in_form(&c, "IP address");
        send(&mut c, CLICK, x + 3, y).await;
        assert_eq!(focus(&c), field_index(&c, FieldId::Ip), "{w}x{h}: a click anywhere on the line");
        // Back up to the plan: its options open under it; a click picks one as Enter does.
        let (x, y) = in_form(&c, "Plan *");
        send(&mut c, CLICK, x, y).await;
        assert_eq!(focus(&c), field_index(&c, FieldId::Plan));
        let (_, labels) = picked(&c, FieldId::Plan);
        assert!(labels.len() >= 2, "{labels:?}");
        let (x, y) = find(&c, &format!("      {}", labels[1]), (0, y + 1), w / 2).unwrap();
        send(&mut c, CLICK, x + 8, y).await;
        assert_eq!(picked(&c, FieldId::Plan).0, Some(1), "{w}x{h}: the option under the pointer\n{}", c.screen());
        assert_eq!(focus(&c), field_index(&c, FieldId::Period), "on to the next field, as Enter moves");
        // The Submit button takes focus; a click on it never submits.
        let (x, y) = in_form(&c, "[ Submit");
        send(&mut c, CLICK, x, y).await;
        // The picker closed with the focus: the button moved up.
        let (x, y) = in_form(&c, "[ Submit");
        send(&mut c, CLICK, x, y).await;
        let b = c.app.state.checkout().unwrap();
        assert_eq!(b.focus, b.fields.len(), "{w}x{h}\n{}", c.screen());
        assert!(b.result.is_none() && !b.submitting);
        assert!(b.notice.as_deref().is_some_and(|n| n.contains("Ctrl-S")), "{w}x{h}: says which key submits");
        assert!(matches!(c.app.state.top(), Some(Dialog::Checkout(_))), "still the form");
        // The estimate and the request preview are not the form.
        let (x, y) = find(&c, "Request", (w / 2, 1), w).unwrap();
        send(&mut c, CLICK, x, y + 1).await;
        assert_eq!(c.app.state.checkout().unwrap().focus, b_len(&c));
    }
}

fn b_len(c: &Console) -> usize {
    c.app.state.checkout().unwrap().fields.len()
}

/// Every field of every provider's form, clicked by its label where it is drawn (labels wrap
/// at 80×24; at 60×16 the form scrolls to keep the focused field in view): the click focuses
/// it. The second round clicks a wrapped label's second row.
#[tokio::test]
async fn every_field_label_focuses_its_field_on_every_provider() {
    let mut scrolled = false;
    for (w, h) in [(120, 32), (80, 24), (60, 16)] {
        for tab in ['2', '3', '4', '5'] {
            let mut c = form(w, h, tab).await;
            let labels: Vec<&str> = c.app.state.checkout().unwrap().fields.iter().map(|f| f.label).collect();
            let mut clicked = 0;
            for round in 0..2 {
                for (i, label) in labels.iter().enumerate() {
                    let prefix: String = label.chars().take(18).collect();
                    let Some((x, y)) = label_row(&c, &prefix) else { continue };
                    // "▸ Label * value" wider than the form's inside wraps onto a second row.
                    let wraps = label.chars().count() + 4 > usize::from(w / 2 - 2);
                    let (x, y) = if round == 1 && wraps { (1, y + 1) } else { (x, y) };
                    send(&mut c, CLICK, x, y).await;
                    scrolled |= !c.screen().contains(&labels[0].chars().take(18).collect::<String>());
                    assert_eq!(focus(&c), i, "{w}x{h} tab {tab}: {label:?} at ({x},{y})\n{}", c.screen());
                    clicked += 1;
                }
            }
            if w == 120 {
                assert_eq!(clicked, 2 * labels.len(), "tab {tab}: every label is on screen at 120x32");
            }
        }
    }
    assert!(scrolled, "the form scrolled at 60x16, so the clicks were hit-tested against a scrolled form");
}

/// Where a field's label starts a line of the form ("  Label" or "▸ Label" inside the border).
fn label_row(c: &Console, prefix: &str) -> Option<(u16, u16)> {
    let half = c.app.state.size.0 / 2;
    let at = |y| find(c, prefix, (3, y), half).filter(|&(x, _)| x == 3);
    (2..c.app.state.size.1).find_map(|y| at(y).filter(|&(_, row)| row == y))
}

#[tokio::test]
async fn a_second_click_on_a_focused_toggle_flips_it_and_list_rows_take_clicks() {
    for (w, h) in SIZES {
        let mut c = form(w, h, '3').await;
        let toggle = field_index(&c, FieldId::PreserveAnchor);
        let on = |c: &Console| matches!(c.app.state.checkout().unwrap().fields[toggle].input, Input::Toggle(true));
        let (x, y) = in_form(&c, "Preserve billing");
        send(&mut c, CLICK, x, y).await;
        assert_eq!((focus(&c), on(&c)), (toggle, false), "{w}x{h}: the first click focuses\n{}", c.screen());
        let (x, y) = in_form(&c, "Preserve billing");
        send(&mut c, CLICK, x, y).await;
        assert!(on(&c), "{w}x{h}: the second click flips it, as Space does\n{}", c.screen());
        // Metadata: two rows; a click on the first row's value moves the cursor there.
        let (x, y) = in_form(&c, "Metadata");
        send(&mut c, CLICK, x, y).await;
        assert_eq!(focus(&c), field_index(&c, FieldId::Metadata));
        for _ in 0..2 {
            c.ctrl('n').await;
        }
        c.text("k2").await;
        // The first row is drawn "      · = ·" (the label line above it may wrap).
        let (x, y) = in_form(&c, "· = ·");
        send(&mut c, CLICK, x + 4, y).await;
        let b = c.app.state.checkout().unwrap();
        let Input::Rows { cursor, column, .. } = &b.fields[focus(&c)].input else { panic!("not the rows") };
        assert_eq!((*cursor, *column), (0, 1), "{w}x{h}: the first row's value\n{}", c.screen());
    }
}

#[tokio::test]
async fn a_click_selects_a_palette_entry_and_a_second_runs_it() {
    for (w, h) in SIZES {
        let mut c = sized(w, h).await;
        c.key(KeyCode::Char(':')).await;
        let (x, y) = find(&c, " requests ", (0, 2), w).unwrap();
        send(&mut c, CLICK, x + 1, y).await;
        let Some(Dialog::Palette(p)) = c.app.state.top() else { panic!("{w}x{h}: the palette closed\n{}", c.screen()) };
        let names: Vec<String> = c.app.state.palette_suggestions("").into_iter().map(|(n, _)| n).collect();
        assert_eq!(names[p.selected], "requests", "{w}x{h}\n{}", c.screen());
        // The input line and the border are no entries.
        let (ix, iy) = find(&c, ":▏", (0, 2), w).unwrap();
        send(&mut c, CLICK, ix, iy).await;
        send(&mut c, CLICK, ix - 1, y).await;
        assert!(matches!(c.app.state.top(), Some(Dialog::Palette(p)) if names[p.selected] == "requests"));
        send(&mut c, CLICK, x + 1, y).await;
        assert!(matches!(c.app.state.top(), Some(Dialog::Requests(_))), "{w}x{h}: Enter's work\n{}", c.screen());
    }
}

#[tokio::test]
async fn the_wheel_over_the_palette_stops_at_its_ends() {
    let mut c = sized(120, 32).await;
    c.key(KeyCode::Char(':')).await;
    let count = c.app.state.palette_suggestions("").len();
    for _ in 0..20 {
        send(&mut c, MouseEventKind::ScrollDown, 60, 6).await;
    }
    send(&mut c, MouseEventKind::ScrollUp, 60, 6).await;
    let Some(Dialog::Palette(p)) = c.app.state.top() else { panic!("closed") };
    assert_eq!(p.selected, count - 1 - 3, "one notch up from the last entry\n{}", c.screen());
    // The keys share the stop: Down past the end, then Up moves off the last entry at once.
    for _ in 0..30 {
        c.key(KeyCode::Down).await;
    }
    c.key(KeyCode::Up).await;
    let Some(Dialog::Palette(p)) = c.app.state.top() else { panic!("closed") };
    assert_eq!(p.selected, count - 2);
}

#[tokio::test]
async fn a_click_selects_a_preset_and_a_second_loads_it_without_submitting() {
    for (w, h) in SIZES {
        let mut c = form(w, h, '2').await;
        let names = vec!["monthly-eu".to_string(), "yearly-us".to_string(), "trial".to_string()];
        c.app.state.dialogs.push(Dialog::PresetLoad { names, selected: 0 });
        c.app.handle_event(Event::Resize(w, h));
        c.app.settle(Duration::from_secs(10)).await;
        let (x, y) = find(&c, "yearly-us", (0, 1), w).unwrap();
        let now = chrono::Utc::now();
        let effects = c.app.state.handle_mouse(CLICK, x, y, now);
        assert!(effects.is_empty(), "{effects:?}");
        assert!(matches!(c.app.state.top(), Some(Dialog::PresetLoad { selected: 1, .. })), "{w}x{h}\n{}", c.screen());
        let effects = c.app.state.handle_mouse(CLICK, x, y, now);
        assert!(
            matches!(effects.as_slice(), [Effect::LoadPreset { name, .. }] if name == "yearly-us"),
            "{w}x{h}: {effects:?}"
        );
        assert!(matches!(c.app.state.top(), Some(Dialog::Checkout(_))), "back on the form");
    }
}
