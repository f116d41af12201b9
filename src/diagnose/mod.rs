//! The diagnose stage: from the facts of a bounce, its classification and the live checks to
//! findings — a cause, the evidence for it, and a fix ready to copy. Pure: it asks no DNS; the
//! fixes it proposes are verified afterwards by re-running the checks with the fix in the DNS
//! overlay.

pub mod auth;
pub mod fix;
pub mod providers;
pub mod remedies;
pub mod spf;

use serde::Serialize;

/// What to change. A DNS fix names the record to publish; other fixes are steps to follow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The DNS name to publish at, e.g. `example.com`.
    pub name: Option<String>,
    /// The record type, e.g. `TXT`.
    #[serde(rename = "type")]
    pub rtype: Option<String>,
    /// The exact record value to publish (it replaces the current one of that kind).
    pub value: Option<String>,
    /// What to do, in order, when the fix is not (only) a record.
    pub steps: Vec<String>,
}

impl Fix {
    /// A fix that is steps to follow, not a record to publish.
    pub fn steps(steps: Vec<String>) -> Fix {
        Fix {
            steps,
            ..Fix::default()
        }
    }
}

/// One thing found wrong (or found fine, when that explains the bounce).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable id, documented in the README (`spf_include_missing`, `recipient_unknown`, ...).
    pub cause: String,
    /// One line for a person.
    pub summary: String,
    /// The bounce text and check steps that point to this cause.
    pub evidence: Vec<String>,
    pub fix: Option<Fix>,
    /// `Some(true)` when re-running the check with the fix in the DNS overlay gives pass;
    /// `None` when the fix is not a DNS change that can be checked.
    pub verified: Option<bool>,
    /// What re-running the check with the fix in place gave.
    pub verification: Option<Verification>,
}

/// A finding not yet verified: the verify stage fills `verified` in for fixes it can re-run.
pub(crate) fn finding(
    cause: &str,
    summary: String,
    evidence: Vec<String>,
    fix: impl Into<Option<Fix>>,
) -> Finding {
    Finding {
        cause: cause.to_string(),
        summary,
        evidence,
        fix: fix.into(),
        verified: None,
        verification: None,
    }
}

/// `base` followed by `more`: the bounce's evidence, then a check's own.
pub(crate) fn with(base: &[String], more: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v = base.to_vec();
    v.extend(more);
    v
}

/// The re-run of a check with a proposed fix in the DNS overlay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// The SPF result for the same IP and identity with the fixed record.
    pub result: crate::spf::SpfResult,
    /// DNS-querying terms the fixed record needs (limit 10).
    pub lookups: u32,
    pub lookup_limit: u32,
}

use crate::bounce::{Bounce, BounceKind};
use crate::check::Checks;
use crate::classify::{Classification, Reason};

/// The findings for one bounce, most important first (the first is the headline). `checks` is
/// `None` when the live checks did not run (`--offline`, or the bounce needed none).
pub fn diagnose(
    bounce: &Bounce,
    classifications: &[Classification],
    checks: Option<&Checks>,
) -> Vec<Finding> {
    if matches!(
        bounce.kind,
        BounceKind::Feedback | BounceKind::Autoreply | BounceKind::NotBounce
    ) {
        return Vec::new();
    }
    let mut findings = Vec::new();
    let auth_evidence = receiver_said(bounce, classifications, |c| {
        c.reason == Reason::AuthFailure || !c.auth_failed.is_empty()
    });
    let wants_auth = checks.is_some_and(|c| !c.spf.is_empty() || c.spf_lint.is_some())
        || !auth_evidence.is_empty();
    if wants_auth {
        match checks {
            Some(c) if !c.dns_reachable => findings.push(finding(
                "dns_unreachable",
"No DNS server answered, so the sender's DNS could not be re-checked; the diagnosis is the offline one.".into(),
auth_evidence.clone(),
Fix::steps(vec![
                        "Check this machine's network and resolver, or name one with --nameserver.".into(),
                        "Meanwhile: the receiver says authentication failed; check that the sending IP is in the domain's SPF record and that DKIM signing is on.".into(),
                    ]),
)),
            Some(c) => findings.extend(auth::findings(
                bounce,
                classifications,
                c,
                spf::findings(c, &auth_evidence),
                &auth_evidence,
            )),
            None if !auth_evidence.is_empty() => findings.push(finding(
"auth_not_checked",
"The receiver refused the message because sender authentication (SPF/DKIM/DMARC) failed; the DNS checks were skipped (--offline).".into(),
auth_evidence.clone(),
Fix::steps(vec!["Run bouncedoc again without --offline to find which record to change.".into()]),
)),
            None => {}
        }
    }
    // Reverse DNS, which the check stage ran for a requireptr bounce.
    let ptr_evidence = receiver_said(bounce, classifications, |c| c.reason == Reason::RequirePtr);
    if let Some(c) = checks.filter(|_| !ptr_evidence.is_empty()) {
        findings.extend(auth::rdns_findings(c, &ptr_evidence));
    }
    // Every other reason gets its usual remedy, once (reverse DNS's only when no finding
    // above is more precise).
    let mut seen = Vec::new();
    for class in classifications {
        if seen.contains(&class.reason)
            || (class.reason == Reason::RequirePtr
                && findings.iter().any(|f| f.cause.starts_with("rdns_")))
        {
            continue;
        }
        seen.push(class.reason);
        if let Some(remedy) = remedies::for_reason(class.reason) {
            let evidence = receiver_said(bounce, classifications, |c| c.reason == class.reason);
            findings.push(finding(
                remedy.cause,
                remedy.summary.to_string(),
                evidence,
                Fix::steps(remedy.steps.iter().map(|s| s.to_string()).collect()),
            ));
        }
    }
    findings
}

/// What the receiver said for the recipients whose classification `pick` selects, with the
/// rule that classified it: the bounce side of a finding's evidence.
fn receiver_said(
    bounce: &Bounce,
    classifications: &[Classification],
    pick: impl Fn(&Classification) -> bool,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for (recipient, class) in bounce.recipients.iter().zip(classifications) {
        if !pick(class) {
            continue;
        }
        if let Some(text) = &recipient.diagnostic {
            let line = format!("the receiver said: {text}");
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
        if let Some(ev) = class.evidence.first() {
            let line = format!(
                "classified {} by rule {} (matched \"{}\")",
                class.reason, ev.rule, ev.matched
            );
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    lines
}
