use super::*;

#[test]
fn durations_and_features_parse_or_explain() {
    assert_eq!(parse_duration("250").unwrap(), Duration::from_millis(250));
    assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
    assert!(parse_duration("4611686018427387904m").unwrap_err().contains("too long"));
    assert!(parse_duration("fast").unwrap_err().contains("not a duration"));
    assert_eq!(parse_feature("seats=5").unwrap(), ("seats".into(), 5));
    assert!(parse_feature("seats=0").unwrap_err().contains("positive"));
    assert!(parse_feature("seats").unwrap_err().contains("identifier=quantity"));
}

/// Every option, flag and positional of every command says what it is for (in `--help`
/// and in the shell completions generated from the same tree).
#[test]
fn every_argument_has_a_description() {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                missing.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_about().is_none() && sub.get_name() != "help" {
                missing.push(format!("{path} {} (command)", sub.get_name()));
            }
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    walk(&Cli::command(), "till", &mut missing);
    assert!(missing.is_empty(), "no description: {missing:#?}");
}

#[test]
fn cli_definition_is_consistent() {
    use clap::CommandFactory;
    Cli::command().debug_assert();
}

/// `checkout get` names who the session is for where the provider says it, beside the id the
/// provider gave (Flowglad's own `cus_…`, which the reader may never have seen), and where to
/// pay it until when; a hostile name is one safe line.
#[test]
fn a_checkout_reads_with_its_customer_by_name_its_url_and_expiry() {
    use crate::billing::{CheckoutSession, CheckoutStatus, ProviderKind};
    let mut s = CheckoutSession {
        provider: ProviderKind::Flowglad,
        id: "chckt_1".into(),
        url: Some("https://pay.example/chckt_1".into()),
        status: CheckoutStatus::Open,
        raw_status: "open".into(),
        expires_at: chrono::DateTime::from_timestamp(1_796_740_774, 0),
        customer_id: Some("cus_7M3".into()),
        customer_name: Some("Carlos Rossi".into()),
        customer_email: Some("carlos@example.com".into()),
        subscription_id: None,
        estimate: None,
    };
    let text = run::checkout_text(&s);
    assert_eq!(
        text,
        "id           chckt_1\nstatus       open\nurl          https://pay.example/chckt_1\n\
         expires      2026-12-08 14:39 UTC\ncustomer     Carlos Rossi <carlos@example.com> (cus_7M3)\n\
         subscription -\n"
    );
    s.customer_name = Some("Eve\u{1b}]0;x\u{7}\nX".into());
    s.customer_email = None;
    s.url = None;
    let text = run::checkout_text(&s);
    assert!(text.contains("customer     Eve␛]0;x␇␊X (cus_7M3)\n"), "{text}");
    assert!(text.contains("url          -\n"), "{text}");
    s.status = CheckoutStatus::Complete;
    let text = run::checkout_text(&s);
    assert!(text.contains("expires      no longer applies (complete)\n"), "{text}");
}
