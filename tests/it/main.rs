//! bouncedoc's integration tests, in one binary (link time dominates).

mod cli;
mod dkim_vectors;
mod dns;
mod golden;
mod spf_conformance;
mod support;
