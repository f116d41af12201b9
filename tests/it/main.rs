//! The integration tests, in one binary (link time dominates).

mod dkim_vectors;
mod dns;
mod support;
