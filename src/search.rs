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

mod subsequence;
mod top;
pub use top::{FirstScreen, Matched, first_screen, rank_all};

/// The text a customer is found by.
pub fn haystack(c: &Customer) -> Utf32String {
    let text = format!("{} {} {}", c.name.as_deref().unwrap_or(""), c.email.as_deref().unwrap_or(""), c.id);
    Utf32String::from(fold_accents(&text))
}

/// Append-only haystacks; index `i` is the i-th customer added.
///
/// Each chunk keeps its haystacks in one contiguous buffer (ASCII bytes, or chars for the few
/// that stay non-ASCII after folding) with a span per haystack: about 60 bytes per customer
/// instead of a boxed string each, and a scan walks memory in order. `starts` holds each
/// chunk's first index, so finding haystack `i` is a binary search, not a walk over chunks
/// (10,000 chunks at a million customers made narrowing slower than a full scan).
#[derive(Clone)]
pub struct Corpus {
    chunks: Vec<Arc<Chunk>>,
    starts: Vec<usize>,
    len: usize,
    /// Unique to this content: a new one on every change, and for every new corpus (a
    /// refresh rebuilds the rows, maybe to the same length, with other haystacks).
    stamp: u64,
}

impl Default for Corpus {
    fn default() -> Self {
        Corpus { chunks: Vec::new(), starts: Vec::new(), len: 0, stamp: new_stamp() }
    }
}

fn new_stamp() -> u64 {
    static STAMPS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    STAMPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Where one haystack lives in its chunk: `len` with [`UNICODE`] set for the `chars` buffer.
#[derive(Clone, Copy)]
struct Span {
    start: u32,
    len: u32,
}

const UNICODE: u32 = 1 << 31;

#[derive(Default)]
struct Chunk {
    ascii: Box<[u8]>,
    chars: Box<[char]>,
    spans: Box<[Span]>,
    /// Which characters each haystack holds (`char_mask`): a haystack lacking one of the
    /// query's characters cannot match, and testing that costs one AND instead of a scoring.
    masks: Box<[u64]>,
}

impl Chunk {
    fn new(haystacks: &[Utf32String]) -> Chunk {
        let mut ascii = Vec::new();
        let mut chars = Vec::new();
        let mut spans = Vec::with_capacity(haystacks.len());
        let mut masks = Vec::with_capacity(haystacks.len());
        for h in haystacks {
            masks.push(haystack_mask(h.slice(..)));
            // Haystacks are short names and e-mails; a chunk of a few hundred stays far below
            // 2^31 units, and one that would not is cut rather than wrapped.
            let span = match h.slice(..) {
                Utf32Str::Ascii(bytes) => {
                    let start = ascii.len();
                    ascii.extend_from_slice(bytes);
                    Span { start: start as u32, len: (bytes.len() as u32).min(UNICODE - 1) }
                }
                Utf32Str::Unicode(cs) => {
                    let start = chars.len();
                    chars.extend_from_slice(cs);
                    Span { start: start as u32, len: (cs.len() as u32).min(UNICODE - 1) | UNICODE }
                }
            };
            spans.push(span);
        }
        Chunk { ascii: ascii.into(), chars: chars.into(), spans: spans.into(), masks: masks.into() }
    }

    fn get(&self, i: usize) -> Option<Utf32Str<'_>> {
        let span = *self.spans.get(i)?;
        let (start, len) = (span.start as usize, (span.len & !UNICODE) as usize);
        if span.len & UNICODE == 0 {
            self.ascii.get(start..start + len).map(Utf32Str::Ascii)
        } else {
            self.chars.get(start..start + len).map(Utf32Str::Unicode)
        }
    }

    fn iter(&self) -> impl Iterator<Item = Utf32Str<'_>> {
        (0..self.spans.len()).filter_map(|i| self.get(i))
    }
}

impl Corpus {
    pub fn push_chunk(&mut self, haystacks: Vec<Utf32String>) {
        if haystacks.is_empty() {
            return;
        }
        self.starts.push(self.len);
        self.len += haystacks.len();
        self.chunks.push(Arc::new(Chunk::new(&haystacks)));
        self.stamp = new_stamp();
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[cfg(test)]
    fn get(&self, index: usize) -> Option<Utf32Str<'_>> {
        let chunk = self.starts.partition_point(|&s| s <= index).checked_sub(1)?;
        self.chunks.get(chunk)?.get(index - self.starts[chunk])
    }

    /// Puts a new haystack at `index` (a customer renamed in place). The chunk holding it is
    /// rebuilt, so a filter task still holding the old snapshot is unaffected.
    pub fn replace(&mut self, index: usize, haystack: Utf32String) {
        let Some(c) = self.starts.partition_point(|&s| s <= index).checked_sub(1) else { return };
        let Some(chunk) = self.chunks.get(c) else { return };
        let at = index - self.starts[c];
        if at >= chunk.spans.len() {
            return;
        }
        let mut haystacks: Vec<Utf32String> =
            chunk.iter().map(|h| Utf32String::from(h.chars().collect::<String>())).collect();
        haystacks[at] = haystack;
        self.chunks[c] = Arc::new(Chunk::new(&haystacks));
        self.stamp = new_stamp();
    }

    /// Changes whenever the haystacks do (added, replaced, or the corpus rebuilt): hits
    /// found in another version cannot be narrowed in this one (a renamed customer may
    /// match now, or no longer; a refreshed row may be another customer).
    pub fn version(&self) -> u64 {
        self.stamp
    }

    /// The chunks in two halves of about equal haystack counts, with their first indices.
    fn halves(&self) -> [(&[Arc<Chunk>], &[usize]); 2] {
        let mid = self.starts.partition_point(|&s| s < self.len / 2);
        let (left, right) = self.chunks.split_at(mid.min(self.chunks.len()));
        let (left_starts, right_starts) = self.starts.split_at(mid.min(self.starts.len()));
        [(left, left_starts), (right, right_starts)]
    }
}

/// Below this many haystacks one thread is faster than two.
const PARALLEL_THRESHOLD: usize = 20_000;

/// Whether the hits of `next` are always among the hits of `previous`, so `next` may be
/// matched within them. True when `next` only adds text, unless `previous` uses a negation
/// (`!a` then `!ab` lets back in what holds `a` without `ab`), an anchor at its end (`ab$`
/// then `ab$c`) or an escape.
pub fn narrows(previous: &str, next: &str) -> bool {
    let previous = previous.trim();
    !previous.is_empty() && next.trim().starts_with(previous) && !previous.contains(['!', '$', '\\'])
}

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
    // Earlier results become a bit set, so narrowing walks the chunks in order like a full
    // scan (reading candidates in score order jumped around memory: at a million customers
    // "mu" took 134 ms narrowed, a full scan 79 ms).
    let allowed = within.map(|candidates| bit_set(candidates, corpus.len()));
    let scan = Scan { pattern: &pattern, needs: query_mask(&pattern), allowed: allowed.as_deref() };
    let mut scored = if corpus.len() < PARALLEL_THRESHOLD {
        scan.run(&corpus.chunks, &corpus.starts)
    } else {
        let [(left, left_starts), (right, right_starts)] = corpus.halves();
        std::thread::scope(|s| {
            let other = s.spawn(|| scan.run(right, right_starts));
            let mut out = scan.run(left, left_starts);
            // A panic in the matcher thread would be a bug in nucleo; keep this thread's hits.
            out.extend(other.join().unwrap_or_default());
            out
        })
    };
    sort_best_first(&mut scored);
    scored
}

/// One query's matching over a run of chunks.
struct Scan<'a> {
    pattern: &'a Pattern,
    /// Bits every matching haystack's mask holds.
    needs: u64,
    /// Only these indices may match (narrowing), when set.
    allowed: Option<&'a [u64]>,
}

impl Scan<'_> {
    /// Hits with their scores, in index order.
    fn run(&self, chunks: &[Arc<Chunk>], starts: &[usize]) -> Vec<(u32, u32)> {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut out = Vec::new();
        for (chunk, &start) in chunks.iter().zip(starts) {
            for (i, &mask) in chunk.masks.iter().enumerate() {
                let index = start + i;
                if mask & self.needs != self.needs || !self.allows(index) {
                    continue;
                }
                if let Some(score) = chunk.get(i).and_then(|h| self.pattern.score(h, &mut matcher)) {
                    out.push((index as u32, score));
                }
            }
        }
        out
    }

    fn allows(&self, index: usize) -> bool {
        self.allowed.is_none_or(|bits| bits.get(index / 64).is_some_and(|w| w >> (index % 64) & 1 == 1))
    }
}

fn bit_set(indices: &[u32], len: usize) -> Vec<u64> {
    let mut bits = vec![0u64; len.div_ceil(64)];
    for &i in indices {
        if let Some(word) = bits.get_mut(i as usize / 64) {
            *word |= 1 << (i % 64);
        }
    }
    bits
}

/// Best score first, ties in index order. `scored` arrives in index order, so a stable
/// counting sort by score is enough: linear, where a comparison sort of a million hits took
/// longer than scoring them.
fn sort_best_first(scored: &mut Vec<(u32, u32)>) {
    let (Some(low), Some(high)) = (scored.iter().map(|s| s.1).min(), scored.iter().map(|s| s.1).max()) else {
        return;
    };
    let range = (high - low) as usize + 1;
    if range > 1 << 16 {
        scored.sort_by_key(|s| std::cmp::Reverse(s.1));
        return;
    }
    let mut next = vec![0usize; range];
    for s in scored.iter() {
        next[(high - s.1) as usize] += 1;
    }
    let mut total = 0;
    for slot in &mut next {
        let count = *slot;
        *slot = total;
        total += count;
    }
    let mut sorted = vec![(0u32, 0u32); scored.len()];
    for &s in scored.iter() {
        let slot = &mut next[(high - s.1) as usize];
        sorted[*slot] = s;
        *slot += 1;
    }
    *scored = sorted;
}

/// One bit per letter and digit (case folded), other ASCII characters share the bits above
/// them, and bit 63 stands for any non-ASCII character. A necessary condition only: two
/// characters may share a bit, never the reverse.
const fn char_bit(c: char) -> u64 {
    let c = c.to_ascii_lowercase();
    match c {
        'a'..='z' => 1 << (c as u32 - 'a' as u32),
        '0'..='9' => 1 << (26 + c as u32 - '0' as u32),
        _ if c.is_ascii() => 1 << (36 + c as u32 % 27),
        _ => 1 << 63,
    }
}

/// A haystack's characters as bits. A non-ASCII haystack claims every bit: case folding
/// outside ASCII (the Kelvin sign lowercases to `k`) is nucleo's to decide, not ours.
fn haystack_mask(h: Utf32Str<'_>) -> u64 {
    match h {
        Utf32Str::Ascii(bytes) => bytes.iter().fold(0, |m, &b| m | char_bit(b as char)),
        Utf32Str::Unicode(_) => u64::MAX,
    }
}

/// The characters any match must hold: those of every atom that is not negated.
fn query_mask(pattern: &Pattern) -> u64 {
    pattern.atoms.iter().filter(|a| !a.negative).flat_map(|a| a.needle_text().chars()).fold(0, |m, c| m | char_bit(c))
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
    fn many_small_chunks_mixing_ascii_and_unicode_haystacks_are_found_by_index() {
        let mut c = Corpus::default();
        c.push_chunk(Vec::new());
        for i in 0..500 {
            let name = if i % 7 == 0 { format!("山田 太郎{i}") } else { format!("Zoë Brontë{i}") };
            c.push_chunk(vec![haystack(&customer(&name, "x@example.com", &format!("id{i}")))]);
        }
        assert_eq!(c.len(), 500);
        assert_eq!(filter(&c, "山田 太郎497", None).first(), Some(&497));
        assert_eq!(filter(&c, "bronte499", None).first(), Some(&499));
        let within = filter(&c, "太郎4", None);
        assert!(within.len() * 4 < c.len(), "few enough candidates to narrow: {}", within.len());
        let narrowed = filter(&c, "太郎49", Some(&within));
        assert_eq!(narrowed, filter(&c, "太郎49", None));
        assert!(narrowed.contains(&497) && !narrowed.contains(&499), "{narrowed:?}");
        assert_eq!(c.get(500).map(|h| h.len()), None, "past the end is nothing, not a panic");
    }

    #[test]
    fn a_replaced_haystack_is_found_by_its_new_text_only_and_old_snapshots_keep_theirs() {
        let mut corpus = Corpus::default();
        corpus.push_chunk(vec![Utf32String::from("ada lovelace"), Utf32String::from("grace hopper")]);
        corpus.push_chunk(vec![Utf32String::from(fold_accents("jürgen müller")), Utf32String::from("alan turing")]);
        let before = corpus.clone();
        corpus.replace(2, Utf32String::from(fold_accents("Jürgen Schmidt")));
        assert_eq!(filter(&corpus, "schmidt", None), vec![2]);
        assert!(filter(&corpus, "muller", None).is_empty());
        assert_eq!(filter(&corpus, "turing", None), vec![3], "the chunk's other rows are kept");
        assert_eq!(filter(&before, "muller", None), vec![2], "a filter's snapshot is unchanged");
        corpus.replace(9, Utf32String::from("out of range"));
        assert_eq!(corpus.len(), 4);
    }

    /// What `filter_scored` must return: every haystack scored by nucleo alone, best first,
    /// ties in index order, whatever masks, bit sets and sorting do to get there.
    pub(super) fn scored_by_nucleo(haystacks: &[Utf32String], query: &str) -> Vec<(u32, u32)> {
        let folded = fold_accents(query.trim());
        if folded.is_empty() {
            return Vec::new();
        }
        let pattern = Pattern::parse(&folded, CaseMatching::Ignore, Normalization::Never);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut all: Vec<(u32, u32)> = haystacks
            .iter()
            .enumerate()
            .filter_map(|(i, h)| pattern.score(h.slice(..), &mut matcher).map(|s| (i as u32, s)))
            .collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        all
    }

    /// A corpus rebuilt with the same number of haystacks (a refresh) is another version, as
    /// is one with a haystack replaced: hits of one are never narrowed in the other.
    #[test]
    fn every_change_and_every_rebuild_is_a_new_version() {
        let hay = |t: &str| Utf32String::from(t);
        let corpus = corpus_of(&[hay("ann"), hay("bob")], 2);
        assert_eq!(corpus.clone().version(), corpus.version(), "a snapshot is the same version");
        let rebuilt = corpus_of(&[hay("ann"), hay("zed")], 2);
        assert_eq!(rebuilt.len(), corpus.len());
        assert_ne!(rebuilt.version(), corpus.version());
        let mut renamed = corpus.clone();
        renamed.replace(1, hay("annabel"));
        assert_ne!(renamed.version(), corpus.version());
    }

    pub(super) fn corpus_of(haystacks: &[Utf32String], chunk: usize) -> Corpus {
        let mut c = Corpus::default();
        for part in haystacks.chunks(chunk.max(1)) {
            c.push_chunk(part.to_vec());
        }
        c
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        #[test]
        fn filtering_and_narrowing_give_what_nucleo_alone_gives(
            texts in proptest::collection::vec("[abkKMU\u{212A}é山ß0-9 .@_!$^'\\-]{0,12}", 0..60),
            query in "[abkKmu\u{212A}é山ß0-9 .@!$^'\\-]{0,6}",
            cut in 0usize..7,
            chunk in 1usize..9,
        ) {
            let haystacks: Vec<Utf32String> = texts.iter().map(|t| Utf32String::from(fold_accents(t))).collect();
            let corpus = corpus_of(&haystacks, chunk);
            proptest::prop_assert_eq!(filter_scored(&corpus, &query, None), scored_by_nucleo(&haystacks, &query));
            let previous: String = query.chars().take(cut).collect();
            if narrows(&previous, &query) {
                let within = filter(&corpus, &previous, None);
                proptest::prop_assert_eq!(filter_scored(&corpus, &query, Some(&within)), scored_by_nucleo(&haystacks, &query));
            }
        }
    }

    #[test]
    fn negations_end_anchors_and_escapes_do_not_narrow() {
        assert!(narrows("mu", "mul") && narrows("mu", "mu ller") && narrows("^mu", "^mul"));
        assert!(!narrows("", "a") && !narrows("mul", "mu") && !narrows("ab", "ac"));
        // `!a` hides what holds `a`; `!ab` shows again what holds `a` without `ab`.
        assert!(!narrows("x !a", "x !ab"));
        let haystacks: Vec<Utf32String> = ["xa", "xab", "xy"].into_iter().map(Utf32String::from).collect();
        let corpus = corpus_of(&haystacks, 2);
        let previous = filter(&corpus, "x !a", None);
        assert_eq!(previous, vec![2]);
        assert_eq!(filter(&corpus, "x !ab", None), vec![0, 2], "\"xa\" comes back: not within the previous hits");
        assert!(!narrows("ab$", "ab$c") && !narrows("a\\", "a\\ b"));
    }

    #[test]
    fn two_threads_masks_and_the_counting_sort_agree_with_nucleo_on_fifty_thousand_rows() {
        let haystacks: Vec<Utf32String> = (0..50_000)
            .map(|i| {
                let name = if i % 11 == 0 { format!("山田 Kelvin{i}") } else { format!("Muller{i} Person") };
                Utf32String::from(fold_accents(&format!("{name} p{i}@example.com cus_{i}")))
            })
            .collect();
        let corpus = corpus_of(&haystacks, 100);
        for query in ["m", "mu", "kelvin4", "山田 9", "z", "com !muller", "^muller1 $m", "p4@"] {
            assert_eq!(filter_scored(&corpus, query, None), scored_by_nucleo(&haystacks, query), "{query}");
        }
        let within = filter(&corpus, "mu", None);
        assert_eq!(filter_scored(&corpus, "mul", Some(&within)), scored_by_nucleo(&haystacks, "mul"));
    }

    #[test]
    fn narrowing_within_previous_results_matches_a_full_search() {
        let rows: Vec<Customer> = (0..30_000)
            .map(|i| customer(&format!("Name{i} Person"), &format!("p{i}@example.com"), &format!("cus_{i}")))
            .collect();
        let c = corpus(&rows);
        let first = filter(&c, "name1234", None);
        assert!(first.len() * 4 < c.len(), "few enough candidates to narrow: {}", first.len());
        let narrowed = filter(&c, "name12345", Some(&first));
        let mut full = filter(&c, "name12345", None);
        let mut n = narrowed.clone();
        full.sort_unstable();
        n.sort_unstable();
        assert_eq!(n, full);
        assert!(!narrowed.is_empty());
        // A wide candidate list is scanned in order instead, with the same answer.
        let wide: Vec<u32> = (0..30_000).collect();
        assert_eq!(filter(&c, "name12345", Some(&wide)), filter(&c, "name12345", None));
    }
}
