//! The listed customers of one provider, packed: the console holds every row a provider has
//! listed (a million after `G`), and a `Vec<Customer>` spent about 160 bytes of struct plus
//! four heap strings and their allocator headers on each. Here the text of every row sits back
//! to back in one buffer, each row is a small fixed-size record of spans into it, and the rare
//! row with metadata or decoding issues keeps its whole `Customer` in a side table. Readers get
//! a borrowed view ([`CustomerRow`]); a full `Customer` is made on demand for the few places
//! that hand one on (writes, the detail view).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::billing::{Customer, ProviderKind, RowIssue};

/// A span length meaning "absent" (`None`).
const ABSENT: u32 = u32::MAX;

static NO_METADATA: BTreeMap<String, String> = BTreeMap::new();

/// One row: where its strings sit in the text buffer, and its small fields.
#[derive(Clone, Copy)]
struct Record {
    /// Start of the row's text: id, alt id, name, email, back to back.
    start: usize,
    /// Byte lengths of id, alt id, name and email; [`ABSENT`] for `None`.
    lens: [u32; 4],
    created_at: Option<DateTime<Utc>>,
    provider: ProviderKind,
    /// The whole customer is in `Rows::whole` (metadata, issues, or a field too long to span).
    whole: bool,
}

/// The rows of one provider's customer list, in list order.
#[derive(Default)]
pub struct Rows {
    text: String,
    records: Vec<Record>,
    whole: HashMap<u32, Customer>,
}

/// A borrowed view of one row, with the fields of `billing::Customer`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CustomerRow<'a> {
    pub provider: ProviderKind,
    pub id: &'a str,
    pub alt_id: Option<&'a str>,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub created_at: Option<DateTime<Utc>>,
    pub metadata: &'a BTreeMap<String, String>,
    /// Serialised like `Customer`'s: absent when empty.
    #[serde(skip_serializing_if = "<[RowIssue]>::is_empty")]
    pub issues: &'a [RowIssue],
}

impl<'a> CustomerRow<'a> {
    /// The view of a `Customer` held elsewhere.
    pub fn of(c: &'a Customer) -> CustomerRow<'a> {
        CustomerRow {
            provider: c.provider,
            id: &c.id,
            alt_id: c.alt_id.as_deref(),
            name: c.name.as_deref(),
            email: c.email.as_deref(),
            created_at: c.created_at,
            metadata: &c.metadata,
            issues: &c.issues,
        }
    }

    /// Name, else email, else id: what a list row shows first (as `Customer::display_name`).
    pub fn display_name(&self) -> &'a str {
        self.name.filter(|n| !n.is_empty()).or(self.email).unwrap_or(self.id)
    }

    /// The customer as its own value, for the places that hand one on.
    pub fn to_customer(&self) -> Customer {
        Customer {
            provider: self.provider,
            id: self.id.to_string(),
            alt_id: self.alt_id.map(str::to_string),
            name: self.name.map(str::to_string),
            email: self.email.map(str::to_string),
            created_at: self.created_at,
            metadata: self.metadata.clone(),
            issues: self.issues.to_vec(),
        }
    }
}

impl Rows {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The row at `i`.
    pub fn get(&self, i: usize) -> Option<CustomerRow<'_>> {
        let r = self.records.get(i)?;
        if r.whole {
            return self.whole.get(&u32::try_from(i).ok()?).map(CustomerRow::of);
        }
        let [id, alt_id, name, email] = self.spans(r);
        Some(CustomerRow {
            provider: r.provider,
            id: id.unwrap_or(""),
            alt_id,
            name,
            email,
            created_at: r.created_at,
            metadata: &NO_METADATA,
            issues: &[],
        })
    }

    /// The id of row `i` alone: what the id index hashes and compares.
    pub fn id(&self, i: usize) -> Option<&str> {
        let r = self.records.get(i)?;
        if r.whole {
            return self.whole.get(&u32::try_from(i).ok()?).map(|c| c.id.as_str());
        }
        let len = r.lens[0] as usize;
        self.text.get(r.start..r.start + len)
    }

    pub fn iter(&self) -> impl Iterator<Item = CustomerRow<'_>> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    pub fn push(&mut self, c: Customer) {
        let record = self.record(c, self.records.len());
        self.records.push(record);
    }

    /// Puts `c` in place of row `i` (a rename, a new email). The old text stays in the buffer
    /// unused: such writes are typed one at a time, so the waste is a few bytes per write.
    pub fn replace(&mut self, i: usize, c: Customer) -> bool {
        if i >= self.records.len() {
            return false;
        }
        if let Ok(key) = u32::try_from(i) {
            self.whole.remove(&key);
        }
        let record = self.record(c, i);
        self.records[i] = record;
        true
    }

    /// Packs `c` as row `i`: its text appended to the buffer, or the whole customer kept aside.
    fn record(&mut self, c: Customer, i: usize) -> Record {
        let lens = [Some(&c.id), c.alt_id.as_ref(), c.name.as_ref(), c.email.as_ref()]
            .map(|s| s.map_or(Some(ABSENT), |s| u32::try_from(s.len()).ok().filter(|&n| n != ABSENT)));
        let key = u32::try_from(i).ok();
        let rare = !c.metadata.is_empty() || !c.issues.is_empty() || lens.contains(&None);
        let mut record = Record {
            start: self.text.len(),
            lens: lens.map(|l| l.unwrap_or(ABSENT)),
            created_at: c.created_at,
            provider: c.provider,
            whole: false,
        };
        if let (true, Some(key)) = (rare, key) {
            record.whole = true;
            record.lens = [0; 4];
            self.whole.insert(key, c);
            return record;
        }
        for s in [Some(&c.id), c.alt_id.as_ref(), c.name.as_ref(), c.email.as_ref()].into_iter().flatten() {
            self.text.push_str(s);
        }
        record
    }

    /// The four strings of a packed record, `None` where absent.
    fn spans(&self, r: &Record) -> [Option<&str>; 4] {
        let mut at = r.start;
        r.lens.map(|len| {
            if len == ABSENT {
                return None;
            }
            let s = self.text.get(at..at + len as usize);
            at += len as usize;
            s
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(id: &str, name: Option<&str>, email: Option<&str>) -> Customer {
        Customer {
            provider: ProviderKind::Zenskar,
            id: id.into(),
            alt_id: Some(format!("alt-{id}")),
            name: name.map(String::from),
            email: email.map(String::from),
            created_at: chrono::DateTime::from_timestamp(1_790_000_000, 123_456_789),
            metadata: BTreeMap::new(),
            issues: Vec::new(),
        }
    }

    /// Every shape a provider sends: plain ASCII, accents, emoji and other scripts, empty and
    /// absent names and emails, no alt id or date, metadata, issues.
    fn shapes() -> Vec<Customer> {
        let mut with_metadata = customer("cus_meta", Some("Meta GmbH"), Some("m@meta.de"));
        with_metadata.metadata = BTreeMap::from([("tier".into(), "gold".into()), ("région".into(), "Île".into())]);
        let mut with_issue = Customer::undecodable(
            ProviderKind::Kelviq,
            "cus_bad".into(),
            Some("Bad Row".into()),
            None,
            RowIssue::new("createdAt", "not a date"),
        );
        with_issue.alt_id = Some("uuid-bad".into());
        let mut bare = customer("cus_bare", None, None);
        bare.alt_id = None;
        bare.created_at = None;
        vec![
            customer("cus_ascii", Some("Ada Lovelace"), Some("ada@example.com")),
            customer("cus_accent", Some("Inés Fernández Müller"), Some("ines@müller.de")),
            customer("cus_emoji", Some("🚀 Rocket 日本語 ☕"), Some("rocket@例え.jp")),
            customer("cus_empty", Some(""), Some("")),
            bare,
            with_metadata,
            with_issue,
            customer("", Some("No id"), None),
        ]
    }

    #[test]
    fn every_row_reads_back_as_the_customer_it_was_given() {
        let mut rows = Rows::default();
        for c in shapes() {
            rows.push(c);
        }
        assert_eq!(rows.len(), shapes().len());
        for (i, c) in shapes().iter().enumerate() {
            let row = rows.get(i).unwrap();
            assert_eq!(row, CustomerRow::of(c), "row {i}");
            assert_eq!(row.to_customer(), *c, "row {i}");
            assert_eq!(rows.id(i), Some(c.id.as_str()));
            assert_eq!(row.display_name(), c.display_name(), "row {i}");
            // The JSON an export or the detail view writes is the customer's own.
            assert_eq!(serde_json::to_value(row).unwrap(), serde_json::to_value(c).unwrap(), "row {i}");
        }
        assert_eq!(rows.get(shapes().len()), None);
        assert_eq!(rows.id(shapes().len()), None);
        assert_eq!(rows.iter().count(), shapes().len());
    }

    #[test]
    fn a_replaced_row_reads_as_the_new_customer_and_its_neighbours_are_untouched() {
        let mut rows = Rows::default();
        for c in shapes() {
            rows.push(c);
        }
        let shapes = shapes();
        // A packed row taking metadata, and a row with metadata losing it.
        let mut renamed = shapes[0].clone();
        renamed.name = Some("Ada King, Countess of Lovelace".into());
        renamed.metadata.insert("note".into(), "renamed".into());
        let mut plain = shapes[5].clone();
        plain.metadata.clear();
        plain.email = Some("neu@meta.de".into());
        assert!(rows.replace(0, renamed.clone()));
        assert!(rows.replace(5, plain.clone()));
        assert!(!rows.replace(shapes.len(), renamed.clone()), "no such row");
        assert_eq!(rows.get(0).unwrap().to_customer(), renamed);
        assert_eq!(rows.get(5).unwrap().to_customer(), plain);
        for i in [1, 2, 3, 4, 6, 7] {
            assert_eq!(rows.get(i).unwrap().to_customer(), shapes[i], "row {i}");
        }
        assert_eq!(rows.len(), shapes.len());
    }
}
