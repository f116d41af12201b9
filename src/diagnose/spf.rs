//! SPF findings: from the checks of the sender's SPF to the cause of an SPF failure and the
//! record that fixes it. Causes are tried from the most fundamental (the domain is gone, DNS
//! fails, the record is broken) to the most specific (which include is missing).

use std::net::IpAddr;

use crate::check::{Checks, DomainStatus, Identity, OwnAddress, SpfIdentityCheck};
use crate::spf::eval::Cause;
use crate::spf::lint::Finding as Lint;
use crate::spf::{SpfOutcome, SpfRecord, SpfResult, StepOutcome, TraceNode};

use super::fix::{add_term, merge_records, replace_term};
use super::providers;
use super::{Finding, Fix, finding, with};

/// Misspelt mechanism names and what was meant (seen in real records).
const MECHANISM_TYPOS: &[(&str, &str)] = &[
    ("inlcude:", "include:"),
    ("incude:", "include:"),
    ("inclde:", "include:"),
    ("includes:", "include:"),
    ("include=", "include:"),
    ("ipv4:", "ip4:"),
    ("ip:", "ip4:"),
    ("ip4=", "ip4:"),
    ("ipv6:", "ip6:"),
    ("ip6=", "ip6:"),
    ("a=", "a:"),
    ("mx=", "mx:"),
    ("redirect:", "redirect="),
    ("exp:", "exp="),
];

fn spf_record_fix(domain: &str, value: String) -> Fix {
    Fix {
        name: Some(domain.to_string()),
        rtype: Some("TXT".to_string()),
        value: Some(value),
        steps: vec![format!(
            "Replace the SPF TXT record of {domain} with the value above (publish exactly one record that starts with v=spf1)."
        )],
    }
}

/// The SPF findings for a bounce whose checks ran; most important first.
pub fn findings(checks: &Checks, bounce_evidence: &[String]) -> Vec<Finding> {
    let subject = &checks.subject;
    let Some(domain) = subject.domain.as_deref() else {
        return vec![finding(
            "spf_not_checked",
            "The bounce does not say which sender domain was checked, so SPF could not be re-checked.".into(),
            bounce_evidence.to_vec(),
            Some(Fix::steps(vec!["Run bouncedoc spf DOMAIN --ip IP with your sending domain and server address.".into()])),
        )];
    };
    if checks.domain_status == Some(DomainStatus::Missing) {
        return vec![finding(
            "sender_domain_missing",
            format!(
                "The sender domain {domain} does not exist in DNS (NXDOMAIN): it expired, was deleted, or is misspelt."
            ),
            with(bounce_evidence, [format!("{domain} SOA: NXDOMAIN")]),
            Some(Fix::steps(vec![
                format!(
                    "Check the domain's registration (whois {domain}) and renew it if it expired."
                ),
                "Check that the sending software uses the right sender address.".into(),
            ])),
        )];
    }
    let mut out = Vec::new();
    let lint = checks.spf_lint.as_ref();
    let mail_from = checks.spf.iter().find(|c| c.identity == Identity::MailFrom);
    let current = lint.and_then(|l| l.record.clone());
    let mut base_record = current.clone();

    // The record itself.
    for item in lint.map(|l| l.findings.as_slice()).unwrap_or_default() {
        match item {
            Lint::DnsError { domain: d, answer } => out.push(dns_failure(d, answer, bounce_evidence)),
            Lint::MultipleRecords { domain: d, records } if d == domain => {
                // DNS gives an RRset in any order: merge in a fixed one, so the fix is stable.
                let mut refs: Vec<&str> = records.iter().map(String::as_str).collect();
                refs.sort_unstable();
                let merged = merge_records(&refs);
                base_record = Some(merged.clone());
                let mut evidence = with(bounce_evidence, [format!("{d} publishes {} SPF records:", records.len())]);
                evidence.extend(records.iter().map(|r| format!("  {r}")));
                evidence.push("RFC 7208 §4.5: more than one record is a permerror; receivers reject or ignore SPF.".into());
                out.push(finding(
                    "spf_multiple_records",
                    format!("{d} publishes {} SPF records; it must publish exactly one.", records.len()),
                    evidence,
                    Some(spf_record_fix(d, merged)),
                ));
            }
            Lint::SyntaxError { domain: d, record, error } if d == domain => {
                let corrected = correct_record(record, &error.term);
                if let Some(c) = &corrected {
                    base_record = Some(c.clone());
                }
                let mut evidence = with(bounce_evidence, [format!("{d}: {record}")]);
                evidence.push(format!(
                    "{} at byte {}: `{}`{}",
                    error.kind,
                    error.offset,
                    error.term,
                    corrected.as_ref().map(|_| " (the term is corrected in the fix)").unwrap_or("")
                ));
                out.push(finding(
                    "spf_syntax_error",
                    format!("The SPF record of {d} has a syntax error at byte {} (`{}`): receivers get permerror.", error.offset, error.term),
                    evidence,
                    Some(match corrected {
                        Some(c) => spf_record_fix(d, c),
                        None => Fix {
                            name: Some(d.clone()),
                            rtype: Some("TXT".into()),
                            value: None,
                            steps: vec![format!("Correct or remove the term `{}` in the SPF record of {d}.", error.term)],
                        },
                    }),
                ));
            }
            Lint::TooManyLookups { count, limit } => out.push(too_many_lookups(domain, *count, *limit, lint, bounce_evidence)),
            Lint::VoidLookups { count, limit, terms } if count > limit => {
                let mut record = current.clone().unwrap_or_default();
                for t in terms.iter().filter(|t| t.domain == domain) {
                    record = super::fix::remove_term(&record, &t.term);
                }
                let mut evidence = with(bounce_evidence, [format!("void lookups {count}/{limit}: more than {limit} is a permerror (RFC 7208 §4.6.4)")]);
                evidence.extend(terms.iter().map(|t| format!("  {} in the record of {} found nothing", t.term, t.domain)));
                out.push(finding(
                    "spf_void_lookups",
                    format!("The SPF record of {domain} has {count} terms whose lookups find nothing (limit {limit}): receivers get permerror."),
                    evidence,
                    (current.is_some() && record != current.clone().unwrap_or_default()).then(|| spf_record_fix(domain, record)),
                ));
            }
            Lint::TargetWithoutRecord { from, target } => out.push(finding(
                "spf_include_target_missing",
                format!("`{}` in the SPF record of {} points to {target}, which has no SPF record: receivers get permerror.", from.term, from.domain),
                with(bounce_evidence, [format!("{target}: no SPF record")]),
                (from.domain == domain).then(|| current.as_ref().map(|r| spf_record_fix(domain, super::fix::remove_term(r, &from.term)))).flatten(),
            )),
            Lint::IncludeLoop { chain } => out.push(finding(
                "spf_include_loop",
                format!("The SPF includes of {domain} loop: {}.", chain.join(" → ")),
                with(bounce_evidence, [format!("include chain: {}", chain.join(" → "))]),
                None,
            )),
            _ => {}
        }
    }
    let no_record = lint.is_some_and(|l| {
        l.findings
            .iter()
            .any(|f| matches!(f, Lint::NoRecord { domain: d } if d == domain))
    });

    // RFC 7208 §2.3: a receiver may check the HELO identity; when its text names the HELO name
    // and that check fails, the HELO name's record is what to fix, whatever MAIL FROM gives.
    let helo = checks
        .spf
        .iter()
        .find(|c| c.identity == Identity::Helo)
        .filter(|h| {
            subject.identity_used == Some(Identity::Helo) && h.outcome.result != SpfResult::Pass
        })
        .map(|h| helo_finding(checks, &h.outcome, bounce_evidence));
    let helo_fixed = helo.is_some();
    if let Some(f) = helo {
        out.insert(0, f);
    }

    if let Some(check) = mail_from {
        let o = &check.outcome;
        match o.result {
            SpfResult::Temperror if !out.iter().any(|f| f.cause == "dns_failure") => {
                let detail = match &o.cause {
                    Cause::Error(e) => e.to_string(),
                    _ => "a DNS lookup failed".to_string(),
                };
                out.push(finding(
                    "dns_failure",
                    format!("DNS failed while evaluating the SPF of {domain} ({detail}): receivers get temperror and defer or reject."),
                    with(bounce_evidence, trace_lines(&o.trace)),
                    Some(Fix::steps(vec![
                            format!("Make every name server of {domain} answer (check each one over UDP and TCP)."),
                            "If the TXT answer is large, make sure the name servers answer over TCP.".into(),
                        ])),
                ));
            }
            SpfResult::Pass if !helo_fixed => out.push(passes_now(o, checks, bounce_evidence)),
            SpfResult::Fail | SpfResult::Softfail | SpfResult::Neutral | SpfResult::None => {
                if let Some(f) = not_authorised(
                    checks,
                    o,
                    domain,
                    base_record.as_deref(),
                    no_record,
                    bounce_evidence,
                ) {
                    out.push(f);
                }
            }
            _ => {}
        }
    } else if no_record {
        out.push(no_record_finding(domain, None, bounce_evidence));
    } else if subject.ip.is_none() && out.is_empty() {
        // Nothing wrong with the record itself, and no address to evaluate it for: say so
        // rather than stay silent about the SPF failure the receiver reported.
        let mut evidence = with(
            bounce_evidence,
            ["the bounce names no public sending IP, and the reporting server's name did not resolve to one".to_string()],
        );
        if let Some(r) = &current {
            evidence.push(format!("{domain}: \"{r}\""));
        }
        out.push(finding(
            "spf_not_checked",
            format!("The bounce does not say which IP sent the message, so the SPF of {domain} could not be evaluated for it."),
            evidence,
            Some(Fix::steps(vec![
                    format!("Find the address of the server that sent the message (its Received header, or your outbound relay) and run: bouncedoc spf {domain} --ip IP"),
                    format!("Then add that server to the SPF record of {domain}, or its provider's include."),
                ])),
        ));
    }

    if let Some(Ok(ns)) = &checks.nameservers
        && !ns.agree
    {
        {
            let mut evidence = with(
                bounce_evidence,
                [format!(
                    "asked each authoritative server of {} over UDP and TCP:",
                    ns.zone
                )],
            );
            evidence.extend(ns.differences.iter().map(|d| format!("  {d}")));
            // Servers serving different records, or a record that passes today, explain the
            // bounce better than anything else found: the receiver asked the other server.
            let mut served: Vec<&Vec<String>> = ns
                .answers
                .iter()
                .filter_map(|a| a.spf.as_ref().ok())
                .collect();
            served.sort();
            served.dedup();
            let headline =
                served.len() > 1 || mail_from.is_some_and(|c| c.outcome.result == SpfResult::Pass);
            let at = if headline { 0 } else { out.len() };
            out.insert(at, finding(
                "nameservers_disagree",
                format!("The authoritative name servers of {} do not all give the same answer: receivers see one or the other.", ns.zone),
                evidence,
                Some(Fix::steps(vec![
                        "Make every name server serve the same zone: check zone transfers (NOTIFY/AXFR) or your DNS host's sync.".into(),
                        "Make sure every server answers over TCP as well as UDP.".into(),
                        "After a change, wait for the old record's TTL to pass before sending again.".into(),
                    ])),
            ));
        }
    }
    out
}

fn dns_failure(domain: &str, answer: &str, bounce_evidence: &[String]) -> Finding {
    finding(
        "dns_failure",
        format!(
            "The SPF TXT lookup of {domain} fails ({answer}): receivers get temperror and defer or reject."
        ),
        with(bounce_evidence, [format!("{domain} TXT: {answer}")]),
        Some(Fix::steps(vec![
            format!(
                "Make every name server of {domain} answer for it (SERVFAIL or timeouts mean a broken or unreachable server)."
            ),
            "Check the delegation at the registrar and each server's zone.".into(),
        ])),
    )
}

/// The trace of the root record, as evidence lines.
pub fn trace_lines(node: &TraceNode) -> Vec<String> {
    let mut lines = Vec::new();
    match &node.record {
        Some(r) => lines.push(format!(
            "{}: \"{}\"{}",
            node.domain,
            r,
            node.ttl
                .map(|t| format!(" (TTL {t} s)"))
                .unwrap_or_default()
        )),
        None => {
            if let Some(f) = &node.fetch {
                lines.push(format!("{} TXT: {}", node.domain, f.answer));
            }
        }
    }
    for step in &node.steps {
        let outcome = match step.outcome {
            StepOutcome::Match => "match",
            StepOutcome::NoMatch => "no match",
            StepOutcome::Error => "error",
            StepOutcome::Followed => "followed",
        };
        let detail = if step.detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", step.detail)
        };
        lines.push(format!("  {} → {outcome}{detail}", step.term));
    }
    lines
}

fn result_line(o: &SpfOutcome) -> String {
    format!(
        "result: {} for {} from {} (lookups {}/{}, void {}/{})",
        o.result, o.domain, o.ip, o.lookups, o.lookup_limit, o.void_lookups, o.void_limit
    )
}

fn passes_now(o: &SpfOutcome, checks: &Checks, bounce_evidence: &[String]) -> Finding {
    let ttl = o.trace.ttl;
    let mut summary = format!(
        "SPF of {} passes for {} today: the record was probably fixed after the bounce",
        o.domain, o.ip
    );
    match ttl {
        Some(t) => summary.push_str(&format!(
            ", and receivers may still hold the old record for up to its TTL ({t} s)."
        )),
        None => summary.push('.'),
    }
    let mut evidence = with(bounce_evidence, [result_line(o)]);
    evidence.extend(trace_lines(&o.trace));
    let helo: Option<&SpfIdentityCheck> = checks.spf.iter().find(|c| c.identity == Identity::Helo);
    if let Some(h) = helo.filter(|h| h.outcome.result != SpfResult::Pass) {
        evidence.push(format!(
            "the HELO name {} gives {}: a receiver that checked HELO would have refused",
            h.outcome.domain, h.outcome.result
        ));
        if checks.subject.identity_used == Some(Identity::Helo) {
            summary = format!(
                "SPF of {} passes for {}, but the receiver checked the HELO name {}, which gives {}.",
                o.domain, o.ip, h.outcome.domain, h.outcome.result
            );
        }
    }
    finding(
        "spf_passes_now",
        summary,
        evidence,
        Some(Fix::steps(vec![
                "Nothing to change in SPF: send again once the old record's TTL has passed.".into(),
                "If it bounces again, check that the receiver saw this IP (another server of yours may have sent it).".into(),
            ])),
    )
}

/// The receiver checked the HELO name, and its SPF does not pass: the record to publish (or
/// change) is at the HELO name. RFC 7208 §2.3 suggests `v=spf1 a -all` for a host name, which
/// fits when the name resolves to the IP.
fn helo_finding(checks: &Checks, o: &SpfOutcome, bounce_evidence: &[String]) -> Finding {
    let (name, ip) = (o.domain.as_str(), o.ip);
    let mut evidence = with(
        bounce_evidence,
        [
            format!("the receiver named the HELO name {name}: it checked the HELO identity"),
            result_line(o),
        ],
    );
    evidence.extend(trace_lines(&o.trace));
    let resolves_to_ip = checks.rdns.as_ref().is_some_and(|r| {
        r.names
            .iter()
            .any(|n| n.confirmed && n.name.trim_end_matches('.').eq_ignore_ascii_case(name))
    });
    if resolves_to_ip {
        evidence.push(format!("{name} resolves to {ip} (and {ip} has PTR {name})"));
    }
    let term = if resolves_to_ip {
        "a".to_string()
    } else {
        ip_term(ip)
    };
    if o.result == SpfResult::None {
        let mut f = no_record_finding(name, Some(&term), &evidence);
        f.summary = format!(
            "The receiver checked the HELO identity, and the HELO name {name} publishes no SPF record, so {ip} is not authorised for it."
        );
        return f;
    }
    let current = o.trace.record.as_deref();
    finding(
        "spf_ip_not_authorized",
        format!(
            "The receiver checked the HELO identity: the SPF record of the HELO name {name} gives {} for {ip}.",
            o.result
        ),
        evidence,
        current.map(|r| spf_record_fix(name, add_term(r, &term))),
    )
}

fn ip_term(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("ip4:{v4}"),
        IpAddr::V6(v6) => format!("ip6:{v6}"),
    }
}

fn no_record_finding(domain: &str, new_term: Option<&str>, bounce_evidence: &[String]) -> Finding {
    let record = match new_term {
        Some(t) => format!("v=spf1 {t} -all"),
        None => "v=spf1 mx -all".to_string(),
    };
    finding(
        "spf_no_record",
        format!(
            "{domain} publishes no SPF record, so receivers cannot authorise any server for it."
        ),
        with(
            bounce_evidence,
            [format!("{domain} TXT: no record starting with v=spf1")],
        ),
        Some(Fix {
            steps: vec![format!(
                "Publish the value above as a TXT record at {domain}: its only record that starts with v=spf1."
            )],
            ..spf_record_fix(domain, record)
        }),
    )
}

/// Why the IP is not authorised, and what to add: a provider's include, the domain's own
/// server, a hosting company's include, or (last) the bare address.
fn not_authorised(
    checks: &Checks,
    o: &SpfOutcome,
    domain: &str,
    record: Option<&str>,
    no_record: bool,
    bounce_evidence: &[String],
) -> Option<Finding> {
    let ip = o.ip;
    let mut evidence = with(bounce_evidence, [result_line(o)]);
    evidence.extend(trace_lines(&o.trace));
    let ptr_names: Vec<&str> = checks
        .rdns
        .as_ref()
        .map(|r| r.names.iter().map(|n| n.name.as_str()).collect())
        .unwrap_or_default();

    // A known provider.
    if let Some(p) = checks
        .providers
        .iter()
        .find(|p| p.result == SpfResult::Pass)
    {
        let how = if p.named_by_ptr {
            format!("{ip} is {}'s server (PTR {})", p.name, ptr_names.join(", "))
        } else {
            format!(
                "{ip} is authorised by {}'s SPF (include:{})",
                p.name, p.include
            )
        };
        evidence.push(how);
        let term = format!("include:{}", p.include);
        if no_record {
            let mut f = no_record_finding(domain, Some(&term), &evidence);
            f.summary = format!(
                "{domain} publishes no SPF record; {ip} belongs to {}, whose include it needs.",
                p.name
            );
            return Some(f);
        }
        return Some(finding(
            "spf_include_missing",
            format!(
                "{ip} sends for {domain} through {}, but the SPF record of {domain} lacks include:{}.",
                p.name, p.include
            ),
            evidence,
            record.map(|r| spf_record_fix(domain, add_term(r, &term))),
        ));
    }
    // The domain's own server.
    let own: Vec<&OwnAddress> = checks.own_addresses.iter().filter(|a| a.ip == ip).collect();
    let ptr_own = checks.rdns.as_ref().and_then(|r| {
        r.names.iter().find(|n| {
            n.confirmed && {
                let name = n.name.trim_end_matches('.').to_ascii_lowercase();
                name == domain || name.ends_with(&format!(".{domain}"))
            }
        })
    });
    if !own.is_empty() || ptr_own.is_some() {
        let new_term = match own.first() {
            Some(a) if a.via == "mx" => "mx".to_string(),
            Some(_) => "a".to_string(),
            None => ip_term(ip),
        };
        if let Some(a) = own.first() {
            evidence.push(format!(
                "{ip} is {} ({} of {domain})",
                a.host,
                if a.via == "mx" {
                    "an MX host"
                } else {
                    "the domain's address"
                }
            ));
        }
        if let Some(n) = ptr_own {
            evidence.push(format!(
                "{ip} has PTR {}, which resolves back to it",
                n.name
            ));
        }
        if no_record {
            return Some(no_record_finding(domain, Some(&new_term), &evidence));
        }
        let stale = record.and_then(|r| stale_address(r, &checks.own_addresses, ip));
        // The record names its servers by address: the old one is replaced by the new one, in
        // place, rather than adding a term that costs a lookup.
        let fixed = record.map(|r| match &stale {
            Some(old) => replace_term(r, old, &ip_term(ip)),
            None => add_term(r, &new_term),
        });
        if let Some(old) = &stale {
            evidence.push(format!("`{old}` in the record is none of {domain}'s current servers: probably the old address"));
        }
        return Some(finding(
            "spf_stale_ip",
            format!(
                "{ip} is {domain}'s own server, but the SPF record does not list it{}.",
                stale
                    .as_ref()
                    .map(|s| format!(" (it still lists `{s}`)"))
                    .unwrap_or_default()
            ),
            evidence,
            fixed.map(|v| spf_record_fix(domain, v)),
        ));
    }
    // A hosting company outside the catalog.
    if let Some(rel) = checks.related_spf.first() {
        let why = if rel.why == "ptr_name" {
            format!("the PTR name of {ip} ({})", ptr_names.join(", "))
        } else {
            format!("the mail host of {domain}")
        };
        evidence.push(format!("the SPF of {} ({why}) authorises {ip}", rel.domain));
        let term = format!("include:{}", rel.domain);
        if no_record {
            return Some(no_record_finding(domain, Some(&term), &evidence));
        }
        return Some(finding(
            "spf_include_missing",
            format!(
                "{ip} is a server of {}, whose SPF authorises it, but the SPF record of {domain} lacks include:{}.",
                rel.domain, rel.domain
            ),
            evidence,
            record.map(|r| spf_record_fix(domain, add_term(r, &term))),
        ));
    }
    if no_record {
        return Some(no_record_finding(domain, Some(&ip_term(ip)), &evidence));
    }
    if let Some(p) = ptr_names.iter().find_map(|n| providers::by_ptr_name(n)) {
        evidence.push(format!(
            "{ip}'s PTR names {}, but its SPF include does not authorise the IP",
            p.name
        ));
    }
    Some(finding(
        "spf_ip_not_authorized",
        format!(
            "The SPF record of {domain} does not authorise {ip}, and no provider or server of the domain was recognised at that address."
        ),
        evidence,
        record.map(|r| {
            let mut fix = spf_record_fix(domain, add_term(r, &ip_term(ip)));
            fix.steps.insert(
                0,
                format!("Only if {ip} is a server you (or your provider) run for {domain}:"),
            );
            fix
        }),
    ))
}

/// An `ip4:`/`ip6:` single address in the record that is none of the domain's current servers
/// and close to the new IP (same /24, or /48 for IPv6): most likely the address it replaced.
fn stale_address(record: &str, own: &[OwnAddress], ip: IpAddr) -> Option<String> {
    // Only a record that parses is rewritten term by term.
    record.parse::<SpfRecord>().ok()?;
    let candidates: Vec<String> = record
        .split_ascii_whitespace()
        .filter_map(|term| {
            let t = term.trim_start_matches(['+', '-', '~', '?']);
            let (kind, value) = t.split_once(':')?;
            let value = value
                .strip_suffix("/32")
                .or(value.strip_suffix("/128"))
                .unwrap_or(value);
            let addr: IpAddr = value.parse().ok()?;
            let close = match (addr, ip) {
                (IpAddr::V4(a), IpAddr::V4(b)) => a.octets()[..3] == b.octets()[..3],
                (IpAddr::V6(a), IpAddr::V6(b)) => a.segments()[..3] == b.segments()[..3],
                _ => false,
            };
            (matches!(kind.to_ascii_lowercase().as_str(), "ip4" | "ip6")
                && addr != ip
                && close
                && !own.iter().any(|o| o.ip == addr))
            .then(|| term.to_string())
        })
        .collect();
    (candidates.len() == 1).then(|| candidates[0].clone())
}

fn too_many_lookups(
    domain: &str,
    count: u32,
    limit: u32,
    lint: Option<&crate::spf::LintReport>,
    bounce_evidence: &[String],
) -> Finding {
    let mut evidence = with(
        bounce_evidence,
        [format!(
            "lookups {count}/{limit}: more than {limit} DNS-querying terms is a permerror (RFC 7208 §4.6.4)"
        )],
    );
    let mut costly: Vec<(String, u32)> = Vec::new();
    if let Some(l) = lint {
        for t in &l.tree.terms {
            let cost = t.cost + t.target.as_ref().map(|n| n.total_cost).unwrap_or(0);
            costly.push((t.term.clone(), cost));
        }
    }
    costly.sort_by_key(|c| std::cmp::Reverse(c.1));
    for (term, cost) in &costly {
        evidence.push(format!("  {term} costs {cost}"));
    }
    let over = count.saturating_sub(limit);
    let steps = vec![
        format!("Remove terms worth at least {over} lookup{}: includes of services you no longer use first, then `ptr`, and `a`/`mx` you can replace by ip4:/ip6: ranges.", if over == 1 { "" } else { "s" }),
        "Replace an include by the provider's address ranges (ip4:/ip6:) only if the provider publishes them as stable.".into(),
    ];
    finding(
        "spf_too_many_lookups",
        format!(
            "The SPF record of {domain} needs {count} DNS lookups; receivers allow {limit} and answer permerror."
        ),
        evidence,
        Fix::steps(steps),
    )
}

/// The record with a misspelt or malformed `term` corrected, when the correction is obvious
/// and the result parses.
pub fn correct_record(record: &str, term: &str) -> Option<String> {
    let corrected = correct_term(term)?;
    let fixed = record
        .split_ascii_whitespace()
        .map(|t| if t == term { corrected.as_str() } else { t })
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    fixed.parse::<SpfRecord>().ok().map(|_| fixed)
}

fn correct_term(term: &str) -> Option<String> {
    let (qualifier, body) = match term.chars().next() {
        Some(c @ ('+' | '-' | '~' | '?')) => (c.to_string(), &term[1..]),
        _ => (String::new(), term),
    };
    let lower = body.to_ascii_lowercase();
    for (wrong, right) in MECHANISM_TYPOS {
        if lower.starts_with(wrong) {
            return Some(format!("{qualifier}{right}{}", &body[wrong.len()..]));
        }
    }
    // Trailing punctuation pasted with the record: `~all.`, `-all,`.
    let trimmed = body.trim_end_matches(['.', ',', ';', '"']);
    if trimmed.len() != body.len() && !trimmed.is_empty() {
        return Some(format!("{qualifier}{trimmed}"));
    }
    // An IPv4 prefix longer than /32.
    if let Some(rest) = lower.strip_prefix("ip4:")
        && let Some((addr, len)) = rest.split_once('/')
        && len.parse::<u32>().is_ok_and(|l| l > 32)
    {
        return Some(format!("{qualifier}ip4:{addr}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obvious_typos_are_corrected() {
        assert_eq!(
            correct_record(
                "v=spf1 inlcude:_spf.google.com ~all",
                "inlcude:_spf.google.com"
            )
            .as_deref(),
            Some("v=spf1 include:_spf.google.com ~all")
        );
        assert_eq!(
            correct_record("v=spf1 ip4:192.0.2.1/33 -all", "ip4:192.0.2.1/33").as_deref(),
            Some("v=spf1 ip4:192.0.2.1 -all")
        );
        assert_eq!(
            correct_record("v=spf1 mx -all.", "-all.").as_deref(),
            Some("v=spf1 mx -all")
        );
        assert_eq!(correct_record("v=spf1 foo:bar -all", "foo:bar"), None);
    }

    #[test]
    fn the_stale_address_is_the_close_one_no_longer_in_use() {
        let own = vec![OwnAddress {
            host: "mail.example.com".into(),
            via: "mx".into(),
            ip: "192.0.2.20".parse().unwrap(),
        }];
        let ip: IpAddr = "192.0.2.20".parse().unwrap();
        assert_eq!(
            stale_address("v=spf1 ip4:192.0.2.10 ip4:198.51.100.1 -all", &own, ip).as_deref(),
            Some("ip4:192.0.2.10")
        );
        assert_eq!(
            stale_address("v=spf1 ip4:198.51.100.1 -all", &own, ip),
            None
        );
    }
}
