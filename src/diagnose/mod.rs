//! The diagnose stage: from the facts of a bounce, its classification and the live checks to
//! findings — a cause, the evidence for it, and a fix ready to copy. Pure: it asks no DNS; the
//! fixes it proposes are verified afterwards by re-running the checks with the fix in the DNS
//! overlay.

pub mod fix;
pub mod providers;
pub mod remedies;

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
}
