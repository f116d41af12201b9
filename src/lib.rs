//! bouncedoc: tells a mail administrator why an email bounced and exactly what to change.
//!
//! The data flows one way, one module per stage, plain data between them:
//! [`input`] → [`bounce`] (parse) → [`classify`] → checks ([`dns`], [`spf`], [`dkim`],
//! [`dmarc`], [`rdns`]) → diagnose → [`render`].

pub mod bounce;
mod bytes;
pub mod check;
pub mod classify;
pub mod diagnose;
pub mod dkim;
pub mod dmarc;
pub mod dns;
pub mod input;
pub mod rdns;
pub mod render;
pub mod spf;
pub mod verify;

/// The stages that need no network, for one input: parse, classify, and diagnose without live
/// checks. What `bouncedoc --offline` reports, and what the fuzz harness drives.
pub fn offline_report(input: &input::Input<'_>) -> render::Report {
    let bounce = bounce::parse(input);
    let classifications = classify::classify(&bounce);
    report_without_checks(input.name.clone(), bounce, classifications)
}

/// The report of a parsed and classified bounce when no live check runs (none is wanted, or
/// `--offline`): the diagnosis then rests on the bounce's own words.
pub fn report_without_checks(
    input_name: String,
    bounce: bounce::Bounce,
    classifications: Vec<classify::Classification>,
) -> render::Report {
    let findings = diagnose::diagnose(&bounce, &classifications, None);
    render::Report {
        input: input_name,
        bounce,
        classifications,
        checks: None,
        findings,
    }
}
