//! bouncedoc's integration tests, in one binary (link time dominates).

mod auth_cli;
mod auth_e2e;
mod batch;
mod cli;
mod corpus;
mod diagnose_e2e;
mod dkim_vectors;
mod dns;
mod golden;
mod parse_fixtures;
mod robustness;
mod spf_cli;
mod spf_conformance;
mod support;
