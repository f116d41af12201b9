//! The integration tests, in one binary (link time dominates).

mod dns;
mod support;
