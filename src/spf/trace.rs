//! The trace of one evaluation: what a person needs to see the cause. Each record fetched, each
//! directive tried with its outcome and why, each include/redirect as a nested node, each DNS
//! answer summarised, and the lookup counters after each step. Rendered as a tree by
//! `render::spf`, serialised as the same data in JSON.

use serde::Serialize;

use crate::dns::{DnsAnswer, QType, RData};

use super::{ErrorCause, SpfResult};

/// Most DNS answers listed in one lookup note (the rest are counted, not listed).
pub const MAX_LISTED: usize = 12;

/// The evaluation of one domain's record (the root, or an include/redirect target).
#[derive(Debug, Clone, Serialize)]
pub struct TraceNode {
    /// The domain whose record this is.
    pub domain: String,
    /// The TXT lookup that fetched it (absent when the record was given, not fetched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetch: Option<LookupNote>,
    /// The SPF record text, when one was selected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// The TTL of the TXT answer holding the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u32>,
    /// The directives and modifiers evaluated, in order.
    pub steps: Vec<Step>,
    /// This node's result (for an include, before mapping to match / no match).
    pub result: SpfResult,
    /// Why it ended in an error, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorCause>,
}

impl TraceNode {
    pub(crate) fn new(domain: &str) -> TraceNode {
        TraceNode {
            domain: domain.to_string(),
            fetch: None,
            record: None,
            ttl: None,
            steps: Vec::new(),
            result: SpfResult::None,
            error: None,
        }
    }
}

/// One term evaluated.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The term as written in the record.
    pub term: String,
    pub outcome: StepOutcome,
    /// Why it matched or not, in a few words (`192.0.2.1 in 192.0.2.0/24`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The DNS questions this step asked, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lookups: Vec<LookupNote>,
    /// DNS-querying terms counted so far in the whole evaluation (limit 10).
    pub lookup_count: u32,
    /// Void lookups counted so far (limit 2).
    pub void_count: u32,
    /// The nested evaluation of an `include:` or `redirect=`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nested: Option<Box<TraceNode>>,
}

/// What a step came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutcome {
    /// The mechanism matched: its qualifier is the result.
    Match,
    /// It did not match; evaluation goes on.
    NoMatch,
    /// It ended the evaluation with an error.
    Error,
    /// A modifier that was followed (`redirect=`) or used (`exp=`).
    Followed,
}

/// One DNS question and its answer, summarised.
#[derive(Debug, Clone, Serialize)]
pub struct LookupNote {
    pub name: String,
    pub qtype: QType,
    /// `2 records`, `NXDOMAIN`, `timeout`...
    pub answer: String,
    /// The data of the answer, at most [`MAX_LISTED`] items.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<String>,
}

impl LookupNote {
    /// Summarises `answer` to the question (`name`, `qtype`).
    pub fn new(name: &str, qtype: QType, answer: &DnsAnswer) -> LookupNote {
        LookupNote {
            name: name.to_string(),
            qtype,
            answer: answer.summary(),
            data: answer
                .records()
                .iter()
                .take(MAX_LISTED)
                .map(rdata_text)
                .collect(),
        }
    }
}

/// A record's data as a short string (addresses, names, TXT text).
pub fn rdata_text(rdata: &RData) -> String {
    match rdata {
        RData::A(a) => a.to_string(),
        RData::Aaaa(a) => a.to_string(),
        RData::Mx {
            preference,
            exchange,
        } => format!("{preference} {exchange}"),
        RData::Txt(_) => rdata.txt_joined().unwrap_or_default(),
        RData::Ptr(n) | RData::Ns(n) | RData::Cname(n) => n.clone(),
        RData::Soa { mname, .. } => mname.clone(),
    }
}
