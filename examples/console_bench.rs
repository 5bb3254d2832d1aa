//! Prints per-frame render time with 100k customers and per-keystroke filter time over 100k
//! names, as medians of repeated runs. Used by scripts/bench; criterion benches in
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
    // One keystroke at a time, as typed: the first scans everything, later ones narrow.
    let mut per_key = Vec::new();
    let mut per_prefix: Vec<Vec<f64>> = vec![Vec::new(); query.chars().count()];
    let mut full_scan = Vec::new();
    let ticks_before = cpu_ticks();
    for _ in 0..7 {
        let mut previous: Option<Vec<u32>> = None;
        for n in 1..=query.chars().count() {
            let prefix: String = query.chars().take(n).collect();
            let start = Instant::now();
            let hits = search::filter(&corpus, &prefix, previous.as_deref());
            let ms = start.elapsed().as_secs_f64() * 1e3;
            per_key.push(ms);
            per_prefix[n - 1].push(ms);
            previous = Some(hits);
        }
        let start = Instant::now();
        let hits = search::filter(&corpus, &query, None);
        full_scan.push(start.elapsed().as_secs_f64() * 1e3);
        assert!(!hits.is_empty() || count < 1000);
    }
    if let (Some(before), Some(after)) = (ticks_before, cpu_ticks()) {
        // Seven rounds of the query's prefixes plus one full scan each.
        println!("filter_cpu_ticks {} keystrokes {}", after - before, 7 * (query.chars().count() + 1));
    }
    println!("filter_keystroke_ms_median {:.3}", median(per_key));
    for (n, times) in per_prefix.into_iter().enumerate() {
        let prefix: String = query.chars().take(n + 1).collect();
        println!("filter_prefix_ms_median {prefix} {:.3}", median(times));
    }
    println!("filter_full_scan_ms_median {:.3}", median(full_scan));
    println!("filter_hits {}", search::filter(&corpus, &query, None).len());
}
