//! Fault injection: make the sandbox misbehave like a real provider on a bad day.
//!
//! Syntax (`till sandbox serve --faults SPEC`, `PUT /_admin/faults`, `SandboxOptions::faults`):
//! rules separated by `;`, each `SCOPE=EFFECT[,EFFECT…]`. SCOPE is `*`, a provider
//! (`kelviq`), or a provider and a path prefix (`kelviq/customers`; a trailing `*` is allowed).
//! EFFECTS, each applied to a share of matching requests:
//! - `latency=200ms` or `latency=200ms~100ms` (plus up to 100 ms of jitter), every request;
//! - `error=30%` (500, 502 or 503 at random) or `error=30%:503`;
//! - `ratelimit=10%:2s` (429 with `Retry-After: 2`);
//! - `garbage=5%` (200 with a body that is not JSON); `truncate=5%` (the real body cut in half);
//! - `reset=2%` (the connection drops halfway through the body);
//! - `slow=10%:5s` (the body trickles out over five seconds).
//!
//! Example: `kelviq=latency=2s,error=30%;*=ratelimit=5%:1s`.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::util::SplitMix64;

#[derive(Clone, Debug, PartialEq)]
enum Effect {
    Latency { base: Duration, jitter: Duration },
    Error { permille: u32, status: Option<u16> },
    RateLimit { permille: u32, retry_after: Duration },
    Garbage { permille: u32 },
    Truncate { permille: u32 },
    Reset { permille: u32 },
    Slow { permille: u32, over: Duration },
}

#[derive(Clone, Debug, PartialEq)]
struct Rule {
    provider: Option<String>,
    path_prefix: Option<String>,
    effects: Vec<Effect>,
}

/// A parsed fault specification; the empty one injects nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultSpec {
    rules: Vec<Rule>,
    text: String,
}

/// What to do to one request, decided before it is handled.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    pub delay: Duration,
    /// Answer with this status instead of calling the handler.
    pub fail: Option<(u16, Option<Duration>)>,
    pub mangle: Option<Mangle>,
}

#[derive(Debug, PartialEq)]
pub enum Mangle {
    Garbage,
    Truncate,
    Reset,
    Slow(Duration),
}

/// The longest delay a fault may add (per effect); anything longer is a typo, and capping it
/// keeps every sum of delays far from `Duration`'s range.
const MAX_FAULT_DURATION: Duration = Duration::from_hours(1);

/// `500ms`, `5s`, `2m`, or a bare number of milliseconds, at most an hour. Checked
/// arithmetic: a huge number is an error, never a wrapped or panicking value.
fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::util::duration::parse(s).and_then(|d| {
        if d <= MAX_FAULT_DURATION { Ok(d) } else { Err(format!("{s:?} is longer than a fault may last (1 hour)")) }
    })
}

/// "30%" or "2.5%" → per mille.
fn parse_rate(s: &str) -> Result<u32, String> {
    let n = s.strip_suffix('%').ok_or_else(|| format!("{s:?} should be a percentage like 30%"))?;
    let value: rust_decimal::Decimal = n.parse().map_err(|_| format!("{s:?} is not a percentage"))?;
    if value < rust_decimal::Decimal::ZERO || value > rust_decimal::Decimal::from(100) {
        return Err(format!("{s:?} must be between 0% and 100%"));
    }
    u32::try_from((value * rust_decimal::Decimal::from(10)).round().mantissa())
        .map_err(|_| format!("{s:?} is out of range"))
}

fn parse_effect(text: &str) -> Result<Effect, String> {
    let (name, value) = text.split_once('=').ok_or_else(|| format!("{text:?} should be name=value"))?;
    let mut parts = value.splitn(2, ':');
    let first = parts.next().unwrap_or_default();
    let second = parts.next();
    let need = |what: &str| second.ok_or_else(|| format!("{name} needs {what} after ':' ({text:?})"));
    Ok(match name.trim() {
        "latency" => {
            let (base, jitter) = first.split_once('~').unwrap_or((first, "0ms"));
            Effect::Latency { base: parse_duration(base)?, jitter: parse_duration(jitter)? }
        }
        "error" => {
            let status =
                second.map(|s| s.parse::<u16>().map_err(|_| format!("{s:?} is not an HTTP status"))).transpose()?;
            if status.is_some_and(|s| !(400..600).contains(&s)) {
                return Err(format!("error status must be 4xx or 5xx ({text:?})"));
            }
            Effect::Error { permille: parse_rate(first)?, status }
        }
        "ratelimit" => Effect::RateLimit {
            permille: parse_rate(first)?,
            retry_after: parse_duration(need("a Retry-After such as 2s")?)?,
        },
        "garbage" => Effect::Garbage { permille: parse_rate(first)? },
        "truncate" => Effect::Truncate { permille: parse_rate(first)? },
        "reset" => Effect::Reset { permille: parse_rate(first)? },
        "slow" => Effect::Slow { permille: parse_rate(first)?, over: parse_duration(need("a duration such as 5s")?)? },
        other => {
            return Err(format!("unknown fault {other:?} (latency, error, ratelimit, garbage, truncate, reset, slow)"));
        }
    })
}

impl FaultSpec {
    pub fn parse(text: &str) -> Result<FaultSpec, String> {
        let mut rules = Vec::new();
        for rule in text.split(';').map(str::trim).filter(|r| !r.is_empty()) {
            let (scope, effects) = rule
                .split_once('=')
                .ok_or_else(|| format!("fault rule {rule:?} should be SCOPE=EFFECT,… (e.g. kelviq=error=30%)"))?;
            let scope = scope.trim();
            let (provider, path_prefix) = match scope {
                "*" => (None, None),
                s => match s.split_once('/') {
                    Some((p, path)) => (Some(p.to_string()), Some(format!("/{}", path.trim_end_matches('*')))),
                    None => (Some(s.to_string()), None),
                },
            };
            if let Some(p) = &provider
                && p.parse::<crate::billing::ProviderKind>().is_err()
            {
                return Err(format!("fault rule {rule:?}: unknown provider {p:?}"));
            }
            let effects = effects
                .split(',')
                .map(|e| parse_effect(e.trim()))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("fault rule {rule:?}: {e}"))?;
            rules.push(Rule { provider, path_prefix, effects });
        }
        Ok(FaultSpec { rules, text: text.trim().to_string() })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Decides the faults for a request to `path` (e.g. `/kelviq/api/v1/customers/`).
    pub fn plan(&self, path: &str, rng: &mut SplitMix64) -> Plan {
        let mut plan = Plan::default();
        let mut segments = path.trim_start_matches('/').splitn(2, '/');
        let mount = segments.next().unwrap_or_default();
        let provider = mount.trim_end_matches("-edge");
        // The provider's own path, without its mount and API version prefix.
        let rest = format!("/{}", segments.next().unwrap_or_default());
        let rest = rest.strip_prefix("/api/v1").unwrap_or(&rest);
        let hit = |permille: u32, rng: &mut SplitMix64| rng.below(1000) < u64::from(permille);
        for rule in self.rules.iter().filter(|r| {
            r.provider.as_deref().is_none_or(|p| p == provider)
                && r.path_prefix.as_deref().is_none_or(|p| rest.starts_with(p))
        }) {
            for effect in &rule.effects {
                match *effect {
                    Effect::Latency { base, jitter } => {
                        let jitter_ms = u64::try_from(jitter.as_millis()).unwrap_or(u64::MAX).saturating_add(1);
                        let extra = base.saturating_add(Duration::from_millis(rng.below(jitter_ms)));
                        plan.delay = plan.delay.saturating_add(extra).min(MAX_FAULT_DURATION);
                    }
                    Effect::Error { permille, status } if plan.fail.is_none() && hit(permille, rng) => {
                        plan.fail = Some((status.unwrap_or(*rng.pick(&[500, 502, 503])), None));
                    }
                    Effect::RateLimit { permille, retry_after } if plan.fail.is_none() && hit(permille, rng) => {
                        plan.fail = Some((429, Some(retry_after)))
                    }
                    Effect::Garbage { permille } if plan.mangle.is_none() && hit(permille, rng) => {
                        plan.mangle = Some(Mangle::Garbage)
                    }
                    Effect::Truncate { permille } if plan.mangle.is_none() && hit(permille, rng) => {
                        plan.mangle = Some(Mangle::Truncate)
                    }
                    Effect::Reset { permille } if plan.mangle.is_none() && hit(permille, rng) => {
                        plan.mangle = Some(Mangle::Reset)
                    }
                    Effect::Slow { permille, over } if plan.mangle.is_none() && hit(permille, rng) => {
                        plan.mangle = Some(Mangle::Slow(over))
                    }
                    _ => {}
                }
            }
        }
        plan
    }
}

/// The answer for an injected failure.
pub fn failure(status: u16, retry_after: Option<Duration>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = (
        code,
        [("content-type", "application/json")],
        format!(r#"{{"error":"injected fault: {status}","code":"SANDBOX_FAULT"}}"#),
    )
        .into_response();
    if let Some(wait) = retry_after
        && let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
    {
        response.headers_mut().insert("retry-after", v);
    }
    response
}

/// Damages a real response as planned.
pub fn mangle(response: Response, how: Mangle, body: Bytes) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.headers.remove("content-length");
    let half = body.slice(..body.len() / 2);
    let body = match how {
        Mangle::Garbage => Body::from("<html><body><h1>502 Bad Gateway</h1></body></html>"),
        Mangle::Truncate => Body::from(half),
        Mangle::Reset => {
            let chunks: Vec<Result<Bytes, std::io::Error>> =
                vec![Ok(half), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected reset"))];
            Body::from_stream(futures::stream::iter(chunks))
        }
        Mangle::Slow(over) => {
            let pieces = 10usize;
            let size = body.len().div_ceil(pieces).max(1);
            let pause = over / pieces as u32;
            let chunks: Vec<Bytes> = body.chunks(size).map(Bytes::copy_from_slice).collect();
            Body::from_stream(futures::stream::unfold(chunks.into_iter(), move |mut it| async move {
                let next = it.next()?;
                tokio::time::sleep(pause).await;
                Some((Ok::<_, std::io::Error>(next), it))
            }))
        }
    };
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_syntax_and_names_mistakes() {
        let spec =
            FaultSpec::parse("kelviq=latency=2s~500ms,error=30%;*=ratelimit=5%:1s;zenskar/customers*=garbage=2.5%")
                .unwrap();
        assert_eq!(spec.rules.len(), 3);
        assert_eq!(spec.rules[2].path_prefix.as_deref(), Some("/customers"));
        assert_eq!(spec.rules[2].effects, vec![Effect::Garbage { permille: 25 }]);
        for (bad, needle) in [
            ("kelviq", "SCOPE=EFFECT"),
            ("stripe=error=1%", "unknown provider"),
            ("*=error=150%", "between 0% and 100%"),
            ("*=boom=1%", "unknown fault"),
            ("*=ratelimit=5%", "Retry-After"),
            ("*=error=5%:200", "4xx or 5xx"),
            ("*=latency=4611686018427387904m", "too long"),
            ("*=latency=18446744073709551615s", "too long"),
            ("*=latency=99999999999999999999ms", "99999999999999999999ms"),
            ("*=slow=1%:61m", "longer than"),
        ] {
            let err = FaultSpec::parse(bad).unwrap_err();
            assert!(err.contains(needle), "{bad}: {err}");
        }
        assert!(FaultSpec::parse("").unwrap().is_empty());
    }

    #[test]
    fn many_long_delays_add_up_without_overflow() {
        let spec = FaultSpec::parse(&vec!["*=latency=60m~60m"; 200].join(";")).unwrap();
        let mut rng = SplitMix64::new(3);
        assert_eq!(spec.plan("/kelviq/api/v1/customers/", &mut rng).delay, MAX_FAULT_DURATION);
    }

    #[test]
    fn rates_and_scopes_apply_as_written() {
        let spec = FaultSpec::parse("kelviq/customers=error=100%:503;flowglad=latency=100ms~50ms").unwrap();
        let mut rng = SplitMix64::new(1);
        assert_eq!(spec.plan("/kelviq/api/v1/customers/", &mut rng).fail, Some((503, None)));
        assert_eq!(spec.plan("/kelviq/api/v1/catalog/plans/", &mut rng).fail, None);
        assert_eq!(spec.plan("/kelviq-edge/api/v1/entitlements/", &mut rng).fail, None);
        for _ in 0..50 {
            let d = spec.plan("/flowglad/api/v1/customers", &mut rng).delay;
            assert!(d >= Duration::from_millis(100) && d <= Duration::from_millis(150), "{d:?}");
        }
        let some = FaultSpec::parse("*=error=30%").unwrap();
        let failed = (0..2000).filter(|_| some.plan("/zenskar/customers", &mut rng).fail.is_some()).count();
        assert!((450..750).contains(&failed), "about 30% of 2000: {failed}");
    }
}
