//! When a filter may search only within the previous keystroke's hits, and when it must
//! search every row again.

use super::customers::{FilterRun, RowRef};
use super::messages::Msg;
use super::tests::{key, page, state};
use super::*;
use crate::billing::*;

#[test]
fn a_filter_with_a_negation_is_never_narrowed() {
    let mut s = state();
    s.handle_msg(
        Msg::CustomersPage {
            slot: 0,
            result: Ok(page(ProviderKind::Kelviq, &[("k1", "xa"), ("k2", "xab"), ("k3", "xy")], None)),
        },
        chrono::Utc::now(),
    );
    s.handle_key(key('/'), chrono::Utc::now());
    let mut generation = 0;
    for c in "x !a".chars() {
        if let Some(Effect::Filter(job)) = s.handle_key(key(c), chrono::Utc::now()).first() {
            generation = job.generation;
        }
    }
    // "x !a" hides k1 and k2; "x !ab" shows k1 again, so it must not search only within k3.
    let hits = vec![RowRef { slot: 0, row: 2 }];
    let run = FilterRun::complete(hits.len());
    s.handle_msg(Msg::Filtered { tab: 0, generation, query: "x !a".into(), hits, run }, chrono::Utc::now());
    let effects = s.handle_key(key('b'), chrono::Utc::now());
    let Some(Effect::Filter(job)) = effects.first() else { panic!("filter job expected: {effects:?}") };
    assert_eq!(job.query, "x !ab");
    assert!(job.within.is_none());
}

/// Types `c` in the open filter and delivers what the filter job finds, as the console does.
fn type_and_filter(s: &mut AppState, c: char) -> FilterJob {
    let effects = s.handle_key(key(c), chrono::Utc::now());
    let Some(Effect::Filter(job)) = effects.first() else { panic!("filter job expected: {effects:?}") };
    let (hits, run) = crate::tui::tasks::first_screen(job);
    let query = job.query.clone();
    s.handle_msg(Msg::Filtered { tab: 0, generation: job.generation, query, hits, run }, chrono::Utc::now());
    job.clone()
}

/// A customer renamed in place (an edit saved) changes what the query matches: the rows the
/// previous keystroke found are no longer the only candidates.
#[test]
fn a_filter_after_a_customer_is_renamed_searches_every_row_again() {
    let mut s = state();
    s.handle_msg(
        Msg::CustomersPage { slot: 0, result: Ok(page(ProviderKind::Kelviq, &[("k1", "Ann"), ("k2", "Bob")], None)) },
        chrono::Utc::now(),
    );
    s.handle_key(key('/'), chrono::Utc::now());
    type_and_filter(&mut s, 'a');
    type_and_filter(&mut s, 'n');
    assert!(type_and_filter(&mut s, 'n').within.is_some(), "nothing changed: \"ann\" narrows \"an\"");
    assert_eq!(s.row_count(), 1, "only Ann");

    let mut renamed = s.slots[0].customers.rows.get(1).map(|r| r.to_customer()).expect("k2 loaded");
    renamed.name = Some("Annabel".into());
    assert!(s.slots[0].customers.replace(renamed));
    let job = type_and_filter(&mut s, 'a');
    assert_eq!(job.query, "anna");
    assert!(job.within.is_none(), "k2 (now Annabel) was not among the hits of \"ann\"");
    assert_eq!(s.row_count(), 1, "Annabel is found");
    assert_eq!(s.selected_customer().map(|(_, c)| c.id.to_string()), Some("k2".into()));
}
