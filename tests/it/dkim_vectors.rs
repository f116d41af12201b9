//! DKIM conformance vectors (fixtures/conformance/dkim, see its README) verified with the key
//! records served by the loopback DNS server: mail-auth 001–006 at their fixed time (and 005 at
//! today's clock, when its x= has passed), dkimpy's signed messages with their good and broken
//! key records, and Exim's Ed25519 interoperability vector.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bouncedoc::dkim::{DkimResult, KeyOutcome, KeyRecordError, verify_message};
use bouncedoc::dns::Resolver;

use crate::support::dns_server::DnsServer;

/// The time mail-auth verifies its vectors at (2022-11-07 17:54:24 UTC).
const FIXED_TIME: u64 = 1667843664;

/// RFC 8463 Appendix A's Ed25519 key (the public half of RFC 8032 §7.1 TEST 1); dkimpy ships
/// only the private seed (`rfc8032_7_1.key`).
const BRISBANE: &str = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const TEST_KEY_NAME: &str = "test._domainkey.football.example.com";

fn dir() -> String {
    format!("{}/fixtures/conformance/dkim", env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> Vec<u8> {
    let full = format!("{}/{path}", dir());
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn read_text(path: &str) -> String {
    String::from_utf8(read(path))
        .expect("UTF-8 fixture")
        .trim()
        .to_string()
}

/// What a signature's result must be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Pass,
    Expired,
    /// The key record's `p=` does not parse.
    KeyUnparsable,
    /// The key record's `k=` is not a key type.
    KeyUnknownType,
    /// The key record's `v=` is not `DKIM1`.
    KeyBadVersion,
    /// Anything but a pass (and no panic).
    NotPass,
}

impl Expect {
    fn matches(self, result: &DkimResult, key: Option<&KeyOutcome>) -> bool {
        match self {
            Expect::Pass => result.is_pass(),
            Expect::Expired => matches!(result, DkimResult::Expired { .. }),
            Expect::KeyUnparsable => {
                *result == DkimResult::KeyProblem
                    && matches!(
                        key,
                        Some(KeyOutcome::Malformed {
                            error: KeyRecordError::UnparsableKey { .. }
                        })
                    )
            }
            Expect::KeyUnknownType => {
                *result == DkimResult::KeyProblem
                    && matches!(key, Some(KeyOutcome::UnknownKeyType { .. }))
            }
            Expect::KeyBadVersion => {
                *result == DkimResult::KeyProblem
                    && matches!(
                        key,
                        Some(KeyOutcome::Malformed {
                            error: KeyRecordError::BadVersion { .. }
                        })
                    )
            }
            Expect::NotPass => !result.is_pass(),
        }
    }
}

struct Case {
    name: String,
    message: Vec<u8>,
    records: Vec<(String, String)>,
    now: u64,
    expect: Vec<Expect>,
}

/// A mail-auth vector: `<name> <record>` lines, a blank line, the message.
fn mail_auth(file: &str, now: u64, expect: &[Expect]) -> Case {
    let raw = read(&format!("mail-auth/{file}"));
    let split = raw
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("a blank line after the records");
    let records = String::from_utf8_lossy(&raw[..split])
        .lines()
        .map(|line| {
            let (name, value) = line.split_once(' ').expect("name and record");
            (name.to_string(), value.to_string())
        })
        .collect();
    Case {
        name: format!("mail-auth/{file} at {now}"),
        message: raw[split + 2..].to_vec(),
        records,
        now,
        expect: expect.to_vec(),
    }
}

fn dkimpy(message: &str, records: &[(&str, &str)], expect: &[Expect]) -> Case {
    Case {
        name: format!(
            "dkimpy/{message} with {}",
            records
                .iter()
                .map(|(_, file)| *file)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        message: read(&format!("dkimpy/{message}")),
        records: records
            .iter()
            .map(|(name, file)| {
                let value = if *file == "brisbane" {
                    BRISBANE.to_string()
                } else {
                    read_text(&format!("dkimpy/{file}"))
                };
                (name.to_string(), value)
            })
            .collect(),
        now: unix_now(),
        expect: expect.to_vec(),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn cases() -> Vec<Case> {
    use Expect::*;
    vec![
        mail_auth("001.txt", FIXED_TIME, &[Pass, Pass]),
        mail_auth("002.txt", FIXED_TIME, &[Pass]),
        mail_auth("003.txt", FIXED_TIME, &[Pass, Pass]),
        mail_auth("004.txt", FIXED_TIME, &[Pass]),
        mail_auth("005.txt", FIXED_TIME, &[Pass]),
        mail_auth("005.txt", unix_now(), &[Expired]),
        mail_auth("006.txt", FIXED_TIME, &[Pass]),
        dkimpy(
            "rfc6376.signed.msg",
            &[
                ("brisbane._domainkey.football.example.com", "brisbane"),
                (TEST_KEY_NAME, "test.txt"),
            ],
            &[Pass, Pass],
        ),
        dkimpy(
            "rfc6376.signed.rsa.msg",
            &[(TEST_KEY_NAME, "test.txt")],
            &[Pass],
        ),
        dkimpy(
            "rfc6376.signed.rsa.msg",
            &[(TEST_KEY_NAME, "test_bad.txt")],
            &[KeyUnparsable],
        ),
        dkimpy(
            "rfc6376.signed.rsa.msg",
            &[(TEST_KEY_NAME, "badk.txt")],
            &[KeyUnknownType],
        ),
        dkimpy(
            "rfc6376.signed.rsa.msg",
            &[(TEST_KEY_NAME, "badversion.txt")],
            &[KeyBadVersion],
        ),
        dkimpy(
            "rfc6376.signed.no_t.msg",
            &[(TEST_KEY_NAME, "test.txt")],
            &[NotPass],
        ),
        dkimpy(
            "ed25519test2.msg",
            &[("sed._domainkey.test.ex", "eximtest.dns")],
            &[Pass],
        ),
    ]
}

/// A TXT value as character-strings of at most 255 bytes (longer ones cannot be served).
fn chunks(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    while rest.len() > 255 {
        let mut cut = 255;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

#[test]
fn dkim_vectors_verify_with_keys_from_loopback_dns() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let cases = cases();
    let mut failures = Vec::new();
    let mut passed = 0;
    for case in &cases {
        let mut builder = DnsServer::builder();
        for (name, value) in &case.records {
            builder = builder.txt(name, &chunks(value));
        }
        let server = builder.start();
        let resolver =
            Resolver::for_server(server.addr(), Duration::from_secs(2)).expect("a resolver");
        let v = runtime.block_on(verify_message(&resolver, &case.message, case.now));
        // The keys really came over DNS (an expired signature is refused before any lookup).
        if !case.expect.contains(&Expect::Expired) {
            assert!(server.received_count() > 0, "{}: no DNS query", case.name);
        }
        let got: Vec<(DkimResult, Option<KeyOutcome>)> = v
            .signatures
            .iter()
            .map(|s| (s.result.clone(), s.key.as_ref().map(|k| k.outcome.clone())))
            .collect();
        let ok = got.len() == case.expect.len()
            && case
                .expect
                .iter()
                .zip(&got)
                .all(|(e, (r, k))| e.matches(r, k.as_ref()));
        if ok {
            passed += 1;
        } else {
            failures.push(format!(
                "{}: expected {:?}, got {got:?}",
                case.name, case.expect
            ));
        }
    }
    eprintln!("DKIM vectors: {passed}/{} as expected", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(passed, cases.len());
}
