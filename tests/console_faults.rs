//! The console against a misbehaving sandbox: a failing provider shows its error in the pane
//! (provider, status, request id), the other providers keep working, and `R` recovers once
//! the provider does. A failed checkout submit keeps everything typed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use till::billing::ProviderKind;
use till::providers::http::RetryPolicy;
use till::providers::{self, Http, HttpConfig};
use till::sandbox::faults::FaultSpec;
use till::sandbox::{self, SandboxOptions};
use till::tui::app::{App, Recorder};
use till::tui::state::Mode;
use till::tui::state::checkout::fields::FieldId;
use till::tui::view::Theme;

#[tokio::test]
async fn a_failing_provider_shows_its_error_and_recovers_on_refresh() {
    let faults = FaultSpec::parse("kelviq/customers=error=100%:503;kelviq/checkout=error=100%:502").unwrap();
    let sb = sandbox::start(SandboxOptions { faults, ..Default::default() }).await.unwrap();
    let retry = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(1),
        rate_limit_patience: Duration::from_millis(1500),
    };
    support::console::journal();
    let http = Http::new(HttpConfig { retry, ..HttpConfig::default() }).unwrap();
    let providers =
        ProviderKind::ALL.into_iter().map(|k| providers::connect(k, sb.endpoint(k), http.clone()).unwrap()).collect();
    let mut app = App::new(
        TestBackend::new(120, 32),
        providers,
        http.log().clone(),
        Mode::Sandbox,
        "t",
        Box::new(Recorder::default()),
    )
    .unwrap()
    .with_theme(Theme { color: false });
    app.start();
    app.settle(Duration::from_secs(10)).await;
    let key = |app: &mut App<TestBackend>, code, mods| app.handle_event(Event::Key(KeyEvent::new(code, mods)));

    let screen = app.terminal.backend().to_string();
    assert!(screen.contains("2 Kelviq !"), "the failing provider's tab is marked:\n{screen}");
    assert!(
        screen.contains("Kelviq 503 [SANDBOX_FAULT]: injected fault"),
        "the error, with status, on the All tab:\n{screen}"
    );
    assert!(app.state.row_count() > 0, "the other providers' customers still show");

    // A checkout submit that fails keeps the form as typed, with the provider's error.
    key(&mut app, KeyCode::Char('3'), KeyModifiers::NONE);
    key(&mut app, KeyCode::Char('2'), KeyModifiers::NONE);
    app.settle(Duration::from_secs(5)).await;
    key(&mut app, KeyCode::Char('n'), KeyModifiers::NONE);
    app.settle(Duration::from_secs(5)).await;
    let b = app.state.checkout_mut().unwrap();
    b.set_value(FieldId::Plan, "growth");
    b.set_value(FieldId::Customer, "cus_typed_by_hand");
    key(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    app.settle(Duration::from_secs(10)).await;
    let b = app.state.checkout().unwrap();
    assert!(b.result.is_none());
    assert_eq!(b.submit_error.as_ref().and_then(|e| e.status), Some(502));
    assert!(b.submit_error.as_ref().unwrap().request_id.is_some());
    assert_eq!(
        (b.value(FieldId::Plan), b.value(FieldId::Customer)),
        ("growth".to_string(), "cus_typed_by_hand".to_string()),
        "nothing typed is lost"
    );
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);

    // The provider recovers; R reloads the tab.
    reqwest::Client::new()
        .put(sb.provider_url("_admin/faults"))
        .bearer_auth(sb.admin_token())
        .body("")
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    key(&mut app, KeyCode::Char('R'), KeyModifiers::SHIFT);
    app.settle(Duration::from_secs(10)).await;
    let screen = app.terminal.backend().to_string();
    assert!(screen.contains("Customers · 66 of 66") && !screen.contains("503"), "{screen}");
}
