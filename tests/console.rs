//! The whole console as `App<TestBackend>`, driven by scripted keys against the embedded
//! sandbox, with insta snapshots at 120×32 and 80×24. Dates and timings are masked in
//! snapshots because the sandbox's data is relative to today.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use till::billing::ProviderKind;
use till::providers::{self, Http, HttpConfig, Secret};
use till::sandbox::{self, SandboxHandle, SandboxOptions};
use till::tui::app::{App, Recorder};
use till::tui::state::{Mode, Pane};
use till::tui::view::Theme;

struct Console {
    app: App<TestBackend>,
    recorder: Recorder,
    _sandbox: SandboxHandle,
}

async fn console_with(width: u16, height: u16, options: SandboxOptions, bad_key_for: Option<ProviderKind>) -> Console {
    let sandbox = sandbox::start(options).await.unwrap();
    let http = Http::new(HttpConfig::default()).unwrap();
    let providers = ProviderKind::ALL
        .into_iter()
        .filter_map(|k| {
            let mut endpoint = sandbox.endpoint(k);
            if bad_key_for == Some(k) {
                endpoint.key = Secret::new("wrong_key_for_test");
            }
            providers::connect(k, endpoint, http.clone()).ok()
        })
        .collect();
    let recorder = Recorder::default();
    let mut app = App::new(
        TestBackend::new(width, height),
        providers,
        http.log().clone(),
        Mode::Sandbox,
        "embedded sandbox",
        Box::new(recorder.clone()),
    )
    .unwrap()
    .with_theme(Theme { color: true });
    app.start();
    let mut c = Console { app, recorder, _sandbox: sandbox };
    c.settle().await;
    c
}

async fn console(width: u16, height: u16) -> Console {
    console_with(width, height, SandboxOptions::default(), None).await
}

impl Console {
    async fn settle(&mut self) {
        self.app.settle(Duration::from_secs(10)).await;
    }

    async fn keys(&mut self, keys: &[KeyCode]) {
        for k in keys {
            let mods = if matches!(k, KeyCode::Char(c) if c.is_ascii_uppercase()) {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            self.app.handle_event(Event::Key(KeyEvent::new(*k, mods)));
        }
        self.settle().await;
    }

    async fn type_text(&mut self, text: &str) {
        let keys: Vec<KeyCode> = text.chars().map(KeyCode::Char).collect();
        self.keys(&keys).await;
    }

    fn screen(&self) -> String {
        self.app.terminal.backend().to_string()
    }

    fn copied(&self) -> Vec<String> {
        self.recorder.log.lock().unwrap().clone()
    }
}

/// Masks what changes from day to day or run to run.
macro_rules! snapshot {
    ($name:expr, $console:expr) => {
        insta::with_settings!({filters => vec![
            (r"\d{4}-\d{2}-\d{2}", "[date]"),
            (r"\d{2}:\d{2}:\d{2}", "[time]"),
            (r"\d+ ms", "[n] ms"),
            (r"req_sbx_[0-9a-f]+", "[request id]"),
            (r"127\.0\.0\.1:\d+", "[sandbox]"),
        ]}, {
            insta::assert_snapshot!($name, $console.screen());
        });
    };
}

#[tokio::test]
async fn startup_shows_all_panes_at_120x32() {
    let c = console(120, 32).await;
    let screen = c.screen();
    for pane in ["Customers", "Subscriptions", "Entitlements", "Plans"] {
        assert!(screen.contains(pane), "{pane} missing:\n{screen}");
    }
    assert!(screen.contains("SANDBOX"));
    snapshot!("startup_120x32", c);
}

#[tokio::test]
async fn navigation_moves_selection_and_drills_into_subscriptions() {
    let mut c = console(120, 32).await;
    c.keys(&[KeyCode::Char('j'), KeyCode::Down, KeyCode::Char('j')]).await;
    assert_eq!(c.app.state.view().selected, 3);
    let name = c.app.state.selected_customer().unwrap().1.display_name().to_string();
    assert!(c.screen().contains(&format!("Subscriptions · {name}")), "details follow the selection");
    // Enter opens the customer (issue 16); Esc closes it; Tab reaches the subscriptions.
    c.keys(&[KeyCode::Enter]).await;
    assert!(
        c.screen().contains(&format!("Kelviq › {name}")) || c.screen().contains(&format!(" › {name}")),
        "{}",
        c.screen()
    );
    c.keys(&[KeyCode::Esc]).await;
    assert!(c.app.state.dialogs.is_empty());
    c.keys(&[KeyCode::Tab]).await;
    assert_eq!(c.app.state.focus, Pane::Subscriptions);
    c.keys(&[KeyCode::Esc]).await;
    assert_eq!(c.app.state.focus, Pane::Customers);
    c.keys(&[KeyCode::Char('k'), KeyCode::Up, KeyCode::Up, KeyCode::Up]).await;
    assert_eq!(c.app.state.view().selected, 0, "stops at the top");
    snapshot!("after_navigation_120x32", c);
}

#[tokio::test]
async fn filter_folds_accents_and_clears_with_esc() {
    let mut c = console(120, 32).await;
    c.keys(&[KeyCode::Char('/')]).await;
    c.type_text("muller").await;
    let screen = c.screen();
    assert!(screen.contains("Jürgen Müller"), "{screen}");
    assert!(!screen.contains("Inés Fernández"));
    assert!(c.app.state.row_count() >= 1);
    snapshot!("filter_muller_120x32", c);
    c.type_text("q/").await; // typed into the filter, not quit or a new filter
    assert!(!c.app.state.quit);
    assert_eq!(c.app.state.view().filter.query, "mullerq/");
    c.keys(&[KeyCode::Esc]).await;
    assert!(!c.app.state.view().filter.active());
    assert!(c.screen().contains("Inés Fernández"));
}

#[tokio::test]
async fn a_filter_with_no_hits_says_so() {
    let mut c = console(120, 32).await;
    c.keys(&[KeyCode::Char('/')]).await;
    c.type_text("zzqx").await;
    assert!(c.screen().contains("No customer matches"));
    snapshot!("filter_empty_120x32", c);
}

#[tokio::test]
async fn provider_tabs_switch_with_numbers_and_brackets() {
    let mut c = console(120, 32).await;
    c.keys(&[KeyCode::Char('2')]).await;
    assert_eq!(c.app.state.tab, 1);
    assert!(c.screen().contains("Plans · Kelviq"));
    snapshot!("kelviq_tab_120x32", c);
    c.keys(&[KeyCode::Char('[')]).await;
    assert_eq!(c.app.state.tab, 0);
    c.keys(&[KeyCode::Char(']'), KeyCode::Char(']')]).await;
    assert_eq!(c.app.state.tab, 2 % c.app.state.views.len());
}

#[tokio::test]
async fn compact_layout_at_80x24_shows_one_pane_at_a_time() {
    let mut c = console(80, 24).await;
    snapshot!("startup_80x24", c);
    c.keys(&[KeyCode::Tab]).await;
    assert_eq!(c.app.state.focus, Pane::Subscriptions);
    snapshot!("subscriptions_80x24", c);
    c.keys(&[KeyCode::Tab]).await;
    snapshot!("entitlements_80x24", c);
    c.keys(&[KeyCode::Tab]).await;
    assert!(c.screen().contains("Growth"), "plans load when their pane is shown");
    snapshot!("plans_80x24", c);
}

#[tokio::test]
async fn nothing_is_cut_mid_word_without_an_ellipsis() {
    for (w, h) in [(80, 24), (120, 32)] {
        let c = console(w, h).await;
        let screen = c.screen();
        let state = &c.app.state;
        let height = state.page_height(Pane::Customers);
        for i in 0..height.min(state.row_count()) {
            let customer = state.customer(state.row_at(i).unwrap()).unwrap();
            for text in [customer.name.unwrap(), customer.email.unwrap(), customer.id] {
                let whole = screen.contains(text);
                // Otherwise some prefix of it followed by "…" is on screen.
                let cut = (1..text.chars().count())
                    .any(|n| screen.contains(&format!("{}…", text.chars().take(n).collect::<String>())));
                assert!(whole || cut, "{text:?} cut without an ellipsis at {w}x{h}");
            }
        }
    }
}

#[tokio::test]
async fn resize_switches_layout() {
    let mut c = console(120, 32).await;
    assert!(!c.app.state.compact());
    c.app.terminal.backend_mut().resize(80, 24);
    c.app.handle_event(Event::Resize(80, 24));
    c.settle().await;
    assert!(c.app.state.compact());
    assert!(c.screen().contains("Customers · Subscriptions · Entitlements · Plans"));
}

#[tokio::test]
async fn provider_errors_show_in_the_pane_with_status_and_request_id() {
    let mut c = console_with(120, 32, SandboxOptions::default(), Some(ProviderKind::Kelviq)).await;
    // On the Kelviq tab, where every provider shown has failed (the All tab lists the others).
    c.keys(&[KeyCode::Char('2')]).await;
    let screen = c.screen();
    assert!(screen.contains("Kelviq 401: Invalid token. (request id req_sbx_"), "{screen}");
    assert!(screen.contains("R retries"));
    snapshot!("error_state_120x32", c);
}

#[tokio::test]
async fn request_log_shows_exchanges_and_copies_curl_without_the_key() {
    let mut c = console(120, 32).await;
    c.keys(&[KeyCode::Char('r')]).await;
    assert!(c.screen().contains("Requests ·"));
    assert!(c.screen().contains("/kelviq/api/v1/"));
    c.keys(&[KeyCode::Enter]).await;
    let detail = c.screen();
    assert!(detail.contains("Bearer [redacted]"), "{detail}");
    assert!(!detail.contains(till::sandbox::keys::KELVIQ_SERVER));
    c.keys(&[KeyCode::Char('c')]).await;
    let copied = c.copied();
    let curl = copied.last().unwrap();
    assert!(curl.starts_with("copy:curl -sS -X GET"), "{curl}");
    assert!(curl.contains("${TILL_KELVIQ_KEY}"));
    assert!(!curl.contains(till::sandbox::keys::KELVIQ_SERVER));
    c.keys(&[KeyCode::Esc, KeyCode::Esc]).await;
    assert!(!c.screen().contains("Requests ·"));
}

#[tokio::test]
async fn y_copies_the_selected_id() {
    let mut c = console(120, 32).await;
    let id = c.app.state.selected_customer().unwrap().1.id.to_string();
    c.keys(&[KeyCode::Char('y')]).await;
    assert_eq!(c.copied(), vec![format!("copy:{id}")]);
    assert!(c.screen().contains(&format!("Copied {id}")));
}

#[tokio::test]
async fn help_is_generated_from_the_keymap() {
    let mut c = console(120, 32).await;
    let contexts = c.app.state.contexts();
    c.keys(&[KeyCode::Char('?')]).await;
    let screen = c.screen();
    // In help order: the mode's most specific context first.
    let mode: Vec<_> =
        contexts.iter().flat_map(|ctx| till::tui::keymap::BINDINGS.iter().filter(move |b| b.context == *ctx)).collect();
    for b in mode.iter().take(12) {
        assert!(screen.contains(b.help), "help lacks {:?}", b.help);
    }
    snapshot!("help_120x32", c);
    // Taller than the terminal: scrolling reaches every binding, the last one included.
    let mut seen = screen;
    for _ in 0..till::tui::keymap::BINDINGS.len() {
        c.keys(&[KeyCode::Char('j')]).await;
        seen.push_str(&c.screen());
    }
    // Help shows the keys of the mode it was opened from (issue 12), all of them.
    for b in mode.iter().filter(|b| b.label != "1-9") {
        assert!(seen.contains(&b.help[..b.help.len().min(60)]), "help never shows {:?}", b.help);
    }
    assert!(c.screen().contains("(0 more below)"), "{}", c.screen());
    c.keys(&[KeyCode::Esc]).await;
    assert!(!c.screen().contains("Keys · Esc"));
}

#[tokio::test]
async fn palette_jumps_to_a_customer_by_id() {
    let mut c = console(120, 32).await;
    c.keys(&[KeyCode::Char(':')]).await;
    c.type_text("customer cus_wisniewski").await;
    c.keys(&[KeyCode::Enter]).await;
    assert_eq!(c.app.state.selected_customer().unwrap().1.id, "cus_wisniewski");
    c.keys(&[KeyCode::Char(':')]).await;
    c.type_text("plans").await;
    c.keys(&[KeyCode::Enter]).await;
    assert_eq!(c.app.state.focus, Pane::Plans);
}

#[tokio::test]
async fn selection_stays_visible_without_colour() {
    let mut c = console(120, 32).await;
    c.app = std::mem::replace(&mut c.app, {
        let sb = sandbox::start(SandboxOptions::default()).await.unwrap();
        let http = Http::new(HttpConfig::default()).unwrap();
        let p =
            vec![providers::connect(ProviderKind::Kelviq, sb.endpoint(ProviderKind::Kelviq), http.clone()).unwrap()];
        std::mem::forget(sb);
        App::new(TestBackend::new(120, 32), p, http.log().clone(), Mode::Sandbox, "x", Box::new(Recorder::default()))
            .unwrap()
    })
    .with_theme(Theme { color: false });
    c.app.state.size = (120, 32);
    c.keys(&[KeyCode::Char('j')]).await;
    let buffer = c.app.terminal.backend().buffer().clone();
    // Row 4 of the screen is the second customer (tabs, border, header, first row).
    let cell = &buffer[(2, 4)];
    assert!(cell.modifier.contains(Modifier::REVERSED), "selected row is reverse video: {cell:?}");
    assert_eq!(cell.fg, ratatui::style::Color::Reset, "no colour under NO_COLOR");
}

#[tokio::test]
async fn g_end_pages_through_every_customer() {
    let mut c = console_with(120, 32, SandboxOptions { extra_customers: 1_000, ..Default::default() }, None).await;
    c.keys(&[KeyCode::Char('2'), KeyCode::Char('G')]).await;
    let total = c.app.state.slots[0].customers.total.unwrap() as usize;
    assert_eq!(c.app.state.slots[0].customers.rows.len(), total, "every page fetched");
    assert_eq!(c.app.state.view().selected, total - 1, "selection on the last row");
}

#[tokio::test]
async fn q_quits_and_ctrl_c_always_quits() {
    let mut c = console(120, 32).await;
    c.keys(&[KeyCode::Char('q')]).await;
    assert!(c.app.state.quit);
    let mut c = console(120, 32).await;
    c.keys(&[KeyCode::Char('/')]).await;
    c.app.handle_event(Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    assert!(c.app.state.quit, "Ctrl-C quits even while typing");
}

#[tokio::test]
async fn invoices_overlay_fits_120x32_and_80x24() {
    for (w, h) in [(120, 32), (80, 24)] {
        let mut c = console(w, h).await;
        c.keys(&[KeyCode::Char('3'), KeyCode::Char(':')]).await;
        c.type_text("customer user_souza_moda").await;
        c.keys(&[KeyCode::Enter, KeyCode::Char('i')]).await;
        let screen = c.screen();
        assert!(screen.contains("TILL-01038") && screen.contains("$390.00"), "{screen}");
        assert_eq!(screen.contains("Subscription"), w >= 100, "narrow screens drop the subscription column");
        assert!(screen.contains("Amount due"), "the money columns are the last to go:\n{screen}");
        snapshot!(format!("invoices_{w}x{h}"), c);
    }
}
