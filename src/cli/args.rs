//! Checks on argument values that clap runs for every command, and how a command line clap
//! refused is reported: one terminal-safe line that names the argument at fault.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// The longest id an id argument takes, in characters (`crate::providers::MAX_ID_CHARS`).
pub use crate::providers::MAX_ID_CHARS;

/// An id argument: an empty one (or only spaces) was sent as `customer_id=` and answered with
/// the provider's 404, which names no argument; a 100,000-character one made a URL no HTTP
/// library builds ("builder error for url", exit 3). Now clap names either before anything is
/// sent.
pub(crate) fn id_arg(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("must not be empty".into());
    }
    let chars = text.chars().count();
    if chars > MAX_ID_CHARS {
        return Err(format!(
            "an id is at most {MAX_ID_CHARS} characters, this one has {}",
            crate::billing::money::group_int(i64::try_from(chars).unwrap_or(i64::MAX))
        ));
    }
    Ok(text.to_string())
}

/// An id `checkout create` sends (`--customer`, `--price`, `--subscription`,
/// `--business-entity`, `--disable-product`): an [`id_arg`] without a control character.
/// `--customer` took any text, so a pasted U+202E became part of the id the session was
/// created for, and every screen showing it afterwards read it reversed. Lookups keep plain
/// [`id_arg`]: a provider's own hostile id must still be readable.
pub(crate) fn checkout_id_arg(text: &str) -> Result<String, String> {
    text_arg(&id_arg(text)?)
}

/// Text a command writes to a provider (a name, an e-mail): any text but a control character.
/// A pasted U+202E would be stored with the customer and read reversed on every screen
/// afterwards ("Lorenzo <U+202E>irarreF" shows as "Lorenzo Ferrari"); the console's fields
/// refuse it too.
pub(crate) fn text_arg(text: &str) -> Result<String, String> {
    match crate::billing::validate::control_character(text) {
        Some(what) => Err(format!("contains {what}")),
        None => Ok(text.to_string()),
    }
}

/// `checkout create --plan`: empty, its default, leaves the plan to `--price` or the provider's
/// rules; anything else is a [`checkout_id_arg`] (an id, slug or name alike).
pub(crate) fn checkout_plan_arg(text: &str) -> Result<String, String> {
    if text.is_empty() { Ok(String::new()) } else { checkout_id_arg(text) }
}

/// Values longer than this are shown cut in an error, with their length.
const SHOWN_VALUE_CHARS: usize = 40;

/// What `main` prints for a command line clap refused. clap's own line, shortened where it
/// repeats a huge value; for an argument that is not UTF-8 (clap says only "invalid UTF-8 was
/// detected") the position, the bytes and the argument they were for.
pub fn usage_error(e: &clap::Error, args: &[OsString]) -> String {
    if e.kind() == ErrorKind::InvalidUtf8
        && let Some(message) = not_utf8(args)
    {
        return message;
    }
    let mut rendered = e.to_string();
    for kind in [ContextKind::InvalidValue, ContextKind::InvalidArg] {
        if let Some(ContextValue::String(value)) = e.get(kind)
            && value.chars().count() > SHOWN_VALUE_CHARS
        {
            rendered = rendered.replacen(value.as_str(), &cut(value), 1);
        }
    }
    usage_line(&rendered)
}

/// The start of a long value and its length: `aaaa…(100,000 characters)`.
fn cut(value: &str) -> String {
    let start: String = value.chars().take(SHOWN_VALUE_CHARS).collect();
    format!(
        "{start}… ({} characters)",
        crate::billing::money::group_int(i64::try_from(value.chars().count()).unwrap_or(i64::MAX))
    )
}

/// clap's error as one line: its first line names the bad value and why; a first line ending
/// in ':' ("the following required arguments were not provided:") is followed by the
/// indented list it announces, which is joined onto it. clap repeats the bad value as typed,
/// so the line is made terminal-safe ([`crate::text::line`]): a CR or a one-byte CSI in it
/// would otherwise reach the terminal.
pub fn usage_line(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or("invalid arguments").trim_start_matches("error: ").trim_end();
    let listed: Vec<&str> = if first.ends_with(':') {
        lines.take_while(|l| l.starts_with(char::is_whitespace) && !l.trim().is_empty()).map(str::trim).collect()
    } else {
        Vec::new()
    };
    let line = if listed.is_empty() { first.to_string() } else { format!("{first} {}", listed.join(", ")) };
    crate::text::line(&line).into_owned()
}

/// Stands in for the argument that is not UTF-8 when the command line is parsed again to learn
/// which argument it was for.
const PROBE: &str = "till-probe-not-utf8";

/// `argument 3 is not valid UTF-8 ('\xFF\xFE', for '<ID>'): …`, for the first such argument.
fn not_utf8(args: &[OsString]) -> Option<String> {
    let at = args.iter().skip(1).position(|a| a.to_str().is_none())? + 1;
    let shown = cut_shown(&escaped(&args[at]));
    let probe = probe_arg(&args[at]);
    let mut probed = args.to_vec();
    probed[at] = probe;
    let what = match named(&probed) {
        Some(arg) => format!("'{shown}', for '{arg}'"),
        None => format!("'{shown}'"),
    };
    Some(
        crate::text::line(&format!("argument {at} is not valid UTF-8 ({what}): till reads arguments as UTF-8 text"))
            .into_owned(),
    )
}

fn cut_shown(shown: &str) -> String {
    if shown.chars().count() > SHOWN_VALUE_CHARS { cut(shown) } else { shown.to_string() }
}

/// The argument with each byte that is not UTF-8 written `\xFF`.
#[cfg(unix)]
fn escaped(arg: &std::ffi::OsStr) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in arg.as_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

#[cfg(not(unix))]
fn escaped(arg: &std::ffi::OsStr) -> String {
    arg.to_string_lossy().into_owned()
}

/// The probe in the argument's place, keeping a `--flag=` it starts with, so the flag is found.
fn probe_arg(arg: &std::ffi::OsStr) -> OsString {
    let escaped = escaped(arg);
    match escaped.split_once('=') {
        Some((flag, _)) if flag.starts_with("--") && !flag.contains("\\x") => format!("{flag}={PROBE}").into(),
        _ => PROBE.into(),
    }
}

/// The argument the probe landed on: named by clap's refusal of it, or found in the matches.
fn named(probed: &[OsString]) -> Option<String> {
    use clap::CommandFactory;
    let command = super::Cli::command();
    match command.clone().try_get_matches_from(probed) {
        Ok(matches) => holding_probe(&command, &matches),
        Err(e) => match (e.get(ContextKind::InvalidArg), e.get(ContextKind::InvalidValue)) {
            (Some(ContextValue::String(arg)), Some(ContextValue::String(value))) if value == PROBE => Some(arg.clone()),
            _ => None,
        },
    }
}

/// `--customer <CUSTOMER>` or `<ID>`, as clap names an argument in its own errors.
fn shown_as_clap_does(arg: &clap::Arg) -> String {
    let value = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map_or_else(|| arg.get_id().as_str().to_uppercase(), |name| name.as_str().to_string());
    match arg.get_long() {
        Some(long) => format!("--{long} <{value}>"),
        None => format!("<{value}>"),
    }
}

fn holding_probe(command: &clap::Command, matches: &clap::ArgMatches) -> Option<String> {
    for arg in command.get_arguments() {
        let Ok(Some(mut values)) = matches.try_get_raw(arg.get_id().as_str()) else { continue };
        if values.any(|v| v == std::ffi::OsStr::new(PROBE)) {
            return Some(shown_as_clap_does(arg));
        }
    }
    let (name, sub) = matches.subcommand()?;
    holding_probe(command.find_subcommand(name)?, sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_keep_the_list_clap_announces() {
        let rendered = "error: the following required arguments were not provided:\n  --customer <CUSTOMER>\n  --plan <PLAN>\n\nUsage: till subscriptions list --customer <CUSTOMER>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            usage_line(rendered),
            "the following required arguments were not provided: --customer <CUSTOMER>, --plan <PLAN>"
        );
        assert_eq!(
            usage_line("error: unexpected argument '--x' found\n\n  tip: …\n"),
            "unexpected argument '--x' found"
        );
    }

    #[test]
    fn an_id_longer_than_the_limit_is_refused_with_its_length() {
        assert!(id_arg(&"a".repeat(MAX_ID_CHARS)).is_ok());
        let e = id_arg(&"é".repeat(MAX_ID_CHARS + 1)).unwrap_err();
        assert_eq!(e, format!("an id is at most {MAX_ID_CHARS} characters, this one has 513"));
    }

    fn refused(args: &[OsString]) -> String {
        use clap::Parser;
        let e = super::super::Cli::try_parse_from(args).unwrap_err();
        usage_error(&e, args)
    }

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_huge_id_is_named_with_its_argument_and_shown_cut() {
        let long = "a".repeat(100_000);
        let line = refused(&os(&["till", "subscriptions", "list", "--customer", &long]));
        assert!(line.len() < 300, "{line}");
        assert!(line.starts_with(&format!("invalid value '{}… (100,000 characters)'", "a".repeat(40))), "{line}");
        assert!(line.contains("for '--customer <CUSTOMER>': an id is at most 512 characters, this one has 100,000"));
    }

    /// `checkout create --customer` took any text: 100,000 characters, or a pasted U+202E
    /// that reversed how the id read on every screen that showed it afterwards.
    #[test]
    fn checkout_ids_are_held_to_the_id_rules_and_refuse_control_characters() {
        let create = ["till", "checkout", "create"];
        let long = "c".repeat(MAX_ID_CHARS + 1);
        for flag in ["--customer", "--price", "--subscription", "--business-entity", "--disable-product", "--plan"] {
            let named = format!("for '{flag} <");
            let line = refused(&os(&[&create[..], &[flag, "cus_\u{202e}x"]].concat()));
            assert!(line.contains(&named), "{line}");
            assert!(line.ends_with("': contains a control character (U+202E) at position 5"), "{line}");
            assert!(!line.contains('\u{202e}'), "shown inert: {line}");
            let line = refused(&os(&[&create[..], &[flag, "a\u{1b}[2J"]].concat()));
            assert!(line.ends_with("contains a control character (U+001B) at position 2"), "{line}");
            let line = refused(&os(&[&create[..], &[flag, &long]].concat()));
            assert!(line.contains(&named) && line.ends_with("an id is at most 512 characters, this one has 513"));
        }
        use clap::Parser;
        // The default (no --plan) is the empty plan; wide characters are no control characters.
        let ok = os(&[&create[..], &["--customer", "김민준 ❤\u{fe0f}"]].concat());
        assert!(super::super::Cli::try_parse_from(ok).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn an_argument_that_is_not_utf8_is_named_by_position_and_argument() {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![0xff, 0xfe]);
        let mut args = os(&["till", "customers", "get"]);
        args.push(bad.clone());
        assert_eq!(
            refused(&args),
            r"argument 3 is not valid UTF-8 ('\xFF\xFE', for '<ID>'): till reads arguments as UTF-8 text"
        );
        let mut args = os(&["till", "subscriptions", "list", "--customer"]);
        args.push(bad);
        assert!(refused(&args).starts_with(r"argument 4 is not valid UTF-8 ('\xFF\xFE', for '--customer <CUSTOMER>')"));
        let joined = OsString::from_vec(b"--customer=\x1b[2J\xff".to_vec());
        let args = [os(&["till", "subscriptions", "list"]), vec![joined]].concat();
        assert_eq!(
            refused(&args),
            r"argument 3 is not valid UTF-8 ('--customer=␛[2J\xFF', for '--customer <CUSTOMER>'): till reads arguments as UTF-8 text"
        );
    }
}
