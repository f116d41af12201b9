//! Shared helpers for the integration tests.

pub mod dns_server;
