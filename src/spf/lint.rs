//! Lint of a domain's SPF policy without an IP: the problems a receiver would trip over (no
//! record, several, a syntax error, more than 10 DNS-querying terms through the include tree,
//! void lookups, loops, `ptr`, `+all`...) and the include tree itself, as data.

use serde::Serialize;

use crate::dns::{DnsAnswer, Lookup, QType, RData};

use super::record::{DomainSpec, Mechanism, Modifier, ParseError, Qualifier, SpfRecord, Term};
use super::record::{MacroToken, is_spf_record};
use super::trace::LookupNote;

/// Deepest include nesting walked.
pub const MAX_LINT_DEPTH: usize = 12;
/// Most records walked in one tree (a hostile tree stays small).
pub const MAX_LINT_NODES: usize = 64;
/// The classic DNS-over-UDP answer size without EDNS (RFC 1035 §4.2.1).
pub const UDP_LIMIT: usize = 512;

/// One problem found, with the data a renderer or a fix needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    /// The domain publishes no SPF record (result "none").
    NoRecord { domain: String },
    /// More than one `v=spf1` record at a name: permerror (§4.5).
    MultipleRecords {
        domain: String,
        records: Vec<String>,
    },
    /// A record that does not parse: permerror (§4.6).
    SyntaxError {
        domain: String,
        record: String,
        error: ParseError,
    },
    /// The TXT lookup failed: receivers get temperror.
    DnsError { domain: String, answer: String },
    /// More than 10 DNS-querying terms through the include tree: permerror (§4.6.4).
    TooManyLookups { count: u32, limit: u32 },
    /// Terms whose lookups come back empty (NXDOMAIN / no data); more than 2 is a permerror.
    VoidLookups {
        count: u32,
        limit: u32,
        terms: Vec<TermRef>,
    },
    /// An include or redirect leads back to a record already being evaluated.
    IncludeLoop { chain: Vec<String> },
    /// An `include:` or `redirect=` target without an SPF record: permerror.
    TargetWithoutRecord { from: TermRef, target: String },
    /// `ptr` is slow and unreliable; RFC 7208 §5.5 says it "SHOULD NOT be used".
    PtrUsed { at: TermRef },
    /// `+all` authorises the whole Internet.
    PassAll { at: TermRef },
    /// `?all` asserts nothing about unlisted hosts.
    NeutralAll { at: TermRef },
    /// No `all` and no `redirect=`: unlisted hosts get neutral.
    NoAll { domain: String },
    /// `redirect=` in a record with `all`: the redirect is never used (§6.1).
    RedirectWithAll { domain: String },
    /// An `mx` whose name has more than 10 MX records: permerror (§4.6.4).
    TooManyMxRecords { at: TermRef, count: usize },
    /// The TXT answer is bigger than 512 bytes: UDP answers get truncated and need TCP.
    RecordTooBig { domain: String, bytes: usize },
    /// The obsolete SPF RR type (99) is published; RFC 7208 §3.1 removed it.
    ObsoleteSpfType { domain: String },
    /// A TXT record mentions `v=spf1` but does not start with it: it is not an SPF record.
    VersionNotAtStart { domain: String, text: String },
    /// The first character-string of the record splits the `v=spf1 ` version tag; some
    /// receivers read only the first string.
    VersionSplit {
        domain: String,
        first_string: String,
    },
}

impl Finding {
    /// True when receivers would fail the check because of it (permerror / temperror / none).
    pub fn is_error(&self) -> bool {
        match self {
            Finding::NoRecord { .. }
            | Finding::MultipleRecords { .. }
            | Finding::SyntaxError { .. }
            | Finding::DnsError { .. }
            | Finding::TooManyLookups { .. }
            | Finding::IncludeLoop { .. }
            | Finding::TargetWithoutRecord { .. }
            | Finding::TooManyMxRecords { .. }
            | Finding::VersionNotAtStart { .. } => true,
            Finding::VoidLookups { count, limit, .. } => count > limit,
            _ => false,
        }
    }
}

/// Where a term is: the domain whose record holds it, and the term as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TermRef {
    pub domain: String,
    pub term: String,
}

/// One record of the include tree.
#[derive(Debug, Clone, Serialize)]
pub struct IncludeNode {
    pub domain: String,
    /// The term that led here (`include:x`, `redirect=x`), empty at the root.
    pub via: String,
    /// The TXT lookup.
    pub fetch: LookupNote,
    pub record: Option<String>,
    pub ttl: Option<u32>,
    pub status: NodeStatus,
    /// The DNS-querying terms of this record and what each costs.
    pub terms: Vec<TermCost>,
    /// Lookups of this record and everything below it.
    pub total_cost: u32,
}

impl IncludeNode {
    /// The records this one includes or redirects to, in order.
    pub fn children(&self) -> impl Iterator<Item = &IncludeNode> {
        self.terms.iter().filter_map(|t| t.target.as_deref())
    }
}

/// Whether a node's record could be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum NodeStatus {
    /// One record, parsed.
    Ok,
    /// No SPF record; `void` when the TXT answer was NXDOMAIN or empty.
    NoRecord { void: bool },
    /// Several SPF records.
    MultipleRecords,
    /// The record does not parse.
    SyntaxError,
    /// The TXT lookup failed.
    DnsError,
}

/// A DNS-querying term and what it costs.
#[derive(Debug, Clone, Serialize)]
pub struct TermCost {
    pub term: String,
    /// Counted lookups: 1 for each include, a, mx, ptr, exists, redirect.
    pub cost: u32,
    /// The term's lookup came back empty.
    pub void: bool,
    /// What the lookup found (`2 records`, `NXDOMAIN`), or why it was not asked.
    pub note: String,
    /// The record an `include:` or `redirect=` leads to, when followed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Box<IncludeNode>>,
}

/// The whole lint of one domain.
#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    pub domain: String,
    /// The root's SPF record, when it has exactly one.
    pub record: Option<String>,
    /// DNS-querying terms through the whole tree (shown even past the limit: `12/10`).
    pub lookups: u32,
    pub lookup_limit: u32,
    pub void_lookups: u32,
    pub void_limit: u32,
    pub tree: IncludeNode,
    pub findings: Vec<Finding>,
    /// DNS questions asked for the lint.
    pub dns_queries: u32,
}

impl LintReport {
    /// True when no finding is an error.
    pub fn is_ok(&self) -> bool {
        !self.findings.iter().any(Finding::is_error)
    }
}

/// Lints `domain`'s SPF policy.
pub async fn lint_domain(lookup: &dyn Lookup, domain: &str) -> LintReport {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let mut linter = Linter {
        lookup,
        findings: Vec::new(),
        voids: Vec::new(),
        nodes: 0,
        queries: 0,
    };
    let mut stack = Vec::new();
    let tree = linter.walk(&domain, String::new(), &mut stack).await;

    // The obsolete SPF RR type, asked at the root only.
    let spf_type = linter.query(&domain, QType::Spf).await;
    if !spf_type.records().is_empty() {
        linter.findings.push(Finding::ObsoleteSpfType {
            domain: domain.clone(),
        });
    }
    let lookups = tree.total_cost;
    if lookups > super::eval::MAX_LOOKUPS {
        linter.findings.push(Finding::TooManyLookups {
            count: lookups,
            limit: super::eval::MAX_LOOKUPS,
        });
    }
    let void_lookups = linter.voids.len() as u32;
    if void_lookups > 0 {
        linter.findings.push(Finding::VoidLookups {
            count: void_lookups,
            limit: super::eval::MAX_VOID_LOOKUPS,
            terms: linter.voids.clone(),
        });
    }
    LintReport {
        record: tree.record.clone(),
        domain,
        lookups,
        lookup_limit: super::eval::MAX_LOOKUPS,
        void_lookups,
        void_limit: super::eval::MAX_VOID_LOOKUPS,
        tree,
        findings: linter.findings,
        dns_queries: linter.queries,
    }
}

struct Linter<'a> {
    lookup: &'a dyn Lookup,
    findings: Vec<Finding>,
    voids: Vec<TermRef>,
    nodes: usize,
    queries: u32,
}

/// A domain-spec without macros, as a name; `None` when it needs an IP or sender to expand.
fn literal_target(spec: &DomainSpec) -> Option<String> {
    let mut out = String::new();
    for token in &spec.tokens {
        match token {
            MacroToken::Literal { text } => out.push_str(text),
            _ => return None,
        }
    }
    Some(out.trim_end_matches('.').to_ascii_lowercase())
}

/// An estimate of the TXT answer's size on the wire: header, question, and each record with
/// a compressed owner name.
fn answer_size(domain: &str, answer: &DnsAnswer) -> usize {
    let question = 12 + domain.len() + 2 + 4;
    let records: usize = answer
        .records()
        .iter()
        .map(|r| match r {
            RData::Txt(strings) => 12 + strings.iter().map(|s| s.len() + 1).sum::<usize>(),
            _ => 12,
        })
        .sum();
    question + records
}

impl Linter<'_> {
    async fn query(&mut self, name: &str, qtype: QType) -> DnsAnswer {
        self.queries += 1;
        self.lookup.query(name, qtype).await
    }

    fn walk<'s>(
        &'s mut self,
        domain: &'s str,
        via: String,
        stack: &'s mut Vec<String>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = IncludeNode> + Send + 's>> {
        Box::pin(async move {
            self.nodes += 1;
            let answer = self.query(domain, QType::Txt).await;
            let mut node = IncludeNode {
                domain: domain.to_string(),
                via: via.clone(),
                fetch: LookupNote::new(domain, QType::Txt, &answer),
                record: None,
                ttl: match &answer {
                    DnsAnswer::Records { ttl, .. } => Some(*ttl),
                    _ => None,
                },
                status: NodeStatus::Ok,
                terms: Vec::new(),
                total_cost: 0,
            };
            let record = match self.select(domain, &answer, stack.is_empty()) {
                Ok(record) => record,
                Err(status) => {
                    node.status = status;
                    return node;
                }
            };
            let text = String::from_utf8_lossy(&record.0).into_owned();
            node.record = Some(text.clone());
            let parsed = match text.parse::<SpfRecord>() {
                Ok(p) => p,
                Err(error) => {
                    node.status = NodeStatus::SyntaxError;
                    self.findings.push(Finding::SyntaxError {
                        domain: domain.to_string(),
                        record: text.clone(),
                        error,
                    });
                    return node;
                }
            };
            if record.1.len() < 7 && text.len() > 6 {
                self.findings.push(Finding::VersionSplit {
                    domain: domain.to_string(),
                    first_string: record.1.clone(),
                });
            }
            stack.push(domain.to_string());
            self.lint_record(domain, &parsed, &mut node, stack).await;
            stack.pop();
            node.total_cost = node
                .terms
                .iter()
                .map(|t| t.cost + t.target.as_ref().map_or(0, |c| c.total_cost))
                .sum();
            node
        })
    }

    /// §4.5 selection; returns the record's bytes and its first character-string.
    fn select(
        &mut self,
        domain: &str,
        answer: &DnsAnswer,
        root: bool,
    ) -> Result<(Vec<u8>, String), NodeStatus> {
        if answer.is_failure() {
            self.findings.push(Finding::DnsError {
                domain: domain.to_string(),
                answer: answer.summary(),
            });
            return Err(NodeStatus::DnsError);
        }
        let size = answer_size(domain, answer);
        if size > UDP_LIMIT {
            self.findings.push(Finding::RecordTooBig {
                domain: domain.to_string(),
                bytes: size,
            });
        }
        let mut spf = Vec::new();
        for r in answer.records() {
            let RData::Txt(strings) = r else { continue };
            let joined = strings.concat();
            let text = String::from_utf8_lossy(&joined);
            if is_spf_record(&text) {
                let first = strings
                    .first()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .unwrap_or_default();
                spf.push((joined, first));
            } else if text.to_ascii_lowercase().contains("v=spf1") {
                self.findings.push(Finding::VersionNotAtStart {
                    domain: domain.to_string(),
                    text: text.chars().take(120).collect(),
                });
            }
        }
        match spf.len() {
            0 => {
                if root {
                    self.findings.push(Finding::NoRecord {
                        domain: domain.to_string(),
                    });
                }
                Err(NodeStatus::NoRecord {
                    void: answer.is_empty_answer(),
                })
            }
            1 => spf.pop().ok_or(NodeStatus::MultipleRecords),
            _ => {
                self.findings.push(Finding::MultipleRecords {
                    domain: domain.to_string(),
                    records: spf
                        .iter()
                        .map(|(r, _)| String::from_utf8_lossy(r).into_owned())
                        .collect(),
                });
                Err(NodeStatus::MultipleRecords)
            }
        }
    }

    async fn lint_record(
        &mut self,
        domain: &str,
        record: &SpfRecord,
        node: &mut IncludeNode,
        stack: &mut Vec<String>,
    ) {
        let root = stack.len() == 1;
        let has_all = record.all_position().is_some();
        for (index, term) in record.terms.iter().enumerate() {
            let text = record.term_text(index).unwrap_or_default();
            let at = TermRef {
                domain: domain.to_string(),
                term: text.clone(),
            };
            match term {
                Term::Directive(d) => {
                    match (&d.mechanism, d.qualifier.unwrap_or(Qualifier::Pass)) {
                        (Mechanism::All, Qualifier::Pass) => {
                            self.findings.push(Finding::PassAll { at: at.clone() })
                        }
                        (Mechanism::All, Qualifier::Neutral) if root => {
                            self.findings.push(Finding::NeutralAll { at: at.clone() })
                        }
                        (Mechanism::Ptr { .. }, _) => {
                            self.findings.push(Finding::PtrUsed { at: at.clone() })
                        }
                        _ => {}
                    }
                    if d.mechanism.queries_dns() {
                        let cost = self.cost_of(domain, &d.mechanism, at, stack).await;
                        node.terms.push(cost);
                    }
                }
                Term::Modifier(Modifier::Redirect { domain: spec }) => {
                    if has_all {
                        // §6.1: "redirect" is used only when no mechanism matches; after
                        // `all` it never is.
                        self.findings.push(Finding::RedirectWithAll {
                            domain: domain.to_string(),
                        });
                        continue;
                    }
                    let mut cost = TermCost {
                        term: text.clone(),
                        cost: 1,
                        void: false,
                        note: String::new(),
                        target: None,
                    };
                    self.follow(spec, text, at, &mut cost, stack).await;
                    node.terms.push(cost);
                }
                Term::Modifier(_) => {}
            }
        }
        if root && !has_all && record.redirect().is_none() {
            self.findings.push(Finding::NoAll {
                domain: domain.to_string(),
            });
        }
    }

    /// Follows an include or redirect into a child node.
    async fn follow(
        &mut self,
        spec: &DomainSpec,
        via: String,
        at: TermRef,
        cost: &mut TermCost,
        stack: &mut Vec<String>,
    ) {
        let Some(target) = literal_target(spec) else {
            cost.note = "target depends on macros; not followed".to_string();
            return;
        };
        if stack.contains(&target) {
            let mut chain = stack.clone();
            chain.push(target.clone());
            self.findings.push(Finding::IncludeLoop { chain });
            cost.note = "loop".to_string();
            return;
        }
        if stack.len() >= MAX_LINT_DEPTH || self.nodes >= MAX_LINT_NODES {
            cost.note = "not followed (tree too big)".to_string();
            return;
        }
        let child = self.walk(&target, via, stack).await;
        cost.note = format!("{target} TXT: {}", child.fetch.answer);
        if let NodeStatus::NoRecord { void } = child.status {
            if void {
                cost.void = true;
                self.voids.push(at.clone());
            }
            self.findings.push(Finding::TargetWithoutRecord {
                from: at,
                target: target.clone(),
            });
        }
        cost.target = Some(Box::new(child));
    }

    async fn cost_of(
        &mut self,
        domain: &str,
        mechanism: &Mechanism,
        at: TermRef,
        stack: &mut Vec<String>,
    ) -> TermCost {
        let mut cost = TermCost {
            term: at.term.clone(),
            cost: 1,
            void: false,
            note: String::new(),
            target: None,
        };
        let (spec, qtype) = match mechanism {
            Mechanism::Include { domain: spec } => {
                let via = at.term.clone();
                self.follow(spec, via, at, &mut cost, stack).await;
                return cost;
            }
            Mechanism::A { domain: spec, .. } => (spec.as_ref(), QType::A),
            Mechanism::Mx { domain: spec, .. } => (spec.as_ref(), QType::Mx),
            Mechanism::Exists { domain: spec } => (Some(spec), QType::A),
            Mechanism::Ptr { .. } => {
                cost.note = "depends on the client IP".to_string();
                return cost;
            }
            _ => return cost,
        };
        let target = match spec {
            Some(spec) => match literal_target(spec) {
                Some(t) => t,
                None => {
                    cost.note = "target depends on macros".to_string();
                    return cost;
                }
            },
            None => domain.to_string(),
        };
        let mut answer = self.query(&target, qtype).await;
        if qtype == QType::A
            && answer.is_empty_answer()
            && !matches!(mechanism, Mechanism::Exists { .. })
        {
            // A host with only IPv6 addresses is not void for an IPv6 client.
            let v6 = self.query(&target, QType::Aaaa).await;
            if !v6.records().is_empty() {
                answer = v6;
            }
        }
        cost.note = format!("{target} {qtype}: {}", answer.summary());
        if answer.is_empty_answer() {
            cost.void = true;
            self.voids.push(at.clone());
        }
        if let (Mechanism::Mx { .. }, n) = (mechanism, answer.records().len())
            && n > super::eval::MAX_NAMES
        {
            self.findings
                .push(Finding::TooManyMxRecords { at, count: n });
        }
        cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spf::testzone::{block, zone};

    fn kinds(report: &LintReport) -> Vec<String> {
        report
            .findings
            .iter()
            .map(|f| {
                serde_json::to_value(f).unwrap()["finding"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn lookup_cost_through_the_tree_past_the_limit() {
        let z = zone(&[
            (
                "big.example",
                "TXT",
                "v=spf1 include:a.big.example include:b.big.example mx -all",
            ),
            ("big.example", "MX", "10 mx.big.example"),
            ("a.big.example", "TXT", "v=spf1 a a a a a a"),
            ("a.big.example", "A", "192.0.2.1"),
            (
                "b.big.example",
                "TXT",
                "v=spf1 exists:x.big.example a:gone.big.example ptr",
            ),
            ("x.big.example", "A", "127.0.0.2"),
        ]);
        let r = block(lint_domain(&z, "big.example"));
        assert_eq!(r.lookups, 12);
        assert_eq!(r.tree.total_cost, 12);
        let children: Vec<_> = r.tree.children().collect();
        assert_eq!(children.len(), 2);
        assert_eq!(children[0].total_cost, 6);
        assert_eq!(children[1].terms.len(), 3);
        assert!(r.findings.contains(&Finding::TooManyLookups {
            count: 12,
            limit: 10
        }));
        assert!(r.findings.contains(&Finding::VoidLookups {
            count: 1,
            limit: 2,
            terms: vec![TermRef {
                domain: "b.big.example".into(),
                term: "a:gone.big.example".into()
            }]
        }));
        assert!(kinds(&r).contains(&"ptr_used".to_string()));
        assert!(!r.is_ok());
    }

    #[test]
    fn each_finding() {
        let long = format!("v=spf1 {} -all", "ip4:192.0.2.1 ".repeat(40));
        let z = zone(&[
            ("none.example", "TXT", "google-site-verification=abc"),
            ("two.example", "TXT", "v=spf1 -all"),
            ("two.example", "TXT", "v=spf1 mx -all"),
            ("syn.example", "TXT", "v=spf1 ip4:192.0.2.1/33 -all"),
            ("loop.example", "TXT", "v=spf1 include:loop2.example -all"),
            ("loop2.example", "TXT", "v=spf1 include:loop.example"),
            ("plus.example", "TXT", "v=spf1 +all"),
            ("q.example", "TXT", "v=spf1 ?all"),
            ("noall.example", "TXT", "v=spf1 ip4:192.0.2.1"),
            ("redir.example", "TXT", "v=spf1 redirect=plus.example -all"),
            ("big.example", "TXT", &long),
            ("obs.example", "TXT", "v=spf1 -all"),
            ("obs.example", "SPF", "v=spf1 -all"),
            ("late.example", "TXT", "\"v=spf1 -all\""),
            ("split.example", "TXT", "v=sp|f1 -all"),
            ("inc.example", "TXT", "v=spf1 include:nowhere.example -all"),
            ("slow.example", "TIMEOUT", ""),
        ]);
        let cases: &[(&str, &str)] = &[
            ("none.example", "no_record"),
            ("two.example", "multiple_records"),
            ("syn.example", "syntax_error"),
            ("loop.example", "include_loop"),
            ("plus.example", "pass_all"),
            ("q.example", "neutral_all"),
            ("noall.example", "no_all"),
            ("redir.example", "redirect_with_all"),
            ("big.example", "record_too_big"),
            ("obs.example", "obsolete_spf_type"),
            ("late.example", "version_not_at_start"),
            ("split.example", "version_split"),
            ("inc.example", "target_without_record"),
            ("slow.example", "dns_error"),
        ];
        for (domain, kind) in cases {
            let r = block(lint_domain(&z, domain));
            assert!(
                kinds(&r).contains(&kind.to_string()),
                "{domain}: {:?}",
                kinds(&r)
            );
        }
        let r = block(lint_domain(&z, "syn.example"));
        match &r.findings[0] {
            Finding::SyntaxError { error, .. } => {
                assert_eq!((error.offset, error.term.as_str()), (7, "ip4:192.0.2.1/33"))
            }
            other => panic!("{other:?}"),
        }
        let r = block(lint_domain(&z, "obs.example"));
        assert!(r.is_ok(), "{:?}", r.findings);
    }
}
