//! Provider-neutral billing model. No I/O and no UI imports: everything here is plain data
//! and pure functions, so every provider client, the sandbox and the console share one
//! vocabulary and it can be tested without a network.

pub mod attribution;
pub mod checkout;
pub mod currency;
pub mod diff;
pub mod estimate;
pub mod invoice;
pub mod model;
pub mod money;
pub mod payments;
pub mod period;
pub mod timestamp;
pub mod validate;
pub mod webhooks;

pub use checkout::*;
pub use currency::Currency;
pub use estimate::{Estimate, EstimateLine, EstimateSource, Invoice};
pub use invoice::*;
pub use model::*;
pub use money::{Money, MoneyError};
pub use period::{ChargePeriod, IntervalUnit};
