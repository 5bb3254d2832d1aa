//! The mouse in the console: clicks on tabs, panes, rows and overlay rows, the wheel, and the
//! rule that a click never confirms anything. Positions come from the drawn screen (the text
//! is found in the `TestBackend` buffer and clicked), so hit-testing is checked against what
//! the view really draws, at 120×32 (full layout) and 80×24 (compact).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use support::console::{Console, console_sized};
use till::billing::ProviderKind;
use till::sandbox::SandboxOptions;
use till::tui::state::change::Step;
use till::tui::state::checkout::fields::FieldId;
use till::tui::state::{Dialog, Effect, Mode, Pane};

const CLICK: MouseEventKind = MouseEventKind::Down(MouseButton::Left);

async fn sized(w: u16, h: u16) -> Console {
    console_sized(Mode::Sandbox, false, SandboxOptions::default(), (w, h)).await
}

fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Event {
    Event::Mouse(MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE })
}

/// Sends one mouse event through the app and lets its work finish.
async fn send(c: &mut Console, kind: MouseEventKind, column: u16, row: u16) {
    c.app.handle_event(mouse(kind, column, row));
    c.app.settle(Duration::from_secs(10)).await;
}

/// Where `text` is drawn: (column, row) of its first cell, searching rows from `from.1` and
/// columns from `from.0` (a pane's left edge, so another pane's text on the row is skipped).
fn find(c: &Console, text: &str, from: (u16, u16)) -> Option<(u16, u16)> {
    let buffer = c.app.terminal.backend().buffer();
    let area = buffer.area;
    for y in from.1..area.height {
        let mut line = String::new();
        let mut starts = Vec::new();
        for x in from.0..area.width {
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

fn found(c: &Console, text: &str, from: (u16, u16)) -> (u16, u16) {
    find(c, text, from).unwrap_or_else(|| panic!("{text:?} not on screen:\n{}", c.screen()))
}

/// The name of the customer at `index` of the current tab.
fn customer_name(c: &Console, index: usize) -> String {
    let r = c.app.state.row_at(index).unwrap();
    c.app.state.customer(r).unwrap().name.unwrap().to_string()
}

async fn clicking_customer_rows_selects_then_opens(width: u16, height: u16) {
    let mut c = sized(width, height).await;
    assert_eq!(c.app.state.view().selected, 0);
    let name = customer_name(&c, 4);
    let (x, y) = found(&c, &name, (0, 2));
    send(&mut c, CLICK, x, y).await;
    assert_eq!(c.app.state.view().selected, 4, "{width}x{height}: the row under the pointer\n{}", c.screen());
    assert!(c.app.state.dialogs.is_empty(), "a first click only selects");
    // The details of the row landed on load, not of every row passed.
    assert!(c.app.state.selected_details().is_some_and(|d| d.subscriptions.value.is_some()));
    send(&mut c, CLICK, x, y).await;
    assert!(matches!(c.app.state.top(), Some(Dialog::Detail(_))), "a click on the selected row opens it");
    assert!(c.screen().contains(&name), "{}", c.screen());
    // The header and the border select nothing.
    c.key(KeyCode::Esc).await;
    let (_, header) = found(&c, "Name", (0, 1));
    send(&mut c, CLICK, x, header).await;
    send(&mut c, CLICK, 0, y).await;
    assert_eq!((c.app.state.view().selected, c.app.state.dialogs.len()), (4, 0));
}

#[tokio::test]
async fn a_click_selects_the_customer_under_the_pointer_and_a_second_opens_it_120x32() {
    clicking_customer_rows_selects_then_opens(120, 32).await;
}

#[tokio::test]
async fn a_click_selects_the_customer_under_the_pointer_and_a_second_opens_it_80x24() {
    clicking_customer_rows_selects_then_opens(80, 24).await;
}

#[tokio::test]
async fn tab_clicks_switch_tabs_and_the_gaps_between_do_nothing() {
    for (w, h) in [(120, 32), (80, 24)] {
        let mut c = sized(w, h).await;
        let (x, y) = found(&c, "3 Flo", (0, 0));
        assert_eq!(y, 0);
        send(&mut c, CLICK, x + 2, 0).await;
        assert_eq!(c.app.state.tab, 2, "{w}x{h}\n{}", c.screen());
        let (x, _) = found(&c, "1 All", (0, 0));
        send(&mut c, CLICK, x, 0).await;
        assert_eq!(c.app.state.tab, 0);
        let (bar, _) = found(&c, "│", (0, 0));
        send(&mut c, CLICK, bar, 0).await;
        assert_eq!(c.app.state.tab, 0, "the separator is no tab");
    }
}

#[tokio::test]
async fn full_layout_clicks_focus_panes_and_select_plans() {
    let mut c = sized(120, 32).await;
    let plans = c.app.state.plans_slot().and_then(|s| c.app.state.slots[s as usize].plans.value.clone()).unwrap();
    assert!(plans.len() >= 3, "{plans:?}");
    let (left, top) = found(&c, "Plans · ", (0, 1));
    let (x, y) = found(&c, &plans[2].name, (left.saturating_sub(2), top));
    send(&mut c, CLICK, x, y).await;
    assert_eq!((c.app.state.focus, c.app.state.plan_selected), (Pane::Plans, 2), "{}", c.screen());
    // Entitlements: focus only.
    let (x, y) = found(&c, "Entitlements", (0, 1));
    send(&mut c, CLICK, x, y + 1).await;
    assert_eq!(c.app.state.focus, Pane::Entitlements);
    // Back to the customers: focus first, no row change on the row already selected.
    let name = customer_name(&c, 0);
    let (x, y) = found(&c, &name, (0, 2));
    send(&mut c, CLICK, x, y).await;
    assert_eq!(c.app.state.focus, Pane::Customers);
    assert!(c.app.state.dialogs.is_empty(), "focusing a pane by its selected row does not open it");
}

#[tokio::test]
async fn compact_layout_pane_row_focuses_panes() {
    let mut c = sized(80, 24).await;
    let (x, y) = found(&c, "Plans", (0, 1));
    assert_eq!(y, 1, "the pane row\n{}", c.screen());
    send(&mut c, CLICK, x, y).await;
    assert_eq!(c.app.state.focus, Pane::Plans, "{}", c.screen());
    assert!(c.screen().contains("Plans · "), "{}", c.screen());
    let (x, y) = found(&c, "Subscriptions", (0, 1));
    send(&mut c, CLICK, x, y).await;
    assert_eq!(c.app.state.focus, Pane::Subscriptions);
}

#[tokio::test]
async fn the_wheel_moves_the_list_under_the_pointer_three_rows() {
    let mut c = sized(120, 32).await;
    let (x, y) = found(&c, &customer_name(&c, 0), (0, 2));
    send(&mut c, MouseEventKind::ScrollDown, x, y).await;
    send(&mut c, MouseEventKind::ScrollDown, x, y).await;
    assert_eq!(c.app.state.view().selected, 6, "wheel at ({x},{y})\n{}", c.screen());
    send(&mut c, MouseEventKind::ScrollUp, x, y).await;
    assert_eq!(c.app.state.view().selected, 3);
    let (px, py) = found(&c, "Plans · ", (0, 1));
    send(&mut c, MouseEventKind::ScrollDown, px, py + 2).await;
    let plans = c.app.state.plans_slot().and_then(|s| c.app.state.slots[s as usize].plans.value.clone()).unwrap();
    assert_eq!(c.app.state.focus, Pane::Plans, "the pane under the pointer");
    assert_eq!(c.app.state.plan_selected, 3.min(plans.len() - 1));
    assert_eq!(c.app.state.view().selected, 3, "the customers list stays");
    // Moves, drags and releases change nothing.
    for kind in [MouseEventKind::Moved, MouseEventKind::Drag(MouseButton::Left), MouseEventKind::Up(MouseButton::Left)]
    {
        send(&mut c, kind, x, y).await;
    }
    assert_eq!((c.app.state.focus, c.app.state.view().selected), (Pane::Plans, 3));
}

#[tokio::test]
async fn request_log_rows_take_clicks_and_a_click_outside_does_nothing() {
    let mut c = sized(120, 32).await;
    c.key(KeyCode::Char('r')).await;
    let Some(Dialog::Requests(r)) = c.app.state.top() else { panic!("no request log") };
    assert!(r.visible().len() > 4, "{}", c.screen());
    let (_, header) = found(&c, "Method", (0, 1));
    send(&mut c, CLICK, 20, header + 3).await;
    let Some(Dialog::Requests(r)) = c.app.state.top() else { panic!("closed") };
    assert_eq!((r.selected, r.detail), (2, false), "{}", c.screen());
    for (x, y) in [(0, 0), (5, 31), (0, 10), (60, header)] {
        send(&mut c, CLICK, x, y).await;
    }
    let Some(Dialog::Requests(r)) = c.app.state.top() else { panic!("a click outside closed the log") };
    assert_eq!((r.selected, r.detail), (2, false));
    send(&mut c, MouseEventKind::ScrollDown, 60, 15).await;
    let Some(Dialog::Requests(r)) = c.app.state.top() else { panic!("closed") };
    assert_eq!(r.selected, 5, "the wheel moves the overlay list");
    let row = header + 1 + u16::try_from(5 - r.offset).unwrap();
    send(&mut c, CLICK, 20, row).await;
    let Some(Dialog::Requests(r)) = c.app.state.top() else { panic!("closed") };
    assert!(r.detail, "a click on the selected row opens the exchange\n{}", c.screen());
}

#[tokio::test]
async fn detail_view_fields_take_clicks() {
    let mut c = sized(120, 32).await;
    c.key(KeyCode::Enter).await;
    let Some(Dialog::Detail(d)) = c.app.state.top() else { panic!("no detail view\n{}", c.screen()) };
    let first = d.selected;
    let (_, y) = found(&c, "Email", (0, 2));
    send(&mut c, CLICK, 10, y).await;
    let Some(Dialog::Detail(d)) = c.app.state.top() else { panic!("closed") };
    let label = match &d.lines[d.selected] {
        till::tui::state::detail::DetailLine::Field { label, .. } => label.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(label, "Email", "moved from line {first}\n{}", c.screen());
}

/// Every mouse event the console can get, at every cell: the effects must never apply,
/// cancel, or submit anything.
fn click_everywhere(c: &mut Console, what: &str) {
    let (w, h) = c.app.state.size;
    let now = chrono::Utc::now();
    for y in 0..h {
        for x in 0..w {
            for kind in [CLICK, MouseEventKind::ScrollDown, MouseEventKind::ScrollUp] {
                let effects = c.app.state.handle_mouse(kind, x, y, now);
                let bad = effects.iter().find(|e| {
                    matches!(
                        e,
                        Effect::ApplyChange { .. }
                            | Effect::ApplyCancel { .. }
                            | Effect::ApplyUncancel { .. }
                            | Effect::SubmitCheckout { .. }
                            | Effect::ApplyRefund { .. }
                            | Effect::WriteCustomer { .. }
                            | Effect::ReportUsage { .. }
                    )
                });
                assert!(bad.is_none(), "{what}: {kind:?} at ({x},{y}) gave {bad:?}");
            }
        }
    }
}

#[tokio::test]
async fn a_click_never_confirms_a_change_a_cancellation_or_a_checkout() {
    let mut c = sized(120, 32).await;
    let sub = c
        .select(ProviderKind::Kelviq, "cus_mueller_maschinenbau", |s| {
            s.plan_name.as_deref() == Some("Starter") && s.status.is_live()
        })
        .await;
    // Change: every step, Confirm included, clicked all over.
    c.key(KeyCode::Char('u')).await;
    c.choose_plan_only("Business").await;
    for step in [Step::Period, Step::Timing, Step::Confirm] {
        c.wait_for_step(step).await;
        click_everywhere(&mut c, &format!("change at {step:?}"));
        c.app.settle(Duration::from_secs(10)).await;
        assert_eq!(c.app.state.change().map(|f| f.step), Some(step), "a click moved the step on");
        if step != Step::Confirm {
            c.key(KeyCode::Enter).await;
        }
    }
    assert!(c.charges(ProviderKind::Kelviq).is_empty(), "nothing was charged");
    assert_eq!(c.shown(&sub.id).and_then(|s| s.plan_name), Some("Starter".into()));
    c.key(KeyCode::Esc).await;
    c.key(KeyCode::Esc).await; // the discard prompt
    assert!(c.app.state.dialogs.is_empty(), "{}", c.screen());

    // Cancel: the choice and the preview.
    c.app.state.focus = Pane::Subscriptions;
    c.key(KeyCode::Char('x')).await;
    click_everywhere(&mut c, "cancel at Choose");
    c.key(KeyCode::Enter).await;
    c.wait_for_step(Step::Confirm).await;
    click_everywhere(&mut c, "cancel at Confirm");
    c.app.settle(Duration::from_secs(10)).await;
    assert_eq!(c.app.state.cancel().map(|f| f.step), Some(Step::Confirm));
    let now = c.shown(&sub.id).unwrap();
    assert!(!now.cancel_scheduled() && now.status.is_live(), "{now:?}");
    c.key(KeyCode::Esc).await;
    c.key(KeyCode::Esc).await;

    // Checkout: a valid form, so only the confirm key stands between it and a session.
    let before = c.sandbox.state().kelviq.lock().unwrap().checkout_count();
    c.key(KeyCode::Char('n')).await;
    let b = c.app.state.checkout_mut().expect("the checkout form");
    b.focus = b.fields.iter().position(|f| f.id == FieldId::Plan).unwrap();
    c.text("busi").await;
    c.key(KeyCode::Enter).await;
    assert!(c.app.state.checkout().unwrap().blocker().is_none(), "the form is valid\n{}", c.screen());
    click_everywhere(&mut c, "checkout form");
    c.app.settle(Duration::from_secs(10)).await;
    let b = c.app.state.checkout().unwrap();
    assert!(b.result.is_none() && !b.submitting, "a click submitted the form");
    assert_eq!(c.sandbox.state().kelviq.lock().unwrap().checkout_count(), before, "no session was created");
}

/// Clicks now focus fields, pick options and flip toggles in the checkout form: clicked all
/// over, on every provider's form at both sizes, it still submits nothing.
#[tokio::test]
async fn a_click_never_submits_the_checkout_form_at_80x24_or_120x32() {
    for (w, h) in [(120, 32), (80, 24)] {
        let mut c = sized(w, h).await;
        let before = checkouts(&c);
        for (tab, kind) in [
            ('2', ProviderKind::Kelviq),
            ('3', ProviderKind::Flowglad),
            ('4', ProviderKind::KuvarPay),
            ('5', ProviderKind::Zenskar),
        ] {
            c.key(KeyCode::Char(tab)).await;
            c.key(KeyCode::Char('n')).await;
            assert!(c.app.state.checkout().is_some(), "{kind} {w}x{h}: no form\n{}", c.screen());
            if kind == ProviderKind::Kelviq {
                // A valid form, so only the confirm key stands between it and a session.
                c.text("busi").await;
                c.key(KeyCode::Enter).await;
                assert!(c.app.state.checkout().unwrap().blocker().is_none(), "{w}x{h}: valid\n{}", c.screen());
            }
            click_everywhere(&mut c, &format!("{kind} checkout form at {w}x{h}"));
            c.app.settle(Duration::from_secs(10)).await;
            let b = c.app.state.checkout().unwrap();
            assert!(b.result.is_none() && !b.submitting, "{kind} {w}x{h}: a click submitted the form");
            assert!(matches!(c.app.state.top(), Some(Dialog::Checkout(_))), "{kind} {w}x{h}: the form is on top");
            c.key(KeyCode::Esc).await;
            while !c.app.state.dialogs.is_empty() {
                c.key(KeyCode::Esc).await;
            }
        }
        assert_eq!(checkouts(&c), before, "{w}x{h}: no session was created");
    }
}

/// Checkout sessions in the sandbox, per provider.
fn checkouts(c: &Console) -> [usize; 4] {
    let st = c.sandbox.state();
    [
        st.kelviq.lock().unwrap().checkout_count(),
        st.flowglad.lock().unwrap().checkout_count(),
        st.kuvarpay.lock().unwrap().checkout_count(),
        st.zenskar.lock().unwrap().checkout_count(),
    ]
}

#[tokio::test]
async fn clicks_run_through_the_real_loop() {
    let state = support::runner::run(Mode::Sandbox, 120, 32, |s| async move {
        s.wait_for("Eszter Kovács").await;
        // " 1 All │ 2 Kelviq │ …": the Kelviq tab.
        s.event(mouse(CLICK, 10, 0));
        s.wait_for("Plans · Kelviq").await;
        s.event(mouse(MouseEventKind::Moved, 30, 10));
        s.event(mouse(MouseEventKind::ScrollDown, 10, 10));
        s.idle().await;
    })
    .await;
    assert_eq!(state.tab, 1);
    assert_eq!(state.view().selected, 3);
}

/// `--no-mouse` is for the console: before another command it would do nothing, so it is a
/// usage error naming the two ways that take it.
#[test]
fn no_mouse_before_another_command_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_till"))
        .args(["--no-mouse", "plans", "list"])
        .env("TILL_DATA_DIR", dir.path())
        .env("TILL_CONFIG_DIR", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("till --no-mouse") && stderr.contains("till console --no-mouse"), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// The real binary in tmux: mouse reporting is on while the console runs (off with
/// `till --no-mouse` and `till console --no-mouse`) and off again after `q` and after SIGTERM. Skipped without tmux, as
/// `tests/smoke.rs` is.
#[test]
fn a_real_terminal_gets_mouse_reporting_and_has_it_turned_off_on_exit() {
    use std::process::Command;
    use std::time::Instant;
    if Command::new("tmux").arg("-V").output().is_err() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "tmux is required under CI");
        eprintln!("skipped: tmux not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // One tmux server per run: a killed server's socket is not at once reusable.
    let socket = std::cell::RefCell::new(String::new());
    let tmux = |args: &[&str]| {
        let socket = socket.borrow().clone();
        let out = Command::new("tmux").arg("-S").arg(&socket).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let wait = |what: &str, ok: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !ok() {
            let why = [tmux(&["list-sessions"]), tmux(&["capture-pane", "-p", "-t", "m"])].join("\n");
            assert!(Instant::now() < deadline, "timed out waiting for {what}:\n{why}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let flag = || tmux(&["display", "-p", "-t", "m", "#{mouse_any_flag}"]);
    // (arguments, how it ends, mouse while running)
    for (run, (args, end, on)) in
        [("", "q", "1"), ("console --no-mouse", "q", "0"), ("--no-mouse", "q", "0"), ("", "TERM", "1")]
            .into_iter()
            .enumerate()
    {
        *socket.borrow_mut() = dir.path().join(format!("tmux-{run}.sock")).display().to_string();
        let done = dir.path().join(format!("done-{run}"));
        let script = format!(
            "XDG_STATE_HOME={d} TILL_DATA_DIR={d} TILL_CONFIG_DIR={d} {bin} {args}; touch {done}; sleep 30",
            d = dir.path().display(),
            bin = env!("CARGO_BIN_EXE_till"),
            done = done.display()
        );
        let started = Command::new("tmux")
            .arg("-S")
            .arg(&*socket.borrow())
            .args(["new-session", "-d", "-s", "m", "-x", "120", "-y", "32", &script])
            .output()
            .unwrap();
        assert!(started.status.success(), "tmux: {}", String::from_utf8_lossy(&started.stderr));
        wait("the console", &|| tmux(&["capture-pane", "-p", "-t", "m"]).contains("Customers · "));
        assert_eq!(flag(), on, "mouse reporting while running `till {args}`");
        if end == "q" {
            tmux(&["send-keys", "-t", "m", "q"]);
        } else {
            let shell = tmux(&["display", "-p", "-t", "m", "#{pane_pid}"]);
            let children = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
            let pid = String::from_utf8_lossy(&children.stdout).lines().next().unwrap().to_string();
            assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        }
        wait("the console to exit", &|| done.exists());
        assert_eq!(flag(), "0", "mouse reporting left on after `till {args}` ended by {end}");
        tmux(&["kill-server"]);
    }
}
