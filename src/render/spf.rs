//! Text rendering of SPF results and lints: a headline, then the evaluation or include tree
//! drawn with `├──` / `└──` (in the manner of spftrace), then the findings in words. Every
//! string from DNS goes through [`sanitize`] before it reaches the terminal.

use std::io::{self, Write};

use crate::spf::eval::{Cause, SpfOutcome};
use crate::spf::lint::{Finding, IncludeNode, LintReport, NodeStatus};
use crate::spf::{SpfResult, StepOutcome, TraceNode};

use super::sanitize;
use super::text::Painter;

fn paint_result(p: &Painter, result: SpfResult) -> String {
    match result {
        SpfResult::Pass => p.green(result.name()),
        SpfResult::Fail | SpfResult::Permerror => p.red(result.name()),
        SpfResult::Softfail | SpfResult::Temperror => p.yellow(result.name()),
        SpfResult::None | SpfResult::Neutral => p.bold(result.name()),
    }
}

/// Writes the result of check_host() with its trace.
pub fn write_outcome(w: &mut dyn Write, outcome: &SpfOutcome, colour: bool) -> io::Result<()> {
    let p = Painter::new(colour);
    writeln!(
        w,
        "SPF {} for {} at {} (sender {}, HELO {})",
        paint_result(&p, outcome.result),
        outcome.ip,
        sanitize(&outcome.domain),
        sanitize(&outcome.sender),
        sanitize(&outcome.helo),
    )?;
    let cause = match &outcome.cause {
        Cause::Matched { domain, term } => {
            format!("`{}` matched in {}", sanitize(term), sanitize(domain))
        }
        Cause::NoMatch => "no mechanism matched and there is no redirect".to_string(),
        Cause::NoRecord => "no SPF record".to_string(),
        Cause::Error(e) => sanitize(&e.to_string()),
    };
    writeln!(w, "cause: {cause}")?;
    if let Some(exp) = &outcome.explanation {
        writeln!(w, "explanation: {}", sanitize(exp))?;
    }
    writeln!(
        w,
        "lookups {}/{}, void {}/{}, {} DNS queries",
        outcome.lookups,
        outcome.lookup_limit,
        outcome.void_lookups,
        outcome.void_limit,
        outcome.dns_queries
    )?;
    writeln!(w)?;
    write_node(w, &p, &outcome.trace, "", outcome.lookup_limit)
}

fn node_headline(node: &TraceNode) -> String {
    let mut line = sanitize(&node.domain);
    if let Some(fetch) = &node.fetch {
        line.push_str(&format!("  TXT: {}", fetch.answer));
    }
    if let Some(ttl) = node.ttl {
        line.push_str(&format!(", TTL {ttl}"));
    }
    line
}

fn write_node(
    w: &mut dyn Write,
    p: &Painter,
    node: &TraceNode,
    prefix: &str,
    limit: u32,
) -> io::Result<()> {
    writeln!(w, "{}", p.bold(&node_headline(node)))?;
    if let Some(record) = &node.record {
        writeln!(w, "{prefix}│ {}", sanitize(record))?;
    }
    if let Some(err) = &node.error {
        writeln!(w, "{prefix}│ {}", p.red(&sanitize(&err.to_string())))?;
    }
    let count = node.steps.len();
    for (i, step) in node.steps.iter().enumerate() {
        let last = i + 1 == count;
        let (branch, cont) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        let outcome = match step.outcome {
            StepOutcome::Match => p.green("match"),
            StepOutcome::NoMatch => p.dim("no match"),
            StepOutcome::Error => p.red("error"),
            StepOutcome::Followed => "followed".to_string(),
        };
        let mut line = format!("{} {outcome}", sanitize(&step.term));
        if !step.detail.is_empty() {
            line.push_str(&format!("  {}", sanitize(&step.detail)));
        }
        line.push_str(&p.dim(&format!(
            "  (lookups {}/{limit}, void {})",
            step.lookup_count, step.void_count
        )));
        writeln!(w, "{prefix}{branch}{line}")?;
        let inner = format!("{prefix}{cont}");
        for note in &step.lookups {
            let data = if note.data.is_empty() {
                String::new()
            } else {
                format!(": {}", sanitize(&note.data.join(", ")))
            };
            writeln!(
                w,
                "{inner}{}",
                p.dim(&format!(
                    "· {} {} → {}{data}",
                    sanitize(&note.name),
                    note.qtype,
                    note.answer
                ))
            )?;
        }
        if let Some(nested) = &step.nested {
            write!(w, "{inner}└── ")?;
            write_node(w, p, nested, &format!("{inner}    "), limit)?;
            writeln!(
                w,
                "{inner}    {}",
                p.dim(&format!("⇒ {}", nested.result.name()))
            )?;
        }
    }
    Ok(())
}

/// How bad a finding is, for the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Receivers get permerror, temperror or none.
    Error,
    /// Works, but is risky or wasteful.
    Warning,
}

/// A finding in words.
pub fn finding_text(finding: &Finding) -> (Severity, String) {
    let severity = if finding.is_error() {
        Severity::Error
    } else {
        Severity::Warning
    };
    let text = match finding {
        Finding::NoRecord { domain } => format!("{domain} has no SPF record (result: none)"),
        Finding::MultipleRecords { domain, records } => format!(
            "{domain} has {} SPF records; receivers return permerror: {}",
            records.len(),
            records.join(" | ")
        ),
        Finding::SyntaxError {
            domain,
            record,
            error,
        } => format!(
            "syntax error in the record of {domain} at byte {}: {} in `{}` (record: {record})",
            error.offset, error.kind, error.term
        ),
        Finding::DnsError { domain, answer } => {
            format!("the TXT lookup of {domain} failed ({answer}); receivers return temperror")
        }
        Finding::TooManyLookups { count, limit } => format!(
            "{count}/{limit} DNS-querying terms through the include tree; more than {limit} is a permerror"
        ),
        Finding::VoidLookups {
            count,
            limit,
            terms,
        } => {
            let list: Vec<String> = terms
                .iter()
                .map(|t| format!("{} in {}", t.term, t.domain))
                .collect();
            format!(
                "{count}/{limit} void lookups (names that do not exist or have no records): {}",
                list.join(", ")
            )
        }
        Finding::IncludeLoop { chain } => format!("include loop: {}", chain.join(" → ")),
        Finding::TargetWithoutRecord { from, target } => format!(
            "`{}` in {}: {target} has no SPF record (permerror)",
            from.term, from.domain
        ),
        Finding::PtrUsed { at } => format!(
            "`{}` in {}: ptr is slow and unreliable, RFC 7208 says it SHOULD NOT be used",
            at.term, at.domain
        ),
        Finding::PassAll { at } => format!(
            "`{}` in {}: authorises every host on the Internet",
            at.term, at.domain
        ),
        Finding::NeutralAll { at } => format!(
            "`{}` in {}: says nothing about unlisted hosts; use ~all or -all",
            at.term, at.domain
        ),
        Finding::NoAll { domain } => {
            format!("the record of {domain} has no `all`: unlisted hosts get neutral")
        }
        Finding::RedirectWithAll { domain } => {
            format!(
                "the record of {domain} has both `all` and `redirect=`: the redirect is never used"
            )
        }
        Finding::TooManyMxRecords { at, count } => format!(
            "`{}` in {}: {count} MX records, more than 10 is a permerror",
            at.term, at.domain
        ),
        Finding::RecordTooBig { domain, bytes } => format!(
            "the TXT answer of {domain} is about {bytes} bytes, over 512: UDP answers get truncated and need TCP"
        ),
        Finding::ObsoleteSpfType { domain } => format!(
            "{domain} publishes the obsolete SPF record type (99); RFC 7208 removed it, only TXT is read"
        ),
        Finding::VersionNotAtStart { domain, text } => format!(
            "a TXT record of {domain} mentions v=spf1 but does not start with it, so it is not an SPF record: {text}"
        ),
        Finding::VersionSplit {
            domain,
            first_string,
        } => format!(
            "the SPF record of {domain} is split inside `v=spf1 ` (first string {first_string:?}); some receivers read only the first string"
        ),
    };
    (severity, sanitize(&text))
}

/// Writes a lint report: headline, include tree, findings.
pub fn write_lint(w: &mut dyn Write, report: &LintReport, colour: bool) -> io::Result<()> {
    let p = Painter::new(colour);
    let errors = report.findings.iter().filter(|f| f.is_error()).count();
    let warnings = report.findings.len() - errors;
    let verdict = if errors > 0 {
        p.red(&format!("{errors} error(s)"))
    } else {
        p.green("no errors")
    };
    writeln!(
        w,
        "SPF lint of {}: {verdict}, {warnings} warning(s)",
        sanitize(&report.domain)
    )?;
    let lookups = format!("lookups {}/{}", report.lookups, report.lookup_limit);
    let lookups = if report.lookups > report.lookup_limit {
        p.red(&lookups)
    } else {
        lookups
    };
    writeln!(
        w,
        "{lookups}, void {}/{}, {} DNS queries",
        report.void_lookups, report.void_limit, report.dns_queries
    )?;
    writeln!(w)?;
    write_include_node(w, &p, &report.tree, "")?;
    if !report.findings.is_empty() {
        writeln!(w)?;
        for f in &report.findings {
            let (severity, text) = finding_text(f);
            let label = match severity {
                Severity::Error => p.red("error  "),
                Severity::Warning => p.yellow("warning"),
            };
            writeln!(w, "{label} {text}")?;
        }
    }
    Ok(())
}

fn write_include_node(
    w: &mut dyn Write,
    p: &Painter,
    node: &IncludeNode,
    prefix: &str,
) -> io::Result<()> {
    let status = match node.status {
        NodeStatus::Ok => String::new(),
        NodeStatus::NoRecord { .. } => p.red("  no SPF record"),
        NodeStatus::MultipleRecords => p.red("  several SPF records"),
        NodeStatus::SyntaxError => p.red("  syntax error"),
        NodeStatus::DnsError => p.red("  DNS error"),
    };
    writeln!(
        w,
        "{}  {}{status}",
        p.bold(&sanitize(&node.domain)),
        p.dim(&format!(
            "TXT: {}; {} lookup(s) here and below",
            node.fetch.answer, node.total_cost
        ))
    )?;
    if let Some(record) = &node.record {
        writeln!(w, "{prefix}│ {}", sanitize(record))?;
    }
    let count = node.terms.len();
    for (i, term) in node.terms.iter().enumerate() {
        let last = i + 1 == count;
        let (branch, cont) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        let void = if term.void {
            p.yellow(" void")
        } else {
            String::new()
        };
        writeln!(
            w,
            "{prefix}{branch}{} [{}]{void}  {}",
            sanitize(&term.term),
            term.cost,
            p.dim(&sanitize(&term.note))
        )?;
        if let Some(child) = &term.target {
            write!(w, "{prefix}{cont}└── ")?;
            write_include_node(w, p, child, &format!("{prefix}{cont}    "))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spf::testzone::{block, zone};
    use crate::spf::{CheckHost, EvalOptions, check_host, lint_domain};

    #[test]
    fn trace_tree_shows_nested_includes_and_counters() {
        let z = zone(&[
            ("ex.example", "TXT", "v=spf1 include:_spf.ex.example a -all"),
            ("ex.example", "A", "198.51.100.1"),
            ("_spf.ex.example", "TXT", "v=spf1 ip4:203.0.113.0/24 ~all"),
        ]);
        let args = CheckHost::mail_from("192.0.2.9".parse().unwrap(), "u@ex.example", "h.example");
        let out = block(check_host(&z, &args, &EvalOptions::default()));
        let mut buf = Vec::new();
        write_outcome(&mut buf, &out, false).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(
            text.starts_with("SPF fail for 192.0.2.9 at ex.example"),
            "{text}"
        );
        assert!(
            text.contains("├── include:_spf.ex.example no match  → _spf.ex.example"),
            "{text}"
        );
        assert!(
            text.contains(
                "│       ├── ip4:203.0.113.0/24 no match  192.0.2.9 not in 203.0.113.0/24"
            ),
            "{text}"
        );
        assert!(text.contains("└── -all match"), "{text}");
        assert!(text.contains("lookups 2/10, void 0/2"), "{text}");
    }

    #[test]
    fn lint_tree_and_findings() {
        let z = zone(&[
            (
                "ex.example",
                "TXT",
                "v=spf1 include:_spf.ex.example ptr +all",
            ),
            ("_spf.ex.example", "TXT", "v=spf1 a:gone.ex.example"),
        ]);
        let report = block(lint_domain(&z, "ex.example"));
        let mut buf = Vec::new();
        write_lint(&mut buf, &report, false).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.contains("├── include:_spf.ex.example [1]"), "{text}");
        assert!(text.contains("│   └── _spf.ex.example"), "{text}");
        assert!(
            text.contains("│       └── a:gone.ex.example [1] void"),
            "{text}"
        );
        assert!(text.contains("warning `+all` in ex.example"), "{text}");
        assert!(text.contains("lookups 3/10, void 1/2"), "{text}");
    }
}
