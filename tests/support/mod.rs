//! Shared helpers for integration tests.
//!
//! Include from an integration test with `mod support;` and then use e.g.
//! `support::openapi::Spec`.

pub mod console;
pub mod lists;
pub mod openapi;
pub mod pay;
pub mod receiver;
pub mod runner;
