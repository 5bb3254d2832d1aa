//! Resident memory each provider's sandbox state adds for N generated customers (VmRSS before
//! and after), and the peak (VmHWM): where the standalone sandbox's memory goes.
//!
//! Usage: sandbox_memory <customers>

#![allow(clippy::unwrap_used, clippy::expect_used)] // a measuring tool: a panic is the report

use till::sandbox::seed::Seed;

/// A field of /proc/self/status in kB (Linux only; 0 elsewhere).
fn status_kb(field: &str) -> usize {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines().find_map(|l| l.strip_prefix(field)?.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

fn seed(builtin: &str, n: usize) -> Seed {
    let mut s = Seed::parse(builtin, "builtin").unwrap();
    s.generate_customers(n, 7);
    s
}

fn measure<T>(name: &str, n: usize, build: impl FnOnce() -> T) -> T {
    let before = status_kb("VmRSS:");
    let t = std::time::Instant::now();
    let state = build();
    let held = status_kb("VmRSS:").saturating_sub(before) * 1024;
    println!(
        "{name:<9} resident +{:>8.1} MB  ({:>6.0} B per customer)  peak so far {:>8.1} MB  {:>6.2} s",
        held as f64 / 1e6,
        held as f64 / n.max(1) as f64,
        status_kb("VmHWM:") as f64 / 1e3,
        t.elapsed().as_secs_f64()
    );
    state
}
fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let base = "http://127.0.0.1:4010";
    let k = measure("kelviq", n, || {
        let s = seed(include_str!("../assets/sandbox/kelviq.json"), n);
        till::sandbox::kelviq::State::from_seed(&s, base)
    });
    let f = measure("flowglad", n, || {
        let s = seed(include_str!("../assets/sandbox/flowglad.json"), n);
        till::sandbox::flowglad::State::from_seed(&s, base)
    });
    let kp = measure("kuvarpay", n, || {
        let s = seed(include_str!("../assets/sandbox/kuvarpay.json"), n);
        till::sandbox::kuvarpay::State::from_seed(&s, base)
    });
    let z = measure("zenskar", n, || {
        let s = seed(include_str!("../assets/sandbox/zenskar.json"), n);
        till::sandbox::zenskar::State::from_seed(&s, base)
    });
    println!("total resident {:.1} MB", status_kb("VmRSS:") as f64 / 1e3);
    drop((k, f, kp, z));
}
