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
fn usage_errors_keep_the_list_clap_announces() {
    let rendered = "error: the following required arguments were not provided:\n  --customer <CUSTOMER>\n  --plan <PLAN>\n\nUsage: till subscriptions list --customer <CUSTOMER>\n\nFor more information, try '--help'.\n";
    assert_eq!(
        usage_line(rendered),
        "the following required arguments were not provided: --customer <CUSTOMER>, --plan <PLAN>"
    );
    assert_eq!(usage_line("error: unexpected argument '--x' found\n\n  tip: …\n"), "unexpected argument '--x' found");
}

#[test]
fn cli_definition_is_consistent() {
    use clap::CommandFactory;
    Cli::command().debug_assert();
}
