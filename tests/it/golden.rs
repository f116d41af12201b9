//! Golden files: every bounce under `fixtures/bounces/` and every pasted text under
//! `fixtures/text/` is run through the binary (`--json --offline`, on stdin, with LF and with
//! CRLF line endings) and compared with the `.json` file beside it. On a mismatch the output is
//! written to `<name>.actual.json` and the test fails naming it; `BLESS=1` rewrites the expected
//! files instead.

use std::path::{Path, PathBuf};

use crate::cli::run_bouncedoc;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases = Vec::new();
    for dir in ["bounces", "text"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("eml") | Some("txt")
            ) {
                cases.push(path);
            }
        }
    }
    cases.sort();
    cases
}

fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 20);
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

#[test]
fn golden_files_match() {
    let bless = std::env::var_os("BLESS").is_some();
    let cases = cases();
    assert!(!cases.is_empty(), "no golden cases found under fixtures/");
    let mut failures = Vec::new();
    for case in &cases {
        let input = std::fs::read(case).unwrap();
        let expected_path = case.with_extension("json");
        let run = run_bouncedoc(&["--json", "--offline"], &input);
        let got: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "{}: output is not JSON ({e}): {}",
                case.display(),
                run.stdout
            )
        });
        let pretty = serde_json::to_string_pretty(&got).unwrap() + "\n";
        if bless {
            std::fs::write(&expected_path, &pretty).unwrap();
            continue;
        }
        let expected: serde_json::Value = match std::fs::read_to_string(&expected_path) {
            Ok(text) => serde_json::from_str(&text).unwrap(),
            Err(_) => {
                failures.push(format!(
                    "{}: no expected file (run with BLESS=1)",
                    case.display()
                ));
                continue;
            }
        };
        if got != expected {
            let actual = case.with_extension("actual.json");
            std::fs::write(&actual, &pretty).unwrap();
            failures.push(format!(
                "{}: differs, see {}",
                case.display(),
                actual.display()
            ));
            continue;
        }
        let crlf = run_bouncedoc(&["--json", "--offline"], &to_crlf(&input));
        let got_crlf: serde_json::Value = serde_json::from_str(crlf.stdout.trim()).unwrap();
        if got_crlf != expected {
            failures.push(format!(
                "{}: CRLF line endings give another result",
                case.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The library's `offline_report` is what the binary prints with `--offline`: every golden
/// case, run both ways, gives the same JSON (so the fuzz harness, which drives the library
/// function, covers what users run).
#[test]
fn the_library_offline_report_is_what_the_binary_prints() {
    let cases = cases();
    assert!(!cases.is_empty(), "no golden cases found under fixtures/");
    for case in &cases {
        let bytes = std::fs::read(case).unwrap();
        let run = run_bouncedoc(&["--json", "--offline"], &bytes);
        let from_binary: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
        let input = bouncedoc::input::Input::from_bytes("-", bytes).unwrap();
        let mut json = Vec::new();
        bouncedoc::render::json::write_report(&mut json, &bouncedoc::offline_report(&input))
            .unwrap();
        let from_library: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(from_library, from_binary, "{}", case.display());
    }
}
