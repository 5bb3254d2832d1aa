//! Payments and refunds in the console (issue 16, "Everyday actions"): `P` lists a customer's
//! payments, `f` refunds one through amount → preview → Ctrl-S (Enter never refunds, the
//! amount is checked first, LIVE types the customer id, read-only refuses), journaled; `:portal`
//! shows a portal link to copy or open; providers without them say "not offered by".

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use crossterm::event::KeyCode;
use till::billing::ProviderKind;
use till::billing::payments::Payment;
use till::tui::state::payments::RefundStep;
use till::tui::state::{Dialog, Mode};

use support::console::{Console, console, journal};

/// The first customer of `kind` with a payment that can still be refunded, selected.
async fn customer_with_payment(c: &mut Console, kind: ProviderKind) -> (String, Payment) {
    let slot = ProviderKind::ALL.iter().position(|k| *k == kind).unwrap();
    let client = till::providers::connect(kind, c.sandbox.endpoint(kind), c.http.clone()).unwrap();
    let ids: Vec<String> = c.app.state.slots[slot].customers.rows.iter().map(|x| x.id.to_string()).collect();
    for id in ids {
        let payments = client.list_payments(&id).await.unwrap_or_default();
        if let Some(p) = payments.into_iter().find(|p| p.refundable.is_some_and(|r| !r.is_zero())) {
            c.select(kind, &id, |_| true).await;
            return (id, p);
        }
    }
    panic!("no {kind} customer with a refundable payment");
}

async fn payment_now(c: &Console, kind: ProviderKind, id: &str) -> Payment {
    let client = till::providers::connect(kind, c.sandbox.endpoint(kind), c.http.clone()).unwrap();
    client.get_payment(id).await.unwrap()
}

fn refund_step(c: &Console) -> Option<RefundStep> {
    c.app.state.dialogs.iter().find_map(|d| if let Dialog::Refund(f) = d { Some(f.step) } else { None })
}

/// Opens the payments list and the refund dialog on payment `id`.
async fn open_refund(c: &mut Console, id: &str) {
    c.key(KeyCode::Char('P')).await;
    let Some(Dialog::Payments(p)) = c.app.state.top() else { panic!("payments list: {}", c.screen()) };
    let at = p.visible().iter().position(|&i| p.list.value.as_ref().unwrap()[i].id == id).expect("listed");
    for _ in 0..at {
        c.key(KeyCode::Char('j')).await;
    }
    c.key(KeyCode::Char('f')).await;
    assert_eq!(refund_step(c), Some(RefundStep::Amount), "{:?}\n{}", c.app.state.notice, c.screen());
}

async fn refund_part(kind: ProviderKind) {
    let mut c = console(Mode::Sandbox, false).await;
    let (customer, payment) = customer_with_payment(&mut c, kind).await;
    open_refund(&mut c, &payment.id).await;
    let currency = payment.refundable.unwrap().currency();
    // More than is refundable: refused at the preview, nothing sent, still typing.
    c.text("999999").await;
    c.key(KeyCode::Enter).await;
    assert_eq!(refund_step(&c), Some(RefundStep::Amount));
    assert!(c.screen().contains("more than"), "{}", c.screen());
    for _ in 0..6 {
        c.key(KeyCode::Backspace).await;
    }
    c.text("1").await;
    c.key(KeyCode::Enter).await;
    assert_eq!(refund_step(&c), Some(RefundStep::Confirm), "{}", c.screen());
    let expected = till::billing::Money::parse_exact("1", currency).unwrap();
    assert!(c.screen().contains(&format!("Refund {expected}")), "{}", c.screen());
    c.double_enter().await;
    assert_eq!(refund_step(&c), Some(RefundStep::Confirm), "Enter never refunds");
    assert_eq!(payment_now(&c, kind, &payment.id).await.refunded, payment.refunded, "nothing moved yet");
    c.confirm_twice().await;
    assert_eq!(refund_step(&c), Some(RefundStep::Done), "{}", c.screen());
    let after = payment_now(&c, kind, &payment.id).await;
    let before_refunded = payment.refunded.map_or(rust_decimal::Decimal::ZERO, |m| m.amount());
    assert_eq!(after.refunded.unwrap().amount() - before_refunded, expected.amount(), "refunded once, exactly 1");
    let lines = std::fs::read_to_string(journal().path()).unwrap();
    assert!(
        lines.lines().any(|l| l.contains("payment.refund") && l.contains(&payment.id) && l.contains(&customer)),
        "journaled"
    );
    // Enter closes; the list beneath reloads with the new refundable amount.
    c.key(KeyCode::Enter).await;
    let Some(Dialog::Payments(p)) = c.app.state.top() else { panic!("back to the list") };
    let shown = p.list.value.as_ref().unwrap().iter().find(|x| x.id == payment.id).unwrap();
    assert_eq!(shown.refunded, after.refunded);
}

#[tokio::test]
async fn kelviq_refunds_part_of_an_order_once_after_the_preview() {
    refund_part(ProviderKind::Kelviq).await;
}

#[tokio::test]
async fn flowglad_refunds_part_of_a_payment_once_after_the_preview() {
    refund_part(ProviderKind::Flowglad).await;
}

#[tokio::test]
async fn live_needs_the_customer_id_typed_and_read_only_refuses() {
    let mut c = console(Mode::Live, false).await;
    let (customer, payment) = customer_with_payment(&mut c, ProviderKind::Kelviq).await;
    open_refund(&mut c, &payment.id).await;
    c.key(KeyCode::Enter).await; // the whole refundable amount
    assert_eq!(refund_step(&c), Some(RefundStep::Confirm));
    c.confirm_twice().await;
    assert_eq!(refund_step(&c), Some(RefundStep::Confirm), "refused until the id is typed");
    assert!(c.app.state.notice.as_ref().unwrap().text.contains("LIVE"));
    c.text(&customer).await;
    c.ctrl('s').await;
    assert_eq!(refund_step(&c), Some(RefundStep::Done), "{}", c.screen());

    let mut ro = console(Mode::Sandbox, true).await;
    let (_, payment) = customer_with_payment(&mut ro, ProviderKind::Kelviq).await;
    ro.key(KeyCode::Char('P')).await;
    ro.key(KeyCode::Char('f')).await;
    assert_eq!(refund_step(&ro), None);
    assert!(ro.app.state.notice.as_ref().unwrap().text.starts_with("Read-only"));
    assert_eq!(payment_now(&ro, ProviderKind::Kelviq, &payment.id).await.refunded, payment.refunded);
}

#[tokio::test]
async fn portal_links_open_and_providers_without_payments_say_so() {
    let mut c = console(Mode::Sandbox, false).await;
    c.select(ProviderKind::Kelviq, "cus_rossi_design", |_| true).await;
    c.text(":").await;
    c.text("portal").await;
    c.key(KeyCode::Enter).await;
    let Some(Dialog::Detail(d)) = c.app.state.top() else { panic!("portal link shown: {:?}", c.app.state.notice) };
    let url = d.link.clone().unwrap();
    assert!(url.contains("token="), "{url}");
    c.key(KeyCode::Char('o')).await;
    assert!(c.recorder.log.lock().unwrap().iter().any(|l| l == &format!("open:{url}")));
    c.key(KeyCode::Esc).await;

    let kuvarpay = c.app.state.slots[2].customers.rows.get(0).unwrap().id.to_string();
    c.select(ProviderKind::KuvarPay, &kuvarpay, |_| true).await;
    c.key(KeyCode::Char('P')).await;
    assert_eq!(c.app.state.notice.as_ref().unwrap().text, "Listing payments is not offered by KuvarPay");
}

fn api_calls_used(c: &Console) -> i64 {
    let ents = c.app.state.selected_details().and_then(|d| d.entitlements.value.clone()).unwrap_or_default();
    match ents.iter().find(|e| e.feature_id == "api-calls").map(|e| e.kind.clone()) {
        Some(till::billing::EntitlementKind::Meter { used, .. }) => used,
        other => panic!("api-calls meter: {other:?}"),
    }
}

#[tokio::test]
async fn usage_is_reported_only_by_ctrl_s_and_the_meter_moves() {
    let mut c = console(Mode::Sandbox, false).await;
    c.select(ProviderKind::Kelviq, "cus_mueller_maschinenbau", |_| true).await;
    let before = api_calls_used(&c);
    c.text(":").await;
    c.text("usage api-calls 100").await;
    c.key(KeyCode::Enter).await;
    assert!(matches!(c.app.state.top(), Some(Dialog::Usage(_))), "{:?}", c.app.state.notice);
    assert!(c.screen().contains("Add 100 to api-calls"), "{}", c.screen());
    c.double_enter().await;
    c.key(KeyCode::Esc).await;
    assert!(!matches!(c.app.state.top(), Some(Dialog::Usage(_))), "Esc closes without reporting");
    c.key(KeyCode::Char('R')).await;
    assert_eq!(api_calls_used(&c), before, "nothing was reported");
    c.text(":").await;
    c.text("usage api-calls 100").await;
    c.key(KeyCode::Enter).await;
    c.confirm_twice().await;
    c.key(KeyCode::Enter).await;
    assert_eq!(api_calls_used(&c), before + 100, "reported once; the gauge moved");
    // A quantity that is no number is refused before anything opens.
    c.text(":").await;
    c.text("usage api-calls lots").await;
    c.key(KeyCode::Enter).await;
    assert!(c.app.state.notice.as_ref().unwrap().text.contains("not a whole number"));
}

#[tokio::test]
async fn customers_are_created_and_renamed_only_by_ctrl_s_and_journaled() {
    let mut c = console(Mode::Sandbox, false).await;
    let kelviq =
        till::providers::connect(ProviderKind::Kelviq, c.sandbox.endpoint(ProviderKind::Kelviq), c.http.clone())
            .unwrap();
    c.text("2").await;
    c.text(":").await;
    c.text("new customer cus_console_new new@example.com Nova Person").await;
    c.key(KeyCode::Enter).await;
    assert!(matches!(c.app.state.top(), Some(Dialog::CustomerWrite(_))), "{:?}", c.app.state.notice);
    assert!(c.screen().contains("Create customer cus_console_new"), "{}", c.screen());
    c.double_enter().await;
    assert!(kelviq.get_customer("cus_console_new").await.is_err(), "Enter never writes");
    c.confirm_twice().await;
    let created = kelviq.get_customer("cus_console_new").await.expect("created");
    assert_eq!((created.name.as_deref(), created.email.as_deref()), (Some("Nova Person"), Some("new@example.com")));
    c.key(KeyCode::Enter).await;

    c.text(":").await;
    c.text("customer cus_console_new").await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.app.state.selected_customer().unwrap().1.id, "cus_console_new", "the new customer is listed");
    c.text(":").await;
    c.text("rename Nova Lovelace").await;
    c.key(KeyCode::Enter).await;
    assert!(c.screen().contains("name: Nova Person → Nova Lovelace"), "{}", c.screen());
    c.ctrl('s').await;
    assert_eq!(kelviq.get_customer("cus_console_new").await.unwrap().name.as_deref(), Some("Nova Lovelace"));
    c.key(KeyCode::Enter).await;
    let lines = std::fs::read_to_string(journal().path()).unwrap();
    assert!(lines.lines().any(|l| l.contains("customer.create") && l.contains("cus_console_new")));
    assert!(lines.lines().any(|l| l.contains("customer.update") && l.contains("Nova Lovelace")));

    // A malformed email is refused before anything opens.
    c.text(":").await;
    c.text("email not-an-email").await;
    c.key(KeyCode::Enter).await;
    assert!(!matches!(c.app.state.top(), Some(Dialog::CustomerWrite(_))));
    assert!(c.app.state.notice.as_ref().unwrap().text.contains("is not an email address"));
}
