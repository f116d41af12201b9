//! DKIM signature verification (RFC 6376 §6): one result per DKIM-Signature of a message, each
//! telling apart a pass, a body changed in transit, a bad header signature, an expired
//! signature, a key problem, a DNS failure and a malformed signature.

use rsa::Pkcs1v15Sign;
use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::Algorithm;
use super::canon::{Canon, HeaderField, canon_body, canon_header, split_message, to_crlf};
use super::key::{FetchedKey, KeyCheck, KeyOutcome, KeyUse, PublicKey, fetch_key};
use super::signature::{Signature, SignatureError, strip_b_value};
use super::tags::{excerpt, parse_tag_list};
use crate::dns::Lookup;

/// At most this many signatures of one message are verified; the rest are counted as skipped.
pub const MAX_SIGNATURES: usize = 10;

/// DER DigestInfo prefixes for PKCS#1 v1.5 signatures (RFC 8017 §9.2, note 1).
const SHA256_PREFIX: &[u8] = &[
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];
const SHA1_PREFIX: &[u8] = &[
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];

/// The verdict on one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DkimResult {
    /// The signature verifies.
    Pass,
    /// The body hash does not match `bh=`: the body changed in transit (a footer added by a
    /// list or a gateway, a forwarder rewriting content) or was cut short of `l=`.
    BodyHashMismatch,
    /// The body matches, but the header signature does not verify: a signed header changed, or
    /// the key in DNS is not the one the message was signed with.
    BadSignature,
    /// `x=` is in the past.
    Expired { expiration: u64, now: u64 },
    /// The key record is missing, revoked, malformed or does not fit (see the check's `key`).
    KeyProblem,
    /// DNS failed while fetching the key; a later try may succeed.
    TempError,
    /// The DKIM-Signature itself is malformed.
    PermError { error: SignatureError },
}

impl DkimResult {
    /// True for [`DkimResult::Pass`].
    pub fn is_pass(&self) -> bool {
        *self == DkimResult::Pass
    }
}

/// Facts about a signature worth telling even when it passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignatureNote {
    /// `rsa-sha1` (RFC 8301: must not be used); many receivers treat it as a failure.
    WeakAlgorithm,
    /// `l=` signs only part of the body: anyone can append content. `body_length` is the
    /// canonicalized body's actual length; below `limit`, the body was truncated.
    BodyLengthLimit { limit: u64, body_length: u64 },
    /// The key record has `t=y`: the domain is testing DKIM.
    TestingMode,
    /// `t=` is in the future.
    TimestampInFuture { timestamp: u64, now: u64 },
}

/// The check of one DKIM-Signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureCheck {
    /// Position among the message's DKIM-Signature fields, 0 for the topmost.
    pub index: usize,
    /// `d=`, `s=`, `a=` as written, when they could be read (also for malformed signatures).
    pub domain: Option<String>,
    pub selector: Option<String>,
    pub algorithm: Option<String>,
    /// `i=`.
    pub auid: Option<String>,
    /// `c=` as `header/body`.
    pub canonicalization: Option<String>,
    /// `h=`.
    pub signed_headers: Vec<String>,
    /// The key check, once the key was looked up.
    pub key: Option<KeyCheck>,
    /// Whether the header signature verified, when it was checked (also after a body hash
    /// mismatch, to tell "only the body changed" from "headers changed too").
    pub header_signature_valid: Option<bool>,
    pub notes: Vec<SignatureNote>,
    pub result: DkimResult,
}

/// The verification of a whole message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkimVerification {
    /// One per DKIM-Signature field, in message order (at most [`MAX_SIGNATURES`]).
    pub signatures: Vec<SignatureCheck>,
    /// Signatures beyond [`MAX_SIGNATURES`], not verified.
    pub skipped: usize,
}

impl DkimVerification {
    /// True when at least one signature passes.
    pub fn any_pass(&self) -> bool {
        self.signatures.iter().any(|s| s.result.is_pass())
    }
}

fn digest(alg: Algorithm, data: &[u8]) -> Vec<u8> {
    match alg {
        Algorithm::RsaSha1 => Sha1::digest(data).to_vec(),
        Algorithm::RsaSha256 | Algorithm::Ed25519Sha256 => Sha256::digest(data).to_vec(),
    }
}

fn verify_signature(key: &PublicKey, alg: Algorithm, hash: &[u8], sig: &[u8]) -> bool {
    match key {
        PublicKey::Rsa(k) => {
            let prefix = match alg {
                Algorithm::RsaSha1 => SHA1_PREFIX,
                _ => SHA256_PREFIX,
            };
            let scheme = Pkcs1v15Sign {
                hash_len: Some(hash.len()),
                prefix: prefix.into(),
            };
            k.verify(scheme, hash, sig).is_ok()
        }
        PublicKey::Ed25519(k) => {
            use ed25519_dalek::Verifier;
            ed25519_dalek::Signature::from_slice(sig).is_ok_and(|s| k.verify(hash, &s).is_ok())
        }
    }
}

/// The data the header signature covers (RFC 6376 §3.7): the `h=` fields, each picked bottom-up
/// (a name listed twice takes the next one up; a name with no field left adds nothing), then the
/// signature's own field with `b=` emptied and no final CRLF.
fn signed_data(sig: &Signature, fields: &[HeaderField<'_>], own: &HeaderField<'_>) -> Vec<u8> {
    let mut data = Vec::new();
    let mut used = vec![false; fields.len()];
    for name in &sig.signed_headers {
        let pick = (0..fields.len()).rev().find(|&i| {
            !used[i]
                && fields[i]
                    .trimmed_name()
                    .eq_ignore_ascii_case(name.as_bytes())
        });
        if let Some(i) = pick {
            used[i] = true;
            canon_header(
                sig.header_canon,
                fields[i].name,
                fields[i].value(),
                &mut data,
            );
        }
    }
    canon_header(
        sig.header_canon,
        own.name,
        &strip_b_value(own.value()),
        &mut data,
    );
    data.truncate(data.len() - 2);
    data
}

/// Verifies every DKIM-Signature of `message` (LF or CRLF line endings) against keys fetched
/// through `lookup`, judging `x=` at Unix time `now`.
pub async fn verify_message(lookup: &dyn Lookup, message: &[u8], now: u64) -> DkimVerification {
    let message = to_crlf(message);
    let (fields, body) = split_message(&message);
    let sig_fields: Vec<&HeaderField<'_>> = fields
        .iter()
        .filter(|f| f.trimmed_name().eq_ignore_ascii_case(b"dkim-signature"))
        .collect();
    let mut keys: Vec<((String, String), FetchedKey)> = Vec::new();
    let mut bodies: Vec<(Canon, Vec<u8>)> = Vec::new();
    let mut signatures = Vec::new();
    for (index, own) in sig_fields.iter().take(MAX_SIGNATURES).enumerate() {
        let value = String::from_utf8_lossy(own.value());
        let mut check = SignatureCheck {
            index,
            domain: None,
            selector: None,
            algorithm: None,
            auid: None,
            canonicalization: None,
            signed_headers: Vec::new(),
            key: None,
            header_signature_valid: None,
            notes: Vec::new(),
            result: DkimResult::Pass,
        };
        // What can be read even from a malformed signature, for the report.
        if let Ok(tags) = parse_tag_list(&value) {
            let get = |n: &str| tags.iter().find(|t| t.name == n).map(|t| excerpt(&t.value));
            check.domain = get("d").map(|d| d.to_ascii_lowercase());
            check.selector = get("s");
            check.algorithm = get("a");
            check.auid = get("i");
        }
        let sig = match Signature::parse(&value) {
            Ok(sig) => sig,
            Err(error) => {
                check.result = DkimResult::PermError { error };
                signatures.push(check);
                continue;
            }
        };
        check.canonicalization = Some(format!(
            "{}/{}",
            canon_name(sig.header_canon),
            canon_name(sig.body_canon)
        ));
        check.signed_headers = sig.signed_headers.clone();
        if sig.algorithm == Algorithm::RsaSha1 {
            check.notes.push(SignatureNote::WeakAlgorithm);
        }
        if let Some(t) = sig.timestamp.filter(|&t| t > now.saturating_add(300)) {
            check
                .notes
                .push(SignatureNote::TimestampInFuture { timestamp: t, now });
        }
        // RFC 6376 §3.5 x=: "Signatures MAY be considered invalid if the verification time at
        // the Verifier is past the expiration date."
        if let Some(x) = sig.expiration.filter(|&x| x < now) {
            check.result = DkimResult::Expired { expiration: x, now };
            signatures.push(check);
            continue;
        }
        let key_id = (sig.domain.clone(), sig.selector.clone());
        let pos = match keys.iter().position(|(id, _)| *id == key_id) {
            Some(p) => p,
            None => {
                let fetched = fetch_key(lookup, &sig.domain, &sig.selector).await;
                keys.push((key_id, fetched));
                keys.len() - 1
            }
        };
        let auid_domain = sig.auid_domain();
        let (key_check, key) = keys[pos].1.check(KeyUse {
            algorithm: Some(sig.algorithm),
            auid_domain: auid_domain.as_deref(),
        });
        if key_check.testing {
            check.notes.push(SignatureNote::TestingMode);
        }
        let key = key.cloned();
        let dns_failed = matches!(key_check.outcome, KeyOutcome::DnsFailure { .. });
        check.key = Some(key_check);
        let Some(key) = key else {
            check.result = if dns_failed {
                DkimResult::TempError
            } else {
                DkimResult::KeyProblem
            };
            signatures.push(check);
            continue;
        };

        let canon_pos = match bodies.iter().position(|(c, _)| *c == sig.body_canon) {
            Some(p) => p,
            None => {
                bodies.push((sig.body_canon, canon_body(sig.body_canon, body)));
                bodies.len() - 1
            }
        };
        let canonical = &bodies[canon_pos].1;
        let mut hashed: &[u8] = canonical;
        let mut body_ok = true;
        if let Some(limit) = sig.body_length {
            let body_length = canonical.len() as u64;
            check
                .notes
                .push(SignatureNote::BodyLengthLimit { limit, body_length });
            if limit > body_length {
                // The body is shorter than what was signed: it was truncated.
                body_ok = false;
            } else {
                hashed = &canonical[..usize::try_from(limit).unwrap_or(usize::MAX)];
            }
        }
        body_ok = body_ok && digest(sig.algorithm, hashed) == sig.body_hash;
        let data = signed_data(&sig, &fields, own);
        let header_hash = digest(sig.algorithm, &data);
        let header_ok = verify_signature(&key, sig.algorithm, &header_hash, &sig.signature);
        check.header_signature_valid = Some(header_ok);
        check.result = match (body_ok, header_ok) {
            (false, _) => DkimResult::BodyHashMismatch,
            (true, false) => DkimResult::BadSignature,
            (true, true) => DkimResult::Pass,
        };
        signatures.push(check);
    }
    DkimVerification {
        signatures,
        skipped: sig_fields.len().saturating_sub(MAX_SIGNATURES),
    }
}

fn canon_name(c: Canon) -> &'static str {
    match c {
        Canon::Simple => "simple",
        Canon::Relaxed => "relaxed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::testing::{MemLookup, block_on};
    use crate::dns::{DnsAnswer, QType};

    const FIXED_TIME: u64 = 1667843664;

    fn fixture(path: &str) -> Vec<u8> {
        let full = format!(
            "{}/fixtures/conformance/dkim/{path}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
    }

    /// A mail-auth vector: key lines, a blank line, the message.
    fn mail_auth(name: &str) -> (MemLookup, Vec<u8>) {
        let raw = fixture(&format!("mail-auth/{name}"));
        let split = raw
            .windows(2)
            .position(|w| w == b"\n\n")
            .expect("blank line");
        let mut lookup = MemLookup::new();
        for line in String::from_utf8_lossy(&raw[..split]).lines() {
            let (name, value) = line.split_once(' ').expect("name and value");
            lookup = lookup.txt(name, value);
        }
        (lookup, raw[split + 2..].to_vec())
    }

    fn results(v: &DkimVerification) -> Vec<DkimResult> {
        v.signatures.iter().map(|s| s.result.clone()).collect()
    }

    #[test]
    fn mail_auth_vectors_pass_at_their_time() {
        for (name, count) in [
            ("001.txt", 2),
            ("002.txt", 1),
            ("003.txt", 2),
            ("004.txt", 1),
            ("005.txt", 1),
            ("006.txt", 1),
        ] {
            let (lookup, msg) = mail_auth(name);
            let v = block_on(verify_message(&lookup, &msg, FIXED_TIME));
            assert_eq!(
                results(&v),
                vec![DkimResult::Pass; count],
                "{name}: {:#?}",
                v.signatures
            );
        }
    }

    #[test]
    fn a_changed_body_is_a_body_hash_mismatch() {
        let (lookup, msg) = mail_auth("002.txt");
        let mut msg = msg;
        msg.extend_from_slice(b"-- \nSent via a mailing list\n");
        let v = block_on(verify_message(&lookup, &msg, FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::BodyHashMismatch]);
        assert_eq!(v.signatures[0].header_signature_valid, Some(true));
    }

    #[test]
    fn a_changed_subject_is_a_bad_signature() {
        let (lookup, msg) = mail_auth("002.txt");
        let text = String::from_utf8(msg).unwrap();
        assert!(text.contains("Subject: "));
        let msg = text
            .replacen("Subject: ", "Subject: [list] ", 1)
            .into_bytes();
        let v = block_on(verify_message(&lookup, &msg, FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::BadSignature]);
    }

    #[test]
    fn one_of_two_signatures_failing_shows() {
        let (lookup, msg) = mail_auth("001.txt");
        // Revoke the RSA key; the Ed25519 signature still passes.
        let lookup = lookup.answer(
            "test._domainkey.football.example.com",
            QType::Txt,
            DnsAnswer::Records {
                records: vec![crate::dns::RData::Txt(vec![b"v=DKIM1; k=rsa; p=".to_vec()])],
                ttl: 1,
            },
        );
        let v = block_on(verify_message(&lookup, &msg, FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::Pass, DkimResult::KeyProblem]);
        assert_eq!(
            v.signatures[1].key.as_ref().map(|k| k.outcome.clone()),
            Some(KeyOutcome::Revoked)
        );
    }

    #[test]
    fn dns_failure_is_a_temperror() {
        let (_, msg) = mail_auth("002.txt");
        let lookup = MemLookup::new().answer(
            "newengland._domainkey.example.com",
            QType::Txt,
            DnsAnswer::ServFail,
        );
        let v = block_on(verify_message(&lookup, &msg, FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::TempError]);
        let v = block_on(verify_message(&MemLookup::new(), &msg, FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::KeyProblem]);
        assert_eq!(
            v.signatures[0].key.as_ref().map(|k| k.outcome.clone()),
            Some(KeyOutcome::Missing { nxdomain: true })
        );
    }

    #[test]
    fn expiry_is_judged_at_the_given_clock() {
        let (lookup, msg) = mail_auth("005.txt");
        let later = 1_700_000_000;
        let v = block_on(verify_message(&lookup, &msg, later));
        assert_eq!(
            results(&v),
            [DkimResult::Expired {
                expiration: 1667930064,
                now: later
            }]
        );
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let lookup = MemLookup::new();
        let huge = format!(
            "DKIM-Signature: v=1; a=rsa-sha256; d=x.example; s=s; h=from; bh=!!; b={}\r\nFrom: a\r\n\r\nbody",
            "A".repeat(100_000)
        );
        let inputs: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"DKIM-Signature:".to_vec(),
            b"DKIM-Signature: v=1; l=99999999999999999999999999999\r\n\r\n".to_vec(),
            huge.into_bytes(),
            b"DKIM-Signature: \xff\xfe; ;;==\r\n\r\n\r\n".to_vec(),
        ];
        for input in inputs {
            let v = block_on(verify_message(&lookup, &input, FIXED_TIME));
            assert!(v.signatures.iter().all(|s| !s.result.is_pass()));
        }
        let many = "DKIM-Signature: v=1\r\n".repeat(50) + "\r\n";
        let v = block_on(verify_message(&lookup, many.as_bytes(), FIXED_TIME));
        assert_eq!((v.signatures.len(), v.skipped), (MAX_SIGNATURES, 40));
    }

    #[test]
    fn dkimpy_vectors_with_good_and_broken_keys() {
        let key = |file: &str| String::from_utf8(fixture(&format!("dkimpy/{file}"))).unwrap();
        let name = "test._domainkey.football.example.com";
        let msg = fixture("dkimpy/rfc6376.signed.rsa.msg");
        let run = |record: &str| {
            let lookup = MemLookup::new().txt(name, record.trim());
            let v = block_on(verify_message(&lookup, &msg, FIXED_TIME));
            let s = &v.signatures[0];
            (s.result.clone(), s.key.as_ref().map(|k| k.outcome.clone()))
        };
        assert_eq!(run(&key("test.txt")).0, DkimResult::Pass);
        assert!(matches!(
            run(&key("test_bad.txt")).1,
            Some(KeyOutcome::Malformed {
                error: crate::dkim::KeyRecordError::UnparsableKey { .. }
            })
        ));
        assert!(matches!(
            run(&key("badk.txt")).1,
            Some(KeyOutcome::UnknownKeyType { .. })
        ));
        assert!(matches!(
            run(&key("badversion.txt")).1,
            Some(KeyOutcome::Malformed {
                error: crate::dkim::KeyRecordError::BadVersion { .. }
            })
        ));

        let lookup = MemLookup::new().txt(name, key("test.txt").trim()).txt(
            "brisbane._domainkey.football.example.com",
            "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        );
        let v = block_on(verify_message(
            &lookup,
            &fixture("dkimpy/rfc6376.signed.msg"),
            FIXED_TIME,
        ));
        assert_eq!(results(&v), [DkimResult::Pass, DkimResult::Pass]);
        let v = block_on(verify_message(
            &lookup,
            &fixture("dkimpy/rfc6376.signed.no_t.msg"),
            FIXED_TIME,
        ));
        assert_eq!(v.signatures.len(), 1);
        assert!(!v.signatures[0].result.is_pass(), "{:?}", v.signatures[0]);

        let lookup = MemLookup::new().txt("sed._domainkey.test.ex", key("eximtest.dns").trim());
        let v = block_on(verify_message(
            &lookup,
            &fixture("dkimpy/ed25519test2.msg"),
            FIXED_TIME,
        ));
        assert_eq!(results(&v), [DkimResult::Pass]);
    }

    /// Signs a message with dkimpy's `test.private` (the RFC 8463 `test` key), relaxed/relaxed,
    /// so that `l=`, rsa-sha1 and header selection can be tested on messages made to measure.
    fn sign(alg: Algorithm, headers: &str, h: &str, body: &str, l: Option<u64>) -> Vec<u8> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        let pem = String::from_utf8(fixture("dkimpy/test.private")).unwrap();
        let private = rsa::RsaPrivateKey::from_pkcs1_pem(&pem).unwrap();
        let body = to_crlf(body.as_bytes());
        let canonical = canon_body(Canon::Relaxed, &body);
        let hashed = match l {
            Some(l) => &canonical[..(l as usize).min(canonical.len())],
            None => &canonical[..],
        };
        let b64 = |d: &[u8]| {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(d)
        };
        let l_tag = l.map(|l| format!(" l={l};")).unwrap_or_default();
        let value = format!(
            " v=1; a={}; c=relaxed/relaxed; d=football.example.com; s=test; h={h};{l_tag} bh={}; b=",
            alg.name(),
            b64(&digest(alg, hashed))
        );
        let unsigned = [
            format!("DKIM-Signature:{value}\r\n").into_bytes(),
            to_crlf(headers.as_bytes()),
            b"\r\n".to_vec(),
            body,
        ]
        .concat();
        let (fields, _) = split_message(&unsigned);
        let sig = Signature::parse(&value.replace("b=", "b=AAAA")).unwrap();
        let data = signed_data(&sig, &fields, &fields[0]);
        let prefix = if alg == Algorithm::RsaSha1 {
            SHA1_PREFIX
        } else {
            SHA256_PREFIX
        };
        let hash = digest(alg, &data);
        let scheme = Pkcs1v15Sign {
            hash_len: Some(hash.len()),
            prefix: prefix.into(),
        };
        let b = private.sign(scheme, &hash).unwrap();
        let signed_value = format!("{value}{}", b64(&b));
        [
            format!("DKIM-Signature:{signed_value}\r\n").into_bytes(),
            unsigned[value.len() + "DKIM-Signature:\r\n".len()..].to_vec(),
        ]
        .concat()
    }

    fn test_key_lookup(record_extra: &str) -> MemLookup {
        let record = String::from_utf8(fixture("dkimpy/test.txt")).unwrap();
        MemLookup::new().txt(
            "test._domainkey.football.example.com",
            &format!("{record_extra}{}", record.trim()),
        )
    }

    const HEADERS: &str = "From: joe@football.example.com\nSubject: one\nSubject: two\n";

    #[test]
    fn body_length_limits_are_honoured_and_reported() {
        let lookup = test_key_lookup("");
        let body = "Hello.\nBye.\n";
        let msg = sign(Algorithm::RsaSha256, HEADERS, "from:subject", body, Some(8));
        let v = block_on(verify_message(&lookup, &msg, FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::Pass]);
        assert!(
            v.signatures[0]
                .notes
                .contains(&SignatureNote::BodyLengthLimit {
                    limit: 8,
                    body_length: 14
                })
        );
        // Content appended after l= still passes: the reason l= is a risk.
        let mut appended = msg.clone();
        appended.extend_from_slice(b"Click here\r\n");
        let v = block_on(verify_message(&lookup, &appended, FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::Pass]);
        // A body shorter than l= was truncated.
        let msg = sign(Algorithm::RsaSha256, HEADERS, "from", body, Some(20));
        let v = block_on(verify_message(&lookup, &msg, FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::BodyHashMismatch]);
    }

    #[test]
    fn rsa_sha1_verifies_but_is_flagged_weak() {
        let msg = sign(Algorithm::RsaSha1, HEADERS, "from", "Hi.\n", None);
        let v = block_on(verify_message(&test_key_lookup(""), &msg, FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::Pass]);
        assert_eq!(v.signatures[0].notes, [SignatureNote::WeakAlgorithm]);
        // A key restricted to sha256 refuses it.
        let v = block_on(verify_message(
            &test_key_lookup("h=sha256; "),
            &msg,
            FIXED_TIME,
        ));
        assert_eq!(results(&v), [DkimResult::KeyProblem]);
    }

    #[test]
    fn repeated_and_missing_signed_headers() {
        let lookup = test_key_lookup("");
        // Two Subject fields signed bottom-up, plus a Reply-To that is absent (signed as empty).
        let msg = sign(
            Algorithm::RsaSha256,
            HEADERS,
            "from:subject:subject:reply-to",
            "Hi.\n",
            None,
        );
        let v = block_on(verify_message(&lookup, &msg, FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::Pass]);
        // Swapping the two Subject fields changes what was signed.
        let text = String::from_utf8(msg.clone()).unwrap();
        let swapped = text
            .replace("Subject: one", "Subject: tmp")
            .replace("Subject: two", "Subject: one")
            .replace("Subject: tmp", "Subject: two");
        let v = block_on(verify_message(&lookup, swapped.as_bytes(), FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::BadSignature]);
        // Adding a Reply-To that was signed as absent breaks it; adding an unsigned field does not.
        let added = text.replacen("From:", "Reply-To: evil@example.net\r\nFrom:", 1);
        let v = block_on(verify_message(&lookup, added.as_bytes(), FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::BadSignature]);
        let added = text.replacen("From:", "X-Spam: no\r\nFrom:", 1);
        let v = block_on(verify_message(&lookup, added.as_bytes(), FIXED_TIME));
        assert_eq!(results(&v), [DkimResult::Pass]);
    }
}
