//! The check stage: live DNS checks of a bounce's sender. Independent checks run concurrently,
//! and each degrades to a result about its own failure rather than aborting the others. Only
//! bounces about authentication or reverse DNS are checked: a full mailbox needs no DNS.

pub mod nameservers;
pub mod requirements;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::bounce::{Bounce, Source, is_usable_ip};
use crate::classify::{Classification, Reason};
use crate::diagnose::providers::{self, PROVIDERS};
use crate::dkim::{self, DkimCheck};
use crate::dmarc::{self, DmarcCheck};
use crate::dns::{DnsAnswer, Lookup, QType, RData, Resolver};
use crate::rdns::{self, RdnsCheck};
use crate::spf::{self, CheckHost, EvalOptions, LintReport, SpfOutcome, SpfResult};

use nameservers::{NameserverCheck, NameserverCheckError, Transport};

/// MX hosts of the sender domain whose addresses are looked up (hostile MX sets).
const MAX_MX_HOSTS: usize = 10;
/// Domains related to the sending IP (its PTR name's, the MX hosts') whose SPF is tried.
const MAX_RELATED_DOMAINS: usize = 6;

/// Which identity SPF checked (RFC 7208 §2.3, §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    MailFrom,
    Helo,
}

/// What is checked: the sender's identities and the IP, with where each came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The MAIL FROM domain (the one the receiver named, when it named one).
    pub domain: Option<String>,
    /// The MAIL FROM address, when known.
    pub mail_from: Option<String>,
    pub helo: Option<String>,
    pub ip: Option<IpAddr>,
    /// Where the IP came from: the receiver's text, the returned headers, or `resolved` from
    /// the reporting server's name.
    pub ip_source: Option<Source>,
    /// The identity the receiver evidently checked: HELO when its text names the HELO name.
    pub identity_used: Option<Identity>,
}

/// Whether the sender domain exists, from its SOA question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DomainStatus {
    Exists,
    /// NXDOMAIN: expired, deleted or misspelt.
    Missing,
    /// DNS failed; nothing is known.
    Unknown {
        answer: String,
    },
}

/// SPF for one identity.
#[derive(Debug, Clone, Serialize)]
pub struct SpfIdentityCheck {
    pub identity: Identity,
    pub outcome: SpfOutcome,
}

/// An address the sender domain itself uses (its A/AAAA, or one of its MX hosts').
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnAddress {
    pub host: String,
    /// `a` for the domain's own address, `mx` for an MX host's.
    pub via: String,
    pub ip: IpAddr,
}

/// A sending service from the catalog whose SPF include authorises the IP, or whose server the
/// IP's PTR name names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderMatch {
    pub name: String,
    pub include: String,
    /// True when the IP's PTR name is one of the provider's server names.
    pub named_by_ptr: bool,
    /// The result of `v=spf1 include:<include> -all` for the IP.
    pub result: SpfResult,
}

/// The SPF of a domain related to the sending IP (the PTR name's organizational domain, or an
/// MX host's), evaluated for the IP: finds the hosting company missing from the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedSpf {
    pub domain: String,
    /// `ptr_name` or `mx_host`.
    pub why: String,
    pub result: SpfResult,
}

/// Everything the live checks found for one bounce.
#[derive(Debug, Clone, Serialize)]
pub struct Checks {
    pub subject: Subject,
    /// False when no DNS server answered at all: only the offline diagnosis stands.
    pub dns_reachable: bool,
    pub domain_status: Option<DomainStatus>,
    pub spf: Vec<SpfIdentityCheck>,
    pub spf_lint: Option<LintReport>,
    pub rdns: Option<RdnsCheck>,
    pub own_addresses: Vec<OwnAddress>,
    pub providers: Vec<ProviderMatch>,
    pub related_spf: Vec<RelatedSpf>,
    pub nameservers: Option<Result<NameserverCheck, NameserverCheckError>>,
    pub dkim: Option<DkimCheck>,
    pub dmarc: Option<DmarcCheck>,
    /// DNS questions sent for this bounce's checks.
    pub dns_queries: u64,
    /// The receiver rules the bounce named that need several checks, each requirement met or
    /// not (filled by [`requirements::evaluate_rules`] once the bounce is classified).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<requirements::RuleRequirements>,
}

/// Knobs of the check stage.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The port the domain's authoritative name servers are asked on (53; tests use others).
    pub nameserver_port: u16,
    /// How long to wait for each authoritative server's answer.
    pub nameserver_timeout: Duration,
    /// Whether to ask the authoritative servers directly (not in zone-only mode).
    pub check_nameservers: bool,
    /// The Unix time DKIM `x=` expiry is judged against.
    pub now: u64,
}

/// Which checks a bounce calls for, from its classification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wanted {
    /// SPF, DKIM, DMARC (and reverse DNS, which receivers check alongside).
    pub auth: bool,
    /// Reverse DNS alone.
    pub rdns: bool,
}

impl Wanted {
    pub fn any(self) -> bool {
        self.auth || self.rdns
    }
}

/// Authentication checks for an authfailure (or a text naming SPF, DKIM or DMARC); reverse
/// DNS for a requireptr. Nothing for the rest: their remedy needs no DNS.
pub fn wanted(bounce: &Bounce, classifications: &[Classification]) -> Wanted {
    let mut wanted = Wanted::default();
    for (recipient, class) in bounce.recipients.iter().zip(classifications) {
        let text = recipient
            .diagnostic
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if class.reason == Reason::AuthFailure
            || !class.auth_failed.is_empty()
            || ["spf", "dkim", "dmarc"].iter().any(|w| text.contains(w))
        {
            wanted.auth = true;
        }
        if class.reason == Reason::RequirePtr {
            wanted.rdns = true;
        }
    }
    wanted
}

/// The identities and IP to check: the receiver's own words win; with no IP in the bounce, the
/// reporting server's address (resolved) is the likely sender; a Received-header address
/// comes last.
pub async fn subject(resolver: &dyn Lookup, bounce: &Bounce) -> Subject {
    let domain = bounce.sender.as_ref().map(|s| s.domain.clone());
    let mail_from = bounce.sender.as_ref().and_then(|s| s.address.clone());
    let named = bounce
        .sending_ip
        .as_ref()
        .filter(|s| s.source == Source::DiagnosticText)
        .map(|s| (s.ip, s.source));
    let resolved = match (named, &bounce.reporting_mta) {
        (None, Some(mta)) => resolve_public(resolver, mta)
            .await
            .map(|ip| (ip, Source::Resolved)),
        _ => None,
    };
    let (ip, ip_source) = named
        .or(resolved)
        .or_else(|| bounce.sending_ip.as_ref().map(|s| (s.ip, s.source)))
        .unzip();
    // A HELO read from a Received field belongs to the address in that field: checked only
    // with that address, never with one the receiver named or the reporting server's.
    let helo = bounce
        .helo
        .as_ref()
        .filter(|h| {
            h.source != Source::ReturnedHeaders || ip_source == Some(Source::ReturnedHeaders)
        })
        .map(|h| h.value.clone());
    let texts: String = bounce
        .recipients
        .iter()
        .filter_map(|r| r.diagnostic.as_deref())
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let identity_used = match (&helo, &domain) {
        (Some(h), d)
            if d.as_deref() != Some(h.as_str()) && texts.contains(&h.to_ascii_lowercase()) =>
        {
            Some(Identity::Helo)
        }
        (_, Some(_)) => Some(Identity::MailFrom),
        _ => None,
    };
    Subject {
        domain,
        mail_from,
        helo,
        ip,
        ip_source,
        identity_used,
    }
}

/// The first public address of `host` (A, then AAAA).
async fn resolve_public(lookup: &dyn Lookup, host: &str) -> Option<IpAddr> {
    let host = host.trim().trim_end_matches('.');
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return is_usable_ip(&ip).then_some(ip);
    }
    crate::dns::host_addresses(lookup, host)
        .await
        .into_iter()
        .find(is_usable_ip)
}

/// Runs the checks `wanted` calls for.
pub async fn run(
    resolver: &Resolver,
    bounce: &Bounce,
    wanted: Wanted,
    options: &CheckOptions,
) -> Checks {
    let before = resolver.queries_sent();
    let subject = subject(resolver, bounce).await;
    let mut checks = Checks {
        subject: subject.clone(),
        dns_reachable: true,
        domain_status: None,
        spf: Vec::new(),
        spf_lint: None,
        rdns: None,
        own_addresses: Vec::new(),
        providers: Vec::new(),
        related_spf: Vec::new(),
        nameservers: None,
        dkim: None,
        dmarc: None,
        dns_queries: 0,
        requirements: Vec::new(),
    };
    if !reachable(resolver, subject.domain.as_deref()).await {
        checks.dns_reachable = false;
        checks.dns_queries = resolver.queries_sent() - before;
        return checks;
    }
    let lookup: &dyn Lookup = resolver;
    let domain = subject.domain.clone();
    let rdns_check = async {
        match subject.ip {
            Some(ip) if wanted.any() => Some(rdns::check(lookup, ip).await),
            _ => None,
        }
    };
    if !wanted.auth {
        checks.rdns = rdns_check.await;
        checks.dns_queries = resolver.queries_sent() - before;
        return checks;
    }
    let status = async {
        match &domain {
            Some(d) => Some(domain_status(lookup, d).await),
            None => None,
        }
    };
    let spf_checks = spf_identities(lookup, &subject);
    let lint = async {
        match &domain {
            Some(d) => Some(spf::lint_domain(lookup, d).await),
            None => None,
        }
    };
    let own = async {
        match &domain {
            Some(d) => own_addresses(lookup, d).await,
            None => Vec::new(),
        }
    };
    let ns = async {
        match &domain {
            Some(d) if options.check_nameservers && !resolver.is_zone_only() => {
                Some(nameserver_check(resolver, d, options).await)
            }
            _ => None,
        }
    };
    let dkim_check = dkim::check(lookup, bounce, options.now);
    let (status, spf_checks, lint, rdns_result, own, ns, dkim_result) =
        tokio::join!(status, spf_checks, lint, rdns_check, own, ns, dkim_check);
    checks.domain_status = status;
    checks.spf = spf_checks;
    checks.spf_lint = lint;
    checks.rdns = rdns_result;
    checks.own_addresses = own;
    checks.nameservers = ns;

    // DMARC needs to know which identities passed.
    if let Some(from) = bounce.from_domain.as_ref().or(domain.as_ref()) {
        let spf_domain = checks
            .spf
            .iter()
            .find(|c| c.identity == Identity::MailFrom && c.outcome.result == SpfResult::Pass)
            .map(|c| c.outcome.domain.clone());
        let dkim_domains = passing_dkim_domains(&dkim_result);
        checks.dmarc = Some(dmarc::check(lookup, from, spf_domain.as_deref(), &dkim_domains).await);
    }
    checks.dkim = Some(dkim_result);

    // Who should have authorised the IP: only asked when the MAIL FROM check did not pass.
    let mail_from_passes = checks
        .spf
        .iter()
        .any(|c| c.identity == Identity::MailFrom && c.outcome.result == SpfResult::Pass);
    if let (Some(ip), Some(d), false) = (subject.ip, &domain, mail_from_passes) {
        let ptr_names: Vec<String> = checks
            .rdns
            .as_ref()
            .map(|r| r.names.iter().map(|n| n.name.clone()).collect())
            .unwrap_or_default();
        checks.providers = provider_matches(resolver, ip, &ptr_names).await;
        if !checks.providers.iter().any(|p| p.result == SpfResult::Pass) {
            checks.related_spf =
                related_spf(resolver, ip, d, &ptr_names, &checks.own_addresses).await;
        }
    }
    checks.dns_queries = resolver.queries_sent() - before;
    checks
}

/// Whether any DNS server answers: the sender domain's SOA, else the root's NS.
async fn reachable(lookup: &dyn Lookup, domain: Option<&str>) -> bool {
    let first = match domain {
        Some(d) => lookup.query(d, QType::Soa).await,
        None => DnsAnswer::Timeout,
    };
    if !matches!(first, DnsAnswer::Timeout | DnsAnswer::Error { .. }) {
        return true;
    }
    !matches!(
        lookup.query(".", QType::Ns).await,
        DnsAnswer::Timeout | DnsAnswer::Error { .. }
    )
}

async fn domain_status(lookup: &dyn Lookup, domain: &str) -> DomainStatus {
    match lookup.query(domain, QType::Soa).await {
        DnsAnswer::NxDomain => DomainStatus::Missing,
        DnsAnswer::Records { .. } | DnsAnswer::NoData => DomainStatus::Exists,
        other => DomainStatus::Unknown {
            answer: other.summary(),
        },
    }
}

/// check_host for the MAIL FROM identity, and for the HELO identity when the bounce gives one.
async fn spf_identities(lookup: &dyn Lookup, subject: &Subject) -> Vec<SpfIdentityCheck> {
    let Some(ip) = subject.ip else {
        return Vec::new();
    };
    let helo = subject.helo.clone().unwrap_or_default();
    let mut out = Vec::new();
    if let Some(domain) = &subject.domain {
        let sender = subject
            .mail_from
            .clone()
            .unwrap_or_else(|| format!("postmaster@{domain}"));
        let args = CheckHost {
            ip,
            domain: domain.clone(),
            sender,
            helo: helo.clone(),
        };
        out.push(SpfIdentityCheck {
            identity: Identity::MailFrom,
            outcome: spf::check_host(lookup, &args, &EvalOptions::default()).await,
        });
    }
    if let Some(h) = subject.helo.as_ref().filter(|h| h.contains('.')) {
        let args = CheckHost {
            ip,
            domain: h.clone(),
            sender: format!("postmaster@{h}"),
            helo: h.clone(),
        };
        out.push(SpfIdentityCheck {
            identity: Identity::Helo,
            outcome: spf::check_host(lookup, &args, &EvalOptions::default()).await,
        });
    }
    out
}

/// The domain's own addresses: A/AAAA of the domain, and of each of its MX hosts.
async fn own_addresses(lookup: &dyn Lookup, domain: &str) -> Vec<OwnAddress> {
    let mut hosts = vec![(domain.to_string(), "a")];
    for record in lookup
        .query(domain, QType::Mx)
        .await
        .records()
        .iter()
        .take(MAX_MX_HOSTS)
    {
        if let RData::Mx { exchange, .. } = record {
            hosts.push((exchange.trim_end_matches('.').to_ascii_lowercase(), "mx"));
        }
    }
    let mut out = Vec::new();
    for (host, via) in hosts {
        for ip in crate::dns::host_addresses(lookup, &host).await {
            out.push(OwnAddress {
                host: host.clone(),
                via: via.to_string(),
                ip,
            });
        }
    }
    out
}

fn passing_dkim_domains(check: &DkimCheck) -> Vec<String> {
    match &check.verification {
        Some(v) => v
            .signatures
            .iter()
            .filter(|s| s.result == dkim::DkimResult::Pass)
            .filter_map(|s| s.domain.clone())
            .collect(),
        None => Vec::new(),
    }
}

/// `v=spf1 include:<domain> -all` evaluated for `ip`: does `domain`'s SPF authorise it?
async fn authorises(lookup: &dyn Lookup, ip: IpAddr, domain: &str) -> SpfResult {
    let Ok(record) = format!("v=spf1 include:{domain} -all").parse::<spf::SpfRecord>() else {
        return SpfResult::Permerror;
    };
    let args = CheckHost {
        ip,
        domain: domain.to_string(),
        sender: format!("postmaster@{domain}"),
        helo: String::new(),
    };
    spf::check_record(lookup, &record, &args, &EvalOptions::default())
        .await
        .result
}

/// The catalog's providers that authorise `ip`: the one the PTR name names, or else every
/// provider's include tried concurrently.
async fn provider_matches(
    resolver: &Resolver,
    ip: IpAddr,
    ptr_names: &[String],
) -> Vec<ProviderMatch> {
    let named: Vec<&'static providers::Provider> = ptr_names
        .iter()
        .filter_map(|n| providers::by_ptr_name(n))
        .collect();
    let candidates: Vec<(&'static providers::Provider, bool)> = if named.is_empty() {
        PROVIDERS.iter().map(|p| (p, false)).collect()
    } else {
        named.into_iter().map(|p| (p, true)).collect()
    };
    let mut tasks = tokio::task::JoinSet::new();
    for (index, (provider, by_ptr)) in candidates.into_iter().enumerate() {
        let resolver = resolver.clone();
        tasks.spawn(async move {
            let result = authorises(&resolver, ip, provider.include).await;
            (index, provider, by_ptr, result)
        });
    }
    let mut found = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, provider, by_ptr, result)) = joined
            && (by_ptr || result == SpfResult::Pass)
        {
            {
                found.push((
                    index,
                    ProviderMatch {
                        name: provider.name.to_string(),
                        include: provider.include.to_string(),
                        named_by_ptr: by_ptr,
                        result,
                    },
                ));
            }
        }
    }
    found.sort_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, m)| m).collect()
}

/// The SPF of domains related to the IP, for a hosting company the catalog lacks: the PTR
/// names' organizational domains and the sender's MX hosts' organizational domains (not the
/// sender's own), each as `_spf.`/`spf.` below it and as itself, in that order of preference.
async fn related_spf(
    resolver: &Resolver,
    ip: IpAddr,
    domain: &str,
    ptr_names: &[String],
    own: &[OwnAddress],
) -> Vec<RelatedSpf> {
    let own_org = dmarc::organizational_domain(domain);
    let mut orgs: Vec<(String, &'static str)> = Vec::new();
    let mx_hosts = own
        .iter()
        .filter(|a| a.via == "mx")
        .map(|a| a.host.as_str());
    let sources = ptr_names
        .iter()
        .map(|n| (n.as_str(), "ptr_name"))
        .chain(mx_hosts.map(|h| (h, "mx_host")));
    for (name, why) in sources {
        let org = dmarc::organizational_domain(name.trim_end_matches('.'));
        if org != own_org && org.contains('.') && !orgs.iter().any(|(o, _)| *o == org) {
            orgs.push((org, why));
        }
    }
    orgs.truncate(MAX_RELATED_DOMAINS);
    let mut tasks = tokio::task::JoinSet::new();
    let mut index = 0;
    for (org, why) in orgs {
        // The record a company publishes for its customers (`_spf.`, `spf.`) before its own,
        // which may also cover its office mail.
        for candidate in [format!("_spf.{org}"), format!("spf.{org}"), org.clone()] {
            let resolver = resolver.clone();
            index += 1;
            let order = index;
            tasks.spawn(async move {
                let result = authorises(&resolver, ip, &candidate).await;
                (order, candidate, why, result)
            });
        }
    }
    let mut found = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok((order, domain, why, result)) = joined
            && result == SpfResult::Pass
        {
            {
                found.push((
                    order,
                    RelatedSpf {
                        domain,
                        why: why.to_string(),
                        result,
                    },
                ));
            }
        }
    }
    found.sort_by_key(|(o, _)| *o);
    found.into_iter().map(|(_, r)| r).collect()
}

async fn nameserver_check(
    resolver: &Resolver,
    domain: &str,
    options: &CheckOptions,
) -> Result<NameserverCheck, NameserverCheckError> {
    let timeout = options.nameserver_timeout;
    let factory = move |addr, transport| -> Arc<dyn Lookup> {
        let t = match transport {
            Transport::Udp => crate::dns::Transport::UdpOnly,
            Transport::Tcp => crate::dns::Transport::TcpOnly,
        };
        match Resolver::for_server_with(addr, timeout, t) {
            Ok(r) => Arc::new(r),
            Err(e) => Arc::new(FailingLookup(e.to_string())),
        }
    };
    nameservers::check(resolver, &factory, domain, options.nameserver_port).await
}

/// Answers every question with an error: stands in for a server a resolver could not be
/// built for.
struct FailingLookup(String);

impl Lookup for FailingLookup {
    fn query<'a>(&'a self, _name: &'a str, _qtype: QType) -> crate::dns::DnsFuture<'a> {
        let message = self.0.clone();
        Box::pin(async move { DnsAnswer::Error { message } })
    }
}
