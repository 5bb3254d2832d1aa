//! The first screen and the full ranking against nucleo alone, keystroke by keystroke.

use nucleo_matcher::Utf32String;

use super::*;
use crate::search::narrows;
use crate::search::subsequence::is_subsequence;
use crate::search::tests::{corpus_of, scored_by_nucleo};

/// Types `query` one character at a time as the console does (narrowing when
/// [`narrows`] allows) and checks every keystroke against nucleo alone.
fn type_and_check(haystacks: &[Utf32String], corpus: &Corpus, query: &str, k: usize) -> Result<(), String> {
    let mut previous: Option<(String, Arc<Matched>)> = None;
    for n in 1..=query.chars().count() {
        let prefix: String = query.chars().take(n).collect();
        let within = previous.as_ref().filter(|(p, _)| narrows(p, &prefix)).map(|(_, m)| m.as_ref());
        let screen = first_screen(corpus, &prefix, within, k);
        let expected = scored_by_nucleo(haystacks, &prefix);
        let first: Vec<(u32, u32)> = expected.iter().take(k).copied().collect();
        if screen.top != first || screen.count != expected.len() {
            return Err(format!(
                "{prefix:?}: top {:?} count {} != {first:?} {}",
                screen.top,
                screen.count,
                expected.len()
            ));
        }
        let all = rank_all(corpus, &prefix, &screen.matched, &|| false);
        if all.as_ref() != Some(&expected) {
            return Err(format!("{prefix:?}: full ranking {all:?} != {expected:?}"));
        }
        previous = Some((prefix, screen.matched));
    }
    Ok(())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
    #[test]
    fn first_screens_counts_and_full_rankings_are_nucleo_s_at_every_keystroke(
        texts in proptest::collection::vec("[abkmuABKMU\u{212A}é山 .@_/:,0-9-]{0,16}", 0..50),
        query in "[abkmuMU\u{212A}é 0-9.!^$'-]{1,7}",
        k in 1usize..6,
        chunk in 1usize..9,
    ) {
        let haystacks: Vec<Utf32String> = texts.iter().map(|t| Utf32String::from(fold_accents(t))).collect();
        let corpus = corpus_of(&haystacks, chunk);
        proptest::prop_assert_eq!(type_and_check(&haystacks, &corpus, &query, k), Ok(()));
    }

    /// The bound the ranking rests on: one more needle character adds at most
    /// `MAX_PER_CHAR` to nucleo's score (to `FIRST_CHAR_MAX` after one character of a
    /// non-ASCII haystack), a longer needle never matches where its prefix does not,
    /// and the subsequence test is nucleo's match on ASCII.
    #[test]
    fn bounds_hold_for_every_extension(
        text in "[abmuABMU\u{212A}é山 .@_/:,0-9-]{0,40}",
        needle in "[abmu0-9.-]{1,6}",
        next in "[abmu0-9.-]",
    ) {
        let h = Utf32String::from(text.as_str());
        let score = |n: &str| {
            let atom = Atom::new(n, CaseMatching::Ignore, Normalization::Never, AtomKind::Fuzzy, false);
            atom.score(h.slice(..), &mut Matcher::new(Config::DEFAULT)).map(u32::from)
        };
        let longer = format!("{needle}{next}");
        if let Some(s) = score(&longer) {
            let loose = needle.chars().count() == 1 && !text.is_ascii();
            let base = if loose { score(&needle).map(|_| FIRST_CHAR_MAX) } else { score(&needle) };
            proptest::prop_assert!(base.is_some_and(|b| s <= b + MAX_PER_CHAR), "{text:?} {needle:?}+{next:?}: {s} vs {base:?}");
        }
        if text.is_ascii() {
            let found = is_subsequence(text.as_bytes(), longer.as_bytes());
            proptest::prop_assert_eq!(found, score(&longer).is_some());
            // The next keystroke's test starts where the needle's leftmost match ended.
            let stepwise = subsequence_end(text.as_bytes(), 0, needle.as_bytes())
                .and_then(|end| subsequence_end(text.as_bytes(), end, next.as_bytes()));
            proptest::prop_assert_eq!(stepwise, subsequence_end(text.as_bytes(), 0, longer.as_bytes()));
        }
    }
}

#[test]
fn a_million_style_corpus_is_ranked_exactly_while_scoring_few_candidates() {
    let surnames = ["Müller", "Mueller", "Muller", "Smith", "Mullins", "Kim", "Lumley", "Mull"];
    let haystacks: Vec<Utf32String> = (0..40_000usize)
        .map(|i| {
            let name = format!("Person{} {}", i % 97, surnames[i % surnames.len()]);
            let long = if i % 5_000 == 7 { "x".repeat(600) } else { String::new() };
            Utf32String::from(fold_accents(&format!("{name} {long}p{i}@example.com cus_{i}")))
        })
        .collect();
    let corpus = corpus_of(&haystacks, 100);
    assert_eq!(type_and_check(&haystacks, &corpus, "muller", 40), Ok(()));
    let mu = first_screen(&corpus, "mu", None, 40);
    let mul = first_screen(&corpus, "mul", Some(&mu.matched), 40);
    assert!(mul.scored * 4 < mu.count, "scored {} of {} candidates", mul.scored, mu.count);
    // A query of another form is ranked by scoring everything, with the same answer.
    assert_eq!(type_and_check(&haystacks, &corpus, "mul !kim", 40), Ok(()));
}

/// A million one-letter hits hold a million entries while the filter is open: 8 bytes each,
/// with nothing kept of their matches; later keystrokes' fewer hits keep 24 bytes more.
#[test]
fn a_first_letter_hit_is_8_bytes_and_a_later_one_32() {
    assert_eq!(std::mem::size_of::<Entry>(), 8);
    assert_eq!(std::mem::size_of::<After>(), 24);
    let haystacks: Vec<Utf32String> = (0..50).map(|i| Utf32String::from(format!("mull{i} x"))).collect();
    let corpus = corpus_of(&haystacks, 7);
    let m = first_screen(&corpus, "m", None, 5);
    assert!(m.matched.afters.is_empty(), "nothing known after one letter");
    let mu = first_screen(&corpus, "mu", Some(&m.matched), 5);
    assert_eq!(mu.matched.afters.len(), mu.matched.entries.len());
}

#[test]
fn a_cancelled_full_ranking_returns_nothing() {
    let haystacks: Vec<Utf32String> = (0..30_000).map(|i| Utf32String::from(format!("name{i}"))).collect();
    let corpus = corpus_of(&haystacks, 100);
    let screen = first_screen(&corpus, "na", None, 10);
    assert_eq!(screen.count, 30_000);
    assert_eq!(rank_all(&corpus, "na", &screen.matched, &|| true), None);
}
