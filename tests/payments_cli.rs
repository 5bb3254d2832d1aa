//! `till payments`, `till portal` and `till usage` as processes: a refund previews, then
//! applies with `--yes`; a provider without the action says "not offered by"; exit codes as
//! the other commands.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::process::{Command, Output};

fn till(data: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_till"))
        .args(args)
        .env_remove("TILL_PROFILE")
        .env_remove("TILL_READ_ONLY")
        .env_remove("TILL_KELVIQ_BASE_URL")
        .env_remove("TILL_FLOWGLAD_BASE_URL")
        .env_remove("TILL_KUVARPAY_BASE_URL")
        .env_remove("TILL_ZENSKAR_BASE_URL")
        .env("TILL_DATA_DIR", data)
        .env("TILL_CONFIG_DIR", data.join("config"))
        .output()
        .unwrap()
}

fn data(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("till-payments-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn out(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).to_string(), String::from_utf8_lossy(&o.stderr).to_string())
}

#[test]
fn a_refund_previews_then_applies_with_yes() {
    let dir = data("refund");
    let list = till(&dir, &["--json", "payments", "list", "--customer", "cus_rossi_design"]);
    assert_eq!(list.status.code(), Some(0), "{:?}", out(&list));
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let id = rows[0]["id"].as_str().unwrap().to_string();
    assert_eq!(rows[0]["refundable"]["amount"], "750.00");

    let preview = till(&dir, &["payments", "refund", &id, "--amount", "50"]);
    let (stdout, stderr) = out(&preview);
    assert_eq!(preview.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("would refund €50.00 of €750.00") && stdout.contains("add --yes"), "{stdout}");
    assert!(!dir.join("audit.jsonl").exists(), "a preview journals nothing");

    let applied = till(&dir, &["--json", "payments", "refund", &id, "--amount", "50", "--yes"]);
    let (stdout, stderr) = out(&applied);
    assert_eq!(applied.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["applied"], true);
    assert_eq!(v["refund"]["payment"]["status"], "partially_refunded");
    assert_eq!(v["refund"]["payment"]["refundable"]["amount"], "700.00");
    let journal = std::fs::read_to_string(dir.join("audit.jsonl")).unwrap();
    assert!(journal.contains("payment.refund"), "{journal}");

    // Too much, too precise: refused with exit 2 and one line, before anything is sent.
    for (amount, says) in [("750.01", "more than the €750.00 still refundable"), ("1.001", "more decimals than EUR")]
    {
        let o = till(&dir, &["payments", "refund", &id, "--amount", amount, "--yes"]);
        let (_, stderr) = out(&o);
        assert_eq!(o.status.code(), Some(2), "{amount}: {stderr}");
        assert!(stderr.contains(says), "{amount}: {stderr}");
    }
    // Read-only refuses the applying form.
    let o = till(&dir, &["--read-only", "payments", "refund", &id, "--yes"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(out(&o).1.contains("read-only"));
}

#[test]
fn providers_without_the_action_say_so_with_exit_3() {
    let dir = data("unoffered");
    for (args, says) in [
        (&["-p", "kuvarpay", "payments", "list", "--customer", "x"][..], "listing payments is not offered by KuvarPay"),
        (&["-p", "zenskar", "payments", "refund", "x"][..], "refunding a payment is not offered by Zenskar"),
        (&["-p", "kuvarpay", "portal", "--customer", "x"][..], "customer portal links are not offered by KuvarPay"),
        (
            &["-p", "zenskar", "usage", "report", "--customer", "x", "--feature", "f", "--quantity", "1"][..],
            "reporting usage is not offered by Zenskar",
        ),
    ] {
        let o = till(&dir, args);
        let (stdout, stderr) = out(&o);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(stdout.is_empty());
    }
}

#[test]
fn portal_prints_the_link_and_usage_reports() {
    let dir = data("portal");
    let o = till(&dir, &["portal", "--customer", "cus_kovacs"]);
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stdout.trim().contains("/kelviq-portal/till-sandbox/?token=cpt-"), "{stdout}");
    let token = stdout.trim().rsplit('=').next().unwrap().to_string();
    let history = std::fs::read_to_string(dir.join("requests.jsonl")).unwrap_or_default();
    assert!(!history.contains(&token), "the portal token reached the request history");

    // Without --yes: the meter as it is and as the report would leave it; nothing sent.
    let report = ["usage", "report", "--customer", "cus_kovacs", "--feature", "api-calls", "--quantity", "5"];
    let o = till(&dir, &report);
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let used: i64 =
        stdout.split("used ").nth(1).and_then(|r| r.split(' ').next()).unwrap().replace(',', "").parse().unwrap();
    let after = till::billing::money::group_int(used + 5);
    assert!(
        stdout.contains(&format!(
            "api-calls for cus_kovacs: used {} → {after} (adds 5)",
            till::billing::money::group_int(used)
        )),
        "{stdout}"
    );
    assert!(stdout.contains("(preview only: add --yes to apply)"), "{stdout}");
    let history = std::fs::read_to_string(dir.join("requests.jsonl")).unwrap_or_default();
    assert!(!history.contains("report/usage"), "a preview sends no report: {history}");
    let o = till(&dir, &[&report[..], &["--yes"]].concat());
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout.trim(), "usage added 5 on api-calls for cus_kovacs");
}
