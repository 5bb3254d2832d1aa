//! One request budget per provider: every request to a provider — panes, summaries, prefetch,
//! search, paging, headless commands — waits here for a token before it is sent.
//!
//! - A token bucket per provider (`Limit`: requests per second and a burst). Real providers
//!   document no numbers, so the default is conservative (`DEFAULT_LIMIT`); a loopback host
//!   (the sandbox, a local emulator) is unlimited until it answers 429. A profile can set its
//!   own (`rate_limit`, `burst`).
//! - Priorities: a request waits while a more urgent one for the same provider is waiting
//!   (what the user looks at first, background reads next, prefetch last). The caller names
//!   its priority with [`with_priority`] around its future; the default is `Interactive`.
//! - Adaptation: a 429 halves the rate (from the rate actually sent when there was no limit)
//!   and pauses the provider for its `Retry-After`; each answered request gives back a little
//!   until the configured rate (or none) is reached again.
//!
//! `governor` was considered: its quotas are fixed at creation and it has no priorities, and
//! both are the point here; the bucket itself is a few lines.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::billing::ProviderKind;

/// How urgent a request is; lower waits for higher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    /// What the user is looking at or asked for.
    Interactive = 0,
    /// Work for rows on screen (summaries), searches through every page.
    Background = 1,
    /// Guesses at what comes next.
    Prefetch = 2,
}

tokio::task_local! {
    static PRIORITY: Priority;
}

/// Runs `future` with every request it makes at `priority`.
pub async fn with_priority<F: Future>(priority: Priority, future: F) -> F::Output {
    PRIORITY.scope(priority, future).await
}

fn current_priority() -> Priority {
    PRIORITY.try_with(|p| *p).unwrap_or(Priority::Interactive)
}

/// A rate: `per_second` tokens flow in, at most `burst` wait unused.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    pub per_second: f64,
    pub burst: f64,
}

/// For a provider that documents no limit (all four): well under what billing APIs allow.
pub const DEFAULT_LIMIT: Limit = Limit { per_second: 10.0, burst: 20.0 };

/// The most pages of one list in flight at once: enough to hide a round trip behind decoding
/// on a loopback sandbox, few enough not to look like a flood to a real provider.
pub const MAX_WINDOW: usize = 6;

/// The slowest a run of 429s can push a provider.
const MIN_RATE: f64 = 0.5;

/// What each answered request gives back after a cut, in requests per second.
const RECOVERY_STEP: f64 = 0.25;

/// What waiting cost a request, for the request log.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Waited {
    pub time: Duration,
    /// Why, in words (`Kelviq budget 10/s`, `Retry-After`, `behind 3 more urgent`).
    pub reason: String,
}

#[derive(Debug)]
struct Bucket {
    configured: Option<Limit>,
    current: Option<Limit>,
    tokens: f64,
    refilled: Instant,
    paused_until: Option<Instant>,
    waiting: [u32; 3],
    /// Sends of the last second: the rate to halve when an unlimited provider answers 429.
    sent: VecDeque<Instant>,
    /// The rate before the first cut, where an unlimited provider becomes unlimited again.
    recover_to: Option<f64>,
    /// The last cut: 429s answering requests sent at the old rate do not cut again within a
    /// second (one decrease per round, as TCP does), so a burst of them halves the rate once.
    cut_at: Option<Instant>,
}

impl Bucket {
    fn new(configured: Option<Limit>, now: Instant) -> Bucket {
        let tokens = configured.map_or(0.0, |l| l.burst);
        Bucket {
            configured,
            current: configured,
            tokens,
            refilled: now,
            paused_until: None,
            waiting: [0; 3],
            sent: VecDeque::new(),
            recover_to: None,
            cut_at: None,
        }
    }

    fn refill(&mut self, now: Instant) {
        if let Some(limit) = self.current {
            let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
            self.tokens = (self.tokens + elapsed * limit.per_second).min(limit.burst);
        }
        self.refilled = now;
    }

    /// `None`: go now (the token is taken). `Some`: wait this long, for this reason.
    fn try_take(&mut self, priority: Priority, now: Instant, name: &str) -> Option<(Duration, String)> {
        self.refill(now);
        if let Some(until) = self.paused_until.filter(|u| *u > now) {
            return Some((until - now, format!("{name} asked to wait (Retry-After)")));
        }
        let urgent: u32 = self.waiting[..priority as usize].iter().sum();
        if urgent > 0 {
            let step = self.current.map_or(Duration::from_millis(5), |l| secs(1.0 / l.per_second));
            return Some((step, format!("behind {urgent} more urgent request(s) to {name}")));
        }
        match self.current {
            None => None,
            Some(_) if self.tokens >= 1.0 => {
                self.tokens -= 1.0;
                None
            }
            Some(l) => Some((secs((1.0 - self.tokens) / l.per_second), format!("{name} budget {}/s", rate(l)))),
        }
    }

    fn note_sent(&mut self, now: Instant) {
        self.sent.push_back(now);
        while self.sent.front().is_some_and(|t| now.saturating_duration_since(*t) > Duration::from_secs(1)) {
            self.sent.pop_front();
        }
    }

    fn rate_limited(&mut self, retry_after: Option<Duration>, now: Instant) {
        let recent_cut = self.cut_at.is_some_and(|at| now.saturating_duration_since(at) < Duration::from_secs(1));
        if !recent_cut {
            self.refill(now);
            let from = self.current.map_or(self.sent.len().max(1) as f64, |l| l.per_second);
            if self.recover_to.is_none() {
                self.recover_to = Some(self.configured.map_or(from, |l| l.per_second));
            }
            let per_second = (from / 2.0).max(MIN_RATE);
            self.current = Some(Limit { per_second, burst: per_second.max(1.0) });
            // Spent: the requests that drew this 429 were sent at the old rate.
            self.tokens = 0.0;
            self.cut_at = Some(now);
        }
        if let Some(wait) = retry_after {
            let wait = wait.min(Duration::from_mins(1));
            let until = now + wait;
            self.paused_until = Some(self.paused_until.map_or(until, |u| u.max(until)));
            // The provider named the moment: one request may go when the pause ends.
            if let (false, Some(l)) = (recent_cut, self.current) {
                self.tokens = 1.0 - wait.as_secs_f64() * l.per_second;
            }
        }
    }

    fn answered(&mut self) {
        let (Some(limit), Some(target)) = (self.current, self.recover_to) else { return };
        let per_second = limit.per_second + (limit.per_second * 0.05).max(RECOVERY_STEP);
        if per_second >= target {
            self.current = self.configured;
            self.recover_to = None;
        } else {
            self.current = Some(Limit { per_second, burst: per_second.max(1.0) });
        }
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.clamp(0.0, 3600.0))
}

fn rate(l: Limit) -> String {
    if l.per_second.fract() == 0.0 { format!("{}", l.per_second) } else { format!("{:.2}", l.per_second) }
}

/// One request waiting at a priority, for as long as this lives.
struct Waiting<'a> {
    budgets: &'a Budgets,
    provider: ProviderKind,
    priority: Priority,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.budgets.with(self.provider, |b| b.waiting[self.priority as usize] -= 1);
    }
}

/// The budgets of every provider one `Http` talks to. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Budgets {
    buckets: Arc<Mutex<HashMap<ProviderKind, Bucket>>>,
}

impl Budgets {
    fn with<T>(&self, provider: ProviderKind, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        f(buckets.entry(provider).or_insert_with(|| Bucket::new(None, Instant::now())))
    }

    /// Sets a provider's limit (`None`: unlimited until a 429).
    pub fn set(&self, provider: ProviderKind, limit: Option<Limit>) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets.insert(provider, Bucket::new(limit, Instant::now()));
    }

    /// Sets the default for a provider at `base_url` unless a limit was set already.
    pub fn default_for(&self, provider: ProviderKind, base_url: &url::Url) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let local = match base_url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => true,
        };
        let limit = (!local).then_some(DEFAULT_LIMIT);
        buckets.entry(provider).or_insert_with(|| Bucket::new(limit, Instant::now()));
    }

    /// The limit in force now (after any 429 cut), for `till info` and tests.
    pub fn current(&self, provider: ProviderKind) -> Option<Limit> {
        self.with(provider, |b| b.current)
    }

    /// How many pages of one list may be in flight to the provider at once: [`MAX_WINDOW`]
    /// while it is unlimited, else no more than its burst (the bucket paces them anyway; a
    /// window wider than the burst would only queue), and 1 while a 429 pause holds.
    pub fn page_window(&self, provider: ProviderKind) -> usize {
        self.with(provider, |b| {
            let paused = b.paused_until.is_some_and(|u| u > Instant::now());
            match b.current {
                _ if paused => 1,
                None => MAX_WINDOW,
                Some(l) => (l.burst.floor() as usize).clamp(1, MAX_WINDOW),
            }
        })
    }

    /// Waits for the provider's next token at the caller's priority.
    pub async fn acquire(&self, provider: ProviderKind) -> Waited {
        let priority = current_priority();
        let name = provider.display_name();
        self.with(provider, |b| b.waiting[priority as usize] += 1);
        // Counted out however this ends: a wait dropped mid-sleep (a search superseded, a page
        // read ahead and not taken) left its count behind, and every request of a lower
        // priority then waited for good behind one that no longer existed.
        let _waiting = Waiting { budgets: self, provider, priority };
        let mut waited = Waited::default();
        loop {
            let now = Instant::now();
            match self.with(provider, |b| b.try_take(priority, now, name)) {
                None => break,
                Some((wait, reason)) => {
                    waited.time += wait;
                    waited.reason = reason;
                    tokio::time::sleep(wait).await;
                }
            }
        }
        self.with(provider, |b| b.note_sent(Instant::now()));
        waited
    }

    /// What the provider answered: a 429 cuts the rate; anything else lets it recover.
    pub fn answered(&self, provider: ProviderKind, status: u16, retry_after: Option<Duration>) {
        self.with(provider, |b| if status == 429 { b.rate_limited(retry_after, Instant::now()) } else { b.answered() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: ProviderKind = ProviderKind::Kelviq;

    #[tokio::test(start_paused = true)]
    async fn a_limited_provider_sends_its_burst_then_its_rate() {
        let b = Budgets::default();
        b.set(K, Some(Limit { per_second: 10.0, burst: 2.0 }));
        let start = Instant::now();
        let mut waits = Vec::new();
        for _ in 0..5 {
            waits.push(b.acquire(K).await.time);
        }
        assert_eq!(waits[..2], [Duration::ZERO, Duration::ZERO], "the burst goes at once");
        let total = Instant::now() - start;
        assert!(total >= Duration::from_millis(290) && total < Duration::from_millis(320), "3 more at 10/s: {total:?}");
        let last = b.acquire(K).await;
        assert!(last.reason.contains("Kelviq budget 10/s"), "{last:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_halves_the_rate_pauses_for_retry_after_and_recovers() {
        let b = Budgets::default();
        b.set(K, None);
        for _ in 0..8 {
            b.acquire(K).await;
        }
        b.answered(K, 429, Some(Duration::from_secs(2)));
        b.answered(K, 429, Some(Duration::from_secs(2)));
        assert_eq!(b.current(K).map(|l| l.per_second), Some(4.0), "half of the 8/s sent, once per second");
        let w = b.acquire(K).await;
        assert!(w.time >= Duration::from_secs(2) && w.reason.contains("Retry-After"), "{w:?}");
        for _ in 0..20 {
            b.answered(K, 200, None);
        }
        assert_eq!(b.current(K), None, "back to unlimited once recovered to the rate it had");
    }

    #[tokio::test(start_paused = true)]
    async fn prefetch_waits_while_an_interactive_request_waits() {
        let b = Budgets::default();
        b.set(K, Some(Limit { per_second: 2.0, burst: 1.0 }));
        b.acquire(K).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let spawn = |priority: Priority, name: &'static str, delay: u64| {
            let (b, order) = (b.clone(), order.clone());
            tokio::spawn(with_priority(priority, async move {
                tokio::time::sleep(Duration::from_millis(delay)).await;
                b.acquire(K).await;
                order.lock().unwrap().push(name);
            }))
        };
        let prefetch = spawn(Priority::Prefetch, "prefetch", 0);
        let user = spawn(Priority::Interactive, "user", 10);
        let (a, c) = tokio::join!(prefetch, user);
        a.unwrap();
        c.unwrap();
        assert_eq!(*order.lock().unwrap(), ["user", "prefetch"], "the later, more urgent request goes first");
    }

    /// A wait given up (its task aborted: a superseded search, a page read ahead and dropped)
    /// no longer holds back the requests of lower priority.
    #[tokio::test(start_paused = true)]
    async fn a_wait_given_up_holds_nobody_back() {
        let b = Budgets::default();
        b.set(K, Some(Limit { per_second: 1.0, burst: 1.0 }));
        b.acquire(K).await;
        let given_up = {
            let b = b.clone();
            tokio::spawn(async move { b.acquire(K).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        given_up.abort();
        let _ = given_up.await;
        let later = tokio::spawn(with_priority(Priority::Prefetch, {
            let b = b.clone();
            async move { b.acquire(K).await }
        }));
        let waited = tokio::time::timeout(Duration::from_secs(5), later).await;
        let waited = waited.expect("the prefetch got its token").unwrap();
        assert!(waited.time <= Duration::from_secs(1), "{waited:?}");
    }

    #[test]
    fn loopback_hosts_are_unlimited_and_real_ones_get_the_default() {
        let b = Budgets::default();
        b.default_for(K, &url::Url::parse("http://127.0.0.1:4010/kelviq").unwrap());
        b.default_for(ProviderKind::Flowglad, &url::Url::parse("https://app.flowglad.com/api").unwrap());
        assert_eq!(b.current(K), None);
        assert_eq!(b.current(ProviderKind::Flowglad), Some(DEFAULT_LIMIT));
        b.set(ProviderKind::Zenskar, Some(Limit { per_second: 3.0, burst: 3.0 }));
        b.default_for(ProviderKind::Zenskar, &url::Url::parse("https://api.zenskar.com").unwrap());
        assert_eq!(b.current(ProviderKind::Zenskar).map(|l| l.per_second), Some(3.0), "a profile's limit stays");
    }
}
