//! till: a keyboard-driven terminal console for subscription billing across Kelviq,
//! Flowglad, KuvarPay and Zenskar. See DESIGN.md in the shared folder for the layout.

pub mod billing;
pub mod providers;
pub mod util;
