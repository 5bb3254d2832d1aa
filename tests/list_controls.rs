//! Every overlay list filters (`/`), sorts (`s`, `S`) and exports (`:export csv|json [PATH]`)
//! what it shows (issue 16, "Filter, sort, export"); the CSV is checked against the JSON of
//! the same list.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

mod support;

use crossterm::event::KeyCode;
use till::billing::ProviderKind;
use till::tui::state::{Dialog, Mode};

use support::console::{Console, console};

async fn palette(c: &mut Console, command: &str) {
    c.text(":").await;
    c.text(command).await;
    c.key(KeyCode::Enter).await;
}

/// Opens the invoices of the first Zenskar customer with at least three.
async fn souza_invoices(c: &mut Console) {
    let kind = ProviderKind::Zenskar;
    let slot = ProviderKind::ALL.iter().position(|k| *k == kind).unwrap();
    let client = till::providers::connect(kind, c.sandbox.endpoint(kind), c.http.clone()).unwrap();
    let ids: Vec<String> = c.app.state.slots[slot].customers.rows.iter().map(|x| x.id.to_string()).collect();
    for id in ids {
        if client.list_invoices(&id).await.unwrap_or_default().len() >= 3 {
            c.select(kind, &id, |_| true).await;
            c.key(KeyCode::Char('i')).await;
            assert!(matches!(c.app.state.top(), Some(Dialog::Invoices(_))), "{}", c.screen());
            return;
        }
    }
    panic!("no Zenskar customer with three invoices");
}

fn shown_invoices(c: &Console) -> Vec<till::billing::InvoiceRecord> {
    let Some(Dialog::Invoices(inv)) = c.app.state.top() else { panic!("invoices overlay") };
    let all = inv.list.value.clone().unwrap();
    inv.visible().into_iter().map(|i| all[i].clone()).collect()
}

#[tokio::test]
async fn the_request_log_filters_by_path_method_and_status_class() {
    let mut c = console(Mode::Sandbox, false).await;
    c.key(KeyCode::Char('r')).await;
    let Some(Dialog::Requests(r)) = c.app.state.top() else { panic!() };
    let total = r.entries.len();
    assert!(total > 3, "{total}");
    c.text("/").await;
    c.text("/catalog").await;
    c.key(KeyCode::Enter).await;
    let Some(Dialog::Requests(r)) = c.app.state.top() else { panic!() };
    let shown: Vec<String> = r.visible().iter().map(|&i| r.entries[i].path().to_string()).collect();
    assert!(!shown.is_empty() && shown.len() < total, "{shown:?}");
    assert!(shown.iter().all(|p| p.contains("/catalog")), "{shown:?}");
    assert!(c.screen().contains("filter: /catalog"), "the title says what is filtered:\n{}", c.screen());
    // A status class no exchange has: the list says so instead of looking empty.
    c.text("/").await;
    c.key(KeyCode::Esc).await;
    c.text("/").await;
    c.text("5xx").await;
    c.key(KeyCode::Enter).await;
    assert!(c.screen().contains("No request matches the filter"), "{}", c.screen());
    c.text("/").await;
    c.key(KeyCode::Esc).await;
    let Some(Dialog::Requests(r)) = c.app.state.top() else { panic!() };
    assert_eq!(r.visible().len(), total, "Esc in the filter line clears it");
}

#[tokio::test]
async fn invoices_sort_by_total_both_ways_and_the_header_says_so() {
    let mut c = console(Mode::Sandbox, false).await;
    souza_invoices(&mut c).await;
    let n = shown_invoices(&c).len();
    assert!(n >= 2, "needs two invoices to sort: {n}");
    for _ in 0..3 {
        c.text("s").await; // Invoice → Status → Total
    }
    let totals: Vec<_> = shown_invoices(&c).iter().map(|i| i.total.unwrap().amount()).collect();
    assert!(totals.windows(2).all(|w| w[0] <= w[1]), "ascending: {totals:?}");
    assert!(c.screen().contains("Total ↑"), "{}", c.screen());
    c.text("S").await;
    let totals: Vec<_> = shown_invoices(&c).iter().map(|i| i.total.unwrap().amount()).collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "descending: {totals:?}");
    assert!(c.screen().contains("Total ↓"), "{}", c.screen());
    // Enter opens the invoice under the cursor in the sorted order.
    c.key(KeyCode::Enter).await;
    let Some(Dialog::Detail(d)) = c.app.state.top() else { panic!("detail") };
    let first = &shown_invoices_before_detail(&c)[0];
    assert!(d.crumbs.last().unwrap() == first.number.as_ref().unwrap_or(&first.id));
}

fn shown_invoices_before_detail(c: &Console) -> Vec<till::billing::InvoiceRecord> {
    let inv = c
        .app
        .state
        .dialogs
        .iter()
        .find_map(|d| if let Dialog::Invoices(i) = d { Some(i) } else { None })
        .expect("invoices beneath");
    let all = inv.list.value.clone().unwrap();
    inv.visible().into_iter().map(|i| all[i].clone()).collect()
}

#[tokio::test]
async fn an_export_writes_the_list_as_shown_and_csv_agrees_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let (csv_path, json_path) = (dir.path().join("inv.csv"), dir.path().join("inv.json"));
    let mut c = console(Mode::Sandbox, false).await;
    souza_invoices(&mut c).await;
    for _ in 0..3 {
        c.text("s").await;
    }
    c.text("S").await; // by Total, descending
    palette(&mut c, &format!("export csv {}", csv_path.display())).await;
    palette(&mut c, &format!("export json {}", json_path.display())).await;
    let notice = c.app.state.notice.clone().unwrap().text;
    assert!(notice.starts_with("Exported") && notice.contains("inv.json"), "{notice}");
    let shown = shown_invoices(&c);

    let json: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["Invoice", "Status", "Total", "Amount due", "Issued", "Due", "Subscription"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!((rows.len(), json.len()), (shown.len(), shown.len()), "the same rows");
    for ((row, obj), inv) in rows.iter().zip(&json).zip(&shown) {
        assert_eq!(obj["id"], inv.id.as_str(), "in the order shown");
        assert_eq!(&row[0], obj["number"].as_str().unwrap_or(inv.id.as_str()));
        let total = inv.total.unwrap();
        assert_eq!(&row[2], total.to_string(), "CSV shows the formatted total");
        let amount: rust_decimal::Decimal = obj["total"]["amount"].as_str().unwrap().parse().unwrap();
        assert_eq!(amount, total.amount(), "JSON keeps the decimal");
        assert_eq!(&row[4], obj["issued_on"].as_str().unwrap_or(""));
    }
}

#[tokio::test]
async fn exporting_without_a_path_writes_to_the_data_dir_and_says_where() {
    let mut c = console(Mode::Sandbox, false).await;
    palette(&mut c, "export json").await;
    let notice = c.app.state.notice.clone().unwrap().text;
    let path = notice.split(" to ").last().unwrap().to_string();
    assert!(
        notice.starts_with("Exported")
            && path.contains("/exports/customers-")
            && std::path::Path::new(&path).extension().is_some_and(|e| e == "json"),
        "{notice}"
    );
    let customers: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(customers.len(), c.app.state.row_count());
    // A path that cannot be written is named in the error; nothing panics.
    palette(&mut c, "export csv /proc/no/such/dir/x.csv").await;
    let notice = c.app.state.notice.clone().unwrap();
    assert!(notice.text.contains("/proc/no/such/dir/x.csv") && notice.text.contains("failed"), "{}", notice.text);
}

fn shown_names(c: &Console) -> Vec<String> {
    let s = &c.app.state;
    (0..s.row_count())
        .filter_map(|i| s.row_at(i))
        .filter_map(|r| s.customer(r))
        .map(|x| x.display_name().to_string())
        .collect()
}

#[tokio::test]
async fn the_customer_list_sorts_by_name_with_and_without_a_filter() {
    let mut c = console(Mode::Sandbox, false).await;
    c.text("2").await;
    let provider_order = shown_names(&c);
    c.text("s").await; // by Name
    let names = shown_names(&c);
    assert_eq!(names.len(), provider_order.len(), "sorting hides nothing");
    let folded: Vec<String> = c.app.state.views[1]
        .order
        .iter()
        .map(|r| till::util::fold_accents(c.app.state.customer(*r).unwrap().name.unwrap_or("")))
        .collect();
    assert!(folded.windows(2).all(|w| w[0] <= w[1]), "by name, accents folded: {folded:?}");
    assert!(c.screen().contains("Name ↑") && c.screen().contains("sorted by Name ↑"), "{}", c.screen());
    c.text("S").await;
    let reversed = shown_names(&c);
    assert_eq!(reversed.iter().rev().cloned().collect::<Vec<_>>(), names, "S reverses");
    // A filter keeps the sort: the hits, in name order.
    c.text("/").await;
    c.text("gmbh").await;
    c.key(KeyCode::Enter).await;
    let hits = shown_names(&c);
    assert!(!hits.is_empty() && hits.len() < names.len(), "{hits:?}");
    let folded: Vec<String> = hits.iter().map(|n| till::util::fold_accents(n)).collect();
    assert!(folded.windows(2).all(|w| w[0] >= w[1]), "still reversed by name: {folded:?}");
    c.key(KeyCode::Esc).await;
    for _ in 0..5 {
        c.text("s").await; // Email, ID, Provider, Created, then none
    }
    assert_eq!(shown_names(&c), provider_order, "past the last column: the provider's order again");
}

#[tokio::test]
async fn the_plans_pane_filters_and_enter_opens_the_plan_shown() {
    let mut c = console(Mode::Sandbox, false).await;
    c.text("2").await;
    palette(&mut c, "plans").await;
    let all = c.app.state.shown_plans().len();
    c.text("/").await;
    c.text("grow").await;
    c.key(KeyCode::Enter).await;
    let shown: Vec<String> = c.app.state.shown_plans().iter().map(|p| p.name.clone()).collect();
    assert!(!shown.is_empty() && shown.len() < all, "{shown:?} of {all}");
    assert!(shown.iter().all(|n| n.to_lowercase().contains("grow")), "{shown:?}");
    assert!(c.screen().contains("/grow"), "{}", c.screen());
    c.key(KeyCode::Enter).await;
    let Some(Dialog::Detail(d)) = c.app.state.top() else { panic!("plan detail") };
    assert_eq!(d.crumbs.last().unwrap(), &shown[0], "the highlighted plan of the filtered list");
    c.key(KeyCode::Esc).await;
    c.text("/").await;
    c.key(KeyCode::Esc).await;
    assert_eq!(c.app.state.shown_plans().len(), all, "Esc in the filter line clears it");
}
