//! SPF (RFC 7208): the record grammar ([`record`]), check_host() with a trace ([`eval`]), macro
//! expansion ([`macros`]) and a lint of a domain's policy without an IP ([`lint`]).
//!
//! Results are values, never `Err`: a DNS failure is a `temperror` with its cause, a broken
//! record a `permerror` with the offending term, and the trace says how the result came about.

pub mod eval;
pub mod lint;
pub mod macros;
pub mod record;
pub mod trace;

use std::fmt;

use serde::Serialize;

use crate::dns::QType;

pub use eval::{CheckHost, EvalOptions, SpfOutcome, check_host, check_mail_from, check_record};
pub use lint::{Finding, IncludeNode, LintReport, NodeStatus, TermCost, TermRef, lint_domain};
pub use record::{
    Directive, DualCidr, Mechanism, Modifier, ParseError, ParseErrorKind, Qualifier, SpfRecord,
    Term,
};
pub use trace::{LookupNote, Step, StepOutcome, TraceNode};

/// The results of check_host() (RFC 7208 §2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SpfResult {
    /// No SPF record, or no checkable domain.
    None,
    /// The domain owner makes no assertion about the IP.
    Neutral,
    /// The IP is authorised.
    Pass,
    /// The IP is explicitly not authorised.
    Fail,
    /// Probably not authorised (`~`).
    Softfail,
    /// A transient DNS error: a later retry may succeed.
    Temperror,
    /// The record is broken: only its owner can fix it.
    Permerror,
}

impl SpfResult {
    /// The result's lower-case name as RFC 7208 writes it.
    pub fn name(self) -> &'static str {
        match self {
            SpfResult::None => "none",
            SpfResult::Neutral => "neutral",
            SpfResult::Pass => "pass",
            SpfResult::Fail => "fail",
            SpfResult::Softfail => "softfail",
            SpfResult::Temperror => "temperror",
            SpfResult::Permerror => "permerror",
        }
    }

    /// Parses a result name (case-insensitive).
    pub fn from_name(name: &str) -> Option<SpfResult> {
        [
            SpfResult::None,
            SpfResult::Neutral,
            SpfResult::Pass,
            SpfResult::Fail,
            SpfResult::Softfail,
            SpfResult::Temperror,
            SpfResult::Permerror,
        ]
        .into_iter()
        .find(|r| r.name().eq_ignore_ascii_case(name))
    }
}

impl From<Qualifier> for SpfResult {
    fn from(q: Qualifier) -> SpfResult {
        match q {
            Qualifier::Pass => SpfResult::Pass,
            Qualifier::Fail => SpfResult::Fail,
            Qualifier::Softfail => SpfResult::Softfail,
            Qualifier::Neutral => SpfResult::Neutral,
        }
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an evaluation ended in temperror or permerror.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum ErrorCause {
    /// A DNS question failed (SERVFAIL, timeout, ...): temperror.
    #[error("DNS {qtype} lookup of {name} failed: {answer}")]
    Dns {
        name: String,
        qtype: QType,
        answer: String,
    },
    /// More than one `v=spf1` record at a name (§4.5): permerror.
    #[error("{domain} has {count} SPF records")]
    MultipleRecords { domain: String, count: usize },
    /// The record does not parse (§4.6): permerror.
    #[error("syntax error in the SPF record of {domain}: {error}")]
    Syntax { domain: String, error: ParseError },
    /// An `include:` target has no SPF record (§5.2): permerror.
    #[error("include:{domain} has no SPF record")]
    IncludeNoRecord { domain: String },
    /// A `redirect=` target has no SPF record (§6.1): permerror.
    #[error("redirect={domain} has no SPF record")]
    RedirectNoRecord { domain: String },
    /// More than 10 DNS-querying terms (§4.6.4): permerror.
    #[error("more than {limit} DNS-querying terms")]
    TooManyLookups { limit: u32 },
    /// More than 2 void lookups (§4.6.4): permerror.
    #[error("more than {limit} void lookups")]
    TooManyVoidLookups { limit: u32 },
    /// An `mx` whose name has more than 10 MX records (§4.6.4): permerror.
    #[error("{domain} has {count} MX records (limit 10)")]
    TooManyMxRecords { domain: String, count: usize },
    /// A macro that cannot be expanded (§7): permerror.
    #[error("macro error: {error}")]
    Macro { error: macros::MacroError },
    /// Includes and redirects nested deeper than any lookup limit allows.
    #[error("includes nested too deep")]
    TooDeep,
    /// The evaluation asked more DNS questions than its hard cap.
    #[error("too many DNS queries")]
    TooManyQueries,
}

/// A table of DNS answers for unit tests of pure evaluation logic.
#[cfg(test)]
pub(crate) mod testzone {
    use crate::dns::{DnsAnswer, DnsFuture, Lookup, QType, RData};

    /// `(name, type, value)`: TXT values split into strings on `|`, MX as `pref host`,
    /// type `TIMEOUT` makes every question about the name time out.
    pub struct Zone(pub Vec<(String, String, String)>);

    pub fn zone(rows: &[(&str, &str, &str)]) -> Zone {
        Zone(
            rows.iter()
                .map(|(n, t, v)| (n.to_string(), t.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn rdata(qtype: QType, value: &str) -> RData {
        match qtype {
            QType::A => RData::A(value.parse().unwrap()),
            QType::Aaaa => RData::Aaaa(value.parse().unwrap()),
            QType::Txt | QType::Spf => {
                RData::Txt(value.split('|').map(|s| s.as_bytes().to_vec()).collect())
            }
            QType::Mx => {
                let (p, h) = value.split_once(' ').unwrap();
                RData::Mx {
                    preference: p.parse().unwrap(),
                    exchange: h.to_string(),
                }
            }
            QType::Ptr => RData::Ptr(value.to_string()),
            _ => RData::Cname(value.to_string()),
        }
    }

    impl Lookup for Zone {
        fn query<'a>(&'a self, name: &'a str, qtype: QType) -> DnsFuture<'a> {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let mut exists = false;
            let mut records = Vec::new();
            for (n, t, v) in &self.0 {
                if *n != name {
                    continue;
                }
                if t == "TIMEOUT" {
                    return Box::pin(async { DnsAnswer::Timeout });
                }
                exists = true;
                if QType::from_name(t) == Some(qtype) {
                    records.push(rdata(qtype, v));
                }
            }
            let answer = if !records.is_empty() {
                DnsAnswer::Records { records, ttl: 300 }
            } else if exists {
                DnsAnswer::NoData
            } else {
                DnsAnswer::NxDomain
            };
            Box::pin(async move { answer })
        }
    }

    /// Runs a future to completion on a fresh current-thread runtime.
    pub fn block<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }
}
