//! Enter opens any object (issue 16, "Open anything"): a customer, a subscription, a plan, an
//! invoice and an audit entry each open a detail view with their fields, stacked with a
//! breadcrumb title and Esc back one level; `y` copies the field, `Y` the JSON, `v` shows it,
//! `O` says no dashboard link is known. Snapshots at 120×32 and 80×24.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use crossterm::event::KeyCode;
use till::billing::ProviderKind;
use till::tui::state::detail::{DetailKind, DetailLine};
use till::tui::state::{Dialog, Mode, Pane};

use support::console::{Console, console, console_sized};

/// TestBackend keeps a few stale cells where the panes beneath held accented names (a real
/// terminal does not: checked in tmux); a same-size resize redraws from a clear screen.
fn redraw(c: &mut Console) {
    let area = c.app.terminal.backend().buffer().area;
    c.app.handle_event(crossterm::event::Event::Resize(area.width, area.height));
    let _ = c.app.draw();
}

macro_rules! snapshot {
    ($name:expr, $console:expr) => {
        redraw(&mut $console);
        insta::with_settings!({filters => vec![
            (r"\d{4}-\d{2}-\d{2}", "[date]"),
            (r"\d{2}:\d{2}(:\d{2})?", "[time]"),
            (r"\d+ days? left", "[n] days left"),
            (r"req_sbx_[0-9a-f]+", "[request id]"),
            (r"127\.0\.0\.1:\d+", "[sandbox]"),
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
            // Kelviq order and invoice ids carry the day they were paid, which moves with today.
            (r"(ORD|INV)-\d{14}", "$1-[day]"),
            (r"\.\d{1,9}Z", ".[frac]Z"),
            (r"\b1\d{12}\b", "[epoch ms]"),
            // Kelviq's usage idempotency key is random.
            (r"\b[a-z0-9]{32}\b", "[key]"),
        ]}, {
            insta::assert_snapshot!($name, $console.screen());
        });
    };
}

/// A console drawn at this size from its first frame.
async fn sized(w: u16, h: u16) -> Console {
    console_sized(Mode::Sandbox, false, till::sandbox::SandboxOptions::default(), (w, h)).await
}

fn detail_kinds(c: &Console) -> Vec<DetailKind> {
    c.app.state.dialogs.iter().filter_map(|d| if let Dialog::Detail(x) = d { Some(x.kind) } else { None }).collect()
}

fn top_lines(c: &Console) -> Vec<till::tui::state::detail::DetailLine> {
    match c.app.state.top() {
        Some(Dialog::Detail(d)) => d.lines.clone(),
        _ => Vec::new(),
    }
}

/// A field of the "From the provider" section of the top detail view.
fn raw_field(c: &Console, label: &str) -> Option<String> {
    let lines = top_lines(c);
    let from = lines.iter().position(|l| matches!(l, DetailLine::Section(t) if t.starts_with("From the provider")))?;
    let prefix = format!("{label}: ");
    lines[from..].iter().find_map(|l| match l {
        DetailLine::Field { value, .. } => value.strip_prefix(&prefix).map(str::to_string),
        DetailLine::Section(_) => None,
    })
}

/// The values of a section of the top detail view.
fn section(c: &Console, title: &str) -> Vec<String> {
    let lines = top_lines(c);
    let Some(at) = lines.iter().position(|l| matches!(l, DetailLine::Section(t) if t == title)) else { return vec![] };
    lines[at + 1..]
        .iter()
        .map_while(|l| match l {
            DetailLine::Field { value, .. } => Some(value.clone()),
            DetailLine::Section(_) => None,
        })
        .collect()
}

fn top_crumbs(c: &Console) -> String {
    match c.app.state.top() {
        Some(Dialog::Detail(d)) => d.crumbs.join(" › "),
        other => panic!("no detail view on top: {:?}", other.map(Dialog::name)),
    }
}

#[tokio::test]
async fn customers_and_their_subscriptions_open_and_stack_with_breadcrumbs() {
    for (w, h) in [(120, 32), (80, 24)] {
        let mut c = sized(w, h).await;
        let sub = c
            .select(ProviderKind::Kelviq, "cus_mueller_maschinenbau", |s| {
                s.plan_name.as_deref() == Some("Starter") && s.status.is_live()
            })
            .await;
        c.app.state.focus = Pane::Customers;
        c.key(KeyCode::Enter).await;
        let name = c.app.state.selected_customer().unwrap().1.display_name().to_string();
        assert_eq!(top_crumbs(&c), format!("Kelviq › {name}"));
        let screen = c.screen();
        assert!(screen.contains("ID (customerId)") && screen.contains("cus_mueller_maschinenbau"), "{screen}");
        assert!(screen.contains(&sub.id), "the customer's subscriptions are listed with their ids:\n{screen}");
        // Every field Kelviq sent for her, as the request log kept it (found, or read once).
        assert!(raw_field(&c, "customerId").as_deref() == Some("cus_mueller_maschinenbau"), "{:?}", top_lines(&c));
        // Her saved card, read when the view opened (Kelviq's GET /payment-methods/).
        let methods = section(&c, "Payment methods");
        assert_eq!(methods, ["visa •••• 4242 · default"], "{:?}", top_lines(&c));
        snapshot!(format!("customer_{w}x{h}"), c);

        // Down to the subscription's line, Enter: the subscription opens above the customer.
        while !matches!(c.app.state.top(), Some(Dialog::Detail(d)) if d.selected_field().is_some_and(|f| f.1 == sub.id))
        {
            c.key(KeyCode::Char('j')).await;
        }
        c.key(KeyCode::Enter).await;
        assert_eq!(detail_kinds(&c), [DetailKind::Customer, DetailKind::Subscription]);
        assert_eq!(top_crumbs(&c), format!("Kelviq › {name} › {}", sub.id));
        let screen = c.screen();
        for field in ["Period end", "Pending change", "Status", "Price"] {
            assert!(screen.contains(field), "{field} missing:\n{screen}");
        }
        snapshot!(format!("subscription_{w}x{h}"), c);

        // y copies the field under the cursor, Y the whole object as JSON; v shows the JSON.
        c.key(KeyCode::Char('y')).await;
        assert_eq!(c.recorder.log.lock().unwrap().last().unwrap(), &format!("copy:{}", sub.id));
        c.key(KeyCode::Char('Y')).await;
        let json = c.recorder.log.lock().unwrap().last().unwrap().clone();
        let value: serde_json::Value = serde_json::from_str(json.strip_prefix("copy:").unwrap()).unwrap();
        assert_eq!(value["id"], sub.id.as_str());
        c.key(KeyCode::Char('v')).await;
        assert!(c.screen().contains(&format!("\"id\": \"{}\"", sub.id)), "{}", c.screen());
        c.key(KeyCode::Char('O')).await;
        let notice = c.app.state.notice.clone().unwrap().text;
        assert_eq!(notice, "No dashboard link known for subscriptions of Kelviq");

        // Esc leaves the JSON, then the subscription, then the customer.
        c.key(KeyCode::Esc).await;
        assert_eq!(detail_kinds(&c).len(), 2);
        c.key(KeyCode::Esc).await;
        assert_eq!(detail_kinds(&c), [DetailKind::Customer]);
        c.key(KeyCode::Esc).await;
        assert!(c.app.state.dialogs.is_empty());

        // From the panes directly: the subscription, and its plan through the Plan field.
        c.app.state.focus = Pane::Subscriptions;
        c.key(KeyCode::Enter).await;
        assert_eq!(detail_kinds(&c), [DetailKind::Subscription]);
        while !matches!(c.app.state.top(), Some(Dialog::Detail(d)) if d.selected_field().is_some_and(|f| f.0 == "Plan"))
        {
            c.key(KeyCode::Char('j')).await;
        }
        c.key(KeyCode::Enter).await;
        if detail_kinds(&c).len() == 1 {
            // The catalog was not loaded yet (compact layouts load it on demand): Enter loaded it.
            assert!(c.app.state.slots[0].plans.value.is_some(), "{:?}", c.app.state.notice);
            c.key(KeyCode::Enter).await;
        }
        assert_eq!(detail_kinds(&c), [DetailKind::Subscription, DetailKind::Plan]);
        assert!(c.screen().contains("Prices") && c.screen().contains("Grants"), "{}", c.screen());
    }
}

#[tokio::test]
async fn plans_open_from_the_plans_pane_with_every_price() {
    for (w, h) in [(120, 32), (80, 24)] {
        let mut c = sized(w, h).await;
        c.text("2").await;
        c.app.state.focus = Pane::Plans;
        c.key(KeyCode::Char('R')).await;
        c.key(KeyCode::Enter).await;
        assert_eq!(detail_kinds(&c), [DetailKind::Plan]);
        let plan = c.app.state.slots[0].plans.value.as_ref().unwrap()[0].clone();
        assert_eq!(top_crumbs(&c), format!("Kelviq › {}", plan.name));
        let screen = c.screen();
        for p in &plan.prices {
            assert!(screen.contains(&p.amount.to_string()), "{} missing:\n{screen}", p.amount);
        }
        snapshot!(format!("plan_{w}x{h}"), c);
    }
}

#[tokio::test]
async fn invoices_open_with_totals_dates_and_link() {
    for (w, h) in [(120, 32), (80, 24)] {
        let mut c = sized(w, h).await;
        c.text("3").await;
        c.text(":").await;
        c.text("customer user_souza_moda").await;
        c.key(KeyCode::Enter).await;
        c.key(KeyCode::Char('i')).await;
        c.key(KeyCode::Enter).await;
        assert_eq!(detail_kinds(&c), [DetailKind::Invoice]);
        let screen = c.screen();
        assert!(screen.contains("TILL-01038") && screen.contains("$390.00"), "{screen}");
        assert!(screen.contains("Amount due") && screen.contains("Issued"), "{screen}");
        // Flowglad sends invoices inside its whole billing answer, larger than the 16 KB the
        // request log's preview holds: the console keeps that answer whole in memory.
        let body =
            c.http.log().snapshot().iter().rev().find(|e| e.url.contains("/billing")).map(|e| e.response_body_size);
        assert!(body.is_some_and(|n| n > till::providers::log::BODY_PREVIEW_LIMIT), "billing answer: {body:?} bytes");
        assert_eq!(raw_field(&c, "invoiceNumber").as_deref(), Some("TILL-01038"), "{:?}", top_lines(&c));
        snapshot!(format!("invoice_{w}x{h}"), c);
        c.key(KeyCode::Esc).await;
        assert!(matches!(c.app.state.top(), Some(Dialog::Invoices(_))), "Esc goes back to the list");
    }
}

#[tokio::test]
async fn an_audit_entry_shows_before_and_after_and_jumps_to_its_request() {
    let mut c = console(Mode::Sandbox, false).await;
    c.select(ProviderKind::Kelviq, "cus_mueller_maschinenbau", |s| {
        s.plan_name.as_deref() == Some("Starter") && s.status.is_live()
    })
    .await;
    c.key(KeyCode::Char('u')).await;
    c.choose_plan("Business").await;
    c.confirm_twice().await;
    c.wait_for_step(till::tui::state::change::Step::Done).await;
    c.key(KeyCode::Enter).await;
    c.key(KeyCode::Char('a')).await;
    c.key(KeyCode::Enter).await;
    assert_eq!(detail_kinds(&c), [DetailKind::AuditEntry]);
    let screen = c.screen();
    assert!(screen.contains("subscription.change") && screen.contains("succeeded"), "{screen}");
    assert!(screen.contains("Starter → Business"), "the plan's before → after:\n{screen}");
    let request_id = match c.app.state.top() {
        Some(Dialog::Detail(d)) => d
            .lines
            .iter()
            .find_map(|l| match l {
                DetailLine::Field { label, value, .. } if label == "Request id" => Some(value.clone()),
                _ => None,
            })
            .expect("a request id is listed"),
        _ => unreachable!(),
    };
    while !matches!(c.app.state.top(), Some(Dialog::Detail(d)) if d.selected_field().is_some_and(|f| f.1 == request_id))
    {
        c.key(KeyCode::Char('j')).await;
    }
    c.key(KeyCode::Enter).await;
    let Some(Dialog::Requests(r)) = c.app.state.top() else { panic!("the request log opens") };
    assert!(r.detail, "on the exchange itself");
    assert_eq!(r.selected().and_then(|e| e.request_id.clone()), Some(request_id));
}

#[tokio::test]
async fn payments_and_audit_entries_open_at_two_sizes() {
    for (w, h) in [(120, 32), (80, 24)] {
        let mut c = sized(w, h).await;
        c.text("2").await;
        c.text(":").await;
        c.text("customer cus_rossi_design").await;
        c.key(KeyCode::Enter).await;
        c.key(KeyCode::Char('P')).await;
        c.key(KeyCode::Enter).await;
        assert_eq!(detail_kinds(&c), [DetailKind::Payment]);
        let screen = c.screen();
        assert!(screen.contains("Refundable") && screen.contains("€750.00"), "{screen}");
        snapshot!(format!("payment_{w}x{h}"), c);
        c.key(KeyCode::Esc).await;
        c.key(KeyCode::Esc).await;

        c.text(":").await;
        c.text("customer cus_mueller_maschinenbau").await;
        c.key(KeyCode::Enter).await;
        c.text(":").await;
        c.text("usage api-calls 25").await;
        c.key(KeyCode::Enter).await;
        c.ctrl('s').await;
        c.key(KeyCode::Enter).await;
        c.key(KeyCode::Char('a')).await;
        c.key(KeyCode::Enter).await;
        assert_eq!(detail_kinds(&c), [DetailKind::AuditEntry]);
        assert!(c.screen().contains("usage.report") && c.screen().contains("report.quantity"), "{}", c.screen());
        snapshot!(format!("audit_entry_{w}x{h}"), c);
    }
}

#[tokio::test]
async fn a_customer_without_payment_methods_or_a_provider_without_them_says_which() {
    let mut c = sized(120, 32).await;
    for (tab, expected) in [("4", "not offered by KuvarPay"), ("5", "none saved")] {
        c.text(tab).await;
        c.app.state.focus = Pane::Customers;
        c.key(KeyCode::Enter).await;
        assert_eq!(detail_kinds(&c), [DetailKind::Customer]);
        assert_eq!(section(&c, "Payment methods"), [expected], "{:?}", top_lines(&c));
        // The provider's own object: KuvarPay names it by its uid; Zenskar by the uuid till
        // addresses it by, not by its external id.
        let customer = c.app.state.selected_customer().unwrap().1.to_customer();
        let (field, id) = if tab == "4" { ("uid", customer.alt_id) } else { ("id", Some(customer.id)) };
        assert_eq!(raw_field(&c, field), id, "{tab}: {:?}", top_lines(&c));
        c.key(KeyCode::Esc).await;
    }
}

/// The header names the account the tab acts on: Zenskar's organisation (shortened where the
/// row is narrow), the API host where the key alone names the account; none on All.
#[tokio::test]
async fn the_header_names_the_account_of_the_tab() {
    let org = till::sandbox::keys::ZENSKAR_ORGANISATION;
    for ((w, h), zenskar) in
        [((120, 32), format!("test · org {org}")), ((80, 24), format!("test · org {}…", &org[..8]))]
    {
        let mut c = sized(w, h).await;
        let header = |c: &Console| c.screen().lines().next().unwrap_or_default().to_string();
        assert!(!header(&c).contains(" · "), "All shows four accounts' customers: {}", header(&c));
        c.text("5").await;
        assert!(header(&c).contains(&zenskar), "{w}x{h}: {}", header(&c));
        c.text("2").await;
        let host = c.sandbox.base_url().port().map(|p| format!("test · 127.0.0.1:{p}")).unwrap();
        assert!(header(&c).contains(&host) || w < 100, "{w}x{h}: {}", header(&c));
    }
}

/// The hostile sandbox customer's detail view on Kelviq: values full of stand-ins that wrap
/// over several rows.
async fn hostile_customer_detail(w: u16, h: u16) -> Console {
    let options = till::sandbox::SandboxOptions { hostile: true, ..Default::default() };
    let mut c = console_sized(Mode::Sandbox, false, options, (w, h)).await;
    c.text("2").await;
    c.text("/").await;
    c.text("pwned").await;
    c.key(KeyCode::Enter).await;
    c.app.state.focus = Pane::Customers;
    c.key(KeyCode::Enter).await;
    assert_eq!(detail_kinds(&c), [DetailKind::Customer]);
    assert!(raw_field(&c, "customerId").is_some(), "the provider's fields arrived: {:?}", top_lines(&c));
    c
}

/// The rows the selected field is drawn on (its label, then its value as the view wraps it).
fn selected_rows(c: &Console) -> (usize, Vec<String>) {
    let Some(Dialog::Detail(d)) = c.app.state.top() else { panic!("no detail view on top") };
    let (_, value_w) = d.columns(usize::from(c.app.state.size.0) - 2);
    let DetailLine::Field { value, .. } = &d.lines[d.selected] else { panic!("a heading is selected") };
    (d.selected, till::tui::state::detail_rows::value_rows(value, value_w))
}

/// Every row of the selected field is inside the view's border, in order.
fn assert_selected_whole(c: &Console) {
    let (at, rows) = selected_rows(c);
    let screen = c.screen();
    let inside: Vec<&str> = screen.lines().skip(2).take(usize::from(c.app.state.size.1) - 4).collect();
    let first = inside
        .iter()
        .position(|l| l.contains(rows[0].trim()))
        .unwrap_or_else(|| panic!("line {at}'s first row {:?} is not on screen:\n{screen}", rows[0]));
    for (i, row) in rows.iter().enumerate() {
        let drawn = inside.get(first + i).unwrap_or_else(|| panic!("line {at}'s row {i} is below the view:\n{screen}"));
        assert!(drawn.contains(row.trim()), "line {at}'s row {i} {row:?} not drawn:\n{screen}");
    }
}

/// At 80x24 End stopped at `billingAddress.country:`, its value and the fields below never
/// shown, while `y` copied `createdOn` (off screen): scrolling counted a wrapped value as one
/// row. End and PageDown reach the last field, and every field walked to is on screen whole.
#[tokio::test]
async fn end_reaches_the_last_field_when_values_wrap_and_the_selection_stays_whole() {
    let mut c = hostile_customer_detail(80, 24).await;
    let last = top_lines(&c).iter().rposition(|l| matches!(l, DetailLine::Field { .. })).unwrap();
    c.key(KeyCode::End).await;
    assert_eq!(selected_rows(&c).0, last, "End selects the last field");
    assert_selected_whole(&c);
    c.key(KeyCode::Char('y')).await;
    let copied = c.recorder.log.lock().unwrap().last().unwrap().clone();
    let DetailLine::Field { value, copy, .. } = &top_lines(&c)[last] else { unreachable!() };
    assert_eq!(copied, format!("copy:{}", copy.as_ref().unwrap_or(value)), "y copies the field on screen");

    // Down from the top, one field at a time, and PageDown: each field on screen whole.
    c.key(KeyCode::Home).await;
    let mut seen = 0;
    while selected_rows(&c).0 < last {
        c.key(KeyCode::Down).await;
        assert_selected_whole(&c);
        seen += 1;
    }
    assert!(seen > 10, "walked {seen} fields");
    c.key(KeyCode::Home).await;
    for _ in 0..top_lines(&c).len() {
        c.key(KeyCode::PageDown).await;
        assert_selected_whole(&c);
    }
    assert_eq!(selected_rows(&c).0, last, "PageDown reaches the last field");
    c.key(KeyCode::PageUp).await;
    assert_selected_whole(&c);
}

/// `y` on a "From the provider" line said `Copied  (OSC 52)`: those lines have no label (the
/// path rides with the value). The notice names the field's path; an unlabelled line of
/// till's own names what it copied.
#[tokio::test]
async fn copying_an_unlabelled_line_names_what_was_copied() {
    let mut c = hostile_customer_detail(120, 32).await;
    let country = raw_field(&c, "billingAddress.country").expect("the hostile customer has a country");
    let selected_value = |c: &Console| match c.app.state.top() {
        Some(Dialog::Detail(d)) => match &d.lines[d.selected] {
            DetailLine::Field { value, .. } => value.clone(),
            DetailLine::Section(_) => String::new(),
        },
        _ => String::new(),
    };
    let walk_to = async |c: &mut Console, wanted: &dyn Fn(&str) -> bool| {
        c.key(KeyCode::Home).await;
        for _ in 0..top_lines(c).len() {
            if wanted(&selected_value(c)) {
                return;
            }
            c.key(KeyCode::Down).await;
        }
        panic!("no such line: {:?}", top_lines(c));
    };
    walk_to(&mut c, &|v| v.starts_with("billingAddress.country: ")).await;
    c.key(KeyCode::Char('y')).await;
    // The clipboard gets the value with stand-ins for its controls (as every copy does).
    assert_eq!(c.recorder.log.lock().unwrap().last().unwrap(), &format!("copy:{}", till::text::block(&country)));
    assert_eq!(c.app.state.notice.clone().unwrap().text, "Copied billingAddress.country (OSC 52)");

    walk_to(&mut c, &|v| v == "none saved").await;
    c.key(KeyCode::Char('y')).await;
    assert_eq!(c.app.state.notice.clone().unwrap().text, "Copied “none saved” (OSC 52)");
}

/// The rows inside the view's border, border characters left out.
fn inside_rows(c: &Console) -> Vec<String> {
    let h = usize::from(c.app.state.size.1);
    c.screen()
        .lines()
        .skip(2)
        .take(h - 4)
        .map(|l| l.trim_matches('"').trim_start_matches('┃').trim_end_matches('┃').to_string())
        .collect()
}

/// The JSON view (`v`) cut long lines at the border without a mark (`"customerId":
/// "hostile_id\u001b]0;pwned…\u001┃`). They wrap under their indentation, and scrolling counts
/// those rows: End shows the last one.
#[tokio::test]
async fn the_json_view_wraps_long_lines_and_scrolls_by_rows() {
    let mut c = hostile_customer_detail(80, 24).await;
    c.key(KeyCode::Char('v')).await;
    let json = match c.app.state.top() {
        Some(Dialog::Detail(d)) => d.shown_json().to_string(),
        _ => unreachable!(),
    };
    let long = json.lines().find(|l| l.contains("\"customerId\"")).unwrap().trim().to_string();
    assert!(long.len() > 78, "the line is wider than the view: {long}");
    let rows = inside_rows(&c);
    let start = rows.iter().position(|r| r.contains("\"customerId\":")).unwrap_or_else(|| panic!("{}", c.screen()));
    let indent = |r: &str| r.len() - r.trim_start().len();
    let squeezed = |t: &str| t.replace(' ', "");
    let mut joined = rows[start].trim().to_string();
    for row in &rows[start + 1..] {
        if squeezed(&joined).len() >= squeezed(&long).len() {
            break;
        }
        assert!(indent(row) > indent(&rows[start]), "a continuation sits under its line: {row:?}\n{}", c.screen());
        joined.push_str(row.trim());
    }
    assert_eq!(squeezed(&joined), squeezed(&long), "the line is drawn whole:\n{}", c.screen());

    // End shows the last rows: the JSON's last lines, whole, its closing brace at the bottom.
    c.key(KeyCode::End).await;
    let rows = inside_rows(&c);
    assert_eq!(rows.last().map(|r| r.trim()), Some("}"), "{}", c.screen());
    let tail: Vec<&str> = json.lines().rev().take(2).collect();
    let shown: String = rows.iter().map(|r| r.trim()).collect();
    assert!(squeezed(&shown).ends_with(&squeezed(&format!("{}{}", tail[1], tail[0]))), "{}", c.screen());
}
