//! Prints per-frame render time with N customers and per-keystroke filter times over N names
//! (first screen, full ranking, and the exact path of before), as medians of repeated runs. Used by scripts/bench; criterion benches in
//! benches/console.rs measure the same with statistics.
//!
//! Usage: console_bench <customers> <names-out-file> <query>

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use till::search::{self, Corpus};
use till::tui::bench;
use till::tui::view::{self, Theme};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// This process's user + system CPU time in clock ticks (Linux), to compare builds on a busy
/// machine, where wall time mostly measures the neighbours.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let names_out = args.get(2).cloned();
    let query = args.get(3).cloned().unwrap_or_else(|| "muller".into());
    let customers = bench::generated_customers(count, 7);
    if let Some(path) = names_out {
        let text: String = customers
            .iter()
            .map(|c| format!("{} {} {}\n", c.name.as_deref().unwrap_or(""), c.email.as_deref().unwrap_or(""), c.id))
            .collect();
        std::fs::write(&path, text).expect("write names");
    }

    let mut state = bench::state_with(customers.clone(), (120, 32));
    let mut terminal = Terminal::new(TestBackend::new(120, 32)).expect("test backend");
    let theme = Theme { color: true };
    let mut frames = Vec::new();
    for i in 0..200 {
        state.views[1].selected = (i * 397) % count; // jump around the list
        state.views[1].offset = state.views[1].selected.saturating_sub(5);
        let start = Instant::now();
        terminal.draw(|f| view::draw(f, &state, &theme)).expect("draw");
        frames.push(start.elapsed().as_secs_f64() * 1e3);
    }
    println!("render_frame_ms_median {:.3}", median(frames));

    let mut corpus = Corpus::default();
    for chunk in customers.chunks(100) {
        corpus.push_chunk(chunk.iter().map(search::haystack).collect());
    }
    // One keystroke at a time, as typed, three ways alternating in one run: the first screen
    // (the best FIRST_SCREEN hits ranked exactly, and the count: what the console waits for
    // before it shows the list), the full ranking (the first screen, then every hit ranked:
    // what it has a moment later, off the UI loop) and the exact path of before (every
    // candidate scored, narrowing within the previous hits).
    let n = query.chars().count();
    let mut first = Timings::new(n);
    let mut full = Timings::new(n);
    let mut exact = Timings::new(n);
    let mut scored = Vec::new();
    let mut full_scan = Vec::new();
    for _ in 0..7 {
        let mut previous: Option<std::sync::Arc<search::Matched>> = None;
        let mut previous_hits: Option<Vec<u32>> = None;
        for k in 1..=n {
            let prefix: String = query.chars().take(k).collect();
            let (screen, ticks) = timed(|| search::first_screen(&corpus, &prefix, previous.as_deref(), FIRST_SCREEN));
            let first_ms = ticks.0;
            first.add(k, first_ms, ticks.1);
            scored.push(format!("{prefix}:{}/{}", screen.scored, screen.count));
            let (all, ticks_all) = timed(|| search::rank_all(&corpus, &prefix, &screen.matched, &|| false));
            full.add(k, first_ms + ticks_all.0, ticks.1 + ticks_all.1);
            let (hits, ticks_exact) = timed(|| search::filter(&corpus, &prefix, previous_hits.as_deref()));
            exact.add(k, ticks_exact.0, ticks_exact.1);
            assert_eq!(all.map(|a| a.len()), Some(hits.len()), "{prefix}");
            previous = Some(screen.matched);
            previous_hits = Some(hits);
        }
        let start = Instant::now();
        let hits = search::filter(&corpus, &query, None);
        full_scan.push(start.elapsed().as_secs_f64() * 1e3);
        assert!(!hits.is_empty() || count < 1000);
    }
    println!("filter_keystroke_ms_median {:.3}", median(first.all.clone()));
    println!("filter_keystroke_full_ranking_ms_median {:.3}", median(full.all.clone()));
    println!("filter_keystroke_exact_ms_median {:.3}", median(exact.all.clone()));
    println!(
        "filter_cpu_ticks first_screen {} full_ranking {} exact {} keystrokes {}",
        first.ticks,
        full.ticks,
        exact.ticks,
        7 * n
    );
    for (label, t) in [("first_screen", &first), ("full_ranking", &full), ("exact", &exact)] {
        for (k, times) in t.per_prefix.iter().enumerate() {
            let prefix: String = query.chars().take(k + 1).collect();
            println!("filter_prefix_ms_median {label} {prefix} {:.3}", median(times.clone()));
        }
    }
    println!("filter_scored_of_candidates {}", scored.iter().take(n).cloned().collect::<Vec<_>>().join(" "));
    println!("filter_full_scan_ms_median {:.3}", median(full_scan));
    println!("filter_hits {}", search::filter(&corpus, &query, None).len());
}

/// The console's first screen of hits (tui::tasks::FIRST_SCREEN).
const FIRST_SCREEN: usize = till::tui::tasks::FIRST_SCREEN;

/// Wall milliseconds and CPU ticks of one call.
fn timed<T>(f: impl FnOnce() -> T) -> (T, (f64, u64)) {
    let ticks = cpu_ticks();
    let start = Instant::now();
    let out = f();
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let spent = match (ticks, cpu_ticks()) {
        (Some(a), Some(b)) => b - a,
        _ => 0,
    };
    (out, (ms, spent))
}

struct Timings {
    all: Vec<f64>,
    per_prefix: Vec<Vec<f64>>,
    ticks: u64,
}

impl Timings {
    fn new(n: usize) -> Self {
        Timings { all: Vec::new(), per_prefix: vec![Vec::new(); n], ticks: 0 }
    }

    fn add(&mut self, k: usize, ms: f64, ticks: u64) {
        self.all.push(ms);
        self.per_prefix[k - 1].push(ms);
        self.ticks += ticks;
    }
}
