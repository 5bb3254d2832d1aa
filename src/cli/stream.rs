//! Printing a list while it is read: `customers list` hands each page to a printer thread,
//! which decodes its rows while the next pages are fetched. Under `--json` it writes them as
//! one pretty JSON array through a buffer as they come, byte for byte what collecting them first
//! and printing with `common::emit` gives, and nothing holds the whole list. As a table it keeps
//! each row's cells, cut and made safe ([`CustomerTable`]), and writes the aligned table once
//! the list has ended: the widths are known only then.
//!
//! A list that fails part-way leaves the customers printed so far and the array unclosed, so
//! the output cannot be taken for a complete list (the exit code says why, as before); a table
//! that fails part-way is not printed.

use std::io::{self, BufWriter, Write};
use std::ops::ControlFlow;
use std::sync::mpsc;
use std::thread::JoinHandle;

use serde_json::ser::{Formatter, PrettyFormatter};

use super::table::Table;
use crate::billing::Customer;

enum Out<T> {
    Page(T),
    /// The list was read to its end: close the array, or write the table.
    End,
}

/// How the printer writes the customers it is handed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Json,
    Table,
}

/// The printer thread and the way to it. Pages are handed over as `T` and turned into
/// customers on the printer's thread by the `decode` it was started with.
pub struct ListPrinter<T> {
    to: Option<mpsc::Sender<Out<T>>>,
    thread: JoinHandle<io::Result<()>>,
}

impl<T: Send + 'static> ListPrinter<T> {
    /// Starts printing to stdout; a JSON array opens at once.
    pub fn start(format: ListFormat, decode: impl FnMut(T) -> Vec<Customer> + Send + 'static) -> ListPrinter<T> {
        ListPrinter::start_on(format, || Box::new(io::stdout().lock()), decode)
    }

    /// Starts printing to what `open` gives (on the printer thread), for tests.
    pub fn start_on(
        format: ListFormat,
        open: impl FnOnce() -> Box<dyn Write> + Send + 'static,
        decode: impl FnMut(T) -> Vec<Customer> + Send + 'static,
    ) -> ListPrinter<T> {
        let (to, from) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let out = BufWriter::with_capacity(64 * 1024, open());
            match format {
                ListFormat::Json => print_json(out, &from, decode),
                ListFormat::Table => print_table(out, &from, decode),
            }
        });
        ListPrinter { to: Some(to), thread }
    }

    /// Hands one page over; `Break` once the printer has stopped (a closed pipe, a failed
    /// write), so the caller stops reading.
    pub fn send(&self, page: T) -> ControlFlow<()> {
        match self.to.as_ref().map(|to| to.send(Out::Page(page))) {
            Some(Ok(())) => ControlFlow::Continue(()),
            _ => ControlFlow::Break(()),
        }
    }

    /// Waits until everything handed over is written; `complete` closes the array (or writes
    /// the table). A closed pipe (`| head`) is not an error worth a message.
    pub fn finish(mut self, complete: bool) -> io::Result<()> {
        if let Some(to) = self.to.take() {
            if complete {
                // A printer that already stopped says why when joined.
                let _ = to.send(Out::End);
            }
            drop(to);
        }
        match self.thread.join() {
            Ok(Err(e)) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
            Ok(_) => Ok(()),
            Err(_) => Err(io::Error::other("the printer stopped unexpectedly")),
        }
    }
}

fn print_json<T>(
    mut out: impl Write,
    from: &mpsc::Receiver<Out<T>>,
    mut decode: impl FnMut(T) -> Vec<Customer>,
) -> io::Result<()> {
    out.write_all(b"[")?;
    let mut first = true;
    let mut complete = false;
    for message in from {
        match message {
            Out::Page(page) => {
                for c in &decode(page) {
                    out.write_all(if first { b"\n  " } else { b",\n  " })?;
                    first = false;
                    customer(&mut out, c)?;
                }
            }
            Out::End => {
                complete = true;
                break;
            }
        }
    }
    if complete {
        out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
    }
    out.flush()
}

fn print_table<T>(
    mut out: impl Write,
    from: &mpsc::Receiver<Out<T>>,
    mut decode: impl FnMut(T) -> Vec<Customer>,
) -> io::Result<()> {
    let mut table = CustomerTable::default();
    for message in from {
        match message {
            Out::Page(page) => decode(page).iter().for_each(|c| table.push(c)),
            Out::End => {
                table.write(&mut out)?;
                return out.flush();
            }
        }
    }
    Ok(())
}

/// The line under a table naming a row that could not be read whole, one safe line: an id with
/// a line break in it cannot print what looks like another row.
pub fn issue_note(id: &str, issues: &[crate::billing::RowIssue]) -> String {
    let summary = crate::billing::issues_summary(issues);
    format!("! {}: could not decode {}\n", crate::text::line(id), crate::text::line(&summary))
}

/// `customers list` for people: name, email, id and the day created, aligned; then a line for
/// each customer that could not be read whole, naming what.
pub struct CustomerTable {
    table: Table,
    notes: String,
    day: String,
}

impl Default for CustomerTable {
    fn default() -> CustomerTable {
        CustomerTable { table: Table::new(&CustomerTable::HEADERS), notes: String::new(), day: String::new() }
    }
}

impl CustomerTable {
    pub const HEADERS: [&'static str; 4] = ["NAME", "EMAIL", "ID", "CREATED"];

    /// A customer's cells under [`Self::HEADERS`], the day written into `day` (reused, so a
    /// long list allocates no string a row for it).
    pub fn cells<'a>(c: &'a Customer, day: &'a mut String) -> [&'a str; 4] {
        use std::fmt::Write as _;
        day.clear();
        if let Some(d) = c.created_at {
            // The UTC day, as `%Y-%m-%d` writes it.
            let _ = write!(day, "{}", d.date_naive());
        }
        [c.name.as_deref().unwrap_or(""), c.email.as_deref().unwrap_or(""), &c.id, day]
    }

    pub fn push(&mut self, c: &Customer) {
        self.table.push(CustomerTable::cells(c, &mut self.day));
        if !c.issues.is_empty() {
            self.notes.push_str(&issue_note(&c.id, &c.issues));
        }
    }

    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        self.table.write(out)?;
        out.write_all(self.notes.as_bytes())
    }
}

/// One customer as serde_json pretty-prints it one level into an array, through [`SafeJson`],
/// written field by field: serde_json escapes strings a byte at a time, and printing a list is
/// mostly strings (a third of `customers list --all`'s CPU went to the printer). A customer
/// with issues, rare, is printed by serde and indented.
fn customer(out: &mut impl Write, c: &Customer) -> io::Result<()> {
    if !c.issues.is_empty() {
        let mut text = Vec::new();
        let mut json = serde_json::Serializer::with_formatter(&mut text, SafeJson::default());
        serde::Serialize::serialize(c, &mut json)?;
        // serde_json escapes every newline inside a string, so each raw one is between values.
        for (i, line) in text.split(|b| *b == b'\n').enumerate() {
            out.write_all(if i == 0 { b"" } else { b"\n  " })?;
            out.write_all(line)?;
        }
        return Ok(());
    }
    out.write_all(b"{\n    \"provider\": ")?;
    string(out, c.provider.slug())?;
    out.write_all(b",\n    \"id\": ")?;
    string(out, &c.id)?;
    let created_at = c.created_at.as_ref().map(crate::billing::timestamp::text);
    for (key, value) in [
        ("alt_id", c.alt_id.as_deref()),
        ("name", c.name.as_deref()),
        ("email", c.email.as_deref()),
        ("created_at", created_at.as_deref()),
    ] {
        out.write_all(b",\n    \"")?;
        out.write_all(key.as_bytes())?;
        out.write_all(b"\": ")?;
        match value {
            Some(v) => string(out, v)?,
            None => out.write_all(b"null")?,
        }
    }
    out.write_all(b",\n    \"metadata\": {")?;
    for (i, (k, v)) in c.metadata.iter().enumerate() {
        out.write_all(if i == 0 { b"\n      " } else { b",\n      " })?;
        string(out, k)?;
        out.write_all(b": ")?;
        string(out, v)?;
    }
    out.write_all(if c.metadata.is_empty() { b"}\n  }" } else { b"\n    }\n  }" })
}

/// A JSON string as serde_json and [`SafeJson`] write it. Printable ASCII without a quote or a
/// backslash, most of what a list holds, is written as it is; anything else goes through them.
fn string(out: &mut impl Write, s: &str) -> io::Result<()> {
    let plain = s.bytes().fold(true, |plain, b| plain & ((0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'));
    if plain {
        out.write_all(b"\"")?;
        out.write_all(s.as_bytes())?;
        return out.write_all(b"\"");
    }
    let mut json = serde_json::Serializer::with_formatter(out, SafeJson::default());
    serde::Serializer::serialize_str(&mut json, s).map_err(io::Error::from)
}

/// serde_json's pretty output with every character unsafe on a terminal that serde_json
/// leaves raw in strings (DEL, C1 and bidi controls) written as a `\uXXXX` escape, as
/// `crate::text::json` does over a whole text: the same bytes, decided string by string.
#[derive(Default)]
pub struct SafeJson(PrettyFormatter<'static>);

impl Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        // ASCII without DEL is the common case and needs no look at characters (serde_json
        // escapes C0 controls itself, so none reach a fragment); both checks run a word or a
        // vector at a time.
        if fragment.is_ascii() && memchr::memchr(0x7f, fragment.as_bytes()).is_none() {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if crate::text::is_unsafe(c) && c != '\n' {
                w.write_all(&fragment.as_bytes()[start..i])?;
                write!(w, "\\u{:04x}", u32::from(c))?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use proptest::prelude::*;

    use super::*;
    use crate::billing::ProviderKind;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn customer(id: &str, name: &str) -> Customer {
        let issue = crate::billing::RowIssue::new("", "");
        let mut c = Customer::undecodable(ProviderKind::Kelviq, id.into(), Some(name.into()), None, issue);
        c.issues.clear();
        c
    }

    fn printed(pages: Vec<Vec<Customer>>, complete: bool) -> String {
        printed_as(ListFormat::Json, pages, complete)
    }

    fn printed_table(pages: Vec<Vec<Customer>>, complete: bool) -> String {
        printed_as(ListFormat::Table, pages, complete)
    }

    fn printed_as(format: ListFormat, pages: Vec<Vec<Customer>>, complete: bool) -> String {
        let out = Shared::default();
        let sink = out.clone();
        let printer = ListPrinter::start_on(format, move || Box::new(sink), |page: Vec<Customer>| page);
        for page in pages {
            assert!(printer.send(page).is_continue());
        }
        printer.finish(complete).unwrap();
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    /// The same bytes as `emit` prints for the whole list: pretty JSON, hostile characters
    /// escaped as `text::json` escapes them, a final newline.
    #[test]
    fn pages_print_as_the_collected_list_prints() {
        let hostile = "Ann\u{1b}]0;x\u{7}\u{7f}\u{9b}31m\u{202e}é\u{2066}\n\"q\"";
        let pages = vec![vec![customer("a", hostile), customer("b", "Bo")], vec![customer("c", "Ünal\u{200f}")]];
        let all: Vec<Customer> = pages.iter().flatten().cloned().collect();
        let whole = format!("{}\n", serde_json::to_string_pretty(&all).unwrap());
        let expected = crate::text::json(&whole).into_owned();
        assert_ne!(expected, whole, "the names hold characters text::json escapes");
        assert_eq!(printed(pages, true), expected);
        assert_eq!(printed(Vec::new(), true), "[]\n");
    }

    fn text() -> impl Strategy<Value = String> {
        // Plain ASCII most of the time, as lists are; quotes, backslashes, C0/C1 controls, DEL,
        // bidi controls, accents and astral characters otherwise.
        prop_oneof![
            3 => "[a-zA-Z0-9 .@_'-]{0,12}",
            // Past a table cell's 48 columns, wide characters among them.
            1 => "[a-z山é😀 ]{40,70}",
            2 => proptest::collection::vec(
                prop_oneof![
                    Just('"'), Just('\\'), Just('\n'), Just('\t'), Just('\u{1b}'), Just('\u{7f}'), Just('\u{9b}'),
                    Just('\u{202e}'), Just('\u{2066}'), Just('é'), Just('ß'), Just('😀'), Just('\u{0}'), Just('a'),
                ],
                0..8,
            ).prop_map(|cs| cs.into_iter().collect()),
        ]
    }

    prop_compose! {
        fn any_customer()(
            id in text(), alt_id in proptest::option::of(text()), name in proptest::option::of(text()),
            email in proptest::option::of(text()), nanos in proptest::option::of(0i64..4_000_000_000_000_000_000),
            metadata in proptest::collection::btree_map(text(), text(), 0..3),
            issue in proptest::option::of((text(), text())), provider in 0usize..4,
        ) -> Customer {
            Customer {
                provider: ProviderKind::ALL[provider],
                id, alt_id, name, email,
                created_at: nanos.map(chrono::DateTime::from_timestamp_nanos),
                metadata,
                issues: issue.map(|(p, m)| vec![crate::billing::RowIssue::new(p, m)]).unwrap_or_default(),
            }
        }
    }

    proptest! {
        /// The printer writes customers by hand; serde_json with `text::json` over the whole
        /// text is what it must equal, byte for byte, whatever the strings hold.
        #[test]
        fn customers_print_as_serde_json_prints_them(
            pages in proptest::collection::vec(proptest::collection::vec(any_customer(), 0..4), 0..4)
        ) {
            let all: Vec<Customer> = pages.iter().flatten().cloned().collect();
            let whole = format!("{}\n", serde_json::to_string_pretty(&all).unwrap());
            prop_assert_eq!(printed(pages, true), crate::text::json(&whole).into_owned());
        }
    }

    /// The table as it was built before it was kept in one string: every cell a line made
    /// safe and cut, padded to its column's widest cell, then the notes, the whole made safe.
    fn table_the_long_way(customers: &[Customer]) -> String {
        use unicode_width::UnicodeWidthStr;
        let cell = |s: &str| crate::util::ellipsize(&crate::text::line(s), 48);
        let mut rows = vec![vec!["NAME".to_string(), "EMAIL".into(), "ID".into(), "CREATED".into()]];
        for c in customers {
            let day = c.created_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
            rows.push(vec![
                cell(c.name.as_deref().unwrap_or("")),
                cell(c.email.as_deref().unwrap_or("")),
                cell(&c.id),
                cell(&day),
            ]);
        }
        let widths: Vec<usize> = (0..4).map(|i| rows.iter().map(|r| r[i].width()).max().unwrap()).collect();
        let mut out = String::new();
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                out.push_str(c);
                if i < 3 {
                    out.push_str(&" ".repeat(widths[i] - c.width() + 2));
                }
            }
            out.push('\n');
        }
        let mut out = crate::text::block(&out).into_owned();
        for c in customers.iter().filter(|c| !c.issues.is_empty()) {
            let summary = crate::billing::issues_summary(&c.issues);
            out.push_str(&format!(
                "! {}: could not decode {}\n",
                crate::text::line(&c.id),
                crate::text::line(&summary)
            ));
        }
        out
    }

    proptest! {
        #[test]
        fn a_table_prints_as_the_long_way_builds_it(
            pages in proptest::collection::vec(proptest::collection::vec(any_customer(), 0..4), 0..4)
        ) {
            let all: Vec<Customer> = pages.iter().flatten().cloned().collect();
            prop_assert_eq!(printed_table(pages, true), table_the_long_way(&all));
        }
    }

    #[test]
    fn an_unfinished_table_is_not_printed() {
        assert_eq!(printed_table(vec![vec![customer("a", "Ann")]], false), "");
        assert_eq!(printed_table(Vec::new(), true), "NAME  EMAIL  ID  CREATED\n");
    }

    #[test]
    fn an_unfinished_list_is_left_open() {
        let out = printed(vec![vec![customer("a", "Ann")]], false);
        assert!(out.starts_with("[\n  {") && out.ends_with('}'), "{out}");
        assert!(serde_json::from_str::<serde_json::Value>(&out).is_err(), "not mistaken for a whole list");
    }
}
