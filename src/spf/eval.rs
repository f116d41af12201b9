//! check_host() (RFC 7208 §4–§6) over the [`Lookup`] seam, recording a [`TraceNode`] tree.
//!
//! Every loop is bounded: 10 DNS-querying terms across the whole evaluation, 2 void lookups,
//! 10 MX names, 10 PTR names, a nesting depth, and a hard cap on DNS questions.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

use crate::dns::{DnsAnswer, Lookup, QType, RData};

use super::macros::{self, MacroContext};
use super::record::{
    DomainSpec, Mechanism, Modifier, SpfRecord, Term, is_spf_record, parse_macro_string,
};
use super::trace::{LookupNote, Step, StepOutcome, TraceNode};
use super::{ErrorCause, SpfResult};

/// RFC 7208 §4.6.4: at most 10 DNS-querying terms.
pub const MAX_LOOKUPS: u32 = 10;
/// RFC 7208 §4.6.4: at most 2 void lookups (recommended default).
pub const MAX_VOID_LOOKUPS: u32 = 2;
/// RFC 7208 §4.6.4: at most 10 MX names per `mx`, 10 PTR names per `ptr` / `%{p}`.
pub const MAX_NAMES: usize = 10;
/// Deepest include/redirect nesting followed (the lookup limit already stops loops sooner).
pub const MAX_DEPTH: u32 = 16;
/// Hard cap on DNS questions in one evaluation, whatever the options say.
pub const MAX_QUERIES: u32 = 400;

/// The identity being checked (RFC 7208 §4.1 arguments, plus the HELO name for `%{h}`).
#[derive(Debug, Clone, Serialize)]
pub struct CheckHost {
    /// The connecting client's address; IPv4-mapped IPv6 is treated as IPv4.
    pub ip: IpAddr,
    /// The domain whose policy is checked (MAIL FROM domain or HELO name).
    pub domain: String,
    /// The sender (`local@domain`; `postmaster@helo` for a null MAIL FROM).
    pub sender: String,
    /// The HELO/EHLO name.
    pub helo: String,
}

impl CheckHost {
    /// The arguments for a MAIL FROM check; a null sender (`""` or `<>`) checks the HELO
    /// identity (RFC 7208 §2.4).
    pub fn mail_from(ip: IpAddr, mail_from: &str, helo: &str) -> CheckHost {
        let mail_from = mail_from
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        if mail_from.is_empty() {
            return CheckHost {
                ip,
                domain: helo.to_string(),
                sender: format!("postmaster@{helo}"),
                helo: helo.to_string(),
            };
        }
        let domain = match mail_from.rsplit_once('@') {
            Some((_, d)) => d,
            None => mail_from,
        };
        CheckHost {
            ip,
            domain: domain.to_string(),
            sender: mail_from.to_string(),
            helo: helo.to_string(),
        }
    }
}

/// Knobs of an evaluation; the defaults are RFC 7208's.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    pub max_lookups: u32,
    pub max_void_lookups: u32,
    /// `%{r}`: the receiving host.
    pub receiver: String,
    /// The explanation for `fail` when the record gives none (a macro string).
    pub default_explanation: String,
    /// `%{t}`; the current time when `None`.
    pub timestamp: Option<u64>,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            max_lookups: MAX_LOOKUPS,
            max_void_lookups: MAX_VOID_LOOKUPS,
            receiver: "unknown".to_string(),
            default_explanation: "%{o} does not authorize %{c} to send mail".to_string(),
            timestamp: None,
        }
    }
}

/// What produced the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// A directive matched.
    Matched { domain: String, term: String },
    /// Nothing matched and there was no redirect: neutral (§4.7).
    NoMatch,
    /// The domain has no SPF record, or is not a domain (§4.3, §4.5): none.
    NoRecord,
    /// An error ended the evaluation.
    Error(ErrorCause),
}

/// The outcome of check_host(): the result, why, and the trace.
#[derive(Debug, Clone, Serialize)]
pub struct SpfOutcome {
    pub domain: String,
    pub ip: IpAddr,
    pub sender: String,
    pub helo: String,
    pub result: SpfResult,
    /// The explanation of a `fail` (from `exp=`, or the default).
    pub explanation: Option<String>,
    pub cause: Cause,
    /// DNS-querying terms counted (shown against `lookup_limit`).
    pub lookups: u32,
    pub lookup_limit: u32,
    /// Void lookups counted (shown against `void_limit`).
    pub void_lookups: u32,
    pub void_limit: u32,
    /// DNS questions actually asked.
    pub dns_queries: u32,
    pub trace: TraceNode,
}

/// check_host() for a MAIL FROM (or, with a null sender, the HELO identity).
pub async fn check_mail_from(
    lookup: &dyn Lookup,
    ip: IpAddr,
    mail_from: &str,
    helo: &str,
) -> SpfOutcome {
    check_host(
        lookup,
        &CheckHost::mail_from(ip, mail_from, helo),
        &EvalOptions::default(),
    )
    .await
}

/// check_host() (RFC 7208 §4): fetches the domain's record and evaluates it.
pub async fn check_host(lookup: &dyn Lookup, args: &CheckHost, opts: &EvalOptions) -> SpfOutcome {
    run(lookup, args, opts, None).await
}

/// Evaluates `record` as if it were published at `args.domain` (nested includes and redirects
/// are still fetched): how a proposed fix is verified.
pub async fn check_record(
    lookup: &dyn Lookup,
    record: &SpfRecord,
    args: &CheckHost,
    opts: &EvalOptions,
) -> SpfOutcome {
    run(lookup, args, opts, Some(record)).await
}

async fn run(
    lookup: &dyn Lookup,
    args: &CheckHost,
    opts: &EvalOptions,
    given: Option<&SpfRecord>,
) -> SpfOutcome {
    let ip = unmap(args.ip);
    // RFC 7208 §4.3: "If the <sender> has no local-part, substitute the string "postmaster"".
    let (local, sender_domain) = match args.sender.rsplit_once('@') {
        Some(("", d)) => ("postmaster".to_string(), d.to_string()),
        Some((l, d)) => (l.to_string(), d.to_string()),
        None => ("postmaster".to_string(), args.sender.clone()),
    };
    let sender = format!("{local}@{sender_domain}");
    let timestamp = opts.timestamp.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });
    let mut ev = Evaluator {
        lookup,
        opts,
        ip,
        sender,
        local,
        sender_domain,
        helo: args.helo.clone(),
        timestamp,
        lookups: 0,
        voids: 0,
        queries: 0,
    };
    let domain = args.domain.trim_end_matches('.').to_string();
    let node = if is_valid_initial_domain(&domain) {
        ev.eval_domain(domain.clone(), given.cloned(), true, 0)
            .await
    } else {
        // RFC 7208 §4.3: a malformed domain gives "none" without any DNS query.
        let mut trace = TraceNode::new(&domain);
        trace.result = SpfResult::None;
        NodeOutcome {
            result: SpfResult::None,
            explanation: None,
            cause: Cause::NoRecord,
            trace,
        }
    };
    SpfOutcome {
        domain,
        ip,
        sender: ev.sender.clone(),
        helo: args.helo.clone(),
        result: node.result,
        explanation: node.explanation,
        cause: node.cause,
        lookups: ev.lookups,
        lookup_limit: opts.max_lookups,
        void_lookups: ev.voids,
        void_limit: opts.max_void_lookups,
        dns_queries: ev.queries,
        trace: node.trace,
    }
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is evaluated as IPv4 (RFC 7208 §5).
fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// RFC 7208 §4.3: the domain must be a fully qualified domain name with labels of 1 to 63
/// characters; otherwise check_host() returns "none".
fn is_valid_initial_domain(domain: &str) -> bool {
    domain.len() <= macros::MAX_DOMAIN_LEN
        && domain.split('.').count() >= 2
        && domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// A name that a DNS query can be composed from: labels of 1 to 63 bytes, at most 253 bytes.
fn is_queryable(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= macros::MAX_DOMAIN_LEN
        && name.split('.').all(|l| !l.is_empty() && l.len() <= 63)
        // Macro expansion can put spaces (`%_`) in a name; it is still asked as it is.
        && name.bytes().all(|b| (0x20..0x7f).contains(&b))
}

struct NodeOutcome {
    result: SpfResult,
    explanation: Option<String>,
    cause: Cause,
    trace: TraceNode,
}

/// Why a mechanism ended the evaluation early.
enum Abort {
    Temp(ErrorCause),
    Perm(ErrorCause),
}

impl Abort {
    fn result(&self) -> SpfResult {
        match self {
            Abort::Temp(_) => SpfResult::Temperror,
            Abort::Perm(_) => SpfResult::Permerror,
        }
    }

    fn cause(self) -> ErrorCause {
        match self {
            Abort::Temp(c) | Abort::Perm(c) => c,
        }
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

struct Evaluator<'a> {
    lookup: &'a dyn Lookup,
    opts: &'a EvalOptions,
    ip: IpAddr,
    sender: String,
    local: String,
    sender_domain: String,
    helo: String,
    timestamp: u64,
    lookups: u32,
    voids: u32,
    queries: u32,
}

impl Evaluator<'_> {
    fn ctx<'c>(&'c self, domain: &'c str, validated: Option<&'c str>) -> MacroContext<'c> {
        MacroContext {
            sender: &self.sender,
            local_part: &self.local,
            sender_domain: &self.sender_domain,
            domain,
            ip: self.ip,
            helo: &self.helo,
            validated_name: validated,
            receiver: &self.opts.receiver,
            timestamp: self.timestamp,
        }
    }

    async fn query(&mut self, name: &str, qtype: QType) -> DnsAnswer {
        if self.queries >= MAX_QUERIES {
            return DnsAnswer::Error {
                message: "query cap reached".to_string(),
            };
        }
        self.queries += 1;
        self.lookup.query(name, qtype).await
    }

    fn step(&self, term: String) -> Step {
        Step {
            term,
            outcome: StepOutcome::NoMatch,
            detail: String::new(),
            lookups: Vec::new(),
            lookup_count: self.lookups,
            void_count: self.voids,
            nested: None,
        }
    }

    /// Counts a DNS-querying term (§4.6.4).
    fn count_lookup(&mut self) -> Result<(), Abort> {
        self.lookups += 1;
        if self.lookups > self.opts.max_lookups {
            return Err(Abort::Perm(ErrorCause::TooManyLookups {
                limit: self.opts.max_lookups,
            }));
        }
        Ok(())
    }

    /// Counts a void answer (§4.6.4).
    fn count_void(&mut self, answer: &DnsAnswer) -> Result<(), Abort> {
        if answer.is_empty_answer() {
            self.voids += 1;
            if self.voids > self.opts.max_void_lookups {
                return Err(Abort::Perm(ErrorCause::TooManyVoidLookups {
                    limit: self.opts.max_void_lookups,
                }));
            }
        }
        Ok(())
    }

    /// Expands a domain-spec to a target name (§4.8), `%{p}` looked up first when used.
    async fn target(&mut self, spec: &DomainSpec, domain: &str) -> Result<String, Abort> {
        let validated = if macros::uses_validated_name(spec) {
            self.validated_name(domain).await
        } else {
            None
        };
        let expanded = macros::expand(spec, &self.ctx(domain, validated.as_deref()), false)
            .map_err(|e| Abort::Perm(ErrorCause::Macro { error: e }))?;
        Ok(macros::truncate_domain(&expanded)
            .trim_end_matches('.')
            .to_string())
    }

    /// `%{p}` (§7.3): a validated reverse name of the client, preferring `domain` or one of its
    /// subdomains; DNS errors just leave it "unknown". Not counted against the term limit.
    async fn validated_name(&mut self, domain: &str) -> Option<String> {
        let (names, _) = self.validated_names(None).await;
        let domain = domain.to_ascii_lowercase();
        names
            .iter()
            .find(|n| is_same_or_sub(n, &domain))
            .or(names.first())
            .cloned()
    }

    /// The client's PTR names (at most 10) whose addresses include the client (§5.5).
    /// Also says whether the PTR answer itself was void.
    async fn validated_names(
        &mut self,
        mut notes: Option<&mut Vec<LookupNote>>,
    ) -> (Vec<String>, bool) {
        let rname = macros::reverse_name(self.ip);
        let answer = self.query(&rname, QType::Ptr).await;
        let ptr_void = answer.is_empty_answer();
        if let Some(n) = notes.as_mut() {
            n.push(LookupNote::new(&rname, QType::Ptr, &answer));
        }
        let ptr_names: Vec<String> = answer
            .records()
            .iter()
            .filter_map(|r| match r {
                RData::Ptr(n) => Some(n.trim_end_matches('.').to_ascii_lowercase()),
                _ => None,
            })
            .take(MAX_NAMES)
            .collect();
        let qtype = self.address_type();
        let mut validated = Vec::new();
        for name in ptr_names {
            if !is_queryable(&name) {
                continue;
            }
            let answer = self.query(&name, qtype).await;
            if let Some(n) = notes.as_mut() {
                n.push(LookupNote::new(&name, qtype, &answer));
            }
            if addresses(&answer).contains(&self.ip) {
                validated.push(name);
            }
        }
        (validated, ptr_void)
    }

    fn address_type(&self) -> QType {
        match self.ip {
            IpAddr::V4(_) => QType::A,
            IpAddr::V6(_) => QType::Aaaa,
        }
    }

    /// Fetches, selects and evaluates the record of `domain` (§4.4–§4.7).
    fn eval_domain(
        &mut self,
        domain: String,
        given: Option<SpfRecord>,
        want_explanation: bool,
        depth: u32,
    ) -> BoxFuture<'_, NodeOutcome> {
        Box::pin(async move {
            let mut trace = TraceNode::new(&domain);
            let record = match given {
                Some(r) => {
                    trace.record = Some(r.to_string());
                    r
                }
                None => match self.fetch(&domain, &mut trace).await {
                    Ok(Some(r)) => r,
                    Ok(None) => {
                        return finish(trace, SpfResult::None, None, Cause::NoRecord);
                    }
                    Err(abort) => {
                        let result = abort.result();
                        return finish(trace, result, None, Cause::Error(abort.cause()));
                    }
                },
            };
            if depth > MAX_DEPTH {
                return finish(
                    trace,
                    SpfResult::Permerror,
                    None,
                    Cause::Error(ErrorCause::TooDeep),
                );
            }
            let (result, cause, redirected_explanation) =
                self.eval_record(&domain, &record, &mut trace, depth).await;
            let explanation = match (result, redirected_explanation) {
                (SpfResult::Fail, Some(e)) => Some(e),
                (SpfResult::Fail, None)
                    if want_explanation && matches!(cause, Cause::Matched { .. }) =>
                {
                    Some(self.explanation(&domain, &record, &mut trace).await)
                }
                _ => None,
            };
            finish(trace, result, explanation, cause)
        })
    }

    /// §4.4 and §4.5: the TXT lookup and the choice of the one `v=spf1` record.
    async fn fetch(
        &mut self,
        domain: &str,
        trace: &mut TraceNode,
    ) -> Result<Option<SpfRecord>, Abort> {
        let answer = self.query(domain, QType::Txt).await;
        trace.fetch = Some(LookupNote::new(domain, QType::Txt, &answer));
        if answer.is_failure() {
            // §4.4: "If the DNS lookup returns a server failure (RCODE 2) or some other error
            // (RCODE other than 0 or 3), or if the lookup times out, then check_host()
            // terminates immediately with the result "temperror"."
            return Err(Abort::Temp(ErrorCause::Dns {
                name: domain.to_string(),
                qtype: QType::Txt,
                answer: answer.summary(),
            }));
        }
        let spf: Vec<String> = answer
            .records()
            .iter()
            .filter_map(RData::txt_joined)
            .filter(|t| is_spf_record(t))
            .collect();
        if let DnsAnswer::Records { ttl, .. } = &answer {
            trace.ttl = Some(*ttl);
        }
        match spf.len() {
            // §4.5: "If the resultant record set includes no records, check_host() produces
            // the "none" result."
            0 => Ok(None),
            1 => {
                let text = &spf[0];
                trace.record = Some(text.clone());
                text.parse::<SpfRecord>().map(Some).map_err(|error| {
                    Abort::Perm(ErrorCause::Syntax {
                        domain: domain.to_string(),
                        error,
                    })
                })
            }
            // §4.5: "If the resultant record set includes more than one record,
            // check_host() produces the "permerror" result."
            count => Err(Abort::Perm(ErrorCause::MultipleRecords {
                domain: domain.to_string(),
                count,
            })),
        }
    }

    /// §4.6 and §4.7: the directives in order, then `redirect=`, then neutral.
    async fn eval_record(
        &mut self,
        domain: &str,
        record: &SpfRecord,
        trace: &mut TraceNode,
        depth: u32,
    ) -> (SpfResult, Cause, Option<String>) {
        for (index, term) in record.terms.iter().enumerate() {
            let Term::Directive(directive) = term else {
                continue;
            };
            let text = record.term_text(index).unwrap_or_default();
            let mut step = self.step(text.clone());
            let outcome = self
                .eval_mechanism(&directive.mechanism, domain, &mut step, depth)
                .await;
            step.lookup_count = self.lookups;
            step.void_count = self.voids;
            match outcome {
                Ok(true) => {
                    step.outcome = StepOutcome::Match;
                    trace.steps.push(step);
                    let result = directive.qualifier.map_or(SpfResult::Pass, SpfResult::from);
                    let cause = Cause::Matched {
                        domain: domain.to_string(),
                        term: text,
                    };
                    return (result, cause, None);
                }
                Ok(false) => trace.steps.push(step),
                Err(abort) => {
                    step.outcome = StepOutcome::Error;
                    trace.steps.push(step);
                    return (abort.result(), Cause::Error(abort.cause()), None);
                }
            }
        }
        let Some(spec) = record.redirect() else {
            // §4.7: "If none of the mechanisms match and there is no "redirect" modifier,
            // then check_host() returns a result of "neutral"".
            return (SpfResult::Neutral, Cause::NoMatch, None);
        };
        let text = record
            .terms
            .iter()
            .position(|t| matches!(t, Term::Modifier(Modifier::Redirect { .. })))
            .and_then(|i| record.term_text(i))
            .unwrap_or_default();
        let mut step = self.step(text);
        let outcome = self.redirect(spec, domain, &mut step, depth).await;
        step.lookup_count = self.lookups;
        step.void_count = self.voids;
        match outcome {
            Ok(nested) => {
                step.outcome = StepOutcome::Followed;
                step.nested = Some(Box::new(nested.trace));
                trace.steps.push(step);
                (nested.result, nested.cause, nested.explanation)
            }
            Err(abort) => {
                step.outcome = StepOutcome::Error;
                trace.steps.push(step);
                (abort.result(), Cause::Error(abort.cause()), None)
            }
        }
    }

    /// §6.1: the result of check_host() at the redirect target; "none" there is a permerror.
    async fn redirect(
        &mut self,
        spec: &DomainSpec,
        domain: &str,
        step: &mut Step,
        depth: u32,
    ) -> Result<NodeOutcome, Abort> {
        self.count_lookup()?;
        let target = self.target(spec, domain).await?;
        step.detail = format!("→ {target}");
        if !is_queryable(&target) {
            return Err(Abort::Perm(ErrorCause::RedirectNoRecord { domain: target }));
        }
        let mut nested = self
            .eval_domain(target.clone(), None, true, depth + 1)
            .await;
        if nested.result == SpfResult::None {
            // §6.1: "if no SPF record is found, or if the <target-name> is malformed, the
            // result is a "permerror" rather than "none"."
            let cause = ErrorCause::RedirectNoRecord { domain: target };
            nested.result = SpfResult::Permerror;
            nested.cause = Cause::Error(cause);
        }
        Ok(nested)
    }

    async fn eval_mechanism(
        &mut self,
        mechanism: &Mechanism,
        domain: &str,
        step: &mut Step,
        depth: u32,
    ) -> Result<bool, Abort> {
        if mechanism.queries_dns() {
            self.count_lookup()?;
        }
        match mechanism {
            Mechanism::All => Ok(true),
            Mechanism::Ip4 { network, prefix } => {
                let net = Ipv4Net::new(*network, prefix.unwrap_or(32))
                    .unwrap_or_else(|_| Ipv4Net::from(*network));
                let hit = matches!(self.ip, IpAddr::V4(v4) if net.contains(&v4));
                step.detail = in_or_not(self.ip, &net.trunc().to_string(), hit);
                Ok(hit)
            }
            Mechanism::Ip6 { network, prefix } => {
                let net = Ipv6Net::new(*network, prefix.unwrap_or(128))
                    .unwrap_or_else(|_| Ipv6Net::from(*network));
                let hit = matches!(self.ip, IpAddr::V6(v6) if net.contains(&v6));
                step.detail = in_or_not(self.ip, &net.trunc().to_string(), hit);
                Ok(hit)
            }
            Mechanism::A { domain: spec, cidr } => {
                let target = self.optional_target(spec.as_ref(), domain).await?;
                if !is_queryable(&target) {
                    step.detail = format!("{target}: not a valid domain name");
                    return Ok(false);
                }
                let qtype = self.address_type();
                let answer = self.query(&target, qtype).await;
                step.lookups.push(LookupNote::new(&target, qtype, &answer));
                self.fail_on_dns_error(&target, qtype, &answer)?;
                self.count_void(&answer)?;
                let hit = self.ip_in(&addresses(&answer), cidr.v4, cidr.v6);
                step.detail = format!(
                    "{target} → {}; {}",
                    list_or(&addresses(&answer), answer.summary()),
                    if hit { "matches" } else { "no match" }
                );
                Ok(hit)
            }
            Mechanism::Mx { domain: spec, cidr } => {
                let target = self.optional_target(spec.as_ref(), domain).await?;
                if !is_queryable(&target) {
                    step.detail = format!("{target}: not a valid domain name");
                    return Ok(false);
                }
                let answer = self.query(&target, QType::Mx).await;
                step.lookups
                    .push(LookupNote::new(&target, QType::Mx, &answer));
                self.fail_on_dns_error(&target, QType::Mx, &answer)?;
                self.count_void(&answer)?;
                let mut hosts: Vec<(u16, String)> = answer
                    .records()
                    .iter()
                    .filter_map(|r| match r {
                        RData::Mx {
                            preference,
                            exchange,
                        } => Some((*preference, exchange.trim_end_matches('.').to_string())),
                        _ => None,
                    })
                    .collect();
                // §4.6.4: "the evaluation of each "MX" record MUST NOT result in querying more
                // than 10 address records ... If this limit is exceeded, the "mx" mechanism
                // MUST produce a "permerror" result."
                if hosts.len() > MAX_NAMES {
                    return Err(Abort::Perm(ErrorCause::TooManyMxRecords {
                        domain: target,
                        count: hosts.len(),
                    }));
                }
                hosts.sort();
                let qtype = self.address_type();
                for (_, host) in &hosts {
                    if !is_queryable(host) {
                        continue;
                    }
                    let answer = self.query(host, qtype).await;
                    step.lookups.push(LookupNote::new(host, qtype, &answer));
                    self.fail_on_dns_error(host, qtype, &answer)?;
                    if self.ip_in(&addresses(&answer), cidr.v4, cidr.v6) {
                        step.detail = format!("{target} MX {host} → {}; matches", self.ip);
                        return Ok(true);
                    }
                }
                let names: Vec<&str> = hosts.iter().map(|(_, h)| h.as_str()).collect();
                step.detail = if names.is_empty() {
                    format!("{target}: no MX hosts ({})", answer.summary())
                } else {
                    format!("{target} MX {}: none has {}", names.join(", "), self.ip)
                };
                Ok(false)
            }
            Mechanism::Ptr { domain: spec } => {
                let target = self
                    .optional_target(spec.as_ref(), domain)
                    .await?
                    .to_ascii_lowercase();
                let rname = macros::reverse_name(self.ip);
                let mut notes = Vec::new();
                let (names, ptr_answer_void) = self.validated_names(Some(&mut notes)).await;
                // §5.5: "If a DNS error occurs while doing the PTR RR lookup, then this
                // mechanism fails to match." Void answers still count.
                step.lookups = notes;
                if ptr_answer_void {
                    self.count_void(&DnsAnswer::NoData)?;
                }
                let hit = names.iter().find(|n| is_same_or_sub(n, &target));
                step.detail = match hit {
                    Some(n) => format!("{rname} → {n}, validated, within {target}"),
                    None if names.is_empty() => format!("{}: no validated name", self.ip),
                    None => format!("validated {} not within {target}", names.join(", ")),
                };
                Ok(hit.is_some())
            }
            Mechanism::Exists { domain: spec } => {
                let target = self.target(spec, domain).await?;
                if !is_queryable(&target) {
                    step.detail = format!("{target}: not a valid domain name");
                    return Ok(false);
                }
                // §5.7: "The lookup type is A even when the connection type is IPv6."
                let answer = self.query(&target, QType::A).await;
                step.lookups
                    .push(LookupNote::new(&target, QType::A, &answer));
                self.fail_on_dns_error(&target, QType::A, &answer)?;
                self.count_void(&answer)?;
                let hit = !answer.records().is_empty();
                step.detail = format!("{target} → {}", answer.summary());
                Ok(hit)
            }
            Mechanism::Include { domain: spec } => {
                let target = self.target(spec, domain).await?;
                step.detail = format!("→ {target}");
                if !is_queryable(&target) {
                    return Err(Abort::Perm(ErrorCause::IncludeNoRecord { domain: target }));
                }
                let nested = self
                    .eval_domain(target.clone(), None, false, depth + 1)
                    .await;
                let result = nested.result;
                let cause = nested.cause;
                step.nested = Some(Box::new(nested.trace));
                // §5.2: the include result table.
                match result {
                    SpfResult::Pass => Ok(true),
                    SpfResult::Fail | SpfResult::Softfail | SpfResult::Neutral => Ok(false),
                    SpfResult::Temperror => Err(Abort::Temp(error_of(cause))),
                    SpfResult::Permerror => Err(Abort::Perm(error_of(cause))),
                    SpfResult::None => {
                        Err(Abort::Perm(ErrorCause::IncludeNoRecord { domain: target }))
                    }
                }
            }
        }
    }

    async fn optional_target(
        &mut self,
        spec: Option<&DomainSpec>,
        domain: &str,
    ) -> Result<String, Abort> {
        match spec {
            Some(spec) => self.target(spec, domain).await,
            None => Ok(domain.to_string()),
        }
    }

    fn fail_on_dns_error(&self, name: &str, qtype: QType, answer: &DnsAnswer) -> Result<(), Abort> {
        if answer.is_failure() {
            return Err(Abort::Temp(ErrorCause::Dns {
                name: name.to_string(),
                qtype,
                answer: answer.summary(),
            }));
        }
        Ok(())
    }

    fn ip_in(&self, addrs: &[IpAddr], v4: Option<u8>, v6: Option<u8>) -> bool {
        addrs.iter().any(|addr| match (self.ip, addr) {
            (IpAddr::V4(ip), IpAddr::V4(a)) => Ipv4Net::new(*a, v4.unwrap_or(32))
                .map(|n| n.contains(&ip))
                .unwrap_or(false),
            (IpAddr::V6(ip), IpAddr::V6(a)) => Ipv6Net::new(*a, v6.unwrap_or(128))
                .map(|n| n.contains(&ip))
                .unwrap_or(false),
            _ => false,
        })
    }

    /// §6.2: the explanation of a fail; any problem with `exp=` gives the default.
    async fn explanation(
        &mut self,
        domain: &str,
        record: &SpfRecord,
        trace: &mut TraceNode,
    ) -> String {
        if let Some(spec) = record.exp() {
            let index = record
                .terms
                .iter()
                .position(|t| matches!(t, Term::Modifier(Modifier::Exp { .. })));
            let mut step = self.step(index.and_then(|i| record.term_text(i)).unwrap_or_default());
            let text = self.exp_text(spec, domain, &mut step).await;
            step.outcome = StepOutcome::Followed;
            step.lookup_count = self.lookups;
            step.void_count = self.voids;
            trace.steps.push(step);
            if let Some(text) = text {
                return text;
            }
        }
        let default = parse_macro_string(&self.opts.default_explanation).unwrap_or_default();
        let text = macros::expand(&default, &self.ctx(domain, None), true).unwrap_or_default();
        clean_explanation(&text)
    }

    async fn exp_text(
        &mut self,
        spec: &DomainSpec,
        domain: &str,
        step: &mut Step,
    ) -> Option<String> {
        let target = self.target(spec, domain).await.ok()?;
        if !is_queryable(&target) {
            step.detail = format!("{target}: not a valid domain name");
            return None;
        }
        let answer = self.query(&target, QType::Txt).await;
        step.lookups
            .push(LookupNote::new(&target, QType::Txt, &answer));
        // §6.2: "If there are any DNS processing errors (any RCODE other than 0), or if no
        // records are returned, or if more than one record is returned, or if there are syntax
        // errors in the explanation string, then proceed as if no "exp" modifier was given."
        let [record] = answer.records() else {
            step.detail = format!("{target}: {}; default explanation", answer.summary());
            return None;
        };
        let RData::Txt(strings) = record else {
            return None;
        };
        let bytes = strings.concat();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            step.detail = "explanation is not ASCII; default explanation".to_string();
            return None;
        };
        if !text.is_ascii() {
            step.detail = "explanation is not ASCII; default explanation".to_string();
            return None;
        }
        let Ok(string) = parse_macro_string(text) else {
            step.detail = "explanation has a macro error; default explanation".to_string();
            return None;
        };
        let validated = if macros::uses_validated_name(&string) {
            self.validated_name(domain).await
        } else {
            None
        };
        let expanded =
            macros::expand(&string, &self.ctx(domain, validated.as_deref()), true).ok()?;
        step.detail = format!("{target}: explanation found");
        Some(clean_explanation(&expanded))
    }
}

fn finish(
    mut trace: TraceNode,
    result: SpfResult,
    explanation: Option<String>,
    cause: Cause,
) -> NodeOutcome {
    trace.result = result;
    if let Cause::Error(e) = &cause {
        trace.error = Some(e.clone());
    }
    NodeOutcome {
        result,
        explanation,
        cause,
        trace,
    }
}

fn error_of(cause: Cause) -> ErrorCause {
    match cause {
        Cause::Error(e) => e,
        _ => ErrorCause::TooDeep,
    }
}

/// Keeps an explanation printable and short: it ends up in an SMTP reply.
fn clean_explanation(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(macros::MAX_EXPLANATION_LEN)
        .collect()
}

fn is_same_or_sub(name: &str, domain: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    name == domain || name.ends_with(&format!(".{domain}"))
}

fn addresses(answer: &DnsAnswer) -> Vec<IpAddr> {
    answer.addresses().collect()
}

fn list_or(addrs: &[IpAddr], otherwise: String) -> String {
    if addrs.is_empty() {
        return otherwise;
    }
    let shown: Vec<String> = addrs
        .iter()
        .take(super::trace::MAX_LISTED)
        .map(|a| a.to_string())
        .collect();
    let more = addrs.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} (+{more})", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn in_or_not(ip: IpAddr, net: &str, hit: bool) -> String {
    if hit {
        format!("{ip} in {net}")
    } else {
        format!("{ip} not in {net}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spf::testzone::{Zone, block, zone};

    fn run(z: &Zone, ip: &str, domain: &str) -> SpfOutcome {
        let args = CheckHost::mail_from(
            ip.parse().unwrap(),
            &format!("user@{domain}"),
            "helo.example",
        );
        block(check_host(z, &args, &EvalOptions::default()))
    }

    #[test]
    fn lookup_limit_counts_across_includes() {
        // example.com → i0 → i1 → ... → i12: a chain of 13 includes.
        let mut rows = vec![(
            "example.com".to_string(),
            "TXT".to_string(),
            "v=spf1 include:i0.example.com -all".to_string(),
        )];
        for i in 0..12 {
            rows.push((
                format!("i{i}.example.com"),
                "TXT".to_string(),
                format!("v=spf1 include:i{}.example.com", i + 1),
            ));
        }
        let z = Zone(rows);
        let out = run(&z, "192.0.2.1", "example.com");
        assert_eq!(out.result, SpfResult::Permerror);
        assert_eq!(
            out.cause,
            Cause::Error(ErrorCause::TooManyLookups { limit: 10 })
        );
        assert_eq!(out.lookups, 11);
        // The trace nests one node per include, down to where the limit was hit.
        let mut depth = 0;
        let mut node = &out.trace;
        while let Some(next) = node.steps.first().and_then(|s| s.nested.as_deref()) {
            depth += 1;
            node = next;
        }
        assert_eq!(depth, 10);
    }

    #[test]
    fn include_loop_is_bounded() {
        let z = zone(&[
            ("a.example", "TXT", "v=spf1 include:b.example -all"),
            ("b.example", "TXT", "v=spf1 include:a.example"),
        ]);
        let out = run(&z, "192.0.2.1", "a.example");
        assert_eq!(out.result, SpfResult::Permerror);
        assert!(out.dns_queries <= 12, "{}", out.dns_queries);
    }

    #[test]
    fn void_limit() {
        let z = zone(&[(
            "v.example",
            "TXT",
            "v=spf1 a:n1.v.example a:n2.v.example exists:n3.v.example ?all",
        )]);
        let out = run(&z, "192.0.2.1", "v.example");
        assert_eq!(out.result, SpfResult::Permerror);
        assert_eq!(
            out.cause,
            Cause::Error(ErrorCause::TooManyVoidLookups { limit: 2 })
        );
        assert_eq!(out.void_lookups, 3);
    }

    #[test]
    fn mx_name_limit_and_dns_errors() {
        let mut rows: Vec<(String, String, String)> = (0..11)
            .map(|i| {
                (
                    "m.example".into(),
                    "MX".into(),
                    format!("{i} mx{i}.m.example"),
                )
            })
            .collect();
        rows.push(("m.example".into(), "TXT".into(), "v=spf1 mx -all".into()));
        rows.push((
            "t.example".into(),
            "TXT".into(),
            "v=spf1 a:slow.example -all".into(),
        ));
        rows.push(("slow.example".into(), "TIMEOUT".into(), String::new()));
        let z = Zone(rows);
        let out = run(&z, "192.0.2.1", "m.example");
        assert!(matches!(
            out.cause,
            Cause::Error(ErrorCause::TooManyMxRecords { count: 11, .. })
        ));
        let out = run(&z, "192.0.2.1", "t.example");
        assert_eq!(out.result, SpfResult::Temperror);
    }

    #[test]
    fn mapped_ipv6_is_ipv4_and_trace_says_why() {
        let z = zone(&[
            ("p.example", "TXT", "v=spf1 ip4:192.0.2.0/24 -all"),
            ("q.example", "TXT", "v=spf1 a:mail.q.example -all"),
            ("mail.q.example", "A", "198.51.100.7"),
        ]);
        let out = run(&z, "::ffff:192.0.2.9", "p.example");
        assert_eq!(out.result, SpfResult::Pass);
        assert_eq!(out.trace.steps[0].detail, "192.0.2.9 in 192.0.2.0/24");
        let out = run(&z, "192.0.2.9", "q.example");
        assert_eq!(out.result, SpfResult::Fail);
        assert_eq!(out.trace.steps[0].lookups[0].data, vec!["198.51.100.7"]);
        assert_eq!(
            out.trace.record.as_deref(),
            Some("v=spf1 a:mail.q.example -all")
        );
        assert_eq!(out.trace.ttl, Some(300));
        let json = serde_json::to_value(&out).unwrap();
        for key in [
            "domain",
            "ip",
            "result",
            "explanation",
            "lookups",
            "void_lookups",
            "trace",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(
            out.explanation.as_deref(),
            Some("q.example does not authorize 192.0.2.9 to send mail")
        );
    }

    #[test]
    fn a_modified_record_is_re_evaluated() {
        let z = zone(&[
            ("f.example", "TXT", "v=spf1 -all"),
            ("_spf.esp.example", "TXT", "v=spf1 ip4:203.0.113.0/24 -all"),
        ]);
        let args = CheckHost::mail_from("203.0.113.5".parse().unwrap(), "x@f.example", "h");
        let out = block(check_host(&z, &args, &EvalOptions::default()));
        assert_eq!(out.result, SpfResult::Fail);
        let mut record: SpfRecord = "v=spf1 -all".parse().unwrap();
        record.insert_before_all("include:_spf.esp.example".parse().unwrap());
        let out = block(check_record(&z, &record, &args, &EvalOptions::default()));
        assert_eq!(out.result, SpfResult::Pass);
        assert_eq!(
            out.trace.record.as_deref(),
            Some("v=spf1 include:_spf.esp.example -all")
        );
    }

    #[test]
    fn several_records_and_spf10() {
        let z = zone(&[
            ("two.example", "TXT", "v=spf1 -all"),
            ("two.example", "TXT", "v=spf1 +all"),
            ("ten.example", "TXT", "v=spf10 +all"),
        ]);
        assert_eq!(
            run(&z, "192.0.2.1", "two.example").result,
            SpfResult::Permerror
        );
        assert_eq!(run(&z, "192.0.2.1", "ten.example").result, SpfResult::None);
    }
}
