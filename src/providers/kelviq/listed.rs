//! Reading a page of Kelviq's customer list, the hot path of `customers list --all`.

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::{MAX_PAGE, map, wire};
use crate::providers::http::ApiResponse;
use crate::providers::{CustomerRow, Result, decode};

/// A customers page's count, `next` link and rows. The page is read in one pass where every
/// row keeps the contract (reading it as text first and each row again cost a second scan
/// of every page of a long list); a page with a row that does not is read row by row, so that
/// row alone is marked ([`decode::customer_row_raw`]).
pub(super) fn customer_page(response: &ApiResponse) -> Result<(u64, Option<String>, Vec<CustomerRow>)> {
    if let Ok(page) = response.json_unchecked::<ListedPage>() {
        return Ok((page.count, page.next, page.results.0));
    }
    let page: wire::Paginated<Box<RawValue>> = response.json()?;
    let rows = page.results.into_iter().map(|row| CustomerRow::Raw(decode::RawRow::copied(row))).collect();
    Ok((page.count, page.next, rows))
}

/// A customers page read in place, each row turned into its customer as soon as it is read
/// (the page of wire rows, each larger than its customer, was built and then copied whole).
#[derive(serde::Deserialize)]
struct ListedPage {
    #[serde(default)]
    count: u64,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    results: ListedRows,
}

#[derive(Default)]
struct ListedRows(Vec<CustomerRow>);

impl<'de> Deserialize<'de> for ListedRows {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct Rows;
        impl<'de> Visitor<'de> for Rows {
            type Value = ListedRows;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of customers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<ListedRows, A::Error> {
                let mut rows = Vec::with_capacity(MAX_PAGE as usize);
                while let Some(c) = seq.next_element::<wire::ListedCustomer<'de>>()? {
                    rows.push(CustomerRow::Decoded(map::listed_customer(c)));
                }
                Ok(ListedRows(rows))
            }
        }
        deserializer.deserialize_seq(Rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::ProviderKind;

    fn response(body: &str) -> ApiResponse {
        ApiResponse {
            provider: ProviderKind::Kelviq,
            status: 200,
            headers: Default::default(),
            body: bytes::Bytes::from(body.to_string()),
            request_id: None,
        }
    }

    const ROWS: &str = r#"[
        {"id": "u1", "customerId": "c1", "name": "Ann \"Q\" \u00e9\n", "email": null, "details": {"a": [1, {"b": 2}]},
         "metadata": {"tier": "gold"}, "billingAddress": {"line1": "Hauptstr. 1", "city": "Köln", "country": "DE"},
         "createdOn": "2026-01-02T03:04:05.678Z", "modifiedOn": null},
        {"customerId": "c2", "createdOn": "2026-01-02T03:04:05"},
        {"id": "u3", "customerId": "c3", "name": "김민준", "email": "k@example.com", "metadata": null, "billingAddress": null}
    ]"#;

    #[test]
    fn a_page_read_in_one_pass_gives_the_customers_reading_each_row_gives() {
        let body = format!(r#"{{"count": 3, "next": null, "previous": null, "results": {ROWS}}}"#);
        let (count, next, rows) = customer_page(&response(&body)).unwrap();
        assert_eq!((count, next), (3, None));
        let one_pass: Vec<_> = rows
            .into_iter()
            .map(|r| match r {
                CustomerRow::Decoded(c) => c,
                CustomerRow::Raw(_) => panic!("a row that keeps the contract was left raw"),
            })
            .collect();
        let each: Vec<serde_json::Value> = serde_json::from_str(ROWS).unwrap();
        let each: Vec<_> = each.into_iter().enumerate().map(|(i, row)| super::super::customer_row(i, row)).collect();
        assert_eq!(one_pass, each);
        assert_eq!(one_pass[0].name.as_deref(), Some("Ann \"Q\" é\n"));
        assert_eq!(one_pass[2].name.as_deref(), Some("김민준"));
    }

    #[test]
    fn a_page_with_a_row_that_breaks_the_contract_is_kept_row_by_row() {
        let body = r#"{"count": 2, "next": null, "results": [{"customerId": "c1"}, {"name": "no id"}]}"#;
        let (count, _, rows) = customer_page(&response(body)).unwrap();
        assert_eq!(count, 2);
        assert!(rows.iter().all(|r| matches!(r, CustomerRow::Raw(_))), "{rows:?}");
        assert_eq!(rows.len(), 2);
    }
}
