//! The invoices overlay (`i`) in `App<TestBackend>` against the sandbox: each provider with an
//! invoice API lists the selected customer's invoices as the client returns them, `y` copies the
//! link, `o` opens it; Kelviq says it has none; a failing provider shows its error and `R` recovers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use crossterm::event::KeyCode;
use support::console::{Console, console};
use till::billing::{InvoiceRecord, ProviderKind};
use till::providers;
use till::tui::state::{Dialog, Mode};

/// Jumps to `customer` on `kind`'s tab with the palette.
async fn select_customer(c: &mut Console, kind: ProviderKind, customer: &str) {
    let tab = ProviderKind::ALL.iter().position(|k| *k == kind).unwrap() + 2;
    c.text(&tab.to_string()).await;
    c.text(":").await;
    c.text(&format!("customer {customer}")).await;
    c.key(KeyCode::Enter).await;
    assert_eq!(c.app.state.selected_customer().map(|(_, x)| x.id), Some(customer));
}

/// The first loaded customer of `kind` with at least one invoice, and those invoices.
async fn customer_with_invoices(c: &Console, kind: ProviderKind) -> (String, Vec<InvoiceRecord>) {
    let client = providers::connect(kind, c.sandbox.endpoint(kind), c.http.clone()).unwrap();
    let slot = c.app.state.slots.iter().position(|s| s.kind == kind).unwrap();
    let ids: Vec<String> = c.app.state.slots[slot].customers.rows.iter().map(|x| x.id.to_string()).collect();
    for id in ids {
        let invoices = client.list_invoices(&id).await.unwrap();
        if !invoices.is_empty() {
            return (id, invoices);
        }
    }
    panic!("no {kind} customer with invoices in the seed");
}

#[tokio::test]
async fn invoices_overlay_lists_copies_and_opens_for_each_provider_with_invoices() {
    let mut c = console(Mode::Sandbox, false).await;
    for kind in [ProviderKind::Flowglad, ProviderKind::KuvarPay, ProviderKind::Zenskar] {
        let (customer, expected) = customer_with_invoices(&c, kind).await;
        select_customer(&mut c, kind, &customer).await;
        c.key(KeyCode::Char('i')).await;
        let screen = c.screen();
        assert!(screen.contains("Invoices · ") && screen.contains(&kind.to_string()), "{kind}: {screen}");
        let first = &expected[0];
        let label = first.number.clone().unwrap_or(first.id.clone());
        assert!(screen.contains(&label[..label.len().min(20)]), "{kind}: {label} missing:\n{screen}");
        if let Some(total) = &first.total {
            assert!(screen.contains(&total.to_string()), "{kind}: total {total} missing:\n{screen}");
        }
        let Some(Dialog::Invoices(inv)) = c.app.state.top() else { panic!("{kind}: no overlay") };
        assert_eq!(inv.list.value.as_ref().map(Vec::len), Some(expected.len()), "{kind}");

        c.key(KeyCode::Char('y')).await;
        let copied = c.recorder.log.lock().unwrap().last().cloned().unwrap();
        assert_eq!(copied, format!("copy:{}", first.url.clone().unwrap_or(first.id.clone())), "{kind}");
        c.key(KeyCode::Char('o')).await;
        let opened = c.recorder.log.lock().unwrap().last().cloned().unwrap();
        match &first.url {
            Some(url) => assert_eq!(opened, format!("open:{url}"), "{kind}"),
            None => assert!(c.screen().contains("has no link to open"), "{kind}"),
        }
        c.key(KeyCode::Esc).await;
        assert!(c.app.state.top().is_none(), "{kind}: Esc closes");
        assert!(!c.screen().contains("Invoices · "), "{kind}");
    }
}

#[tokio::test]
async fn kelviq_says_invoices_are_not_offered() {
    let mut c = console(Mode::Sandbox, false).await;
    c.text("2").await;
    c.key(KeyCode::Char('i')).await;
    assert!(c.app.state.top().is_none());
    assert!(c.screen().contains("Invoices are not offered by Kelviq"), "{}", c.screen());
}

#[tokio::test]
async fn a_failing_invoice_api_shows_its_error_and_r_recovers() {
    let mut c = console(Mode::Sandbox, false).await;
    let (customer, expected) = customer_with_invoices(&c, ProviderKind::Zenskar).await;
    let admin = c.sandbox.provider_url("_admin/faults");
    let token = c.sandbox.admin_token().to_string();
    let put = |body: &'static str| {
        let (admin, token) = (admin.clone(), token.clone());
        async move {
            let put = reqwest::Client::new().put(admin).bearer_auth(token).body(body);
            put.send().await.unwrap().error_for_status().unwrap()
        }
    };
    put("zenskar/invoices=error=100%:500").await;
    select_customer(&mut c, ProviderKind::Zenskar, &customer).await;
    c.key(KeyCode::Char('i')).await;
    let screen = c.screen();
    assert!(screen.contains("500") && screen.contains("R retries"), "{screen}");
    assert!(screen.contains("Invoices · "), "the overlay stays open with the error:\n{screen}");

    put("").await;
    c.key(KeyCode::Char('R')).await;
    let Some(Dialog::Invoices(inv)) = c.app.state.top() else { panic!("overlay closed") };
    assert_eq!(inv.list.value.as_ref().map(Vec::len), Some(expected.len()));
    assert!(inv.list.error.is_none(), "a successful retry clears the error");
    assert!(!c.screen().contains("R retries"), "{}", c.screen());
}

/// A KuvarPay proration voided by a downgrade: its row shows the `INV-…` number KuvarPay's
/// messages use, `/` finds it by a piece of that number (and still by its id), and it owes
/// nothing in the list at 120 and 80 columns (the money stays; the due date and subscription
/// give way) and in the detail.
#[tokio::test]
async fn a_void_kuvarpay_invoice_shows_its_number_and_nothing_due() {
    use till::billing::{ChangeTiming, ChargePeriod, PlanChange};
    let email = "chiamaka@nwosu-pharma.ng";
    let change = |plan: &str| PlanChange {
        plan_id: plan.into(),
        period: ChargePeriod::Monthly,
        price_id: None,
        timing: ChangeTiming::Immediately,
        features: vec![],
    };
    for width in [120, 80] {
        let mut c = support::console::console_sized(Mode::Sandbox, false, Default::default(), (width, 30)).await;
        let kp = providers::connect(ProviderKind::KuvarPay, c.sandbox.endpoint(ProviderKind::KuvarPay), c.http.clone())
            .unwrap();
        let sub = kp.list_subscriptions(email).await.unwrap().into_iter().find(|s| s.ends_on.is_none()).unwrap();
        kp.change_plan(&sub.id, &change("plan_business")).await.unwrap();
        kp.change_plan(&sub.id, &change("plan_basic")).await.unwrap();
        let invoices = kp.list_invoices(email).await.unwrap();
        let void = invoices.iter().find(|i| i.status == "VOID").expect("the voided proration").clone();
        let number = void.number.clone().expect("its number");
        let total = void.total.unwrap();
        let zero = till::billing::Money::zero(total.currency()).to_string();

        select_customer(&mut c, ProviderKind::KuvarPay, email).await;
        c.key(KeyCode::Char('i')).await;
        let screen = c.screen();
        assert!(screen.contains("Amount due"), "{width}: the money columns stay:\n{screen}");
        assert_eq!(screen.contains("Subscription"), width >= 100, "{width}:\n{screen}");
        let row = screen.lines().find(|l| l.contains(&number)).unwrap_or_else(|| panic!("{number}:\n{screen}"));
        assert!(row.contains("void"), "{row}");
        let (billed, due) = (row.find(&total.to_string()).unwrap(), row.rfind(&zero));
        assert!(due.is_some_and(|d| d > billed), "{width}: billed {total}, nothing due: {row}");

        for (word, what) in [(&number[4..8], "a piece of the number"), (void.id.as_str(), "the id")] {
            c.text("/").await;
            c.key(KeyCode::Esc).await;
            c.text("/").await;
            c.text(word).await;
            c.key(KeyCode::Enter).await;
            let Some(Dialog::Invoices(inv)) = c.app.state.top() else { panic!("invoices overlay") };
            assert_eq!(inv.visible().len(), 1, "{what} {word} finds {number}:\n{}", c.screen());
        }
        c.key(KeyCode::Enter).await;
        let detail = c.screen();
        assert!(detail.contains(&number), "{detail}");
        let due_line = detail.lines().find(|l| l.contains("Amount due")).unwrap_or_else(|| panic!("{detail}"));
        assert!(due_line.contains(&zero), "{due_line}");
    }
}
