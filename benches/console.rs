//! Criterion benches for the console's hot paths: drawing a frame of a 100k-customer list and
//! filtering 100k names. `scripts/bench` prints the same figures next to their targets.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use till::search::{self, Corpus};
use till::tui::bench;
use till::tui::view::{self, Theme};

fn render(c: &mut Criterion) {
    let customers = bench::generated_customers(100_000, 7);
    let mut state = bench::state_with(customers, (120, 32));
    let mut terminal = Terminal::new(TestBackend::new(120, 32)).expect("test backend");
    let theme = Theme { color: true };
    let mut i = 0usize;
    c.bench_function("render frame, 100k customers, 120x32", |b| {
        b.iter(|| {
            i = (i + 7919) % 100_000;
            state.views[1].selected = i;
            state.views[1].offset = i.saturating_sub(3);
            terminal.draw(|f| view::draw(f, &state, &theme)).expect("draw");
        })
    });
}

fn filter(c: &mut Criterion) {
    let customers = bench::generated_customers(100_000, 7);
    let mut corpus = Corpus::default();
    for chunk in customers.chunks(100) {
        corpus.push_chunk(chunk.iter().map(search::haystack).collect());
    }
    c.bench_function("filter 100k names, full scan \"muller\"", |b| b.iter(|| search::filter(&corpus, "muller", None)));
    let first = search::filter(&corpus, "mulle", None);
    c.bench_function("filter 100k names, narrowing \"mulle\" -> \"muller\"", |b| {
        b.iter(|| search::filter(&corpus, "muller", Some(&first)))
    });
}

criterion_group!(benches, render, filter);
criterion_main!(benches);
