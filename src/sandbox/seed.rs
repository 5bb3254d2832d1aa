//! Seed data for the sandbox, in one provider-neutral format: each provider's emulation turns
//! it into its own records. Dates are relative ("started 95 days ago") so the demo data always
//! looks current.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::util::SplitMix64;

/// The oldest a seeded record may be, in days.
pub const MAX_DAYS_AGO: i64 = 36_500;
/// The largest usage or quantity a seed may hold.
pub const MAX_COUNT: i64 = 1_000_000_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub products: Vec<SeedProduct>,
    pub features: Vec<SeedFeature>,
    pub plans: Vec<SeedPlan>,
    pub customers: Vec<SeedCustomer>,
    pub subscriptions: Vec<SeedSubscription>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedProduct {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedFeatureType {
    Boolean,
    Meter,
    Customizable,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFeature {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: SeedFeatureType,
    #[serde(default)]
    pub unit: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPrice {
    pub currency: String,
    /// Kelviq period name (MONTHLY, YEARLY, ...).
    pub period: String,
    /// Decimal string in major units ("49.00").
    pub amount: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedGrant {
    pub feature: String,
    /// true/false for boolean features; a number for meters (the limit) and customizable values.
    pub value: serde_json::Value,
    #[serde(default)]
    pub hard_limit: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPlan {
    pub id: String,
    pub name: String,
    pub product: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub trial_days: Option<u32>,
    pub prices: Vec<SeedPrice>,
    pub grants: Vec<SeedGrant>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCustomer {
    pub id: String,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub country: Option<String>,
    pub created_days_ago: i64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSubscription {
    pub customer: String,
    pub plan: String,
    pub period: String,
    pub currency: String,
    /// Provider-neutral status: active, trialing, past_due, canceled, incomplete, paused.
    pub status: String,
    pub started_days_ago: i64,
    /// Set for a cancellation scheduled at the end of the current period.
    #[serde(default)]
    pub cancel_at_period_end: bool,
    #[serde(default)]
    pub usage: BTreeMap<String, i64>,
    /// Quantities for customizable features (seats).
    #[serde(default)]
    pub quantities: BTreeMap<String, i64>,
}

/// Why seed data could not be used; names the file and the position or the bad reference.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("seed file {path} is not valid: {message}")]
    Invalid { path: String, message: String },
}

impl Seed {
    pub fn parse(text: &str, origin: &str) -> Result<Seed, SeedError> {
        let seed: Seed = serde_json::from_str(text)
            .map_err(|e| SeedError::Invalid { path: origin.to_string(), message: e.to_string() })?;
        seed.check_references().map_err(|message| SeedError::Invalid { path: origin.to_string(), message })?;
        Ok(seed)
    }

    pub fn load(path: &Path) -> Result<Seed, SeedError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SeedError::Read { path: path.display().to_string(), source })?;
        Seed::parse(&text, &path.display().to_string())
    }

    /// Every reference points at something defined and every number is in range, so
    /// emulators can index and do date arithmetic without checks.
    fn check_references(&self) -> Result<(), String> {
        self.check_ranges()?;
        let has_feature = |id: &str| self.features.iter().any(|f| f.id == id);
        for plan in &self.plans {
            if !self.products.iter().any(|p| p.id == plan.product) {
                return Err(format!("plan {:?} names unknown product {:?}", plan.id, plan.product));
            }
            if plan.prices.is_empty() {
                return Err(format!("plan {:?} has no prices", plan.id));
            }
            for price in &plan.prices {
                crate::billing::Currency::from_code(&price.currency).map_err(|e| format!("plan {:?}: {e}", plan.id))?;
                crate::billing::ChargePeriod::parse(&price.period).map_err(|e| format!("plan {:?}: {e}", plan.id))?;
                price
                    .amount
                    .parse::<rust_decimal::Decimal>()
                    .map_err(|_| format!("plan {:?}: price {:?} is not a decimal", plan.id, price.amount))?;
            }
            if let Some(g) = plan.grants.iter().find(|g| !has_feature(&g.feature)) {
                return Err(format!("plan {:?} grants unknown feature {:?}", plan.id, g.feature));
            }
        }
        for sub in &self.subscriptions {
            if !self.customers.iter().any(|c| c.id == sub.customer) {
                return Err(format!("subscription names unknown customer {:?}", sub.customer));
            }
            let plan = self
                .plans
                .iter()
                .find(|p| p.id == sub.plan)
                .ok_or_else(|| format!("subscription of {:?} names unknown plan {:?}", sub.customer, sub.plan))?;
            if !plan.prices.iter().any(|p| p.period == sub.period && p.currency == sub.currency) {
                return Err(format!(
                    "subscription of {:?}: plan {:?} has no {} {} price",
                    sub.customer, sub.plan, sub.currency, sub.period
                ));
            }
        }
        Ok(())
    }

    /// Dates a few centuries back overflow the date arithmetic of the emulators (a panic,
    /// exit 101); counts beyond a billion are typos.
    fn check_ranges(&self) -> Result<(), String> {
        let days = |what: &str, who: &str, n: i64| {
            if (0..=MAX_DAYS_AGO).contains(&n) {
                Ok(())
            } else {
                Err(format!("{what} of {who:?} is {n}; it must be between 0 and {MAX_DAYS_AGO} (100 years)"))
            }
        };
        for c in &self.customers {
            days("created_days_ago", &c.id, c.created_days_ago)?;
        }
        for sub in &self.subscriptions {
            days("started_days_ago", &sub.customer, sub.started_days_ago)?;
            for (feature, n) in sub.usage.iter().chain(&sub.quantities) {
                if !(0..=MAX_COUNT).contains(n) {
                    return Err(format!(
                        "subscription of {:?}: {feature:?} is {n}; it must be between 0 and {MAX_COUNT}",
                        sub.customer
                    ));
                }
            }
        }
        Ok(())
    }

    /// Adds one customer (with a subscription to the first plan, so providers that derive
    /// customers from subscriptions show it too) whose every text field carries what a
    /// hostile provider could send a terminal: ESC sequences (OSC 0 retitles the window,
    /// OSC 52 writes the clipboard, CSI clears the screen), BEL, CR, C1 controls and the bidi
    /// controls that make text read as something else (U+202E, U+2066).
    pub fn add_hostile_customer(&mut self) {
        let evil = |base: &str| {
            format!(
                "{base}\x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J\u{9b}31m\u{9d}0;x\u{9c}\r\x07\u{202E}exe.\u{2066}"
            )
        };
        let id = format!("hostile_{}", evil("id"));
        self.customers.push(SeedCustomer {
            id: id.clone(),
            name: evil("Eve Hostile "),
            email: format!("eve{}@hostile.example", evil("")),
            country: Some(evil("DE")),
            created_days_ago: 3,
        });
        let first = self.plans.iter().find_map(|p| p.prices.first().map(|pr| (p, pr)));
        if let Some((plan, price)) = first {
            self.subscriptions.push(SeedSubscription {
                customer: id,
                plan: plan.id.clone(),
                period: price.period.clone(),
                currency: price.currency.clone(),
                status: "active".into(),
                started_days_ago: 3,
                cancel_at_period_end: false,
                usage: BTreeMap::new(),
                quantities: BTreeMap::new(),
            });
        }
    }

    /// Adds `count` generated customers, deterministic for a given `seed`; every fifth one
    /// gets a subscription so large runs still have something to show.
    pub fn generate_customers(&mut self, count: usize, seed: u64) {
        let mut rng = SplitMix64::new(seed);
        let plans: Vec<(String, String, String)> = self
            .plans
            .iter()
            .flat_map(|p| p.prices.iter().map(move |pr| (p.id.clone(), pr.period.clone(), pr.currency.clone())))
            .collect();
        for n in 0..count {
            let first = *rng.pick(FIRST_NAMES);
            let last = *rng.pick(LAST_NAMES);
            let domain = *rng.pick(DOMAINS);
            let id = format!("gen_{seed:x}_{n:06}");
            let email_local = crate::util::fold_accents(&format!("{first}.{last}")).replace(' ', "");
            self.customers.push(SeedCustomer {
                id: id.clone(),
                name: format!("{first} {last}"),
                email: format!("{email_local}{n}@{domain}"),
                country: None,
                created_days_ago: 1 + rng.below(900) as i64,
            });
            if n % 5 == 0 && !plans.is_empty() {
                let (plan, period, currency) = rng.pick(&plans).clone();
                self.subscriptions.push(SeedSubscription {
                    customer: id,
                    plan,
                    period,
                    currency,
                    status: "active".into(),
                    started_days_ago: rng.below(400) as i64,
                    cancel_at_period_end: false,
                    usage: BTreeMap::new(),
                    quantities: BTreeMap::new(),
                });
            }
        }
    }
}

const FIRST_NAMES: &[&str] = &[
    "Anna",
    "Jürgen",
    "Łukasz",
    "Sofía",
    "Mateo",
    "Chloé",
    "Björn",
    "Zoë",
    "Ángel",
    "Priya",
    "Kwame",
    "Aiko",
    "Noah",
    "Olivia",
    "Liam",
    "Emma",
    "Mohammed",
    "Fatima",
    "Chen",
    "Wei",
    "Yuki",
    "Søren",
    "Ingrid",
    "Dmitri",
    "Olga",
    "Tomás",
    "Inés",
    "Kofi",
    "Amara",
    "Ravi",
    "Ananya",
    "Lucas",
    "Léa",
    "François",
    "Małgorzata",
    "Zoltán",
    "Ayşe",
    "Emre",
    "Nguyễn",
    "Hana",
    "Carlos",
    "Lucía",
    "Henrik",
    "Astrid",
    "Mei",
    "Arjun",
    "Chiara",
    "Matteo",
    "Eszter",
    "Dávid",
];

const LAST_NAMES: &[&str] = &[
    "Müller",
    "Kowalski",
    "García",
    "Smith",
    "Dubois",
    "Andersson",
    "Rossi",
    "Nakamura",
    "Okafor",
    "Patel",
    "Schmidt",
    "Nowak",
    "Fernández",
    "Johnson",
    "Lefèvre",
    "Øster",
    "Bianchi",
    "Tanaka",
    "Mensah",
    "Sharma",
    "Wójcik",
    "Jensen",
    "Novák",
    "Horváth",
    "Yılmaz",
    "Kim",
    "Lee",
    "O'Brien",
    "Van der Berg",
    "Costa",
    "Silva",
    "Łopatka",
    "Brontë",
    "Şahin",
    "Đorđević",
    "Ivanova",
    "Lindqvist",
    "Da Silva",
    "Moreau",
    "Schäfer",
];

const DOMAINS: &[&str] = &["example.com", "example.org", "mail.test", "corp.example", "startup.example", "example.net"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_per_seed() {
        let base = r#"{"products":[{"id":"p","name":"P"}],"features":[],"plans":[{"id":"basic","name":"Basic","product":"p","prices":[{"currency":"USD","period":"MONTHLY","amount":"9.00"}],"grants":[]}],"customers":[],"subscriptions":[]}"#;
        let mut a = Seed::parse(base, "test").unwrap();
        let mut b = Seed::parse(base, "test").unwrap();
        a.generate_customers(50, 42);
        b.generate_customers(50, 42);
        let names = |s: &Seed| s.customers.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        assert_eq!(a.subscriptions.len(), 10);
        let mut c = Seed::parse(base, "test").unwrap();
        c.generate_customers(50, 43);
        assert_ne!(names(&a), names(&c));
    }

    #[test]
    fn out_of_range_days_and_counts_are_named_errors() {
        let base = r#"{"products":[{"id":"p","name":"P"}],"features":[],"plans":[{"id":"basic","name":"Basic","product":"p","prices":[{"currency":"USD","period":"MONTHLY","amount":"9.00"}],"grants":[]}],"customers":[{"id":"c","name":"C","email":"c@x.io","created_days_ago":CREATED}],"subscriptions":[{"customer":"c","plan":"basic","period":"MONTHLY","currency":"USD","status":"active","started_days_ago":STARTED,"usage":{"api":USAGE}}]}"#;
        let seed = |c: &str, s: &str, u: &str| {
            Seed::parse(&base.replace("CREATED", c).replace("STARTED", s).replace("USAGE", u), "t.json")
        };
        assert!(seed("1", "0", "5").is_ok());
        for (c, s, u, needle) in [
            ("9223372036854775807", "0", "5", "created_days_ago of \"c\""),
            ("1", "-9223372036854775808", "5", "started_days_ago"),
            ("-1", "0", "5", "between 0 and 36500"),
            ("1", "0", "9223372036854775807", "\"api\" is 9223372036854775807"),
        ] {
            let err = seed(c, s, u).unwrap_err().to_string();
            assert!(err.contains("t.json") && err.contains(needle), "{err}");
        }
    }

    #[test]
    fn corrupt_seed_names_file_and_position() {
        let err = Seed::parse("{\"products\": [", "assets/sandbox/kelviq.json").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("assets/sandbox/kelviq.json") && msg.contains("line 1"), "{msg}");
        let bad_ref = r#"{"products":[],"features":[],"plans":[{"id":"x","name":"X","product":"nope","prices":[],"grants":[]}],"customers":[],"subscriptions":[]}"#;
        assert!(Seed::parse(bad_ref, "f").unwrap_err().to_string().contains("unknown product \"nope\""));
    }
}
