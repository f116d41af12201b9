//! The offline pipeline on raw bytes, as `bouncedoc --offline` runs it on one named input:
//! a mailbox (bytes starting with a `From ` line) is split into its messages, each read as
//! mail; anything else goes through the input check (binary input stops there). Each input is
//! then parsed, classified and diagnosed without DNS ([`bouncedoc::offline_report`]), and
//! rendered as JSON and as text.
#![no_main]

use bouncedoc::input::{self, Input, MboxReader};
use bouncedoc::render;
use libfuzzer_sys::fuzz_target;

/// The size cap of one input, as the binary's default (25 MiB); fuzz inputs stay far below it.
const MAX_SIZE: u64 = 25 * 1024 * 1024;

/// Messages of one mailbox that are run: enough to reach splitting corners, few enough that a
/// mailbox of empty messages does not slow the fuzzer down.
const MAX_MESSAGES: usize = 8;

fuzz_target!(|data: &[u8]| {
    if input::looks_like_mbox(data) {
        for message in MboxReader::new("fuzz.mbox", data, MAX_SIZE)
            .take(MAX_MESSAGES)
            .flatten()
        {
            run(&message);
        }
    } else if let Ok(input) = Input::from_slice("fuzz.eml", data) {
        run(&input);
    }
});

fn run(input: &Input<'_>) {
    let report = bouncedoc::offline_report(input);
    let mut out = Vec::with_capacity(4096);
    render::json::write_report(&mut out, &report).expect("json render into a Vec");
    out.clear();
    render::text::write_report(&mut out, &report, false, true).expect("text render into a Vec");
    out.clear();
    render::text::write_report(&mut out, &report, true, false).expect("text render into a Vec");
}
