//! DKIM, DMARC and reverse-DNS diagnoses end to end: a bounce from `fixtures/e2e-auth/` (for
//! signature cases, its returned original signed here with dkimpy's RSA-1024 `test.private`)
//! run through the CLI against the loopback DNS server serving `fixtures/zones/auth-*.zone`.
//! One test per finding, asserting its cause, its fix and, for DMARC records, verification.

use base64::Engine;
use rsa::Pkcs1v15Sign;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::cli::{run_bouncedoc, run_with_dns};
use crate::support::dns_server::DnsServer;

/// DER DigestInfo prefix of SHA-256 for PKCS#1 v1.5 (RFC 8017 §9.2).
const SHA256_PREFIX: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

fn manifest(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn bounce(name: &str) -> String {
    let path = manifest(&format!("fixtures/e2e-auth/{name}.eml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const RFC822: &str = "Content-Type: message/rfc822\n\n";
const CLOSE: &str = "\n--BOUNDARY--\n";

/// The returned original inside a fixture bounce.
fn original(bounce: &str) -> &str {
    let start = bounce.find(RFC822).expect("a message/rfc822 part") + RFC822.len();
    let end = bounce.rfind(CLOSE).expect("the closing boundary");
    &bounce[start..end]
}

/// The bounce with its returned original replaced.
fn with_original(bounce: &str, message: &str) -> String {
    let start = bounce.find(RFC822).expect("a message/rfc822 part") + RFC822.len();
    let end = bounce.rfind(CLOSE).expect("the closing boundary");
    format!("{}{message}{}", &bounce[..start], &bounce[end..])
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// RFC 6376 §3.4.3 simple body canonicalization: CRLF lines, trailing empty lines removed,
/// one CRLF at the end.
fn simple_body(body: &str) -> Vec<u8> {
    let mut text = body.replace("\r\n", "\n");
    while text.ends_with("\n\n") {
        text.pop();
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.replace('\n', "\r\n").into_bytes()
}

/// `message` (LF lines) with a DKIM-Signature added on top: rsa-sha256, c=simple/simple,
/// signing From, To, Subject and Date with dkimpy's `test.private`; `extra` adds tags (e.g.
/// `x=...`).
fn sign(message: &str, domain: &str, selector: &str, extra: &str) -> String {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    let pem = std::fs::read_to_string(manifest("fixtures/conformance/dkim/dkimpy/test.private"))
        .expect("the test key");
    let key = rsa::RsaPrivateKey::from_pkcs1_pem(&pem).expect("an RSA key");
    let (headers, body) = message.split_once("\n\n").expect("headers and body");
    let signed = ["from", "to", "subject", "date"];
    let value = format!(
        " v=1; a=rsa-sha256; c=simple/simple; d={domain}; s={selector}; t=1741100000;{extra} h={}; bh={}; b=",
        signed.join(":"),
        b64(&Sha256::digest(simple_body(body)))
    );
    let mut data = Vec::new();
    for name in signed {
        let line = headers
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
            .unwrap_or_else(|| panic!("a {name} header"));
        data.extend_from_slice(line.as_bytes());
        data.extend_from_slice(b"\r\n");
    }
    data.extend_from_slice(format!("DKIM-Signature:{value}").as_bytes());
    let hash = Sha256::digest(&data);
    let scheme = Pkcs1v15Sign {
        hash_len: Some(hash.len()),
        prefix: SHA256_PREFIX.into(),
    };
    let signature = key.sign(scheme, &hash).expect("signing");
    format!("DKIM-Signature:{value}{}\n{message}", b64(&signature))
}

/// Runs `bouncedoc --json` on `input` against the loopback server serving `zone`; returns the
/// report.
fn diagnose(zone: &str, input: &str) -> Value {
    let server = DnsServer::builder()
        .zone_fixture(&format!("auth-{zone}"))
        .start();
    let run = run_with_dns(&server, &["--json"], input.as_bytes());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn causes(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["cause"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The finding with this cause (panics with the causes found when there is none).
fn finding<'a>(report: &'a Value, cause: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["cause"] == cause)
        .unwrap_or_else(|| panic!("no {cause} among {:?}", causes(report)))
}

fn steps(f: &Value) -> String {
    f["fix"]["steps"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// The Gmail 5.7.30 (DKIM did not pass) bounce whose original is signed with `selector`.
fn dkim_bounce(selector: &str) -> String {
    let b = bounce("gmail-5.7.30-dkim");
    let signed = sign(original(&b), "example.com", selector, "");
    with_original(&b, &signed)
}

/// Asserts `cause` is the headline, ahead of the SPF pass.
fn assert_headline(report: &Value, cause: &str) {
    let all = causes(report);
    assert_eq!(all.first().map(String::as_str), Some(cause), "{all:?}");
}

// ---- DKIM ----

#[test]
fn the_signing_helper_makes_signatures_that_verify() {
    // Without this, every failure below could be the helper's.
    let report = diagnose("dkim", &dkim_bounce("test"));
    let sig = &report["checks"]["dkim"]["verification"]["signatures"][0];
    assert_eq!(sig["result"]["kind"], "pass", "{sig}");
    assert!(
        !causes(&report).iter().any(|c| c.starts_with("dkim_")),
        "{:?}",
        causes(&report)
    );
}

#[test]
fn dkim_not_signed_when_gmail_asked_for_dkim() {
    let report = diagnose("dkim", &bounce("gmail-5.7.30-dkim"));
    assert_headline(&report, "dkim_not_signed");
    let f = finding(&report, "dkim_not_signed");
    assert!(
        steps(f).contains("Turn on DKIM signing for example.com"),
        "{f}"
    );
    assert_eq!(f["fix"]["name"], "SELECTOR._domainkey.example.com");
    assert_eq!(f["fix"]["type"], "TXT");
}

#[test]
fn dkim_key_missing() {
    let report = diagnose("dkim", &dkim_bounce("missing"));
    assert_headline(&report, "dkim_key_missing");
    let f = finding(&report, "dkim_key_missing");
    assert_eq!(f["fix"]["name"], "missing._domainkey.example.com");
    assert_eq!(f["fix"]["type"], "TXT");
    assert!(
        f["evidence"]
            .to_string()
            .contains("missing._domainkey.example.com TXT: NXDOMAIN"),
        "{f}"
    );
}

#[test]
fn dkim_key_revoked() {
    let report = diagnose("dkim", &dkim_bounce("revoked"));
    assert_headline(&report, "dkim_key_revoked");
    let f = finding(&report, "dkim_key_revoked");
    assert_eq!(f["fix"]["name"], "revoked._domainkey.example.com");
    assert!(
        steps(f).contains("bouncedoc dkim example.com revoked"),
        "{f}"
    );
}

#[test]
fn dkim_key_invalid() {
    let report = diagnose("dkim", &dkim_bounce("broken"));
    assert_headline(&report, "dkim_key_invalid");
    let f = finding(&report, "dkim_key_invalid");
    assert_eq!(f["fix"]["name"], "broken._domainkey.example.com");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("usable rsa public key"),
        "{f}"
    );
}

#[test]
fn dkim_key_weak() {
    let report = diagnose("dkim", &dkim_bounce("weak"));
    assert_headline(&report, "dkim_key_weak");
    let f = finding(&report, "dkim_key_weak");
    assert!(f["summary"].as_str().unwrap().contains("512-bit"), "{f}");
    assert_eq!(f["fix"]["name"], "weak._domainkey.example.com");
    assert!(
        steps(f).contains("openssl genrsa -out dkim.private 2048"),
        "{f}"
    );
}

#[test]
fn dkim_body_modified_by_a_footer() {
    let b = bounce("gmail-5.7.30-dkim");
    let signed = sign(original(&b), "example.com", "test", "");
    let footered = format!("{signed}\n-- \nSent through the example.com list\n");
    let report = diagnose("dkim", &with_original(&b, &footered));
    assert_headline(&report, "dkim_body_modified");
    let f = finding(&report, "dkim_body_modified");
    assert!(
        f["evidence"].to_string().contains("only the body changed"),
        "{f}"
    );
    assert!(steps(f).contains("Sign last"), "{f}");
}

#[test]
fn dkim_signature_invalid_when_a_signed_header_changed() {
    let b = bounce("gmail-5.7.30-dkim");
    let signed = sign(original(&b), "example.com", "test", "");
    let tagged = signed.replacen("Subject: Hello", "Subject: [EXTERNAL] Hello", 1);
    assert_ne!(signed, tagged);
    let report = diagnose("dkim", &with_original(&b, &tagged));
    assert_headline(&report, "dkim_signature_invalid");
    let f = finding(&report, "dkim_signature_invalid");
    assert!(steps(f).contains("test._domainkey.example.com"), "{f}");
}

#[test]
fn dkim_signature_expired() {
    let b = bounce("gmail-5.7.30-dkim");
    let signed = sign(original(&b), "example.com", "test", " x=1741100100;");
    let report = diagnose("dkim", &with_original(&b, &signed));
    assert_headline(&report, "dkim_signature_expired");
    let f = finding(&report, "dkim_signature_expired");
    assert!(
        f["summary"].as_str().unwrap().contains("x=1741100100"),
        "{f}"
    );
    assert!(steps(f).contains("longer lifetime"), "{f}");
}

#[test]
fn one_failing_signature_beside_a_passing_one_is_only_informational() {
    let b = bounce("gmail-5.7.30-dkim");
    let once = sign(original(&b), "example.com", "test", "");
    let twice = sign(&once, "example.com", "revoked", "");
    let report = diagnose("dkim", &with_original(&b, &twice));
    let all = causes(&report);
    let last = report["findings"].as_array().unwrap().last().unwrap();
    assert_eq!(last["cause"], "dkim_key_revoked", "{all:?}");
    assert!(
        last["summary"]
            .as_str()
            .unwrap()
            .starts_with("Informational: DKIM passes"),
        "{last}"
    );
    assert_ne!(all[0], "dkim_key_revoked", "{all:?}");
    assert!(!all.contains(&"dkim_not_signed".to_string()), "{all:?}");
    let rule = &report["checks"]["requirements"][0];
    assert_eq!(rule["rule"], "google:5.7.30-dkim");
    assert_eq!(rule["requirements"][0]["met"], true, "{rule}");
}

// ---- DMARC ----

#[test]
fn dmarc_no_record_with_a_verified_starter_record() {
    let report = diagnose("dmarc-no-record", &bounce("gmail-5.7.40-dmarc-no-record"));
    assert_headline(&report, "dmarc_no_record");
    let f = finding(&report, "dmarc_no_record");
    assert_eq!(f["fix"]["name"], "_dmarc.example.com");
    assert_eq!(f["fix"]["type"], "TXT");
    assert_eq!(
        f["fix"]["value"],
        "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.com"
    );
    assert_eq!(f["verified"], true);
}

#[test]
fn dmarc_invalid_record_is_corrected_and_verified() {
    let report = diagnose(
        "dmarc-invalid-record",
        &bounce("gmail-5.7.40-dmarc-invalid-record"),
    );
    assert_headline(&report, "dmarc_invalid_record");
    let f = finding(&report, "dmarc_invalid_record");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("does not start with v=DMARC1"),
        "{f}"
    );
    assert_eq!(f["fix"]["name"], "_dmarc.example.com");
    assert_eq!(
        f["fix"]["value"],
        "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"
    );
    assert_eq!(f["verified"], true);
}

#[test]
fn dmarc_misaligned_through_a_sending_service() {
    let b = bounce("gmail-5.7.32-dmarc-misaligned");
    let signed = sign(original(&b), "sendservice.example.net", "test", "");
    let report = diagnose("dmarc-misaligned", &with_original(&b, &signed));
    let all = causes(&report);
    assert_eq!(all[0], "dmarc_misaligned", "{all:?}");
    let f = finding(&report, "dmarc_misaligned");
    let evidence = f["evidence"].to_string();
    assert!(
        evidence.contains("SPF passes for the MAIL FROM domain sendservice.example.net"),
        "{f}"
    );
    assert!(
        evidence.contains("DKIM passes for d=sendservice.example.net"),
        "{f}"
    );
    let s = steps(f);
    assert!(s.contains("custom Return-Path"), "{s}");
    assert!(s.contains("d=example.com"), "{s}");
    assert!(!all.contains(&"dmarc_policy_reject".to_string()), "{all:?}");
}

#[test]
fn dmarc_policy_reject_follows_the_spf_finding() {
    let report = diagnose(
        "dmarc-policy-reject",
        &bounce("gmail-5.7.26-dmarc-policy-reject"),
    );
    let all = causes(&report);
    assert!(all[0].starts_with("spf_"), "SPF is the cause: {all:?}");
    let f = finding(&report, "dmarc_policy_reject");
    assert!(f["summary"].as_str().unwrap().contains("p=reject"), "{f}");
    assert!(steps(f).contains("one aligned pass is enough"), "{f}");
    let rule = &report["checks"]["requirements"][0];
    assert_eq!(rule["rule"], "google:5.7.26-dmarc");
    let met: Vec<&Value> = rule["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["met"])
        .collect();
    assert_eq!(met, [&Value::Bool(true), &Value::Bool(false)], "{rule}");
}

// ---- Reverse DNS ----

#[test]
fn rdns_missing() {
    let report = diagnose("rdns-missing", &bounce("gmail-5.7.25-rdns-missing"));
    assert_headline(&report, "rdns_missing");
    let f = finding(&report, "rdns_missing");
    assert_eq!(f["fix"]["name"], "5.113.0.203.in-addr.arpa");
    assert_eq!(f["fix"]["type"], "PTR");
    assert_eq!(f["fix"]["value"], "mail.example.com.");
    assert!(
        !causes(&report).contains(&"reverse_dns_required".to_string()),
        "the precise finding replaces the generic remedy"
    );
}

#[test]
fn rdns_mismatch() {
    let report = diagnose("rdns-mismatch", &bounce("gmail-5.7.25-rdns-mismatch"));
    assert_headline(&report, "rdns_mismatch");
    let f = finding(&report, "rdns_mismatch");
    assert_eq!(f["fix"]["name"], "mail.example.com");
    assert_eq!(f["fix"]["type"], "A");
    assert_eq!(f["fix"]["value"], "203.0.113.5");
}

// ---- Receiver requirements ----

/// The requirements of the first rule, as (requirement, met) pairs.
fn requirements(report: &Value) -> (String, Vec<(String, Value)>) {
    let rule = &report["checks"]["requirements"][0];
    let reqs = rule["requirements"]
        .as_array()
        .unwrap_or_else(|| panic!("requirements: {}", report["checks"]))
        .iter()
        .map(|r| {
            (
                r["requirement"].as_str().unwrap().to_string(),
                r["met"].clone(),
            )
        })
        .collect();
    (rule["rule"].as_str().unwrap_or_default().to_string(), reqs)
}

#[test]
fn microsoft_5_7_515_requirements_each_met_or_not() {
    let report = diagnose("requirements", &bounce("microsoft-5.7.515-auth-level"));
    let (rule, reqs) = requirements(&report);
    assert_eq!(rule, "microsoft:5.7.515-auth-level");
    let t = Value::Bool(true);
    let f = Value::Bool(false);
    assert_eq!(
        reqs,
        [
            ("spf_pass".to_string(), t.clone()),
            ("dkim_pass".to_string(), f),
            ("dmarc_record".to_string(), t.clone()),
            ("dmarc_aligned".to_string(), t),
        ]
    );
    assert_headline(&report, "dkim_not_signed");
}

#[test]
fn yahoo_5_7_9_needs_spf_or_dkim() {
    let report = diagnose("requirements", &bounce("yahoo-5.7.9-unauthenticated"));
    let (rule, reqs) = requirements(&report);
    assert_eq!(rule, "yahoo:5.7.9-unauthenticated");
    assert_eq!(reqs, [("spf_or_dkim_pass".to_string(), Value::Bool(true))]);
    // The rule is met by SPF; the receiver still named DKIM, which is not signed.
    assert!(causes(&report).contains(&"dkim_not_signed".to_string()));
}

#[test]
fn requirements_show_in_the_text_report() {
    let server = DnsServer::builder()
        .zone_fixture("auth-requirements")
        .start();
    let ns = server.nameserver_arg();
    let run = run_bouncedoc(
        &["--nameserver", &ns, "--timeout", "2", "--color", "never"],
        bounce("microsoft-5.7.515-auth-level").as_bytes(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.contains("receiver rule microsoft:5.7.515-auth-level"),
        "{out}"
    );
    assert!(out.contains("✗ not met DKIM passes"), "{out}");
    assert!(out.contains("✓ met     SPF passes"), "{out}");
}
