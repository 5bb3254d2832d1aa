//! Fuzzy customer search over loaded rows, shared by the console and the benches.
//!
//! Each customer becomes one accent-folded haystack ("jurgen muller j.mueller@… cus_…"), so
//! `muller` finds Müller and matching can take nucleo's fast ASCII path. Haystacks live in
//! append-only chunks behind `Arc`, so a filter task gets a snapshot by cloning a few pointers
//! while pages keep arriving.

use std::sync::Arc;

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str, Utf32String};

use crate::billing::Customer;
use crate::util::fold_accents;

/// The text a customer is found by.
pub fn haystack(c: &Customer) -> Utf32String {
    let text = format!("{} {} {}", c.name.as_deref().unwrap_or(""), c.email.as_deref().unwrap_or(""), c.id);
    Utf32String::from(fold_accents(&text))
}

/// Append-only haystacks; index `i` is the i-th customer added.
#[derive(Clone, Default)]
pub struct Corpus {
    chunks: Vec<Arc<[Utf32String]>>,
    len: usize,
}

impl Corpus {
    pub fn push_chunk(&mut self, haystacks: Vec<Utf32String>) {
        self.len += haystacks.len();
        self.chunks.push(haystacks.into());
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn get(&self, mut index: usize) -> Option<Utf32Str<'_>> {
        for chunk in &self.chunks {
            if index < chunk.len() {
                return Some(chunk[index].slice(..));
            }
            index -= chunk.len();
        }
        None
    }

    /// Puts a new haystack at `index` (a customer renamed in place). The chunk holding it is
    /// copied, so a filter task still holding the old snapshot is unaffected.
    pub fn replace(&mut self, mut index: usize, haystack: Utf32String) {
        for chunk in &mut self.chunks {
            if index < chunk.len() {
                let mut copy: Vec<Utf32String> = chunk.to_vec();
                copy[index] = haystack;
                *chunk = copy.into();
                return;
            }
            index -= chunk.len();
        }
    }

    /// Every haystack with its global index, in order.
    fn iter(&self) -> impl Iterator<Item = (u32, Utf32Str<'_>)> {
        self.chunks.iter().flat_map(|c| c.iter()).enumerate().map(|(i, h)| (i as u32, h.slice(..)))
    }
}

/// Below this many candidates one thread is faster than two.
const PARALLEL_THRESHOLD: usize = 20_000;

/// Indices of haystacks matching `query`, best score first (ties keep list order).
/// `within` restricts the search to earlier results, for incremental narrowing as the user
/// types more characters. An empty query matches nothing here; callers show the full list.
pub fn filter(corpus: &Corpus, query: &str, within: Option<&[u32]>) -> Vec<u32> {
    filter_scored(corpus, query, within).into_iter().map(|(i, _)| i).collect()
}

/// Like [`filter`], with each hit's score, so results from several corpora can be merged.
pub fn filter_scored(corpus: &Corpus, query: &str, within: Option<&[u32]>) -> Vec<(u32, u32)> {
    let folded = fold_accents(query.trim());
    if folded.is_empty() {
        return Vec::new();
    }
    let pattern = Pattern::parse(&folded, CaseMatching::Ignore, Normalization::Never);
    let mut scored: Vec<(u32, u32)> = match within {
        Some(candidates) => score_indices(corpus, &pattern, candidates),
        None => {
            let all: Vec<(u32, Utf32Str<'_>)> = corpus.iter().collect();
            score_pairs(&pattern, &all)
        }
    };
    scored.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
}

fn score_indices(corpus: &Corpus, pattern: &Pattern, candidates: &[u32]) -> Vec<(u32, u32)> {
    let pairs: Vec<(u32, Utf32Str<'_>)> =
        candidates.iter().filter_map(|&i| corpus.get(i as usize).map(|h| (i, h))).collect();
    score_pairs(pattern, &pairs)
}

/// Scores in one or two threads (this machine has two cores; more threads only contend).
fn score_pairs(pattern: &Pattern, pairs: &[(u32, Utf32Str<'_>)]) -> Vec<(u32, u32)> {
    let run = |slice: &[(u32, Utf32Str<'_>)]| {
        let mut matcher = Matcher::new(Config::DEFAULT);
        slice.iter().filter_map(|(i, h)| pattern.score(*h, &mut matcher).map(|s| (*i, s))).collect::<Vec<_>>()
    };
    if pairs.len() < PARALLEL_THRESHOLD {
        return run(pairs);
    }
    let (left, right) = pairs.split_at(pairs.len() / 2);
    std::thread::scope(|s| {
        let other = s.spawn(|| run(right));
        let mut out = run(left);
        // A panic in the matcher thread would be a bug in nucleo; fall back to one thread's results.
        out.extend(other.join().unwrap_or_default());
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::ProviderKind;

    fn customer(name: &str, email: &str, id: &str) -> Customer {
        Customer {
            provider: ProviderKind::Kelviq,
            id: id.into(),
            alt_id: None,
            name: Some(name.into()),
            email: Some(email.into()),
            created_at: None,
            metadata: Default::default(),
            issues: Vec::new(),
        }
    }

    fn corpus(rows: &[Customer]) -> Corpus {
        let mut c = Corpus::default();
        c.push_chunk(rows[..1].iter().map(haystack).collect());
        c.push_chunk(rows[1..].iter().map(haystack).collect());
        c
    }

    #[test]
    fn folds_accents_both_ways_and_ranks_better_matches_first() {
        let rows = [
            customer("Jürgen Müller", "j@mueller.de", "c1"),
            customer("Anna Smith", "anna@example.com", "c2"),
            customer("Muller Industries", "ops@muller.test", "c3"),
            customer("Łukasz Wiśniewski", "lukasz@example.pl", "c4"),
        ];
        let c = corpus(&rows);
        let hits = filter(&c, "muller", None);
        assert_eq!(hits.len(), 2);
        assert!(hits.contains(&0) && hits.contains(&2));
        assert_eq!(filter(&c, "Łukasz", None), vec![3]);
        assert_eq!(filter(&c, "lukasz", None), vec![3]);
        assert_eq!(filter(&c, "c2", None), vec![1]);
        assert!(filter(&c, "   ", None).is_empty());
    }

    #[test]
    fn narrowing_within_previous_results_matches_a_full_search() {
        let rows: Vec<Customer> = (0..30_000)
            .map(|i| customer(&format!("Name{i} Person"), &format!("p{i}@example.com"), &format!("cus_{i}")))
            .collect();
        let c = corpus(&rows);
        let first = filter(&c, "name1", None);
        let narrowed = filter(&c, "name12", Some(&first));
        let mut full = filter(&c, "name12", None);
        let mut n = narrowed.clone();
        full.sort_unstable();
        n.sort_unstable();
        assert_eq!(n, full);
        assert!(!narrowed.is_empty());
    }
}
