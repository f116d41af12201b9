//! The binary as a user runs it: exit codes, messages on bad input, stdin handling.

use std::io::Write;
use std::process::{Command, Stdio};

/// What one run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `bouncedoc ARGS` with `stdin` as its standard input.
pub fn run_bouncedoc(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bouncedoc"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the bouncedoc binary runs");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // The binary may exit before reading everything (e.g. an input over the size cap).
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn empty_input_is_a_usage_error_with_one_line() {
    let run = run_bouncedoc(&[], b"");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("empty"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn binary_input_is_refused() {
    let run = run_bouncedoc(&[], b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("binary"), "{}", run.stderr);
}

#[test]
fn input_over_the_size_cap_is_refused() {
    let big = vec![b'a'; 5000];
    let run = run_bouncedoc(&["--max-size", "1000"], &big);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("larger than the limit"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_file_is_an_error_but_others_still_run() {
    let run = run_bouncedoc(
        &["--json", "/nonexistent/bounce.eml", "-"],
        b"hello there\n",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/nonexistent/bounce.eml"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout.lines().count(), 1, "the stdin input still ran");
}

#[test]
fn text_that_is_not_a_bounce_exits_1() {
    let run = run_bouncedoc(&["--json"], b"Hi Bob, lunch on Friday?\n");
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(json["kind"], "not_bounce");
}
