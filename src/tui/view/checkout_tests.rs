//! The checkout result at every terminal width: the URL wraps cleanly and the OSC 8 rewrite
//! lands exactly on it; the estimate and request panes mark themselves stale.

use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

use super::{draw, url_cells};
use crate::billing::{CheckoutSession, CheckoutStatus, ProviderKind};
use crate::tui::state::checkout::fields::FieldId;
use crate::tui::state::checkout::{CheckoutBuilder, CheckoutResult};
use crate::tui::view::Theme;

/// A Kelviq-shaped session: a 47-character id and a sandbox pay URL, as the console shows them.
fn result_builder() -> (CheckoutBuilder, String) {
    let id = "cs_Jj50OBe7EZvI3pe23ToHWLmUKDPdy8nNjkYVbnT3BviNXpO".to_string();
    let url = format!("http://127.0.0.1:40123/pay/{id}/?lang=en&return=https%3A%2F%2Fexample.com%2Fthanks");
    let mut b = CheckoutBuilder::new(0, ProviderKind::Kelviq, &[], None, None);
    let session = CheckoutSession {
        provider: ProviderKind::Kelviq,
        id,
        url: Some(url.clone()),
        status: CheckoutStatus::Open,
        raw_status: "open".into(),
        expires_at: None,
        customer_id: Some("cus_1".into()),
        customer_name: None,
        customer_email: None,
        subscription_id: None,
        estimate: None,
    };
    b.result = Some(CheckoutResult { session, polling: true, checked_at: None, poll_error: None });
    (b, url)
}

fn render(b: &CheckoutBuilder, width: u16, height: u16) -> (Vec<String>, Rect) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let area = Rect::new(0, 0, width, height);
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
    terminal.draw(|f| draw(f, b, &Theme { color: false }, area, now)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let rows =
        (0..height).map(|y| (0..width).map(|x| buffer[(x, y)].symbol().to_string()).collect::<String>()).collect();
    (rows, area)
}

/// The text of row `y` from column `x` for `len` cells.
fn cells(rows: &[String], x: u16, y: u16, len: usize) -> String {
    rows[usize::from(y)].chars().skip(usize::from(x)).take(len).collect()
}

#[test]
fn the_url_wraps_cleanly_and_the_link_lands_on_it_at_every_width() {
    let (b, url) = result_builder();
    for height in [24u16, 32] {
        for width in 60u16..=140 {
            let (rows, area) = render(&b, width, height);
            let link = url_cells(&b, area);
            let at = format!("{width}×{height}");
            assert!(!link.is_empty(), "{at}: no URL cells");
            // The OSC 8 rewrite covers exactly what is drawn there, and joined it is the URL.
            for (x, y, chunk) in &link {
                assert_eq!(&cells(&rows, *x, *y, chunk.chars().count()), chunk, "{at}: link off the URL at row {y}");
            }
            let joined: String = link.iter().map(|(_, _, c)| c.as_str()).collect();
            assert_eq!(joined, url, "{at}: the URL is not recoverable");
            // The label sits on the row above the first chunk, alone.
            let (x0, y0, _) = &link[0];
            let label = cells(&rows, *x0, y0 - 1, 8);
            assert_eq!(label.trim_end(), "URL", "{at}: label missing, found {label:?}");
            // No fragment after the URL: the row below its last chunk holds none of it.
            let (x1, y1, last) = &link[link.len() - 1];
            let below = cells(&rows, *x1, y1 + 1, last.chars().count().max(8));
            assert!(below.trim().is_empty(), "{at}: stray text under the URL: {below:?}");
            // The session id is whole too, wrapped the same way.
            let screen = rows.join("\n");
            assert!(screen.contains("Session cs_"), "{at}: no session line");
        }
    }
}

#[test]
fn a_narrow_result_drops_the_qr_code_and_says_so() {
    let (b, _) = result_builder();
    let (wide, _) = render(&b, 120, 32);
    assert!(wide.iter().any(|r| r.contains('█')), "the QR code is drawn at 120 columns");
    let (narrow, _) = render(&b, 60, 24);
    assert!(!narrow.iter().any(|r| r.contains('█')), "no clipped QR code at 60 columns");
    assert!(narrow.join("\n").contains("QR code: needs"), "{}", narrow.join("\n"));
}

#[test]
fn panes_mark_themselves_stale_while_the_form_is_invalid() {
    let mut b = CheckoutBuilder::new(0, ProviderKind::Flowglad, &[], None, None);
    b.set_value(FieldId::Quantity, "0");
    b.validate(Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap().date_naive());
    for width in [80u16, 120] {
        let screen = render(&b, width, 24).0.join("\n");
        assert!(screen.contains("Estimate · stale: fix"), "{width}:\n{screen}");
        assert!(screen.contains("Request · stale: fix"), "{width}:\n{screen}");
    }
    b.set_value(FieldId::Quantity, "2");
    b.set_value(FieldId::Price, "");
    b.validate(Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).unwrap().date_naive());
    let screen = render(&b, 120, 24).0.join("\n");
    assert_eq!(b.stale_reason(), Some("Price"));
    assert!(screen.contains("Estimate · stale: fix Price"), "{screen}");
}

#[test]
fn a_finished_session_does_not_count_down_to_its_expiry() {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 18, 10, 0).unwrap();
    let at = Some(now + chrono::Duration::minutes(24 * 60 - 1));
    let text = |status| super::expiry_text(status, at, now);
    assert_eq!(text(CheckoutStatus::Open), "2026-12-08 18:09 UTC (in 23h 59m)");
    assert_eq!(text(CheckoutStatus::Complete), "no longer applies (complete)", "fits an 80-column result");
    assert_eq!(text(CheckoutStatus::Canceled), "no longer applies (canceled)");
    assert_eq!(text(CheckoutStatus::Expired), "2026-12-08 18:09 UTC (expired)", "the provider says so first");
    assert_eq!(super::expiry_text(CheckoutStatus::Open, Some(now), now), "2026-12-07 18:10 UTC (expired)");
    assert_eq!(super::expiry_text(CheckoutStatus::Complete, None, now), "not stated by the provider");
}

/// A label wider than the form (Flowglad's "Customer externalId (empty: anonymous)" at 80
/// columns) goes on under its own first letter, not at the form's edge under the marker.
#[test]
fn a_long_label_wraps_under_itself() {
    let b = CheckoutBuilder::new(0, ProviderKind::Flowglad, &[], None, None);
    let (rows, _) = render(&b, 80, 24);
    let at = rows.iter().position(|r| r.contains("Customer externalId")).expect("the customer field");
    let next = rows[at + 1].trim_start_matches('┃');
    assert!(next.starts_with("  ") && next.trim_start().starts_with("anonymous)"), "{:#?}", &rows[at..at + 3]);
    let label_column = rows[at].find("Customer").unwrap();
    assert_eq!(rows[at + 1].find("anonymous").unwrap(), label_column, "{:#?}", &rows[at..at + 3]);
}

/// At 80 columns the text comes first: the session id on one line, the title's keys whole,
/// the expiry uncut; the QR code gives way and says how wide it needs the terminal.
#[test]
fn at_80_columns_the_session_comes_before_the_qr_code() {
    let (b, _) = result_builder();
    let (rows, _) = render(&b, 80, 24);
    let screen = rows.join("\n");
    assert!(!screen.contains('█'), "{screen}");
    assert!(rows.iter().any(|r| r.contains("Session cs_Jj50OBe7EZvI3pe23ToHWLmUKDPdy8nNjkYVbnT3BviNXpO")), "{screen}");
    assert!(rows[0].contains("Esc close"), "{screen}");
    assert!(screen.contains("Expires not stated by the provider") && screen.contains("QR code: needs"), "{screen}");
    let (wide, _) = render(&b, 120, 32);
    assert!(wide.iter().any(|r| r.contains('█')), "the QR code is drawn at 120 columns");
    // Wide but short: a code cut at the bottom does not scan, so it gives way and says so.
    let (short, _) = render(&b, 120, 16);
    let screen = short.join("\n");
    assert!(!screen.contains('█') && screen.contains("QR code: needs 107×"), "{screen}");
}

#[test]
fn a_long_estimate_line_wraps_and_keeps_its_figures() {
    use crate::billing::{Currency, Estimate, EstimateLine, EstimateSource, Invoice, Money};
    let ghs = Currency::from_code("GHS").unwrap();
    let line = EstimateLine {
        description: "No refund: GHS 138.00 for the unused time is not returned (KuvarPay credits nothing)".into(),
        quantity: rust_decimal::Decimal::ONE,
        amount: Money::zero(ghs),
        period_start: None,
        period_end: None,
    };
    let estimate = Estimate {
        source: EstimateSource::Local,
        current_invoice: Invoice::from_lines(None, vec![line], ghs).unwrap(),
        next_invoice: None,
        effective_date: None,
        credit_note: false,
    };
    let theme = Theme { color: false };
    let lines: Vec<String> = super::estimate_lines(&estimate, &theme, 60).iter().map(|l| l.to_string()).collect();
    let text = lines.join("\n");
    assert!(lines[1].contains("GHS 138.00") && text.contains("credits nothing"), "{text}");
    assert!(!text.contains('…'), "{text}");
    assert!(lines.iter().all(|l| unicode_width::UnicodeWidthStr::width(l.as_str()) <= 60), "{text}");
    assert!(lines[1].ends_with("GHS 0.00"), "the amount stays at the right of the first row: {text}");
}
