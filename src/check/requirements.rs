//! Receiver requirements: a bounce that names a rule needing several checks at once (Gmail's and
//! Yahoo's bulk-sender rules, Microsoft's 5.7.515) is answered requirement by requirement, met
//! or not, from the live checks — so a user sees which of the rule's conditions still fails.

use serde::Serialize;

use super::{Checks, Identity};
use crate::bounce::Bounce;
use crate::classify::Classification;
use crate::dkim::{DkimCheck, KeyOutcome};
use crate::dmarc::DmarcOutcome;
use crate::rdns::RdnsOutcome;
use crate::spf::SpfResult;

/// One condition a receiver rule sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// SPF passes for the MAIL FROM domain.
    SpfPass,
    /// At least one DKIM signature verifies.
    DkimPass,
    /// SPF or DKIM passes (either is enough).
    SpfOrDkimPass,
    /// The From domain (or its organizational domain) publishes a valid DMARC record.
    DmarcRecord,
    /// SPF or DKIM passes for a domain aligned with the From domain (DMARC passes).
    DmarcAligned,
    /// The sending IP has a PTR name that resolves back to it.
    ReverseDns,
}

use Requirement::{DkimPass, DmarcAligned, DmarcRecord, ReverseDns, SpfOrDkimPass, SpfPass};

/// Receiver rules (the classification rule ids) and what each requires, under the receiver's
/// words.
const RULES: &[(&str, &[Requirement])] = &[
    // 5.7.26 "The sender must authenticate with at least one of SPF or DKIM."
    ("google:5.7.26-unauthenticated", &[SpfOrDkimPass]),
    // 5.7.26 "Unauthenticated email from [d] is not accepted due to domain's DMARC policy."
    ("google:5.7.26-dmarc", &[DmarcRecord, DmarcAligned]),
    // 5.7.26 "The MAIL FROM domain [d] has an SPF record with a hard fail policy (-all)".
    ("google:5.7.26-spf-hardfail", &[SpfPass]),
    // 5.7.27 "SPF authentication didn't pass. Gmail requires all bulk email senders to
    // authenticate their email with SPF."
    ("google:5.7.27-spf", &[SpfPass]),
    // 5.7.30 "DKIM authentication didn't pass."
    ("google:5.7.30-dkim", &[DkimPass]),
    // 5.7.32 "the From: header isn't aligned with either the authenticated SPF or DKIM
    // organizational domain."
    ("google:5.7.32-dmarc-alignment", &[DmarcAligned]),
    // 5.7.40 "the sending domain doesn't have a DMARC record, or the DMARC record doesn't
    // specify a DMARC policy."
    ("google:5.7.40-dmarc-missing", &[DmarcRecord]),
    // 4.7.23 / 5.7.25 "The sending IP address for this message doesn't have a PTR record".
    ("google:4.7.23-ptr", &[ReverseDns]),
    ("google:4.7.0-ptr", &[ReverseDns]),
    // 5.7.515 "sending domain [d] doesn't meet the required authentication level": SPF and
    // DKIM must pass, DMARC must exist and align.
    (
        "microsoft:5.7.515-auth-level",
        &[SpfPass, DkimPass, DmarcRecord, DmarcAligned],
    ),
    // 4.7.26 "a message sent over IPv6 must pass either SPF or DKIM validation".
    ("microsoft:4.7.26-ipv6-auth", &[SpfOrDkimPass]),
    // 5.7.25 "the sending IPv6 address must have a reverse DNS record".
    ("microsoft:x.7.25-ptr", &[ReverseDns]),
    // 5.7.9 "the sender is unauthenticated. Yahoo requires all senders to authenticate with
    // either SPF or DKIM."
    ("yahoo:5.7.9-unauthenticated", &[SpfOrDkimPass]),
];

/// The requirements a receiver rule sets, if the rule is one of the table's.
pub fn requirements_of(rule: &str) -> Option<&'static [Requirement]> {
    RULES.iter().find(|(r, _)| *r == rule).map(|&(_, req)| req)
}

/// Whether one requirement is met: `None` when the checks cannot tell (e.g. DKIM when neither
/// the message nor its signature came back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementCheck {
    pub requirement: Requirement,
    pub met: Option<bool>,
    /// What the checks found, in words.
    pub detail: String,
}

/// A receiver rule the bounce named, and each of its requirements checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRequirements {
    /// The classification rule id, e.g. `google:5.7.26-unauthenticated`.
    pub rule: String,
    pub requirements: Vec<RequirementCheck>,
}

/// What DKIM is known to give, for requirements and findings alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DkimState {
    /// At least one signature verifies.
    Pass,
    /// Signatures were seen and none verifies (or their keys are unusable).
    Fail,
    /// Signatures were seen, only their keys could be checked, and the keys are usable.
    KeysUsable,
    /// No DKIM-Signature was seen: in the returned message or headers (`headers_seen`), or
    /// nowhere because the bounce carried no headers of the original.
    NotSigned { headers_seen: bool },
}

/// What DKIM gives for a bounce, from its check and what the bounce carried.
pub fn dkim_state(bounce: &Bounce, dkim: Option<&DkimCheck>) -> DkimState {
    if let Some(v) = dkim.and_then(|d| d.verification.as_ref())
        && !v.signatures.is_empty()
    {
        return if v.any_pass() {
            DkimState::Pass
        } else {
            DkimState::Fail
        };
    }
    let keys = dkim.map(|d| d.keys.as_slice()).unwrap_or_default();
    if !keys.is_empty() {
        return if keys.iter().any(|k| k.outcome == KeyOutcome::Usable) {
            DkimState::KeysUsable
        } else {
            DkimState::Fail
        };
    }
    if !bounce.dkim_signatures.is_empty() {
        return DkimState::KeysUsable;
    }
    DkimState::NotSigned {
        headers_seen: bounce.returned_message.is_some() || bounce.from_domain.is_some(),
    }
}

fn spf_check(checks: &Checks) -> (Option<bool>, String) {
    match checks.spf.iter().find(|c| c.identity == Identity::MailFrom) {
        Some(c) => (
            Some(c.outcome.result == SpfResult::Pass),
            format!("SPF {} for {}", c.outcome.result, c.outcome.domain),
        ),
        None => (None, "SPF was not checked (no sender domain or IP)".into()),
    }
}

fn dkim_check(bounce: &Bounce, checks: &Checks) -> (Option<bool>, String) {
    match dkim_state(bounce, checks.dkim.as_ref()) {
        DkimState::Pass => (Some(true), "a DKIM signature verifies".into()),
        DkimState::Fail => (Some(false), "no DKIM signature verifies".into()),
        DkimState::KeysUsable => (
            None,
            "the signature's key is usable; the message did not come back whole to verify it"
                .into(),
        ),
        DkimState::NotSigned { headers_seen: true } => {
            (Some(false), "the message carries no DKIM signature".into())
        }
        DkimState::NotSigned {
            headers_seen: false,
        } => (
            None,
            "the bounce shows no DKIM signature (the original headers did not come back)".into(),
        ),
    }
}

fn evaluate(req: Requirement, bounce: &Bounce, checks: &Checks) -> RequirementCheck {
    let (met, detail) = match req {
        SpfPass => spf_check(checks),
        DkimPass => dkim_check(bounce, checks),
        SpfOrDkimPass => {
            let (spf, spf_words) = spf_check(checks);
            let (dkim, dkim_words) = dkim_check(bounce, checks);
            let met = match (spf, dkim) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            };
            (met, format!("{spf_words}; {dkim_words}"))
        }
        DmarcRecord => match checks.dmarc.as_ref().map(|d| &d.outcome) {
            Some(DmarcOutcome::Record { name, record }) => {
                (Some(true), format!("{name}: p={}", policy_word(record.p)))
            }
            Some(DmarcOutcome::NoRecord) => (Some(false), "no DMARC record".into()),
            Some(DmarcOutcome::Invalid { name, error, .. }) => {
                (Some(false), format!("{name}: invalid ({error})"))
            }
            Some(DmarcOutcome::DnsFailure { name, answer }) => {
                (None, format!("{name}: DNS failed ({})", answer.summary()))
            }
            Some(DmarcOutcome::BadDomain) => (Some(false), "the From domain is not valid".into()),
            None => (None, "DMARC was not checked (no From domain)".into()),
        },
        DmarcAligned => match &checks.dmarc {
            Some(d) if d.any_aligned() => {
                let mut aligned: Vec<String> = d
                    .spf
                    .iter()
                    .filter(|a| a.aligned)
                    .map(|a| format!("SPF {}", a.domain))
                    .collect();
                aligned.extend(
                    d.dkim
                        .iter()
                        .filter(|a| a.aligned)
                        .map(|a| format!("DKIM d={}", a.domain)),
                );
                (
                    Some(true),
                    format!("aligned with {}: {}", d.from_domain, aligned.join(", ")),
                )
            }
            Some(d) => {
                let passing: Vec<String> = d
                    .spf
                    .iter()
                    .map(|a| format!("SPF {}", a.domain))
                    .chain(d.dkim.iter().map(|a| format!("DKIM d={}", a.domain)))
                    .collect();
                let detail = if passing.is_empty() {
                    format!("neither SPF nor DKIM passes for {}", d.from_domain)
                } else {
                    format!(
                        "{} pass but none is aligned with {}",
                        passing.join(", "),
                        d.from_domain
                    )
                };
                (Some(false), detail)
            }
            None => (None, "DMARC was not checked (no From domain)".into()),
        },
        ReverseDns => match checks.rdns.as_ref().map(|r| &r.outcome) {
            Some(RdnsOutcome::Ok { name }) => (Some(true), format!("PTR {name} resolves back")),
            Some(RdnsOutcome::Missing { .. }) => (Some(false), "no PTR record".into()),
            Some(RdnsOutcome::Mismatch { names }) => (
                Some(false),
                format!("PTR {} does not resolve back", names.join(", ")),
            ),
            Some(RdnsOutcome::DnsFailure { name, answer }) => {
                (None, format!("{name}: DNS failed ({})", answer.summary()))
            }
            None => (None, "reverse DNS was not checked (no sending IP)".into()),
        },
    };
    RequirementCheck {
        requirement: req,
        met,
        detail,
    }
}

fn policy_word(p: crate::dmarc::Policy) -> &'static str {
    match p {
        crate::dmarc::Policy::None => "none",
        crate::dmarc::Policy::Quarantine => "quarantine",
        crate::dmarc::Policy::Reject => "reject",
    }
}

/// Each receiver rule the classifications name (once), with its requirements checked.
pub fn evaluate_rules(
    bounce: &Bounce,
    classifications: &[Classification],
    checks: &Checks,
) -> Vec<RuleRequirements> {
    let mut out: Vec<RuleRequirements> = Vec::new();
    for class in classifications {
        let Some(ev) = class.evidence.first() else {
            continue;
        };
        let Some(reqs) = requirements_of(&ev.rule) else {
            continue;
        };
        if out.iter().any(|r| r.rule == ev.rule) {
            continue;
        }
        out.push(RuleRequirements {
            rule: ev.rule.clone(),
            requirements: reqs.iter().map(|&r| evaluate(r, bounce, checks)).collect(),
        });
    }
    out
}
