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

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// An mbox of the given fixtures, `From ` lines in bodies quoted as mboxrd does.
pub fn mbox_of(paths: &[&str]) -> Vec<u8> {
    let mut mbox = Vec::new();
    for path in paths {
        mbox.extend_from_slice(b"From MAILER-DAEMON Sun Nov 22 10:00:00 2026\n");
        for line in fixture(path).split_inclusive(|&b| b == b'\n') {
            if line.starts_with(b"From ") {
                mbox.push(b'>');
            }
            mbox.extend_from_slice(line);
        }
        mbox.extend_from_slice(b"\n");
    }
    mbox
}

#[test]
fn an_mbox_on_stdin_gives_one_report_per_message() {
    let mbox = mbox_of(&[
        "fixtures/bounces/exim-5.7.1-spamhaus-blocked.eml",
        "fixtures/bounces/rfc3834-vacation.eml",
        "fixtures/bounces/office365-5.7.1-relay-denied.eml",
    ]);
    let run = run_bouncedoc(&["--json", "--offline"], &mbox);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let kinds: Vec<String> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"].to_string())
        .collect();
    assert_eq!(kinds.len(), 3, "{}", run.stdout);
    assert_eq!(kinds[1], "\"autoreply\"");
    let text = run_bouncedoc(&["--offline", "--color", "never"], &mbox);
    assert!(
        text.stdout
            .contains("summary: 3 messages read, 2 bounces, 1 not bounces, 0 unreadable"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("sending_ip_blocked 1"),
        "{}",
        text.stdout
    );
}

#[test]
fn a_maildir_is_read_message_by_message() {
    let dir = std::env::temp_dir().join(format!("bouncedoc-maildir-{}", std::process::id()));
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::write(
        dir.join("new/1.eml"),
        fixture("fixtures/bounces/gmail-5.7.26-spf-fail.eml"),
    )
    .unwrap();
    std::fs::write(dir.join("cur/2.eml"), b"\x00\x01\x02\x03\x00\x00\x00\x00").unwrap();
    let run = run_bouncedoc(&["--json", "--offline", dir.to_str().unwrap()], b"");
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 2, "the binary file is an error: {}", run.stderr);
    assert!(
        run.stderr.contains("2.eml") && run.stderr.contains("binary"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout.lines().count(), 1, "the good message still ran");
}

/// Runs `bouncedoc ARGS` asking only the loopback `server` (2 s timeout, no colour): how every
/// DNS test runs the binary.
pub fn run_with_dns(
    server: &crate::support::dns_server::DnsServer,
    args: &[&str],
    stdin: &[u8],
) -> Run {
    let ns = server.nameserver_arg();
    let mut all = vec![
        "--nameserver",
        ns.as_str(),
        "--timeout",
        "2",
        "--color",
        "never",
    ];
    all.extend_from_slice(args);
    run_bouncedoc(&all, stdin)
}
