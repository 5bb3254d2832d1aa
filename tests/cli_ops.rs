//! The CLI through the shared operations layer (issue 12): it validates like the console's form,
//! finds customers like the console's filter, takes plans by id, slug or name, and its flags and
//! exit codes are consistent with themselves.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::process::{Command, Output};

fn till_in(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env_remove("TILL_PROFILE")
        .env_remove("TILL_READ_ONLY")
        .env_remove("TILL_KELVIQ_BASE_URL")
        .env("TILL_DATA_DIR", data)
        .env("TILL_CONFIG_DIR", data.join("config"))
        .output()
        .unwrap()
}

fn till(args: &[&str]) -> Output {
    till_in(&std::env::temp_dir().join(format!("till-cli-ops-{}", std::process::id())), args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Refused before anything is sent: exit 2, one line naming the field with the form's message,
/// and no sandbox started (nothing was going to be sent).
fn assert_refused(args: &[&str], message: &str) {
    let o = till(args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: one line expected: {err:?}");
    assert!(err.contains(message), "{args:?}: {err:?} should contain {message:?}");
    assert!(o.stdout.is_empty());
}

#[test]
fn checkout_input_the_console_refuses_is_refused_before_sending() {
    let kelviq = ["checkout", "create", "--plan", "growth", "--period", "MONTHLY"];
    let with = |extra: &[&'static str]| [&kelviq[..], extra].concat();
    assert_refused(
        &with(&["--success-url", "ftp://x"]),
        "Success URL (--success-url): must use http or https, not ftp",
    );
    assert_refused(
        &with(&["--success-url", "example.com/x"]),
        "Success URL (--success-url): must be an absolute http(s) URL",
    );
    assert_refused(&with(&["--ip", "999.1.1.1"]), "IP address (--ip): must be an IPv4 or IPv6 address");
    assert_refused(&with(&["--currency", "XYZ"]), "Currency (--currency): unknown currency \"XYZ\"");
    let kuvarpay = ["-p", "kuvarpay", "checkout", "create", "--price", "price_x"];
    let kp = |extra: &[&'static str]| [&kuvarpay[..], extra].concat();
    assert_refused(
        &kp(&["--customer-email", "bob@"]),
        "Customer email (--customer-email): must be an email address like name@example.com",
    );
    assert_refused(
        &kp(&["--customer-email", "a\u{1b}[2J@b.co"]),
        "Customer email (--customer-email): has a control character (U+001B) at position 2 (pasted?)",
    );
    assert_refused(
        &with(&["--success-url", "https://x.example/a\u{1b}[2Jb"]),
        "Success URL (--success-url): has a control character (U+001B) at position 20 (pasted?)",
    );
    assert_refused(
        &kp(&["--customer-email", "a@b.co", "--target-amount", "10", "--currency", "USD"]),
        "Target amount (--target-amount): a target amount is for METERED billing; FIXED charges the price",
    );
    assert_refused(
        &kp(&[
            "--customer-email",
            "a@b.co",
            "--billing-mode",
            "METERED",
            "--target-amount",
            "1.001",
            "--currency",
            "USD",
        ]),
        "Target amount (--target-amount): 1.001 has more decimals than USD allows",
    );
    let flowglad = ["-p", "flowglad", "checkout", "create", "--plan", "pro"];
    assert_refused(
        &[&flowglad[..], &["--quantity", "0"]].concat(),
        "Quantity (--quantity): must be positive (1 or more)",
    );
    let zenskar = ["-p", "zenskar", "checkout", "create", "--plan", "p", "--customer", "c"];
    assert_refused(
        &[&zenskar[..], &["--start-date", "2027-03-01", "--end-date", "2027-02-01"]].concat(),
        "End date (--end-date): must be after the start date 2027-03-01",
    );
    assert_refused(
        &[&zenskar[..], &["--end-date", "2027-02-30"]].concat(),
        "End date (--end-date): must be a real date",
    );
}

#[test]
fn search_folds_accents_on_every_provider() {
    for provider in ["kelviq", "flowglad", "kuvarpay", "zenskar"] {
        let o = till(&["-p", provider, "customers", "list", "--search", "muller"]);
        assert_eq!(o.status.code(), Some(0), "{provider}: {}", stderr(&o));
        let first = stdout(&o).lines().nth(1).unwrap_or_default().to_string();
        assert!(first.contains("Müller"), "{provider}: the best match first, got {:?}", stdout(&o));
    }
}

/// A seeded Zenskar customer.
const GRETA: &str = "12290c51-96a4-4aaa-bbd2-a6a3fc7421e6";

#[test]
fn plans_are_taken_by_id_slug_or_name_everywhere() {
    // Zenskar's plan ids are UUIDs with one plan per price: the name plus period and currency.
    let o = till(&[
        "-p",
        "zenskar",
        "--json",
        "checkout",
        "create",
        "--plan",
        "team",
        "--period",
        "MONTHLY",
        "--currency",
        "USD",
        "--customer",
        GRETA,
        "--dry-run",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plans = till(&["-p", "zenskar", "--json", "plans", "list"]);
    let plans: serde_json::Value = serde_json::from_slice(&plans.stdout).unwrap();
    let team_usd_monthly = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["name"] == "Team"
                && p["prices"][0]["period"] == "MONTHLY"
                && p["prices"][0]["amount"]["currency"] == "USD"
        })
        .map(|p| p["id"].as_str().unwrap().to_string())
        .expect("a Team monthly USD plan");
    assert!(stdout(&o).contains(&team_usd_monthly), "{}", stdout(&o));
    // A name several plans share, not narrowed: a usage error listing each with its price.
    let o = till(&["-p", "zenskar", "checkout", "create", "--plan", "team", "--customer", "c", "--dry-run"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("plan \"team\" is ambiguous") && stderr(&o).contains("$45.00 USD monthly"),
        "{}",
        stderr(&o)
    );
    // KuvarPay's `plan_pro` by its name.
    let o = till(&[
        "-p",
        "kuvarpay",
        "checkout",
        "create",
        "--plan",
        "Pro",
        "--period",
        "MONTHLY",
        "--currency",
        "USD",
        "--customer-email",
        "a@b.co",
        "--dry-run",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("priceUid"), "{}", stdout(&o));
}

#[test]
fn checkout_types_take_either_spelling() {
    for spelling in ["activate-subscription", "activate_subscription"] {
        let o = till(&[
            "-p",
            "flowglad",
            "checkout",
            "create",
            "--type",
            spelling,
            "--subscription",
            "sub_1",
            "--customer",
            "u",
            "--dry-run",
        ]);
        assert_eq!(o.status.code(), Some(0), "{spelling}: {}", stderr(&o));
        assert!(stdout(&o).contains("\"activate_subscription\""), "{}", stdout(&o));
    }
    assert_refused(&["-p", "flowglad", "checkout", "create", "--type", "refund"], "Checkout type (--type)");
    // An activation sells nothing: a quantity was refused only by the client after the form's
    // checks, and a price was dropped unsent.
    let activate = ["-p", "flowglad", "checkout", "create", "--type", "activate-subscription", "--subscription"];
    let refused = "not part of an activate-subscription checkout";
    for (flag, value) in [("--quantity", "2"), ("--price", "pro-monthly-usd")] {
        let args = [&activate[..], &["sub_1", "--customer", "u", flag, value, "--dry-run"]].concat();
        assert_refused(&args, &format!("({flag}): {refused}"));
    }
}

/// A provider's error echoing an id with a line break in it (Flowglad's 404 names the id)
/// printed on two lines; an error is one line on every provider.
#[test]
fn an_error_echoing_a_line_break_is_one_line() {
    for provider in ["kelviq", "flowglad", "kuvarpay", "zenskar"] {
        let o = till(&["-p", provider, "customers", "get", "a\nb"]);
        // Past the line saying which sandbox is used.
        let err: String = stderr(&o).lines().filter(|l| !l.contains("using the embedded sandbox")).collect();
        assert!(![0, 101].contains(&o.status.code().unwrap()), "{provider}: {err}");
        assert_eq!(stderr(&o).lines().filter(|l| !l.contains("embedded sandbox")).count(), 1, "{provider}: {err:?}");
        // Flowglad echoes the id as sent: the break is shown as its stand-in, `a␊b`.
        if provider == "flowglad" {
            assert!(err.contains("Customer not found: a\u{240a}b"), "{err:?}");
        }
    }
}

#[test]
fn a_past_cancel_date_is_a_usage_error() {
    assert_refused(
        &["subscriptions", "cancel", "any", "--timing", "on-date", "--date", "2020-01-01", "--yes"],
        "--date 2020-01-01 is in the past",
    );
}

#[test]
fn a_list_cut_at_its_default_limit_says_so() {
    let o = till(&["customers", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 51, "header and 50 rows");
    assert!(
        stderr(&o).contains("showing the first 50 customers; 16 more not shown (use --all, or --limit N)"),
        "{}",
        stderr(&o)
    );
    let o = till(&["customers", "list", "--limit", "3"]);
    assert!(!stderr(&o).contains("not shown"), "an explicit limit is what was asked for: {}", stderr(&o));
    let o = till(&["customers", "list", "--all"]);
    assert_eq!(stdout(&o).lines().count(), 67);
    assert!(!stderr(&o).contains("not shown"));
}

/// Flowglad's API lists customers oldest first and offers no other order, so a list cut at
/// the default limit hides the newest ones: the note says so instead of implying what the
/// README once claimed (newest first everywhere).
#[test]
fn a_cut_flowglad_list_says_the_newest_are_not_shown() {
    let o = till(&["-p", "flowglad", "customers", "list", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let listed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let created: Vec<&str> = listed.as_array().unwrap().iter().filter_map(|c| c["created_at"].as_str()).collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]), "oldest first: {created:?}");
    let err = stderr(&o);
    let note = err.lines().find(|l| l.contains("not shown")).unwrap_or_default();
    assert!(note.starts_with("till: showing the oldest 50 customers (Flowglad lists oldest first); "), "{err}");
    assert!(note.ends_with(" newer not shown (use --all, or --limit N)"), "{err}");
    let o = till(&["-p", "kelviq", "customers", "list"]);
    assert!(stderr(&o).contains("showing the first 50 customers; "), "newest first elsewhere: {}", stderr(&o));
}

#[test]
fn usage_errors_name_the_missing_argument() {
    let o = till(&["subscriptions", "list"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("were not provided: --customer <CUSTOMER>"), "{err}");
}

#[test]
fn global_flags_apply_or_are_refused() {
    let data = tempfile::tempdir().unwrap();
    assert_eq!(till_in(data.path(), &["customers", "list", "--limit", "1"]).status.code(), Some(0));
    assert_eq!(till_in(data.path(), &["-p", "zenskar", "plans", "list"]).status.code(), Some(0));
    let o = till_in(data.path(), &["-p", "flowglad", "--json", "requests", "list"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "[]", "no Flowglad requests were made");
    let o = till_in(data.path(), &["-p", "zenskar", "--json", "requests", "list"]);
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        !rows.as_array().unwrap().is_empty() && rows.as_array().unwrap().iter().all(|r| r["provider"] == "zenskar")
    );

    let o = till_in(data.path(), &["info", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).expect("info --json prints JSON");
    assert!(info["audit_file"].as_str().unwrap().ends_with("audit.jsonl"), "{info}");
    // The data dir is the one in use ($TILL_DATA_DIR), not the XDG default beside it.
    assert_eq!(info["data_dir"], data.path().display().to_string(), "{info}");
    assert_eq!(info["requests_file"], data.path().join("requests.jsonl").display().to_string(), "{info}");
    // An empty TILL_DATA_DIR is unset, not the current directory.
    let o = Command::new(env!("CARGO_BIN_EXE_till"))
        .args(["info", "--json"])
        .env("TILL_DATA_DIR", "")
        .env("TILL_CONFIG_DIR", "")
        .current_dir(data.path())
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&o.stdout).expect("info --json prints JSON");
    for key in ["data_dir", "audit_file", "config_file"] {
        assert!(info[key].as_str().is_some_and(|p| std::path::Path::new(p).is_absolute()), "{key}: {info}");
    }

    let o = till_in(data.path(), &["completions", "bash", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--json does not apply to `till completions`"), "{}", stderr(&o));
    let o = till_in(data.path(), &["-p", "kelviq", "sandbox", "serve", "--port", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--provider does not apply to `till sandbox serve`"));
}

#[test]
fn a_headless_downgrade_preview_names_usage_over_the_new_limit() {
    // Each run starts its own sandbox; seeded ids are the same in every run.
    let list = till(&["-p", "kelviq", "--json", "subscriptions", "list", "--customer", "cus_rossi_design"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    let subs: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let growth = subs.as_array().unwrap().iter().find(|s| s["plan_name"] == "Growth").expect("Growth");
    let id = growth["id"].as_str().unwrap();
    let o = till(&["-p", "kelviq", "subscriptions", "change", id, "--plan", "starter"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(out.contains("usage over the new limits:"), "{out}");
    assert!(out.contains("⚠ API calls: 485,000 used, over the new limit 50,000"), "{out}");
    assert!(
        out.contains("Credit €") && out.contains("(nothing due now)") && !out.contains("Due now -"),
        "a credit reads as one: {out}"
    );
    assert!(out.contains("(preview only: add --yes to apply)"), "{out}");
    let o = till(&["-p", "kelviq", "--json", "subscriptions", "change", id, "--plan", "starter"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["applied"], false);
    assert!(v["usage_warnings"][0].as_str().unwrap().contains("485,000 used"), "{v}");
}

#[test]
fn a_scheduled_change_is_in_the_json_and_calling_it_off_says_where_it_is_not_offered() {
    let subs = till(&["-p", "flowglad", "--json", "subscriptions", "list", "--customer", "user_souza_moda"]);
    assert_eq!(subs.status.code(), Some(0), "{}", stderr(&subs));
    let subs: serde_json::Value = serde_json::from_slice(&subs.stdout).unwrap();
    let pro = subs.as_array().unwrap().iter().find(|s| s["plan_name"] == "Pro").expect("Pro");
    let id = pro["id"].as_str().unwrap();
    let args = ["-p", "flowglad", "--json", "subscriptions", "change", id, "--plan", "starter"];
    let o = till(&[&args[..], &["--timing", "at-period-end", "--yes"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["subscription"]["plan_name"], "Pro", "{v}");
    assert_eq!(v["subscription"]["pending_change"]["plan_name"], "Starter", "{v}");
    assert_eq!(v["subscription"]["pending_change"]["on"], pro["current_period_end"].as_str().unwrap()[..10], "{v}");
    // Kelviq schedules no changes: calling one off is not offered (exit 3, one line).
    let o = till(&["-p", "kelviq", "subscriptions", "cancel-change", "any-id"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("not offered by Kelviq"), "{}", stderr(&o));
}

#[test]
fn entitlements_granted_by_two_subscriptions_name_each_plans_share() {
    // Müller Maschinenbau holds Growth and Starter on Kelviq: both grant seats and meters.
    let o = till(&["-p", "kelviq", "entitlements", "--customer", "cus_mueller_maschinenbau"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.lines().next().unwrap().contains("FROM"), "{out}");
    let seats = out.lines().find(|l| l.starts_with("seats")).unwrap_or_else(|| panic!("{out}"));
    // Growth was bought with 18 seats: the subscription's own value, not the plan's default 10.
    assert!(seats.contains("from Starter 3 · Growth 18"), "{seats}");
    assert!(out.contains("512,000 used of 550,000, 38,000 left"), "grouped like the console: {out}");
    let api = out.lines().find(|l| l.starts_with("api-calls")).unwrap();
    assert!(api.contains("Growth 500,000") && api.contains("Starter 50,000"), "{api}");
    // One subscription: no FROM column.
    let o = till(&["-p", "kelviq", "entitlements", "--customer", "cus_rossi_design"]);
    assert!(!stdout(&o).lines().next().unwrap().contains("FROM"), "{}", stdout(&o));
}

/// A cancel on a date past the current period's end renews first: the preview said only
/// "would end 2027-01-15", not the charge on 2026-12-28 before it.
#[test]
fn a_cancel_on_a_later_date_names_the_renewal_before_it() {
    let list = till(&["-p", "kelviq", "--json", "subscriptions", "list", "--customer", "cus_mueller_maschinenbau"]);
    let subs: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let starter = subs.as_array().unwrap().iter().find(|s| s["plan_name"] == "Starter").expect("Starter");
    let id = starter["id"].as_str().unwrap();
    let renews = chrono::DateTime::parse_from_rfc3339(starter["current_period_end"].as_str().unwrap()).unwrap();
    let renews = renews.date_naive();
    let after = (renews + chrono::Duration::days(10)).to_string();
    let o = till(&["-p", "kelviq", "subscriptions", "cancel", id, "--timing", "on-date", "--date", &after]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let expected = format!("Renews before it ends: €18.00 on {renews}, and at each renewal up to {after}");
    assert!(stdout(&o).contains(&expected), "{expected:?} in {}", stdout(&o));
    let before = (renews - chrono::Duration::days(1)).to_string();
    let o = till(&["-p", "kelviq", "subscriptions", "cancel", id, "--timing", "on-date", "--date", &before]);
    assert!(!stdout(&o).contains("Renews before it ends"), "{}", stdout(&o));
}

/// A plan change made headless on Flowglad knows only the subscription's Flowglad customer id,
/// so it is journaled under that id; `till audit --customer <external id>` still finds it
/// (Flowglad is asked for that customer's own id), and a filter to another provider does not.
#[test]
fn a_headless_flowglad_change_is_found_by_the_customers_external_id() {
    let data = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_till"))
            .args(args)
            .env("TILL_DATA_DIR", data.path())
            .env("TILL_CONFIG_DIR", config.path())
            .env_remove("TILL_PROFILE")
            .output()
            .unwrap()
    };
    // No Flowglad action under a Flowglad id in the journal: nothing is asked of anyone.
    let quiet = run(&["audit", "--customer", "user_petrovic_tech"]);
    assert!(String::from_utf8_lossy(&quiet.stderr).is_empty(), "{}", String::from_utf8_lossy(&quiet.stderr));
    let listed = run(&["-p", "flowglad", "--json", "subscriptions", "list", "--customer", "user_petrovic_tech"]);
    let subs: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let id = subs[0]["id"].as_str().unwrap().to_string();
    let changed = run(&["-p", "flowglad", "subscriptions", "change", &id, "--plan", "pro", "--yes"]);
    assert_eq!(changed.status.code(), Some(0), "{}", String::from_utf8_lossy(&changed.stderr));

    let audit = run(&["--json", "audit", "--customer", "user_petrovic_tech"]);
    assert_eq!(audit.status.code(), Some(0), "{}", String::from_utf8_lossy(&audit.stderr));
    let found: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0]["action"].as_str(), found[0]["target"].as_str()), (Some("subscription.change"), Some(&*id)));
    let other = run(&["--json", "-p", "kelviq", "audit", "--customer", "user_petrovic_tech"]);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&other.stdout).unwrap(), serde_json::json!([]));
}

/// A one-time purchase has no period to end: `--timing at-period-end` is refused before the
/// preview (which named no date) and before anything is sent or journaled.
#[test]
fn cancelling_a_one_time_purchase_at_period_end_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let listed = till_in(data.path(), &["--json", "subscriptions", "list", "--customer", "cus_fernandez_abogados"]);
    let subs: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let id = subs[0]["id"].as_str().unwrap().to_string();
    assert_eq!(subs[0]["period"], "ONE_TIME", "{subs}");
    for yes in [false, true] {
        let mut args = vec!["subscriptions", "cancel", id.as_str(), "--timing", "at-period-end"];
        if yes {
            args.push("--yes");
        }
        let o = till_in(data.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("no current period to end"), "{}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{}", stdout(&o));
    }
    let audit = till_in(data.path(), &["--json", "audit"]);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&audit.stdout).unwrap(), serde_json::json!([]));
}
