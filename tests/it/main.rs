//! bouncedoc's integration tests, in one binary (link time dominates).

mod auth_cli;
mod cli;
mod dkim_vectors;
mod dns;
mod golden;
mod support;
