//! Text for a person about one authentication check (a DKIM key, a message's DKIM signatures,
//! a DMARC policy, reverse DNS): a headline with the verdict, then the facts behind it, each
//! outcome explained in words that say what it means for delivery. Every string that came from
//! DNS or a message goes through [`sanitize`]. JSON is the check types themselves, serialised.

use std::io::Write;

use crate::dkim::{
    DkimResult, DkimVerification, KeyCheck, KeyOutcome, SignatureCheck, SignatureNote,
};
use crate::dmarc::{Alignment, AlignmentMode, DmarcCheck, DmarcOutcome, Policy};
use crate::rdns::{RdnsCheck, RdnsOutcome};

use super::sanitize;
use super::text::Painter;

/// A verdict's tone: good (green), a problem (red), or worth a look (yellow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Warn,
}

fn toned(p: &Painter, tone: Tone, text: &str) -> String {
    match tone {
        Tone::Good => p.green(text),
        Tone::Bad => p.red(text),
        Tone::Warn => p.yellow(text),
    }
}

/// A key outcome in a short phrase (the headline) and a sentence (what it means).
pub fn key_outcome_words(outcome: &KeyOutcome) -> (String, String) {
    match outcome {
        KeyOutcome::Usable => (
            "usable".into(),
            "the key record is valid and can verify signatures".into(),
        ),
        KeyOutcome::Missing { nxdomain: true } => (
            "missing".into(),
            "the name does not exist (NXDOMAIN): no key is published under this selector, so \
             every signature naming it fails"
                .into(),
        ),
        KeyOutcome::Missing { nxdomain: false } => (
            "missing".into(),
            "the name exists but holds no DKIM key record (no TXT record with a key), so every \
             signature naming it fails"
                .into(),
        ),
        KeyOutcome::DnsFailure { answer } => (
            "DNS failure".into(),
            format!(
                "the lookup failed ({}): nothing is known about the key; this is not the same \
                 as a missing key, and receivers treat it as a temporary error",
                sanitize(&answer.summary())
            ),
        ),
        KeyOutcome::BadName => (
            "not a valid name".into(),
            "the selector and domain do not make a valid DNS name".into(),
        ),
        KeyOutcome::Revoked => (
            "revoked".into(),
            "p= is empty, which means the key was withdrawn (RFC 6376 §3.6.1): signatures made \
             with this selector fail; sign with a selector that has a key"
                .into(),
        ),
        KeyOutcome::Malformed { error } => (
            "malformed".into(),
            format!(
                "the record cannot be used as written: {}",
                sanitize(&error.to_string())
            ),
        ),
        KeyOutcome::UnknownKeyType { k } => (
            "wrong key type".into(),
            format!(
                "k={} is not a key type (only rsa and ed25519 exist), so the key is unusable",
                sanitize(k)
            ),
        ),
        KeyOutcome::KeyTypeMismatch {
            key_type,
            algorithm,
        } => (
            "wrong key type for the signature".into(),
            format!(
                "the key is {key_type} but the signature uses {}; publish a {} key or sign \
                 with a matching algorithm",
                algorithm.name(),
                algorithm.key_type()
            ),
        ),
        KeyOutcome::TooShort { bits } => (
            "too weak".into(),
            format!(
                "an RSA key of {bits} bits: verifiers must refuse keys under 1024 bits \
                 (RFC 8301); publish a 2048-bit key"
            ),
        ),
        KeyOutcome::HashNotAllowed { hash, allowed } => (
            "hash not allowed".into(),
            format!(
                "h= allows only {} but the signature hashes with {}",
                sanitize(&allowed.join(":")),
                sanitize(hash)
            ),
        ),
        KeyOutcome::ServiceExcluded { services } => (
            "not for email".into(),
            format!(
                "s={} does not include email or *, so the key may not verify mail",
                sanitize(&services.join(":"))
            ),
        ),
        KeyOutcome::StrictIdentityMismatch {
            auid_domain,
            domain,
        } => (
            "identity not allowed".into(),
            format!(
                "t=s requires the signature's i= domain to be exactly {}, but it is {}",
                sanitize(domain),
                sanitize(auid_domain)
            ),
        ),
    }
}

/// Writes the check of one DKIM key record (`bouncedoc dkim DOMAIN SELECTOR`).
pub fn write_dkim_key(out: &mut impl Write, check: &KeyCheck, p: &Painter) -> std::io::Result<()> {
    let (head, why) = key_outcome_words(&check.outcome);
    let tone = match &check.outcome {
        KeyOutcome::Usable if check.testing => Tone::Warn,
        KeyOutcome::Usable => Tone::Good,
        _ => Tone::Bad,
    };
    writeln!(
        out,
        "{}: {}",
        p.bold(&sanitize(&check.name)),
        toned(p, tone, &format!("DKIM key {head}"))
    )?;
    writeln!(out, "  why      {why}")?;
    write_key_facts(out, check, p, "  ")?;
    writeln!(out)
}

/// The record text, key type and size, and the flags and restrictions of a key.
fn write_key_facts(
    out: &mut impl Write,
    check: &KeyCheck,
    p: &Painter,
    indent: &str,
) -> std::io::Result<()> {
    for record in &check.records {
        writeln!(out, "{indent}record   {}", p.dim(&sanitize(record)))?;
    }
    if let Some(key_type) = check.key_type {
        let size = check
            .bits
            .map_or_else(|| "no key (revoked)".to_string(), |b| format!("{b} bits"));
        writeln!(out, "{indent}key      {key_type}, {size}")?;
    }
    if check.testing {
        writeln!(
            out,
            "{indent}{} t=y: the domain says it is testing DKIM; receivers may treat its \
             failures as if the message were unsigned",
            p.yellow("testing")
        )?;
    }
    if check.strict {
        writeln!(
            out,
            "{indent}strict   t=s: signatures' i= domain must be exactly d=, not a subdomain"
        )?;
    }
    if let Some(hashes) = &check.hashes {
        writeln!(
            out,
            "{indent}hashes   h={}: only signatures using these hashes may use the key",
            sanitize(&hashes.join(":"))
        )?;
    }
    Ok(())
}

/// A signature's verdict in words, with its tone.
pub fn dkim_result_words(sig: &SignatureCheck) -> (String, Tone) {
    let key_words = || {
        sig.key
            .as_ref()
            .map(|k| {
                let (head, why) = key_outcome_words(&k.outcome);
                format!("{head}: {why}")
            })
            .unwrap_or_default()
    };
    match &sig.result {
        DkimResult::Pass => ("pass".into(), Tone::Good),
        DkimResult::BodyHashMismatch => {
            let headers = match sig.header_signature_valid {
                Some(true) => "; the signed headers still verify, so only the body changed",
                Some(false) => "; the signed headers do not verify either",
                None => "",
            };
            (
                format!(
                    "body changed in transit: the body no longer matches bh= (a footer or \
                     rewrite added by a mailing list, gateway or forwarder){headers}"
                ),
                Tone::Bad,
            )
        }
        DkimResult::BadSignature => (
            "bad signature: the body matches, but the header signature does not verify (a \
             signed header changed, or the key in DNS is not the one the message was signed \
             with)"
                .into(),
            Tone::Bad,
        ),
        DkimResult::Expired { expiration, now } => (
            format!(
                "expired: x={expiration} is {} seconds before now",
                now.saturating_sub(*expiration)
            ),
            Tone::Bad,
        ),
        DkimResult::KeyProblem => (format!("key problem: {}", key_words()), Tone::Bad),
        DkimResult::TempError => (
            format!("DNS failure fetching the key: {}", key_words()),
            Tone::Bad,
        ),
        DkimResult::PermError { error } => (
            format!("malformed signature: {}", sanitize(&error.to_string())),
            Tone::Bad,
        ),
    }
}

fn note_words(note: &SignatureNote) -> String {
    match note {
        SignatureNote::WeakAlgorithm => {
            "rsa-sha1 must not be used (RFC 8301); many receivers treat it as a failure".into()
        }
        SignatureNote::BodyLengthLimit { limit, body_length } if body_length < limit => {
            format!("l={limit} but the body is {body_length} bytes: it was cut short in transit")
        }
        SignatureNote::BodyLengthLimit { limit, body_length } => format!(
            "l={limit} signs only part of the {body_length}-byte body: anyone can append content"
        ),
        SignatureNote::TestingMode => "the key has t=y: the domain says it is testing DKIM".into(),
        SignatureNote::TimestampInFuture { timestamp, now } => format!(
            "t={timestamp} is {} seconds in the future: the signer's clock is wrong",
            timestamp.saturating_sub(*now)
        ),
    }
}

/// Writes the verification of every DKIM-Signature of one message (`bouncedoc dkim --message`).
pub fn write_dkim_verification(
    out: &mut impl Write,
    input: &str,
    v: &DkimVerification,
    p: &Painter,
    verbose: bool,
) -> std::io::Result<()> {
    let passed = v.signatures.iter().filter(|s| s.result.is_pass()).count();
    let total = v.signatures.len();
    let head = match (passed, total) {
        (_, 0) => p.red("no DKIM-Signature: the message is not signed"),
        (0, _) => p.red(&format!("DKIM fails: none of {total} signatures verifies")),
        (n, t) if n == t => p.green(&format!("DKIM passes: {n} of {t} signatures verify")),
        (n, t) => p.green(&format!(
            "DKIM passes: {n} of {t} signatures verify (one passing signature is enough)"
        )),
    };
    writeln!(out, "{}: {head}", p.bold(&sanitize(input)))?;
    for sig in &v.signatures {
        let field = |v: &Option<String>| v.as_deref().map(sanitize).unwrap_or_else(|| "?".into());
        let (words, tone) = dkim_result_words(sig);
        let verdict = toned(p, tone, &words);
        writeln!(
            out,
            "  #{} d={} s={} {}: {verdict}",
            sig.index + 1,
            field(&sig.domain),
            field(&sig.selector),
            field(&sig.algorithm),
        )?;
        for note in &sig.notes {
            writeln!(out, "     {} {}", p.yellow("note:"), note_words(note))?;
        }
        if verbose {
            if let Some(c) = &sig.canonicalization {
                writeln!(
                    out,
                    "     c={} h={}",
                    sanitize(c),
                    sanitize(&sig.signed_headers.join(":"))
                )?;
            }
            if let Some(key) = &sig.key {
                writeln!(out, "     key {}", sanitize(&key.name))?;
                write_key_facts(out, key, p, "     ")?;
            }
        }
    }
    if v.skipped > 0 {
        writeln!(out, "  ({} more signatures not verified)", v.skipped)?;
    }
    writeln!(out)
}

fn policy_word(policy: Policy) -> &'static str {
    match policy {
        Policy::None => "none",
        Policy::Quarantine => "quarantine",
        Policy::Reject => "reject",
    }
}

fn policy_meaning(policy: Policy) -> &'static str {
    match policy {
        Policy::None => "monitor only: failing mail is delivered as usual",
        Policy::Quarantine => "failing mail goes to spam",
        Policy::Reject => "failing mail is refused (bounced)",
    }
}

fn mode_word(mode: AlignmentMode) -> &'static str {
    match mode {
        AlignmentMode::Relaxed => "relaxed",
        AlignmentMode::Strict => "strict",
    }
}

/// Writes a DMARC check (`bouncedoc dmarc DOMAIN`).
pub fn write_dmarc(out: &mut impl Write, check: &DmarcCheck, p: &Painter) -> std::io::Result<()> {
    let from = sanitize(&check.from_domain);
    match &check.outcome {
        DmarcOutcome::Record { name, record } => {
            let fallback = name.trim_start_matches("_dmarc.") != check.from_domain;
            let tone = if record.p == Policy::None {
                Tone::Warn
            } else {
                Tone::Good
            };
            writeln!(
                out,
                "{}: {}",
                p.bold(&from),
                toned(p, tone, &format!("DMARC record at {}", sanitize(name)))
            )?;
            if fallback {
                writeln!(
                    out,
                    "  found    no record at _dmarc.{from}; the organizational domain {}'s \
                     record applies",
                    sanitize(&check.organizational_domain)
                )?;
            }
            writeln!(
                out,
                "  policy   p={}: {}",
                policy_word(record.p),
                policy_meaning(record.p)
            )?;
            if let Some(sp) = record.sp {
                writeln!(
                    out,
                    "  subdomains sp={}: {}",
                    policy_word(sp),
                    policy_meaning(sp)
                )?;
            }
            if let Some(applied) = check.policy {
                writeln!(
                    out,
                    "  applies  {} to mail from {from}",
                    policy_word(applied)
                )?;
            }
            if record.pct < 100 {
                writeln!(
                    out,
                    "  pct      {}: the policy applies to {}% of failing mail, the rest gets the \
                     next milder one",
                    record.pct, record.pct
                )?;
            }
            writeln!(
                out,
                "  alignment DKIM {} (adkim), SPF {} (aspf)",
                mode_word(record.adkim),
                mode_word(record.aspf)
            )?;
            if record.rua.is_empty() {
                writeln!(
                    out,
                    "  reports  {} no rua=: nobody receives aggregate reports",
                    p.yellow("note:")
                )?;
            } else {
                let rua: Vec<String> = record.rua.iter().map(|u| sanitize(u)).collect();
                writeln!(out, "  reports  rua={}", rua.join(","))?;
            }
            if !record.unknown_tags.is_empty() {
                let tags: Vec<String> = record.unknown_tags.iter().map(|t| sanitize(t)).collect();
                writeln!(
                    out,
                    "  {} unknown tags ignored: {}",
                    p.yellow("note:"),
                    tags.join(", ")
                )?;
            }
        }
        DmarcOutcome::NoRecord => {
            writeln!(out, "{}: {}", p.bold(&from), p.red("no DMARC record"))?;
            let org = sanitize(&check.organizational_domain);
            let asked = if check.organizational_domain == check.from_domain {
                format!("_dmarc.{from}")
            } else {
                format!("_dmarc.{from} and _dmarc.{org}")
            };
            writeln!(
                out,
                "  why      no DMARC record at {asked}; receivers that require DMARC (Gmail, \
                 Yahoo for bulk senders) refuse such mail"
            )?;
        }
        DmarcOutcome::DnsFailure { name, answer } => {
            writeln!(out, "{}: {}", p.bold(&from), p.red("DNS failure"))?;
            writeln!(
                out,
                "  why      asking {} failed ({}): nothing is known; this is not the same as \
                 no record",
                sanitize(name),
                sanitize(&answer.summary())
            )?;
        }
        DmarcOutcome::Invalid { name, text, error } => {
            writeln!(
                out,
                "{}: {}",
                p.bold(&from),
                p.red(&format!("invalid DMARC record at {}", sanitize(name)))
            )?;
            if let Some(text) = text {
                let shown = sanitize(text);
                writeln!(out, "  record   {shown}")?;
                if let Some(col) = error.position(text) {
                    writeln!(
                        out,
                        "           {}{}",
                        " ".repeat(col.saturating_sub(1)),
                        p.red("^")
                    )?;
                    writeln!(
                        out,
                        "  error    column {col}: {}",
                        sanitize(&error.to_string())
                    )?;
                } else {
                    writeln!(out, "  error    {}", sanitize(&error.to_string()))?;
                }
            } else {
                writeln!(out, "  error    {}", sanitize(&error.to_string()))?;
            }
            writeln!(
                out,
                "  why      receivers ignore an invalid record: the domain has no DMARC policy \
                 in effect"
            )?;
        }
        DmarcOutcome::BadDomain => {
            writeln!(
                out,
                "{}: {}",
                p.bold(&from),
                p.red("not a valid domain name")
            )?;
        }
    }
    if let Some(spf) = &check.spf {
        write_alignment(out, p, "SPF ", spf, &check.from_domain)?;
    }
    for dkim in &check.dkim {
        write_alignment(out, p, "DKIM", dkim, &check.from_domain)?;
    }
    writeln!(out)
}

fn write_alignment(
    out: &mut impl Write,
    p: &Painter,
    label: &str,
    a: &Alignment,
    from: &str,
) -> std::io::Result<()> {
    let mode = mode_word(a.mode);
    let verdict = if a.aligned {
        p.green(&format!("aligned ({mode})"))
    } else if a.relaxed_aligned {
        p.red(&format!(
            "not aligned: strict mode needs exactly {}; it would align in relaxed mode",
            sanitize(from)
        ))
    } else {
        p.red(&format!(
            "not aligned: not in the organizational domain of {}",
            sanitize(from)
        ))
    };
    writeln!(out, "  {label}     {}: {verdict}", sanitize(&a.domain))
}

/// The DMARC check as JSON: the [`DmarcCheck`] itself, plus `position` (the 1-based column of
/// the error) inside an `invalid` outcome.
pub fn dmarc_json(check: &DmarcCheck) -> serde_json::Value {
    let mut value = serde_json::to_value(check).unwrap_or(serde_json::Value::Null);
    if let DmarcOutcome::Invalid {
        text: Some(text),
        error,
        ..
    } = &check.outcome
        && let Some(outcome) = value.get_mut("outcome").and_then(|o| o.as_object_mut())
    {
        outcome.insert("position".into(), error.position(text).into());
    }
    value
}

/// Writes a reverse-DNS check (`bouncedoc rdns IP`).
pub fn write_rdns(out: &mut impl Write, check: &RdnsCheck, p: &Painter) -> std::io::Result<()> {
    let ip = check.ip.to_string();
    let (head, why) = match &check.outcome {
        RdnsOutcome::Ok { name } => (
            p.green(&format!("reverse DNS confirmed: {}", sanitize(name))),
            format!(
                "{} resolves back to {ip} (forward-confirmed reverse DNS)",
                sanitize(name)
            ),
        ),
        RdnsOutcome::Missing { nxdomain } => (
            p.red("no reverse DNS"),
            format!(
                "{} has no PTR record ({}); many receivers refuse mail from such IPs (5.7.25): \
                 ask whoever owns the IP (hosting provider, ISP) to set one",
                sanitize(&check.ptr_name),
                if *nxdomain { "NXDOMAIN" } else { "no data" }
            ),
        ),
        RdnsOutcome::Mismatch { names } => (
            p.red("reverse DNS not confirmed"),
            format!(
                "the PTR names ({}) do not resolve back to {ip}: add an address record for \
                 the name, or change the PTR to a name that has one",
                sanitize(&names.join(", "))
            ),
        ),
        RdnsOutcome::DnsFailure { name, answer } => (
            p.red("DNS failure"),
            format!(
                "asking {} failed ({}): nothing is known; this is not the same as no PTR",
                sanitize(name),
                sanitize(&answer.summary())
            ),
        ),
    };
    writeln!(out, "{}: {head}", p.bold(&ip))?;
    writeln!(out, "  why      {why}")?;
    for name in &check.names {
        let addresses: Vec<String> = name.addresses.iter().map(ToString::to_string).collect();
        let mark = if name.confirmed {
            p.green("confirmed")
        } else {
            p.red("does not match")
        };
        let found = if addresses.is_empty() {
            sanitize(&name.forward)
        } else {
            addresses.join(", ")
        };
        writeln!(out, "  PTR      {} → {found}: {mark}", sanitize(&name.name))?;
    }
    if check.skipped > 0 {
        writeln!(out, "  ({} more PTR names not checked)", check.skipped)?;
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::KeyRecordError;
    use crate::dkim::tags::TagError;
    use crate::dmarc::DmarcRecordError;

    fn text(write: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn hostile_dns_text_is_neutralised() {
        let check = KeyCheck {
            name: "sel._domainkey.example.org".into(),
            records: vec!["v=DKIM1; \u{1b}[2J p".into()],
            key_type: None,
            bits: None,
            testing: false,
            strict: false,
            hashes: None,
            outcome: KeyOutcome::Malformed {
                error: KeyRecordError::Tags(TagError::MissingEquals {
                    spec: "\u{1b}[2J p".into(),
                }),
            },
        };
        let out = text(|o| write_dkim_key(o, &check, &Painter::new(false)));
        assert!(!out.contains('\u{1b}'), "{out:?}");
        assert!(out.contains("DKIM key malformed"), "{out}");

        let dmarc = DmarcCheck {
            from_domain: "example.org".into(),
            organizational_domain: "example.org".into(),
            outcome: DmarcOutcome::Invalid {
                name: "_dmarc.example.org".into(),
                text: Some("v=DMARC1; p=\u{202e}reject".into()),
                error: DmarcRecordError::BadPolicy {
                    tag: "p".into(),
                    value: "\u{202e}reject".into(),
                },
            },
            policy: None,
            spf: None,
            dkim: Vec::new(),
        };
        let out = text(|o| write_dmarc(o, &dmarc, &Painter::new(false)));
        assert!(!out.contains('\u{202e}'), "{out:?}");
        assert!(out.contains("column 13"), "{out}");
    }

    #[test]
    fn every_key_outcome_has_words() {
        let outcomes = [
            KeyOutcome::Usable,
            KeyOutcome::Missing { nxdomain: true },
            KeyOutcome::Missing { nxdomain: false },
            KeyOutcome::Revoked,
            KeyOutcome::TooShort { bits: 512 },
        ];
        let heads: Vec<String> = outcomes.iter().map(|o| key_outcome_words(o).0).collect();
        assert_eq!(
            heads,
            ["usable", "missing", "missing", "revoked", "too weak"]
        );
        let (_, nx) = key_outcome_words(&outcomes[1]);
        let (_, nodata) = key_outcome_words(&outcomes[2]);
        assert!(nx.contains("NXDOMAIN") && !nodata.contains("NXDOMAIN"));
    }
}
