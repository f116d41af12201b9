//! Hostile and broken input: truncated MIME, odd line endings, absurd sizes and nesting must give
//! a result (or a clean error), never a panic or a hang.

use std::path::Path;

use bouncedoc::input::Input;

fn parse_and_classify(bytes: &[u8]) {
    if let Ok(input) = Input::from_bytes("t", bytes.to_vec()) {
        let bounce = bouncedoc::bounce::parse(&input);
        let classes = bouncedoc::classify::classify(&bounce);
        assert_eq!(classes.len(), bounce.recipients.len());
        assert!(bounce.recipients.len() <= 1000);
    }
}

#[test]
fn every_corpus_email_truncated_or_re_ended_still_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/sisimai/eml");
    let mut runs = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        for cut in [
            bytes.len() / 4,
            bytes.len() / 2,
            bytes.len() * 3 / 4,
            bytes.len().saturating_sub(1),
        ] {
            // Cut on a char boundary or not: parsing takes bytes.
            parse_and_classify(&bytes[..cut]);
            runs += 1;
        }
        let cr_only: Vec<u8> = bytes
            .iter()
            .map(|&b| if b == b'\n' { b'\r' } else { b })
            .collect();
        parse_and_classify(&cr_only);
        runs += 1;
    }
    assert!(runs > 2000, "{runs} runs");
}

#[test]
fn absurd_shapes_are_bounded() {
    // One endless line.
    let mut long = b"550 5.7.1 ".to_vec();
    long.extend(std::iter::repeat_n(b'x', 2_000_000));
    parse_and_classify(&long);

    // A DSN with twenty thousand recipients.
    let mut dsn = String::from(
        "From: MAILER-DAEMON@example.net\nTo: a@example.com\nSubject: Undelivered Mail\n\
         MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
         --b\nContent-Type: text/plain\n\nfailed\n\n--b\nContent-Type: message/delivery-status\n\n\
         Reporting-MTA: dns; mx.example.net\n\n",
    );
    for i in 0..20_000 {
        dsn.push_str(&format!(
            "Final-Recipient: rfc822; u{i}@example.org\nAction: failed\nStatus: 5.1.1\n\n"
        ));
    }
    dsn.push_str("--b--\n");
    parse_and_classify(dsn.as_bytes());

    // Forwarded bounces nested a hundred deep.
    let mut nested = String::from("550 5.1.1 <x@example.org>: user unknown\n");
    for _ in 0..100 {
        nested = format!(
            "Subject: Fwd: bounce\n\n---------- Forwarded message ---------\n{}",
            nested
                .lines()
                .map(|l| format!("> {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    parse_and_classify(nested.as_bytes());

    // MIME boundaries that never close, and parts nested deep.
    let mut mime = String::new();
    for i in 0..200 {
        mime.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n"
        ));
    }
    mime.push_str("Content-Type: text/plain\n\n550 5.7.23 SPF fail\n");
    parse_and_classify(mime.as_bytes());
}
