//! Executes headless commands: resolve where the provider lives (a configured server or the
//! embedded sandbox), call it through `BillingProvider`, print a table or JSON.

use crate::billing::money::group_int;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use super::common::{Connection, ExitCode, Failure, emit, failure, note_cut};
use super::stream::{CustomerTable, ListFormat, ListPrinter};
use super::{CheckoutCmd, Cli, Command, CustomersCmd, PlansCmd, SandboxCmd, SubscriptionsCmd, table};
use crate::billing::{CheckoutStatus, Entitlement, EntitlementKind, NewCustomer, Plan, ProviderKind, Subscription};
use crate::config::{self, Overrides};
use crate::ops;
use crate::providers::{self, BillingProvider, Http};
use crate::sandbox::{self, SandboxOptions};

pub async fn run(mut cli: Cli) -> ExitCode {
    if let Err(f) = super::globals::check(&cli.global, cli.command.as_ref()) {
        eprintln!("till: {}", f.message);
        return f.code;
    }
    let console = match super::console::console_args(cli.no_mouse, cli.command.as_ref()) {
        Ok(args) => args,
        Err(f) => {
            eprintln!("till: {}", f.message);
            return f.code;
        }
    };
    match cli.global.output {
        Some(super::table::OutputFormat::Json) => cli.global.json = true,
        Some(super::table::OutputFormat::Csv) => super::table::print_csv(),
        _ => {}
    }
    let result = match cli.command {
        // `console_args` gave the arguments for both: bare `till` is the console.
        None | Some(Command::Console(_)) => super::console::run(&cli.global, console.unwrap_or_default()).await,
        Some(Command::Info) => super::console::info(&cli.global),
        Some(Command::Profiles(cmd)) => super::profiles::run_profiles(&cli.global, cmd),
        Some(Command::Auth(cmd)) => super::profiles::run_auth(&cli.global, cmd),
        Some(Command::Audit { customer }) => audit(&cli.global, customer.as_deref()).await,
        Some(Command::Sandbox(SandboxCmd::Serve(args))) => {
            super::sandbox_clock::serve(args, cli.global.sandbox_hostile).await
        }
        Some(Command::Sandbox(SandboxCmd::Clock(args))) => super::sandbox_clock::run(args, cli.global.json).await,
        Some(Command::Completions { shell }) => completions(shell),
        Some(Command::Webhooks(super::webhooks::WebhooksCmd::Verify(args))) => {
            super::webhooks::verify(cli.global.provider, args, cli.global.json)
        }
        // Without --port, --forward-to means the sandbox's own events.
        Some(Command::Listen(args)) if args.port.is_none() && args.forward_to.is_some() => {
            super::listen_sandbox::run(cli.global.provider, args, cli.global.json).await
        }
        Some(Command::Listen(args)) => super::webhooks::listen(cli.global.provider, args, cli.global.json).await,
        Some(Command::Trigger(args)) => super::trigger::run(cli.global.provider, args, cli.global.json).await,
        Some(Command::Requests(cmd)) => super::requests::run_requests(cmd, cli.global.json, cli.global.provider),
        Some(command) => headless_on_a_worker(cli.global, command).await,
    };
    match result {
        Ok(()) => ExitCode::Ok,
        Err(f) => {
            // Messages carry provider error text and file contents: never raw to the terminal.
            eprintln!("till: {}", crate::text::block(&f.message));
            f.code
        }
    }
}

async fn connect(global: &super::Global) -> Result<Connection, Failure> {
    let http = Http::new(config::http_config(global.connect_timeout, global.timeout))
        .map_err(|m| failure(ExitCode::Failure, m))?;
    if let Some(active) = super::profiles::active(global)? {
        let endpoint = super::profiles::endpoint(&active, global, &crate::secrets::platform_store)?;
        super::profiles::apply_limit(&active, &http);
        let log = http.log().clone();
        let provider = providers::connect(active.profile.provider, endpoint, http)?;
        let profile = Some((active.name, active.profile.mode.label()));
        return Ok(Connection { provider, log, sandbox: false, profile, _sandbox: None });
    }
    let kind = global.provider_or_default();
    let overrides = Overrides { base_url: global.base_url.clone(), edge_url: global.edge_url.clone() };
    let lookup = |k: &str| std::env::var(k).ok();
    match config::external_endpoint(kind, &overrides, &lookup).map_err(|e| failure(ExitCode::Usage, e.to_string()))? {
        Some(endpoint) => {
            let log = http.log().clone();
            let provider = providers::connect(kind, endpoint, http)?;
            Ok(Connection { provider, log, sandbox: false, profile: None, _sandbox: None })
        }
        None => {
            let options = SandboxOptions { hostile: global.sandbox_hostile, ..SandboxOptions::default() };
            let handle = sandbox::start(options).await.map_err(|e| failure(ExitCode::Failure, e.to_string()))?;
            eprintln!("till: no profile configured; using the embedded sandbox at {}", handle.base_url());
            let log = http.log().clone();
            let provider = providers::connect(kind, handle.endpoint(kind), http)?;
            Ok(Connection { provider, log, sandbox: true, profile: None, _sandbox: Some(handle) })
        }
    }
}

/// `till audit`. With `--customer`, also the actions filed under the provider's own id for
/// that customer: a headless plan change on Flowglad knows only the subscription's Flowglad
/// customer id (naming the external id would take reading every customer). That id is asked
/// of Flowglad once, and only when the journal holds Flowglad actions filed under another id.
async fn audit(global: &super::Global, customer: Option<&str>) -> Result<(), Failure> {
    let kind = ProviderKind::Flowglad;
    let mut also = None;
    if let Some(id) = customer
        && global.provider.is_none_or(|p| p == kind)
        && super::writes::journal_files_elsewhere(kind, id)
    {
        match own_customer_id(global, kind, id).await {
            Ok(own) => also = own,
            Err(f) => eprintln!(
                "till: note: {kind} actions filed under {kind}'s own customer id were not looked for: {}",
                crate::text::line(&f.message)
            ),
        }
    }
    super::writes::audit(customer, also.as_deref(), global.provider, global.json)
}

async fn own_customer_id(global: &super::Global, kind: ProviderKind, id: &str) -> Result<Option<String>, Failure> {
    if let Some(active) = super::profiles::active(global)?.filter(|a| a.profile.provider != kind) {
        let message = format!("the profile in use ({}) is for {}", active.name, active.profile.provider);
        return Err(failure(ExitCode::Failure, message));
    }
    let conn = connect(&super::Global { provider: Some(kind), ..global.clone() }).await?;
    match conn.provider.own_customer_id(id).await {
        Ok(own) => Ok(own.filter(|o| o != id)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A headless command runs on a runtime worker, not on the main thread inside `block_on`:
/// the HTTP connection's task runs on the workers, so from the main thread every answer
/// handed over and every request sent woke another thread — two hops per request, about a
/// sixth of the time of `customers list --all` on a cursor provider, whose pages follow one
/// another. The console stays on the main thread (its drawing must not take a worker).
async fn headless_on_a_worker(global: super::Global, command: Command) -> Result<(), Failure> {
    match tokio::spawn(async move { headless(&global, command).await }).await {
        Ok(result) => result,
        Err(e) => Err(failure(ExitCode::Failure, format!("the command stopped unexpectedly: {e}"))),
    }
}

async fn headless(global: &super::Global, command: Command) -> Result<(), Failure> {
    let profile_read_only = super::profiles::active(global)?.is_some_and(|a| a.profile.read_only);
    if (global.read_only || profile_read_only) && super::writes::is_write(&command) {
        return Err(failure(
            ExitCode::Usage,
            "read-only: started with --read-only (or TILL_READ_ONLY, or a read-only profile), so writes are refused",
        ));
    }
    // Input the console's form would refuse is refused before a sandbox starts or a byte is sent.
    match &command {
        Command::Checkout(CheckoutCmd::Create(args)) => {
            let kind = super::profiles::active(global)?.map_or(global.provider_or_default(), |a| a.profile.provider);
            super::checkout::precheck(kind, args)?;
        }
        Command::Subscriptions(SubscriptionsCmd::Cancel { timing, date, .. }) => {
            ops::subscriptions::cancel_timing(timing, *date, chrono::Utc::now().date_naive())?;
        }
        _ => {}
    }
    let conn = connect(global).await?;
    let result = dispatch(&conn, global, command).await;
    // An action that went through but whose end the journal lost reads as interrupted there.
    for unrecorded in crate::audit::take_unrecorded() {
        eprintln!("till: warning: {}", crate::text::line(&unrecorded));
    }
    // The command's outcome matters more than the history file: a failure to record is a warning.
    if let Err(e) = super::requests::record(&conn.log) {
        eprintln!("till: warning: request history not saved: {}", crate::text::line(&e));
    }
    result
}

/// Runs one headless command on an open connection.
async fn dispatch(conn: &Connection, global: &super::Global, command: Command) -> Result<(), Failure> {
    let p = conn.provider.as_ref();
    let json = global.json;
    match command {
        Command::Customers(cmd) => customers(conn, cmd, json).await,
        Command::Invoices(super::InvoicesCmd::List { customer }) => {
            let invoices = ops::customers::invoices(p, &customer).await?;
            emit(json, &invoices, || invoice_table(&invoices))
        }
        Command::Plans(PlansCmd::List) => {
            let plans = p.list_plans().await?;
            emit(json, &plans, || plan_table(&plans))
        }
        Command::Subscriptions(SubscriptionsCmd::List { customer }) => {
            let subs = p.list_subscriptions(&customer).await?;
            super::common::exists_when_empty(p, &customer, subs.is_empty()).await?;
            emit(json, &subs, || subscription_table(&subs))
        }
        Command::Subscriptions(SubscriptionsCmd::Get { id }) => {
            let s = p.get_subscription(&id).await?;
            emit(json, &s, || subscription_table(std::slice::from_ref(&s)))
        }
        Command::Entitlements { customer } => {
            let e = p.entitlements(&customer).await?;
            super::common::exists_when_empty(p, &customer, e.is_empty()).await?;
            // The table names each plan's grant where several subscriptions grant a feature;
            // reading them is best effort (the entitlements themselves are the answer).
            let (subs, plans) = if json {
                (Vec::new(), Vec::new())
            } else {
                (p.list_subscriptions(&customer).await.unwrap_or_default(), p.list_plans().await.unwrap_or_default())
            };
            emit(json, &e, || entitlement_table(&e, &subs, &plans))
        }
        Command::Checkout(CheckoutCmd::Create(args)) => super::checkout::create(conn, *args, json).await,
        Command::Checkout(CheckoutCmd::Sessions { limit }) => super::checkout::sessions(p, limit, json).await,
        Command::Checkout(CheckoutCmd::Get { id }) => {
            let s = p.get_checkout(&id).await?;
            emit(json, &s, || checkout_text(&s))
        }
        Command::Subscriptions(
            cmd @ (SubscriptionsCmd::Change { .. }
            | SubscriptionsCmd::Cancel { .. }
            | SubscriptionsCmd::Uncancel { .. }
            | SubscriptionsCmd::CancelChange { .. }),
        ) => super::writes::run(conn, cmd, json).await,
        Command::Payments(cmd) => super::payments::payments(conn, cmd, json).await,
        Command::Portal { customer, return_url } => {
            super::payments::portal(conn, &customer, return_url.as_deref(), json).await
        }
        Command::Usage(cmd) => super::payments::usage(conn, cmd, json).await,
        Command::Sandbox(_)
        | Command::Console(_)
        | Command::Info
        | Command::Audit { .. }
        | Command::Profiles(_)
        | Command::Auth(_)
        | Command::Completions { .. }
        | Command::Webhooks(_)
        | Command::Listen(_)
        | Command::Trigger(_)
        | Command::Requests(_) => Ok(()),
    }
}

/// `till customers …`: list, get, create, update.
async fn customers(conn: &Connection, cmd: CustomersCmd, json: bool) -> Result<(), Failure> {
    let p = conn.provider.as_ref();
    // Writes are refused earlier under --read-only (`writes::is_write`); journaled here.
    let (recorder, guard) = (super::common::recorder(conn), ops::payments::Guard::default());
    match cmd {
        CustomersCmd::List { search, limit, all } => list_customers(&conn.provider, search, limit, all, json).await,
        CustomersCmd::Get { id } => {
            let c = p.get_customer(&id).await?;
            emit(json, &c, || customer_table(std::slice::from_ref(&c)))
        }
        CustomersCmd::Create { id, name, email } => {
            let new = NewCustomer { id, name, email, metadata: Default::default() };
            let c = ops::customer_writes::create(p, &recorder, &guard, &new).await?;
            emit(json, &c, || customer_table(std::slice::from_ref(&c)))
        }
        CustomersCmd::Update { id, name, email } => {
            let update = crate::billing::CustomerUpdate { name, email, metadata: None };
            let before = p.get_customer(&id).await?;
            let c = ops::customer_writes::update(p, &recorder, &guard, &before, &update).await?;
            emit(json, &c, || customer_table(std::slice::from_ref(&c)))
        }
    }
}

/// The completion script for `shell`, generated from the same clap definition the parser uses.
fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut command = <super::Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "till", &mut script);
    let mut out = std::io::stdout().lock();
    match out.write_all(&script).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(failure(ExitCode::Failure, format!("could not write the completion script: {e}")))
        }
        _ => Ok(()),
    }
}

async fn list_customers(
    provider: &Arc<dyn BillingProvider>,
    search: Option<String>,
    limit: Option<u32>,
    all: bool,
    json: bool,
) -> Result<(), Failure> {
    let max = if all { None } else { Some(limit.unwrap_or(DEFAULT_CUSTOMER_LIMIT)) };
    let query = search.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if query.is_none() && !super::table::csv_output() {
        let format = if json { ListFormat::Json } else { ListFormat::Table };
        return print_while_reading(provider, format, max, limit.is_none()).await;
    }
    let p = provider.as_ref();
    let listing = match query {
        Some(query) => ops::customers::search(p, query, max).await?,
        None => ops::customers::list(p, max).await?,
    };
    if listing.scan_capped {
        eprintln!(
            "till: searched the first {} customers locally (accents folded); beyond them only the provider's own search was used",
            ops::customers::SCAN_CAP
        );
    }
    emit(json, &listing.customers, || customer_table(&listing.customers))?;
    // Only a cut the user did not ask for is worth a message: `--limit N` means N. After the
    // list, as a streamed list says it, where a reader at a terminal sees it last.
    if limit.is_none() {
        note_cut("customers", listing.more, DEFAULT_CUSTOMER_LIMIT as usize, oldest_first(p));
    }
    Ok(())
}

/// The provider, when its customer list runs oldest first (a cut list then hides the newest).
fn oldest_first(p: &dyn BillingProvider) -> Option<ProviderKind> {
    p.customers_oldest_first().then(|| p.kind())
}

/// `customers list` without a search: each page handed to a printer thread as it arrives
/// (`stream::ListPrinter`), which decodes its rows (`ops::customers::PageDecoder`) so this
/// thread only fetches: with a cursor, the next page is asked for as soon as a page's envelope
/// is read. JSON is printed as it comes, the same bytes as printing the collected list; a table
/// once the list has ended. A failure part-way keeps its exit code and leaves the customers
/// printed so far, the array unclosed (a table is not printed).
async fn print_while_reading(
    provider: &Arc<dyn BillingProvider>,
    format: ListFormat,
    max: Option<u32>,
    note: bool,
) -> Result<(), Failure> {
    let decoder = Arc::new(Mutex::new(ops::customers::PageDecoder::new(max)));
    let (p, d) = (Arc::clone(provider), Arc::clone(&decoder));
    let printer = ListPrinter::start(format, move |(rows, changed)| {
        d.lock().unwrap_or_else(PoisonError::into_inner).page(p.as_ref(), rows, changed)
    });
    let mut progress = super::progress::Progress::on_stderr("customers", format == ListFormat::Table);
    let listed = ops::customers::list_rows(provider.as_ref(), max, &mut |rows, changed| {
        progress.add(rows.len(), std::time::Instant::now());
        printer.send((rows, changed))
    })
    .await;
    progress.clear();
    let printed = printer.finish(listed.is_ok());
    let tail = listed?;
    printed.map_err(|e| failure(ExitCode::Failure, format!("could not write output: {e}")))?;
    // Only a cut the user did not ask for is worth a message: `--limit N` means N.
    if note {
        let more = decoder.lock().unwrap_or_else(PoisonError::into_inner).more(&tail);
        note_cut("customers", more, DEFAULT_CUSTOMER_LIMIT as usize, oldest_first(provider.as_ref()));
    }
    Ok(())
}

/// `checkout get` for people: the session, where to pay it, until when, and who it is for by
/// name where the provider says it (Flowglad names the customer by its own id).
pub(super) fn checkout_text(s: &crate::billing::CheckoutSession) -> String {
    let stated = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
    let who = [stated(&s.customer_name), stated(&s.customer_email).map(|e| format!("<{e}>"))]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let customer = match (s.customer_id.as_deref(), who.is_empty()) {
        (Some(id), false) => format!("{who} ({id})"),
        (Some(id), true) => id.to_string(),
        (None, false) => who,
        (None, true) => "-".into(),
    };
    // A paid or canceled session's expiry no longer applies, as the console says.
    let expires = match s.status {
        CheckoutStatus::Complete | CheckoutStatus::Canceled if s.expires_at.is_some() => {
            Some(format!("no longer applies ({})", s.status.label()))
        }
        _ => s.expires_at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
    };
    let rows = [
        ("id", Some(s.id.clone())),
        ("status", Some(s.status_text())),
        ("url", s.url.clone()),
        ("expires", expires),
        ("customer", Some(customer)),
        ("subscription", s.subscription_id.clone()),
    ];
    rows.iter()
        .map(|(label, value)| format!("{label:<13}{}\n", crate::text::line(value.as_deref().unwrap_or("-"))))
        .collect()
}

/// `customers list` without `--limit` or `--all`.
pub(crate) const DEFAULT_CUSTOMER_LIMIT: u32 = 50;

fn customer_table(customers: &[crate::billing::Customer]) -> String {
    if !table::csv_output() {
        let mut t = CustomerTable::default();
        customers.iter().for_each(|c| t.push(c));
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = t.write(&mut out);
        return String::from_utf8_lossy(&out).into_owned();
    }
    let mut day = String::new();
    let rows: Vec<Vec<String>> =
        customers.iter().map(|c| CustomerTable::cells(c, &mut day).map(str::to_string).to_vec()).collect();
    let table = table::render(&CustomerTable::HEADERS, &rows);
    with_issues(table, customers.iter().map(|c| (c.id.as_str(), c.issues.as_slice())))
}

fn invoice_table(invoices: &[crate::billing::InvoiceRecord]) -> String {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let rows: Vec<Vec<String>> = invoices
        .iter()
        .map(|i| {
            vec![
                i.number.clone().unwrap_or_else(|| i.id.clone()),
                i.status_text(),
                or_unknown(i.total.map(|t| t.to_string()), &i.issues),
                i.amount_due.map(|t| t.to_string()).unwrap_or_default(),
                date(i.issued_on),
                date(i.due_on),
                i.subscription_id.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let table = table::render(&["INVOICE", "STATUS", "TOTAL", "DUE", "ISSUED", "DUE ON", "SUBSCRIPTION"], &rows);
    with_issues(table, invoices.iter().map(|i| (i.id.as_str(), i.issues.as_slice())))
}

/// Marks unknown cells of a row that has issues with "?", so "" never reads as "nothing".
fn or_unknown(value: Option<String>, issues: &[crate::billing::RowIssue]) -> String {
    value.unwrap_or_else(|| if issues.is_empty() { String::new() } else { "?".into() })
}

/// The table, then one line per row with values that could not be decoded: the row is listed
/// with what did decode, and this says what is missing and why.
fn with_issues<'a>(mut table: String, rows: impl Iterator<Item = (&'a str, &'a [crate::billing::RowIssue])>) -> String {
    for (id, issues) in rows.filter(|(_, issues)| !issues.is_empty()) {
        let line = super::stream::issue_note(id, issues);
        // CSV stays rows only; the reader still learns what could not be read.
        if super::table::csv_output() {
            eprint!("till: {line}");
        } else {
            table.push_str(&line);
        }
    }
    table
}

fn plan_table(plans: &[Plan]) -> String {
    let rows: Vec<Vec<String>> = plans
        .iter()
        .flat_map(|plan| {
            let priced = plan.prices.iter().map(move |price| {
                vec![
                    plan.id.clone(),
                    plan.name.clone(),
                    price.period.label(),
                    price.amount.currency().to_string(),
                    price.amount.to_string(),
                ]
            });
            // A plan whose prices could not be decoded is still listed, not silently dropped.
            let unpriced = (plan.prices.is_empty() && !plan.issues.is_empty())
                .then(|| vec![plan.id.clone(), plan.name.clone(), "?".into(), "?".into(), "?".into()]);
            priced.chain(unpriced)
        })
        .collect();
    let table = table::render(&["PLAN", "NAME", "PERIOD", "CURRENCY", "PRICE"], &rows);
    with_issues(table, plans.iter().map(|p| (p.id.as_str(), p.issues.as_slice())))
}

fn subscription_table(subs: &[Subscription]) -> String {
    let rows: Vec<Vec<String>> = subs
        .iter()
        .map(|s| {
            let end = s.date_phrase();
            vec![
                s.id.clone(),
                s.plan_name.clone().or(s.plan_id.clone()).unwrap_or_default(),
                s.status.label().to_string(),
                or_unknown(s.amount.map(|a| a.to_string()), &s.issues),
                // An undecodable row's period is a placeholder: show it as unknown.
                if s.status == crate::billing::SubscriptionStatus::Unknown && !s.issues.is_empty() {
                    "?".into()
                } else {
                    s.period.label()
                },
                end,
            ]
        })
        .collect();
    let table = table::render(&["ID", "PLAN", "STATUS", "AMOUNT", "PERIOD", "DATES"], &rows);
    with_issues(table, subs.iter().map(|s| (s.id.as_str(), s.issues.as_slice())))
}

fn entitlement_table(
    ents: &[Entitlement],
    subs: &[crate::billing::Subscription],
    plans: &[crate::billing::Plan],
) -> String {
    let from = |e: &Entitlement| {
        let sources = crate::billing::attribution::sources(&e.feature_id, subs, plans);
        if sources.is_empty() { String::new() } else { crate::billing::attribution::phrase(&sources) }
    };
    let rows: Vec<Vec<String>> = ents
        .iter()
        .map(|e| {
            let (kind, detail) = match &e.kind {
                EntitlementKind::Boolean => ("boolean", String::new()),
                EntitlementKind::Meter { limit, used, remaining, .. } => (
                    "meter",
                    format!(
                        "{} used of {}, {} left",
                        group_int(*used),
                        limit.map_or("unlimited".into(), group_int),
                        remaining.map_or("unlimited".into(), group_int)
                    ),
                ),
                EntitlementKind::Customizable { value } => ("value", crate::billing::money::group_if_whole(value)),
            };
            let access = if e.has_access { "✓" } else { "✗" }.to_string();
            vec![e.feature_id.clone(), kind.to_string(), access, detail, from(e)]
        })
        .collect();
    let mut headers = vec!["FEATURE", "TYPE", "ACCESS", "DETAIL", "FROM"];
    let mut rows = rows;
    if rows.iter().all(|r| r[4].is_empty()) {
        headers.pop();
        rows.iter_mut().for_each(|r| {
            r.pop();
        });
    }
    table::render(&headers, &rows)
}
