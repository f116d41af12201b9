//! bouncedoc's integration tests, in one binary (one link instead of many).

mod cli;
mod dns;
mod golden;
mod spf_cli;
mod spf_conformance;
mod support;
