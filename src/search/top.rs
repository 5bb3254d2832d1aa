//! The first screen of a filter, ranked exactly without scoring every candidate.
//!
//! Scoring (nucleo's optimal matching) is what a keystroke at a million customers costs, yet
//! the user sees one screen of hits and their count. For the common query, one fuzzy word,
//! a cheap upper bound on each candidate's score comes from the previous keystroke: a needle
//! one character longer scores at most [`MAX_PER_CHAR`] more than its prefix did (see
//! [`MAX_PER_CHAR`] for why). Candidates are scored best bound first until no unscored bound
//! can reach the k-th best exact score; the others are only tested for a match (a
//! subsequence test, for the count) and keep their bound for the next keystroke. The rest
//! of the ranking is [`rank_all`], run after the first screen is shown.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::subsequence::{After, Step, subsequence_end};
use super::{Corpus, PARALLEL_THRESHOLD, filter_scored, sort_best_first};
use crate::util::fold_accents;

/// The most one more needle character adds to a fuzzy score under `Config::DEFAULT`
/// (nucleo-matcher 0.3): a match is worth 16 (`SCORE_MATCH`) plus a bonus, and the largest
/// bonus any character after the first can get is 10 (`bonus_boundary_white`; a consecutive
/// character takes the larger of its own bonus, the run's first bonus and 4, never more; the
/// first-character doubling applies to the needle's first character only). Gap penalties
/// only subtract. So dropping the last character of the best alignment of `needle + c`
/// leaves an alignment of `needle` scoring at least 26 less, and nucleo's score for
/// `needle` is the best alignment's. `bounds_hold_for_every_extension` checks it.
const MAX_PER_CHAR: u32 = 16 + 10;

/// Longer haystacks are always scored: for big matrices nucleo falls back to greedy
/// matching, for which the bound above is not proven. 512 × 64 cells stay far below its
/// 100 KB matrix limit.
const MAX_BOUNDED_HAYSTACK: usize = 512;
const MAX_BOUNDED_NEEDLE: usize = 64;

/// Set in `Entry::score` when the value is the exact score, not a bound.
const EXACT: u32 = 1 << 31;
/// Set when the haystack is too long to be bounded: such entries are always scored.
const UNBOUNDED: u32 = 1 << 30;
/// Set on a one-character score of a non-ASCII haystack: nucleo does not always take the
/// best occurrence there, so such a score bounds nothing; [`FIRST_CHAR_MAX`] does.
const LOOSE: u32 = 1 << 29;
const VALUE: u32 = LOOSE - 1;
/// The most a needle's first character scores: a match plus twice the largest bonus.
const FIRST_CHAR_MAX: u32 = 16 + 2 * 10;

#[derive(Clone, Copy, Debug)]
struct Entry {
    index: u32,
    score: u32,
}

impl Entry {
    fn exact(self) -> Option<u32> {
        (self.score & EXACT != 0).then_some(self.score & VALUE)
    }

    /// What scoring order uses: unbounded entries first, else the bound (or exact score).
    fn bound(self) -> u32 {
        if self.score & UNBOUNDED != 0 { VALUE } else { self.score & VALUE }
    }
}

/// What a query matched, in index order, each with its exact score or an upper bound on it:
/// enough to narrow the next keystroke and to finish the ranking later.
#[derive(Debug, Default)]
pub struct Matched {
    /// The single fuzzy needle the bounds belong to; `None` when every score is exact for a
    /// query of another form.
    needle: Option<String>,
    entries: Vec<Entry>,
    /// What each entry keeps of its match, beside it; empty when nothing is known of any
    /// (a first letter's million hits hold 8 bytes each, not 32).
    afters: Vec<After>,
}

impl Matched {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The matched indices, ascending.
    pub fn indices(&self) -> Vec<u32> {
        self.entries.iter().map(|e| e.index).collect()
    }
}

/// The best `top` hits exactly as [`super::filter_scored`] ranks them, the exact number of
/// hits, and what [`rank_all`] needs for the rest.
#[derive(Debug)]
pub struct FirstScreen {
    pub top: Vec<(u32, u32)>,
    pub count: usize,
    /// How many candidates were scored exactly (the rest only tested for a match).
    pub scored: usize,
    pub matched: Arc<Matched>,
}

/// The first `k` hits of `query` and their count. `previous` is what the previous query
/// matched, when [`super::narrows`] says the hits of `query` are among them.
pub fn first_screen(corpus: &Corpus, query: &str, previous: Option<&Matched>, k: usize) -> FirstScreen {
    let folded = fold_accents(query.trim());
    let pattern = Pattern::parse(&folded, CaseMatching::Ignore, Normalization::Never);
    let needle = match pattern.atoms.as_slice() {
        [atom] if atom.kind == AtomKind::Fuzzy && !atom.negative => atom.needle_text().chars().collect::<String>(),
        _ => String::new(),
    };
    let count = needle.chars().count();
    if folded.is_empty() || count == 0 || count > MAX_BOUNDED_NEEDLE {
        return exact_first_screen(corpus, query, previous, k);
    }
    let mut ranker = Ranker { corpus, pattern: &pattern, needle: &needle, violated: false, scored: 0 };
    // Non-matches go first, so ranking walks and scores only hits.
    let (entries, afters) = match previous {
        Some(p) if p.needle.as_deref().is_some_and(|n| needle.starts_with(n)) => {
            let known = p.needle.as_deref().map_or(0, |n| n.chars().count());
            ranker.keep_matches(&p.entries, &p.afters, (count - known) as u32)
        }
        _ if count == 1 => (first_char_bounds(corpus, &needle, previous, count), Vec::new()),
        _ => ranker.keep_matches(&first_char_bounds(corpus, &needle, previous, count), &[], 0),
    };
    let (entries, afters) = ranker.rank_top(entries, afters, k);
    if ranker.violated {
        // A bound was beaten: nucleo scores differently than the proof assumes (a new
        // version?). The exact path is always right.
        return exact_first_screen(corpus, query, previous, k);
    }
    FirstScreen {
        top: top_of(&entries, k),
        count: entries.len(),
        scored: ranker.scored,
        matched: Arc::new(Matched { needle: Some(needle), entries, afters }),
    }
}

/// Every hit, best first, ties in index order: exactly [`super::filter_scored`]'s answer.
pub fn rank_all(
    corpus: &Corpus,
    query: &str,
    matched: &Matched,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<(u32, u32)>> {
    let folded = fold_accents(query.trim());
    let pattern = Pattern::parse(&folded, CaseMatching::Ignore, Normalization::Never);
    let score_part = |part: &[Entry]| -> Option<Vec<(u32, u32)>> {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut cursor = Cursor::new(corpus);
        let mut out = Vec::with_capacity(part.len());
        for (n, e) in part.iter().enumerate() {
            if n % 4096 == 0 && cancelled() {
                return None;
            }
            let score = match e.exact() {
                Some(s) => Some(s),
                None => cursor.get(e.index).and_then(|h| pattern.score(h, &mut matcher)),
            };
            out.extend(score.map(|s| (e.index, s)));
        }
        Some(out)
    };
    let mut scored = if matched.entries.len() < PARALLEL_THRESHOLD {
        score_part(&matched.entries)?
    } else {
        let (left, right) = matched.entries.split_at(matched.entries.len() / 2);
        std::thread::scope(|s| {
            let other = s.spawn(|| score_part(right));
            let mut out = score_part(left)?;
            out.extend(other.join().ok()??);
            Some(out)
        })?
    };
    sort_best_first(&mut scored);
    Some(scored)
}

/// Queries of other forms (several words, negations, anchors): every candidate scored.
fn exact_first_screen(corpus: &Corpus, query: &str, previous: Option<&Matched>, k: usize) -> FirstScreen {
    let within = previous.map(Matched::indices);
    let scored = filter_scored(corpus, query, within.as_deref());
    let top = scored.iter().take(k).copied().collect();
    let mut entries: Vec<Entry> =
        scored.iter().map(|&(index, score)| Entry { index, score: score.min(VALUE) | EXACT }).collect();
    entries.sort_unstable_by_key(|e| e.index);
    FirstScreen {
        top,
        count: entries.len(),
        scored: previous.map_or(corpus.len(), Matched::len),
        matched: Arc::new(Matched { needle: None, entries, afters: Vec::new() }),
    }
}

/// A previous keystroke's entry as a bound for a needle `added` characters longer.
fn extended(e: Entry, added: u32) -> Entry {
    if added == 0 {
        return e;
    }
    let more = added.saturating_mul(MAX_PER_CHAR);
    let base = if e.score & LOOSE != 0 { FIRST_CHAR_MAX } else { e.bound() };
    let score = if e.score & UNBOUNDED != 0 { UNBOUNDED } else { (base + more).min(VALUE) };
    Entry { index: e.index, score }
}

/// Bounds from the needle's first character alone (exact when it is the whole needle):
/// a full scan, or a pass over `previous` when its bounds belong to another query.
fn first_char_bounds(corpus: &Corpus, needle: &str, previous: Option<&Matched>, count: usize) -> Vec<Entry> {
    let first: String = needle.chars().take(1).collect();
    let atom = Atom::new(&first, CaseMatching::Ignore, Normalization::Never, AtomKind::Fuzzy, false);
    let more = (count as u32 - 1) * MAX_PER_CHAR;
    let entry = |index: u32, h: Utf32Str<'_>, matcher: &mut Matcher| -> Option<Entry> {
        let s = u32::from(atom.score(h, matcher)?);
        // nucleo's one-character score on a non-ASCII haystack is not always the best
        // occurrence's, so it bounds nothing there: the first character's maximum does.
        let unicode = matches!(h, Utf32Str::Unicode(_));
        let score = if h.len() > MAX_BOUNDED_HAYSTACK {
            UNBOUNDED | if count == 1 { s | EXACT } else { 0 }
        } else if count == 1 {
            s | EXACT | if unicode { LOOSE } else { 0 }
        } else if unicode {
            FIRST_CHAR_MAX + more
        } else {
            s + more
        };
        Some(Entry { index, score })
    };
    let scan = |indices: &mut dyn Iterator<Item = u32>| -> Vec<Entry> {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut cursor = Cursor::new(corpus);
        indices.filter_map(|i| cursor.get(i).and_then(|h| entry(i, h, &mut matcher))).collect()
    };
    let all: Vec<u32>;
    let indices: &[u32] = match previous {
        Some(p) => {
            all = p.indices();
            &all
        }
        None => &[],
    };
    let len = if previous.is_some() { indices.len() } else { corpus.len() };
    let range = |from: usize, to: usize| -> Vec<Entry> {
        if previous.is_some() {
            scan(&mut indices[from..to].iter().copied())
        } else {
            scan(&mut (from as u32..to as u32))
        }
    };
    if len < PARALLEL_THRESHOLD {
        return range(0, len);
    }
    std::thread::scope(|s| {
        let other = s.spawn(|| range(len / 2, len));
        let mut out = range(0, len / 2);
        out.extend(other.join().unwrap_or_default());
        out
    })
}

/// Scores candidates best bound first until the first `k` are certain.
struct Ranker<'a> {
    corpus: &'a Corpus,
    pattern: &'a Pattern,
    needle: &'a str,
    /// An exact score came out above its bound.
    violated: bool,
    scored: usize,
}

impl Ranker<'_> {
    /// The candidates (all matching), in index order, with the best `k` (and any that
    /// could tie with the k-th) scored exactly; the others keep their bound.
    ///
    /// Candidates are scored in (bound descending, index) order until the next one cannot
    /// rank before the k-th best exact hit. That order is taken in bands read off a
    /// histogram of the bounds, one pass over the entries per band: at a million customers
    /// the entries were 400,000 hits, and choosing each batch anew cost more
    /// passes than the scoring.
    fn rank_top(&mut self, mut entries: Vec<Entry>, mut afters: Vec<After>, k: usize) -> (Vec<Entry>, Vec<After>) {
        let k = k.max(1);
        let counts = bound_counts(&entries);
        if counts.iter().all(|&n| n == 0) {
            return (entries, afters);
        }
        let mut best = Best::new(k);
        entries.iter().filter_map(|e| Some((e.exact()?, e.index))).for_each(|hit| best.offer(hit));
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut cursor = Cursor::new(self.corpus);
        let mut gone = Vec::new();
        let (mut upper, mut want) = (counts.len(), k);
        'bands: while upper > 0 {
            let mut lower = upper;
            let mut taken = 0;
            while lower > 0 && taken < want {
                lower -= 1;
                taken += counts[lower];
            }
            let mut band: Vec<(usize, u32)> = (entries.iter().enumerate())
                .filter(|(_, e)| e.exact().is_none() && (lower..upper).contains(&slot(e.bound())))
                .map(|(at, e)| (at, e.bound()))
                .collect();
            // Stable: ties stay in index order.
            band.sort_by_key(|&(_, bound)| Reverse(bound));
            for (at, bound) in band {
                let e = &mut entries[at];
                if best.worst().is_some_and(|worst| !before((bound, e.index), worst)) {
                    break 'bands;
                }
                self.scored += 1;
                match cursor.get(e.index).and_then(|h| self.pattern.score(h, &mut matcher)) {
                    Some(score) => {
                        if e.score & UNBOUNDED == 0 && score > bound {
                            self.violated = true;
                        }
                        // A later needle is longer: its exact scores bound the next keystroke's.
                        e.score = score.min(VALUE) | EXACT | (e.score & UNBOUNDED);
                        if let Some(after) = afters.get_mut(at) {
                            *after = After::UNKNOWN;
                        }
                        best.offer((score.min(VALUE), e.index));
                    }
                    None => gone.push(at),
                }
            }
            upper = lower;
            want = want.saturating_mul(4);
        }
        if !gone.is_empty() {
            gone.sort_unstable();
            remove_at(&mut entries, &gone);
            remove_at(&mut afters, &gone);
        }
        (entries, afters)
    }

    /// The entries, as bounds for a needle `added` characters longer than theirs, that
    /// match at all: testing a subsequence where that is exactly nucleo's answer (ASCII),
    /// scoring otherwise. What an entry remembers of its match ([`After`]) decides most of
    /// them without reading the haystack.
    fn keep_matches(&self, entries: &[Entry], afters: &[After], added: u32) -> (Vec<Entry>, Vec<After>) {
        let needle: Option<&[u8]> = self.needle.is_ascii().then_some(self.needle.as_bytes());
        let keep = |part: &[Entry], afters: &[After]| -> (Vec<Entry>, Vec<After>) {
            let mut matcher = Matcher::new(Config::DEFAULT);
            let mut cursor = Cursor::new(self.corpus);
            let mut out = (Vec::with_capacity(part.len()), Vec::with_capacity(part.len()));
            for (i, &e) in part.iter().enumerate() {
                let e = extended(e, added);
                let before = afters.get(i).copied().unwrap_or(After::UNKNOWN);
                let after = if e.exact().is_some() {
                    Some(before)
                } else if let Some(n) = needle {
                    match before.step(n.get(before.position().map_or(0, |(_, s)| s)..).unwrap_or_default()) {
                        Step::Match(after) => Some(after),
                        Step::NoMatch => None,
                        Step::Read => match cursor.get(e.index) {
                            Some(Utf32Str::Ascii(h)) => ascii_after(h, before, n),
                            Some(h) => self.pattern.score(h, &mut matcher).map(|_| After::UNKNOWN),
                            None => None,
                        },
                    }
                } else {
                    cursor.get(e.index).and_then(|h| self.pattern.score(h, &mut matcher)).map(|_| After::UNKNOWN)
                };
                if let Some(after) = after {
                    out.0.push(e);
                    out.1.push(after);
                }
            }
            out
        };
        if entries.len() < PARALLEL_THRESHOLD {
            return keep(entries, afters);
        }
        let mid = entries.len() / 2;
        let (left, right) = entries.split_at(mid);
        let (left_afters, right_afters) = afters.split_at(mid.min(afters.len()));
        std::thread::scope(|s| {
            let other = s.spawn(|| keep(right, right_afters));
            let (mut hits, mut kept) = keep(left, left_afters);
            let (more_hits, more_kept) = other.join().unwrap_or_default();
            hits.extend(more_hits);
            kept.extend(more_kept);
            (hits, kept)
        })
    }
}

/// The needle's match in the ASCII haystack `h`, looked for from where `before` stands when
/// known; `None`: no match.
fn ascii_after(h: &[u8], before: After, needle: &[u8]) -> Option<After> {
    let (from, stage) = before.position().unwrap_or((0, 0));
    let end = subsequence_end(h, from, needle.get(stage..).unwrap_or_default())?;
    Some(After::at(h, end, needle.len()))
}

/// Whether a (score or bound, index) pair ranks before another: higher first, ties by index.
fn before(a: (u32, u32), b: (u32, u32)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// Removes the items at the (sorted) positions `gone`.
fn remove_at<T>(items: &mut Vec<T>, gone: &[usize]) {
    let mut at = 0;
    items.retain(|_| {
        at += 1;
        gone.binary_search(&(at - 1)).is_err()
    });
}

/// Where a bound falls in [`bound_counts`]: unbounded entries (scored first) in the last slot.
fn slot(bound: u32) -> usize {
    if bound == VALUE { MAX_SLOT } else { (bound as usize).min(MAX_SLOT - 1) }
}

/// Bounds stay far below this: 64 needle characters of at most 26 each, plus the first's 36.
const MAX_SLOT: usize = 4096;

/// How many unscored entries have each bound, by [`slot`].
fn bound_counts(entries: &[Entry]) -> Vec<usize> {
    let mut counts = vec![0usize; MAX_SLOT + 1];
    for e in entries.iter().filter(|e| e.exact().is_none()) {
        counts[slot(e.bound())] += 1;
    }
    counts
}

/// The best `k` exact (score, index) pairs seen, ranked as [`before`] ranks them.
struct Best {
    k: usize,
    /// A min-heap on rank: its top is the worst of the best.
    heap: BinaryHeap<Reverse<(u32, Reverse<u32>)>>,
}

impl Best {
    fn new(k: usize) -> Best {
        Best { k, heap: BinaryHeap::with_capacity(k + 1) }
    }

    fn offer(&mut self, (score, index): (u32, u32)) {
        self.heap.push(Reverse((score, Reverse(index))));
        if self.heap.len() > self.k {
            self.heap.pop();
        }
    }

    /// The k-th best, once there are k.
    fn worst(&self) -> Option<(u32, u32)> {
        let Reverse((score, Reverse(index))) = self.heap.peek()?;
        (self.heap.len() == self.k).then_some((*score, *index))
    }
}

/// The `k` best exact entries, best first, ties in index order. Every entry that could be
/// among them is exact (see `rank_top`).
fn top_of(entries: &[Entry], k: usize) -> Vec<(u32, u32)> {
    let mut exact: Vec<(u32, u32)> = entries.iter().filter_map(|e| Some((e.index, e.exact()?))).collect();
    let order = |a: &(u32, u32), b: &(u32, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    // A million one-letter hits are all exact: select the screen's rows, sort only them.
    if exact.len() > k && k > 0 {
        exact.select_nth_unstable_by(k - 1, order);
        exact.truncate(k);
    }
    exact.sort_by(order);
    exact.truncate(k);
    exact
}

/// Reads haystacks at ascending indices, walking the chunks forward instead of searching.
struct Cursor<'a> {
    corpus: &'a Corpus,
    chunk: usize,
}

impl<'a> Cursor<'a> {
    fn new(corpus: &'a Corpus) -> Self {
        Cursor { corpus, chunk: 0 }
    }

    fn get(&mut self, index: u32) -> Option<Utf32Str<'a>> {
        let index = index as usize;
        let starts = &self.corpus.starts;
        let ahead = |c: usize| starts.get(c + 1).is_some_and(|&s| s <= index);
        if starts.get(self.chunk).is_none_or(|&s| s > index) || (ahead(self.chunk) && ahead(self.chunk + 1)) {
            // Not the next chunk or two: search (an index out of order, or a long skip).
            self.chunk = starts.partition_point(|&s| s <= index).checked_sub(1)?;
        }
        while ahead(self.chunk) {
            self.chunk += 1;
        }
        let corpus: &'a Corpus = self.corpus;
        corpus.chunks.get(self.chunk)?.get(index - starts[self.chunk])
    }
}

#[cfg(test)]
mod tests;
