//! DKIM, DMARC and reverse-DNS findings: from the live checks to the cause a receiver refused
//! the message for and what to change. A failing signature next to a passing one is told as
//! such (informational, never the headline); the SPF findings keep the lead when SPF is what
//! failed, and a DKIM or DMARC finding leads when SPF passes.

use crate::bounce::Bounce;
use crate::check::requirements::{DkimState, Requirement, dkim_state, requirements_of};
use crate::check::{Checks, Identity};
use crate::classify::{AuthCheck, Classification};
use crate::dkim::{DkimResult, KeyCheck, KeyOutcome, SignatureCheck};
use crate::dmarc::{DmarcCheck, DmarcOutcome, DmarcRecord, DmarcRecordError, Policy};
use crate::rdns::{RdnsCheck, RdnsOutcome};
use crate::spf::SpfResult;

use super::{Finding, Fix, finding, with};

/// Causes that are about the sender's DNS but not about SPF, in the order they are reported
/// when several apply (the more fundamental first).
const CAUSE_ORDER: &[&str] = &[
    "dmarc_invalid_record",
    "dmarc_dns_failure",
    "dkim_not_signed",
    "dkim_key_missing",
    "dkim_key_revoked",
    "dkim_key_invalid",
    "dkim_key_weak",
    "dkim_dns_failure",
    "dkim_signature_invalid",
    "dkim_signature_expired",
    "dkim_body_modified",
    "dmarc_misaligned",
    "dmarc_no_record",
    "dmarc_policy_reject",
];

/// What the receiver's rule asked of DKIM and DMARC: from the checks it named and from the
/// requirement table.
struct Asked {
    dkim: bool,
    dmarc: bool,
    spf: bool,
}

fn asked(classifications: &[Classification]) -> Asked {
    let mut a = Asked {
        dkim: false,
        dmarc: false,
        spf: false,
    };
    for class in classifications {
        a.dkim |= class.auth_failed.contains(&AuthCheck::Dkim);
        a.dmarc |= class.auth_failed.contains(&AuthCheck::Dmarc);
        a.spf |= class.auth_failed.contains(&AuthCheck::Spf);
        for ev in &class.evidence {
            for req in requirements_of(&ev.rule).unwrap_or_default() {
                match req {
                    Requirement::DkimPass | Requirement::SpfOrDkimPass => a.dkim = true,
                    Requirement::DmarcRecord | Requirement::DmarcAligned => a.dmarc = true,
                    _ => {}
                }
            }
        }
    }
    a
}

/// The DKIM and DMARC findings for an authentication bounce, merged with the SPF findings
/// (`spf`) in order: SPF first when SPF is what failed, DKIM/DMARC first when SPF passes, and
/// a signature that fails beside a passing one last.
pub fn findings(
    bounce: &Bounce,
    classifications: &[Classification],
    checks: &Checks,
    spf: Vec<Finding>,
    bounce_evidence: &[String],
) -> Vec<Finding> {
    let asked = asked(classifications);
    let mut headline = Vec::new();
    let mut informational = Vec::new();
    let from = bounce
        .from_domain
        .clone()
        .or_else(|| checks.subject.domain.clone());

    // DKIM.
    let state = dkim_state(bounce, checks.dkim.as_ref());
    if let Some(dkim) = &checks.dkim {
        match &dkim.verification {
            Some(v) if !v.signatures.is_empty() => {
                let passing: Vec<&SignatureCheck> =
                    v.signatures.iter().filter(|s| s.result.is_pass()).collect();
                for sig in &v.signatures {
                    let Some(mut f) = signature_finding(sig, bounce_evidence) else {
                        continue;
                    };
                    match passing.first() {
                        Some(ok) => {
                            f.summary = format!(
                                "Informational: DKIM passes (signature d={} s={} verifies); another signature fails: {}",
                                ok.domain.as_deref().unwrap_or("?"),
                                ok.selector.as_deref().unwrap_or("?"),
                                f.summary
                            );
                            informational.push(f);
                        }
                        None => headline.push(f),
                    }
                }
            }
            _ => {
                let any_usable = dkim.keys.iter().any(KeyCheck::is_usable);
                for key in &dkim.keys {
                    let Some(mut f) = key_finding(key, bounce_evidence) else {
                        continue;
                    };
                    if any_usable {
                        f.summary = format!(
                            "Informational: another DKIM signature's key is usable; {}",
                            f.summary
                        );
                        informational.push(f);
                    } else {
                        headline.push(f);
                    }
                }
            }
        }
    }
    if asked.dkim
        && let DkimState::NotSigned { headers_seen } = state
    {
        headline.push(not_signed(from.as_deref(), headers_seen, bounce_evidence));
    }

    // DMARC.
    if let Some(dmarc) = &checks.dmarc {
        headline.extend(dmarc_findings(dmarc, &asked, bounce_evidence));
    }

    headline.sort_by_key(|f| {
        CAUSE_ORDER
            .iter()
            .position(|c| *c == f.cause)
            .unwrap_or(CAUSE_ORDER.len())
    });
    let spf_passes = checks
        .spf
        .iter()
        .any(|c| c.identity == Identity::MailFrom && c.outcome.result == SpfResult::Pass);
    // When SPF passes today, the DKIM/DMARC cause leads, unless the SPF findings still name a
    // problem (name servers that disagree explain a pass here and a fail at the receiver).
    let spf_settled = spf.first().is_none_or(|f| f.cause == "spf_passes_now");
    let mut out = Vec::new();
    if spf_passes && spf_settled && !headline.is_empty() {
        out.extend(headline);
        out.extend(spf);
    } else {
        out.extend(spf);
        out.extend(headline);
    }
    out.extend(informational);
    out
}

fn not_signed(from: Option<&str>, headers_seen: bool, bounce_evidence: &[String]) -> Finding {
    let domain = from.unwrap_or("your domain");
    let seen = if headers_seen {
        "the returned message carries no DKIM-Signature".to_string()
    } else {
        "the bounce shows no DKIM-Signature (the original's headers did not come back; check a sent message's headers)".to_string()
    };
    finding(
        "dkim_not_signed",
        format!(
            "The message was not DKIM-signed, and the receiver checked DKIM: sign mail for {domain}."
        ),
        with(bounce_evidence, [seen]),
        Fix {
            name: Some(format!("SELECTOR._domainkey.{domain}")),
            rtype: Some("TXT".into()),
            value: None,
            steps: vec![
                format!(
                    "Turn on DKIM signing for {domain} in your mail server or sending service, with a 2048-bit RSA key and a selector of your choice."
                ),
                format!(
                    "Publish the public key it gives as a TXT record at SELECTOR._domainkey.{domain}: v=DKIM1; k=rsa; p=<base64 public key>."
                ),
                format!("Check it with: bouncedoc dkim {domain} SELECTOR"),
            ],
        },
    )
}

/// The sig's identity for evidence: `d=example.com s=sel rsa-sha256`.
fn sig_words(sig: &SignatureCheck) -> String {
    format!(
        "DKIM-Signature #{} d={} s={} {}{}",
        sig.index + 1,
        sig.domain.as_deref().unwrap_or("?"),
        sig.selector.as_deref().unwrap_or("?"),
        sig.algorithm.as_deref().unwrap_or("?"),
        sig.canonicalization
            .as_deref()
            .map(|c| format!(" c={c}"))
            .unwrap_or_default()
    )
}

fn signature_finding(sig: &SignatureCheck, bounce_evidence: &[String]) -> Option<Finding> {
    let d = sig.domain.as_deref().unwrap_or("?");
    let words = sig_words(sig);
    Some(match &sig.result {
        DkimResult::Pass => return None,
        DkimResult::KeyProblem | DkimResult::TempError => {
            let key = sig.key.as_ref()?;
            let mut f = key_finding(key, bounce_evidence)?;
            f.evidence.insert(bounce_evidence.len(), words);
            f
        }
        DkimResult::BodyHashMismatch => {
            let headers = match sig.header_signature_valid {
                Some(true) => "the signed headers still verify: only the body changed",
                Some(false) => "the signed headers do not verify either",
                None => "the header signature was not checked",
            };
            finding(
                "dkim_body_modified",
                format!(
                    "The body changed after {d} signed it (DKIM body hash mismatch): a footer, a mailing list or a forwarding gateway altered the message."
                ),
                with(
                    bounce_evidence,
                    [
                        words,
                        "bh= does not match the body that came back".into(),
                        headers.into(),
                    ],
                ),
                Fix::steps(vec![
                    "Sign last: add disclaimers and footers before the message is signed (on the last server that handles it), not after.".into(),
                    "Sign with c=relaxed/relaxed so that whitespace and line-ending changes do not break the signature.".into(),
                    format!(
                        "If a list or forwarder rewrote it, make SPF pass aligned with {d} too, so DMARC passes when forwarding breaks DKIM."
                    ),
                ]),
            )
        }
        DkimResult::BadSignature => finding(
            "dkim_signature_invalid",
            format!(
                "The DKIM signature of {d} does not verify: a signed header changed in transit, or the key in DNS is not the one the message was signed with."
            ),
            with(
                bounce_evidence,
                [
                    words,
                    "the body hash matches; the header signature (b=) does not verify".into(),
                ],
            ),
            Fix::steps(vec![
                format!(
                    "Check that the key published at {}._domainkey.{d} belongs to the private key the signer uses (republish it after a key rotation).",
                    sig.selector.as_deref().unwrap_or("SELECTOR")
                ),
                "Make sure nothing rewrites signed headers (Subject tags, From rewriting) after signing.".into(),
            ]),
        ),
        DkimResult::PermError { error } => finding(
            "dkim_signature_invalid",
            format!("The DKIM signature of {d} is malformed ({error}): receivers ignore it."),
            with(bounce_evidence, [words, format!("the DKIM-Signature field: {error}")]),
            Fix::steps(vec![
                "Fix or update the signing software: it writes a DKIM-Signature field that RFC 6376 does not allow.".into(),
            ]),
        ),
        DkimResult::Expired { expiration, now } => finding(
            "dkim_signature_expired",
            format!(
                "The DKIM signature of {d} had expired (x={expiration}) when it was checked: receivers treat it as failing."
            ),
            with(
                bounce_evidence,
                [
                    words,
                    format!(
                        "x={expiration} is {} s before the check time {now}",
                        now.saturating_sub(*expiration)
                    ),
                ],
            ),
            Fix::steps(vec![
                "Give signatures a longer lifetime (x= several days after t=), or none: queued and retried mail is verified hours or days later.".into(),
                "Check the signing server's clock: a clock in the past writes expirations in the past.".into(),
            ]),
        ),
    })
}

fn key_finding(key: &KeyCheck, bounce_evidence: &[String]) -> Option<Finding> {
    let name = &key.name;
    let record_lines = key.records.iter().map(|r| format!("{name} TXT: {r}"));
    let (selector, domain) = name
        .split_once("._domainkey.")
        .unwrap_or(("SELECTOR", name));
    let republish = |why: &str| {
        vec![
            format!(
                "{why} Sign with a selector whose key is published, or publish the key of the private key the signer uses at {name}: v=DKIM1; k=rsa; p=<base64 public key>."
            ),
            format!("Check it with: bouncedoc dkim {domain} {selector}"),
        ]
    };
    let key_fix = |steps: Vec<String>| Fix {
        name: Some(name.clone()),
        rtype: Some("TXT".into()),
        value: None,
        steps,
    };
    Some(match &key.outcome {
        KeyOutcome::Usable => return None,
        KeyOutcome::Missing { nxdomain } => finding(
            "dkim_key_missing",
            format!(
                "No DKIM key is published at {name}: receivers cannot verify the signature."
            ),
            with(
                bounce_evidence,
                [format!(
                    "{name} TXT: {}",
                    if *nxdomain {
                        "NXDOMAIN"
                    } else {
                        "no DKIM key record"
                    }
                )],
            ),
            key_fix(republish("The signer names a key that DNS does not have.")),
        ),
        KeyOutcome::Revoked => finding(
            "dkim_key_revoked",
            format!(
                "The DKIM key at {name} is revoked (p= is empty), but mail is still signed with selector {selector}."
            ),
            with(bounce_evidence, record_lines),
            key_fix(republish("The key was revoked while the signer still uses it.")),
        ),
        KeyOutcome::TooShort { bits } => finding(
            "dkim_key_weak",
            format!(
                "The DKIM key at {name} is {bits}-bit RSA: receivers refuse keys under 1024 bits (RFC 8301); use 2048."
            ),
            with(bounce_evidence, [format!("{name}: RSA key of {bits} bits")]),
            key_fix(vec![
                "Make a 2048-bit key: openssl genrsa -out dkim.private 2048".into(),
                "Get its public part: openssl rsa -in dkim.private -pubout -outform der | base64 -w0".into(),
                format!(
                    "Publish v=DKIM1; k=rsa; p=<that base64> at {name} (split the value in strings of at most 255 characters), and sign with the new private key."
                ),
                format!("Check it with: bouncedoc dkim {domain} {selector}"),
            ]),
        ),
        KeyOutcome::DnsFailure { answer } => finding(
            "dkim_dns_failure",
            format!(
                "The DKIM key lookup of {name} fails ({}): receivers get a temporary error.",
                answer.summary()
            ),
            with(
                bounce_evidence,
                [format!("{name} TXT: {}", answer.summary())],
            ),
            Fix::steps(vec![format!(
                "Make every name server of {domain} answer for {name} (over UDP and TCP)."
            )]),
        ),
        other => {
            let why = match other {
                KeyOutcome::BadName => "the selector and domain do not form a valid DNS name".to_string(),
                KeyOutcome::Malformed { error } => error.to_string(),
                KeyOutcome::UnknownKeyType { k } => format!("k={k} is not a key type receivers know"),
                KeyOutcome::KeyTypeMismatch { key_type, algorithm } => format!(
                    "the key is {key_type}, but the signature uses {}",
                    algorithm.name()
                ),
                KeyOutcome::HashNotAllowed { hash, allowed } => format!(
                    "h={} does not allow {hash}",
                    allowed.join(":")
                ),
                KeyOutcome::ServiceExcluded { services } => {
                    format!("s={} excludes email", services.join(":"))
                }
                KeyOutcome::StrictIdentityMismatch { auid_domain, domain } => format!(
                    "t=s, but the signature's i= domain {auid_domain} is not {domain}"
                ),
                _ => "the key record cannot be used".to_string(),
            };
            finding(
                "dkim_key_invalid",
                format!("The DKIM key record at {name} cannot be used: {why}."),
                with(bounce_evidence, record_lines.chain([why.clone()])),
                key_fix(republish(&format!("The record is unusable ({why})."))),
            )
        }
    })
}

/// The DMARC record to start with: monitoring only, reports to the domain's postmaster.
pub fn starter_record(domain: &str) -> String {
    format!("v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}")
}

fn dmarc_fix(name: &str, value: Option<String>, steps: Vec<String>) -> Fix {
    Fix {
        name: Some(name.to_string()),
        rtype: Some("TXT".into()),
        value,
        steps,
    }
}

fn dmarc_findings(d: &DmarcCheck, asked: &Asked, bounce_evidence: &[String]) -> Vec<Finding> {
    let from = &d.from_domain;
    let org = &d.organizational_domain;
    let mut out = Vec::new();
    match &d.outcome {
        DmarcOutcome::NoRecord if asked.dmarc => {
            let name = format!("_dmarc.{org}");
            out.push(finding(
                "dmarc_no_record",
                format!("{from} publishes no DMARC record, and the receiver requires one."),
                with(
                    bounce_evidence,
                    [if *from == *org {
                        format!("{name}: no DMARC record")
                    } else {
                        format!("_dmarc.{from} and {name}: no DMARC record")
                    }],
                ),
                dmarc_fix(
                    &name,
                    Some(starter_record(org)),
                    vec![
                        format!("Publish the TXT record above at {name}."),
                        format!(
                            "rua= receives the daily aggregate reports: use a mailbox you read (dmarc-reports@{org} must exist) or a report service."
                        ),
                        "Once the reports show all your mail passing, move to p=quarantine, then p=reject.".into(),
                    ],
                ),
            ));
        }
        DmarcOutcome::Invalid { name, text, error } => {
            let corrected = text.as_deref().and_then(|t| correct_record(t, error));
            let mut evidence = with(bounce_evidence, []);
            if let Some(t) = text {
                evidence.push(format!("{name} TXT: {t}"));
            }
            evidence.push(format!("invalid: {error}"));
            let mut fix_steps = Vec::new();
            match (error, &corrected) {
                (DmarcRecordError::MultipleRecords { count }, _) => fix_steps.push(format!(
                    "{name} has {count} DMARC records: delete all but one (RFC 7489: with several, none applies)."
                )),
                (_, Some(_)) => fix_steps.push(format!(
                    "Replace the DMARC record at {name} with the value above."
                )),
                (_, None) => fix_steps.push(format!(
                    "Correct the record at {name}: it must start with v=DMARC1; and name a policy p=none, quarantine or reject."
                )),
            }
            out.push(finding(
                "dmarc_invalid_record",
                format!("The DMARC record at {name} is invalid ({error}): receivers ignore it."),
                evidence,
                dmarc_fix(name, corrected, fix_steps),
            ));
        }
        DmarcOutcome::DnsFailure { name, answer } => out.push(finding(
            "dmarc_dns_failure",
            format!(
                "The DMARC lookup of {name} fails ({}): receivers get a temporary error.",
                answer.summary()
            ),
            with(
                bounce_evidence,
                [format!("{name} TXT: {}", answer.summary())],
            ),
            Fix::steps(vec![format!(
                "Make every name server of {org} answer for {name} (over UDP and TCP)."
            )]),
        )),
        _ => {}
    }
    let something_passes = d.spf.is_some() || !d.dkim.is_empty();
    if something_passes && !d.any_aligned() {
        let mut evidence = with(bounce_evidence, []);
        let mut fix_steps = Vec::new();
        if let Some(a) = &d.spf {
            evidence.push(format!(
                "SPF passes for the MAIL FROM domain {}, which is not aligned with From {from} ({:?} alignment)",
                a.domain, a.mode
            ));
            fix_steps.push(format!(
                "Set a custom Return-Path (bounce domain) under {from} at the service that sends through {}, e.g. bounces.{from}, and publish the records it gives, so that SPF passes for a domain aligned with From.",
                a.domain
            ));
        }
        for a in &d.dkim {
            evidence.push(format!(
                "DKIM passes for d={}, which is not aligned with From {from} ({:?} alignment)",
                a.domain, a.mode
            ));
        }
        fix_steps.push(format!(
            "Have the sending service sign DKIM with d={from}: publish the key records it gives under _domainkey.{from}."
        ));
        if d.spf.iter().chain(&d.dkim).any(|a| a.relaxed_aligned) {
            fix_steps.push(format!(
                "Or relax the alignment: remove aspf=s / adkim=s from the DMARC record of {org} (strict alignment is what fails)."
            ));
        }
        out.push(finding(
            "dmarc_misaligned",
            format!(
                "SPF or DKIM passes, but not for {from}: DMARC needs a pass for a domain aligned with the From address."
            ),
            evidence,
            Fix::steps(fix_steps),
        ));
    } else if !something_passes
        && matches!(d.policy, Some(Policy::Reject) | Some(Policy::Quarantine))
    {
        let p = if d.policy == Some(Policy::Reject) {
            "reject"
        } else {
            "quarantine"
        };
        let name = match &d.outcome {
            DmarcOutcome::Record { name, .. } => name.clone(),
            _ => format!("_dmarc.{org}"),
        };
        out.push(finding(
            "dmarc_policy_reject",
            format!(
                "{from} publishes p={p}: the receiver applied it because neither SPF nor DKIM passed for a domain aligned with {from}."
            ),
            with(
                bounce_evidence,
                [
                    format!("{name}: p={p}"),
                    "SPF: no aligned pass; DKIM: no aligned pass".into(),
                ],
            ),
            Fix::steps(vec![
                format!(
                    "Make SPF pass for {from} (send from servers its SPF record lists) or DKIM pass with d={from}; one aligned pass is enough."
                ),
                format!(
                    "Do not weaken p={p} to get mail through: fix the sender that fails (the findings above say which)."
                ),
            ]),
        ));
    }
    out
}

/// The record with the obvious error corrected, when there is an obvious correction: the
/// version moved first, a missing or unknown policy set to `none`, a bad optional tag dropped.
/// `None` when the record would still not parse.
pub fn correct_record(text: &str, error: &DmarcRecordError) -> Option<String> {
    if matches!(error, DmarcRecordError::MultipleRecords { .. }) {
        return None;
    }
    let mut tags: Vec<(String, String)> = Vec::new();
    for part in text.split(';').take(32) {
        let Some((name, value)) = part.split_once('=') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let value = value.trim().to_string();
        if name.is_empty() || tags.iter().any(|(n, _)| *n == name) {
            continue;
        }
        tags.push((name, value));
    }
    let valid_policy = |v: &str| {
        ["none", "quarantine", "reject"]
            .iter()
            .any(|p| p.eq_ignore_ascii_case(v))
    };
    let mut out = vec!["v=DMARC1".to_string()];
    let policy = tags
        .iter()
        .find(|(n, _)| n == "p")
        .map(|(_, v)| v.as_str())
        .filter(|v| valid_policy(v))
        .unwrap_or("none")
        .to_ascii_lowercase();
    out.push(format!("p={policy}"));
    for (name, value) in &tags {
        let keep = match name.as_str() {
            "v" | "p" => false,
            "sp" => valid_policy(value),
            "adkim" | "aspf" => matches!(value.as_str(), "r" | "s"),
            "pct" => value.parse::<u8>().is_ok_and(|p| p <= 100),
            "ri" => value.parse::<u32>().is_ok(),
            "rua" | "ruf" | "fo" | "rf" => true,
            _ => false,
        };
        if keep {
            out.push(format!("{name}={value}"));
        }
    }
    let corrected = out.join("; ");
    DmarcRecord::parse(&corrected).ok().map(|_| corrected)
}

/// Reverse-DNS findings for a bounce the receiver refused for its sending IP's PTR record.
pub fn rdns_findings(checks: &Checks, bounce_evidence: &[String]) -> Vec<Finding> {
    let Some(rdns) = &checks.rdns else {
        return Vec::new();
    };
    let host = checks
        .subject
        .helo
        .clone()
        .filter(|h| h.contains('.') && h.parse::<std::net::IpAddr>().is_err())
        .or_else(|| checks.subject.domain.as_ref().map(|d| format!("mail.{d}")))
        .unwrap_or_else(|| "mail.example.com".into());
    rdns_finding(rdns, &host, bounce_evidence)
        .into_iter()
        .collect()
}

fn rdns_finding(rdns: &RdnsCheck, host: &str, bounce_evidence: &[String]) -> Option<Finding> {
    let ip = rdns.ip;
    let address_type = if ip.is_ipv4() { "A" } else { "AAAA" };
    Some(match &rdns.outcome {
        RdnsOutcome::Ok { .. } => return None,
        RdnsOutcome::Missing { nxdomain } => finding(
            "rdns_missing",
            format!("{ip} has no reverse DNS (PTR) record: the receiver refuses mail from it."),
            with(
                bounce_evidence,
                [format!(
                    "{} PTR: {}",
                    rdns.ptr_name,
                    if *nxdomain {
                        "NXDOMAIN"
                    } else {
                        "no PTR record"
                    }
                )],
            ),
            Fix {
                name: Some(rdns.ptr_name.clone()),
                rtype: Some("PTR".into()),
                value: Some(format!("{host}.")),
                steps: vec![
                    format!(
                        "PTR records belong to the owner of {ip} (your hosting or access provider): ask them to publish the record above."
                    ),
                    format!("Make {host} resolve back: publish {host} {address_type} {ip}."),
                    format!("Check it with: bouncedoc rdns {ip}"),
                ],
            },
        ),
        RdnsOutcome::Mismatch { names } => {
            let first = names.first().cloned().unwrap_or_default();
            let mut evidence = with(
                bounce_evidence,
                [format!("{} PTR: {}", rdns.ptr_name, names.join(", "))],
            );
            evidence.extend(
                rdns.names
                    .iter()
                    .map(|n| format!("{} {address_type}: {}", n.name, n.forward)),
            );
            finding(
                "rdns_mismatch",
                format!(
                    "{ip}'s PTR name {first} does not resolve back to {ip}: the receiver needs forward-confirmed reverse DNS."
                ),
                evidence,
                Fix {
                    name: Some(first.clone()),
                    rtype: Some(address_type.into()),
                    value: Some(ip.to_string()),
                    steps: vec![
                        format!("Publish the record above, so that {first} resolves to {ip}."),
                        format!(
                            "If {first} is not yours, ask the owner of {ip} to change its PTR to a name of yours that resolves to {ip} (e.g. {host})."
                        ),
                        format!("Check it with: bouncedoc rdns {ip}"),
                    ],
                },
            )
        }
        RdnsOutcome::DnsFailure { name, answer } => finding(
            "rdns_dns_failure",
            format!(
                "The reverse DNS lookup for {ip} fails ({}): the receiver cannot confirm the sending IP.",
                answer.summary()
            ),
            with(bounce_evidence, [format!("{name}: {}", answer.summary())]),
            Fix::steps(vec![format!(
                "Ask the owner of {ip} to fix the name servers of its reverse zone."
            )]),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obvious_dmarc_errors_are_corrected() {
        let cases = [
            (
                "p=reject; v=DMARC1; rua=mailto:a@example.org",
                DmarcRecordError::VersionNotFirst,
                Some("v=DMARC1; p=reject; rua=mailto:a@example.org"),
            ),
            (
                "v=DMARC1; p=blocked; pct=50",
                DmarcRecordError::BadPolicy {
                    tag: "p".into(),
                    value: "blocked".into(),
                },
                Some("v=DMARC1; p=none; pct=50"),
            ),
            (
                "v=DMARC1; adkim=x",
                DmarcRecordError::MissingPolicy,
                Some("v=DMARC1; p=none"),
            ),
            (
                "v=DMARC1; p=none",
                DmarcRecordError::MultipleRecords { count: 2 },
                None,
            ),
        ];
        for (text, error, expected) in cases {
            assert_eq!(correct_record(text, &error).as_deref(), expected, "{text}");
        }
    }
}
