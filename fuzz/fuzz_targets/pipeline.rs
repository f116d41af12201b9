//! The offline pipeline on raw bytes, as `bouncedoc --offline` runs it on one input (no mbox
//! splitting; binary input stops at the input check): read, parse, classify, diagnose without
//! DNS, render JSON and text.
#![no_main]

use bouncedoc::render::{self, Report};
use bouncedoc::{bounce, classify, diagnose, input::Input};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::from_bytes("fuzz.eml", data.to_vec()) else {
        return;
    };
    let bounce = bounce::parse(&input);
    let classifications = classify::classify(&bounce);
    let findings = diagnose::diagnose(&bounce, &classifications, None);
    let report = Report {
        input: input.name,
        bounce,
        classifications,
        checks: None,
        findings,
    };
    let mut out = Vec::with_capacity(4096);
    render::json::write_report(&mut out, &report).expect("json render into a Vec");
    out.clear();
    render::text::write_report(&mut out, &report, false, true).expect("text render into a Vec");
    out.clear();
    render::text::write_report(&mut out, &report, true, false).expect("text render into a Vec");
});
