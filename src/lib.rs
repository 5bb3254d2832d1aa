//! till: a keyboard-driven terminal console for subscription billing across Kelviq,
//! Flowglad, KuvarPay and Zenskar. See DESIGN.md in the shared folder for the layout.

pub mod audit;
pub mod billing;
pub mod cli;
pub mod config;
pub mod ops;
pub mod providers;
pub mod sandbox;
pub mod search;
pub mod secrets;
pub mod text;
pub mod tui;
pub mod util;
pub mod webhooks;
