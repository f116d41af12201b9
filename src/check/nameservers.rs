//! Asks every authoritative name server of a domain directly, over UDP and over TCP, for the
//! domain's SPF record and the zone's SOA serial. Differing answers, or a server that fails on
//! one transport, explain "I changed the record and it still bounces": receivers ask whichever
//! server they pick.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use serde::Serialize;

use crate::dns::{DnsAnswer, Lookup, QType, RData};

/// How many name servers, and addresses per server, are asked at most (hostile NS sets).
const MAX_SERVERS: usize = 8;
const MAX_ADDRESSES_PER_SERVER: usize = 2;
/// How many labels up from the domain to look for the zone's NS records.
const MAX_ZONE_WALK: usize = 6;

/// The transport one answer came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Udp,
    Tcp,
}

/// What one server said over one transport.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerAnswer {
    /// The NS name, e.g. `ns1.example.com`.
    pub server: String,
    pub address: IpAddr,
    pub transport: Transport,
    /// The SPF records it serves for the domain (sorted), or what went wrong.
    pub spf: Result<Vec<String>, String>,
    /// The zone's SOA serial, or what went wrong.
    pub serial: Result<u32, String>,
}

/// Whether the authoritative servers agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameserverCheck {
    pub domain: String,
    /// The zone whose NS records were used.
    pub zone: String,
    pub answers: Vec<ServerAnswer>,
    /// True when every server answered, on both transports, with the same SPF records and serial.
    pub agree: bool,
    /// Human-readable differences: which server serves what.
    pub differences: Vec<String>,
}

/// Why the check could not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum NameserverCheckError {
    /// No NS records were found for the domain or any parent.
    NoNameservers,
    /// The NS names resolved to no address.
    NoAddresses { zone: String },
}

/// Makes a resolver that asks only the server at `addr`, over the given transport.
pub type ServerLookupFactory = dyn Fn(SocketAddr, Transport) -> Arc<dyn Lookup> + Send + Sync;

/// Runs the check. `lookup` finds the NS set and addresses; `per_server` asks each server;
/// `port` is the port the servers listen on (53 in real life).
pub async fn check(
    lookup: &dyn Lookup,
    per_server: &ServerLookupFactory,
    domain: &str,
    port: u16,
) -> Result<NameserverCheck, NameserverCheckError> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let (zone, ns_names) = find_nameservers(lookup, &domain)
        .await
        .ok_or(NameserverCheckError::NoNameservers)?;
    let mut targets = Vec::new();
    for ns in ns_names.iter().take(MAX_SERVERS) {
        let addresses = crate::dns::host_addresses(lookup, ns).await;
        for address in addresses.into_iter().take(MAX_ADDRESSES_PER_SERVER) {
            targets.push((ns.clone(), address));
        }
    }
    if targets.is_empty() {
        return Err(NameserverCheckError::NoAddresses { zone });
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (server, address) in targets {
        for transport in [Transport::Udp, Transport::Tcp] {
            let resolver = per_server(SocketAddr::new(address, port), transport);
            let (server, domain, zone) = (server.clone(), domain.clone(), zone.clone());
            tasks.spawn(async move {
                let spf = spf_records(&resolver.query(&domain, QType::Txt).await);
                let serial = soa_serial(&resolver.query(&zone, QType::Soa).await);
                ServerAnswer {
                    server,
                    address,
                    transport,
                    spf,
                    serial,
                }
            });
        }
    }
    let mut answers = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Ok(answer) = joined {
            answers.push(answer);
        }
    }
    answers.sort_by(|a, b| {
        (&a.server, a.address, a.transport).cmp(&(&b.server, b.address, b.transport))
    });
    let differences = differences(&answers);
    Ok(NameserverCheck {
        domain,
        zone,
        agree: differences.is_empty(),
        answers,
        differences,
    })
}

/// The NS names of the zone that holds `domain`: the domain's own NS records, or its parents'.
async fn find_nameservers(lookup: &dyn Lookup, domain: &str) -> Option<(String, Vec<String>)> {
    let mut name = domain.to_string();
    for _ in 0..MAX_ZONE_WALK {
        let mut names: Vec<String> = lookup
            .query(&name, QType::Ns)
            .await
            .records()
            .iter()
            .filter_map(|r| match r {
                RData::Ns(ns) => Some(ns.trim_end_matches('.').to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        if !names.is_empty() {
            names.sort();
            names.dedup();
            return Some((name, names));
        }
        match name.split_once('.') {
            Some((_, parent)) if parent.contains('.') => name = parent.to_string(),
            _ => return None,
        }
    }
    None
}

fn spf_records(answer: &DnsAnswer) -> Result<Vec<String>, String> {
    match answer {
        DnsAnswer::Records { records, .. } => {
            let mut spf: Vec<String> = records
                .iter()
                .filter_map(RData::txt_joined)
                .filter(|t| {
                    let t = t.to_ascii_lowercase();
                    t == "v=spf1" || t.starts_with("v=spf1 ")
                })
                .collect();
            spf.sort();
            Ok(spf)
        }
        DnsAnswer::NoData | DnsAnswer::NxDomain => Ok(Vec::new()),
        other => Err(other.summary()),
    }
}

fn soa_serial(answer: &DnsAnswer) -> Result<u32, String> {
    answer
        .records()
        .iter()
        .find_map(|r| match r {
            RData::Soa { serial, .. } => Some(*serial),
            _ => None,
        })
        .ok_or_else(|| match answer {
            DnsAnswer::Records { .. } => "no SOA record".to_string(),
            other => other.summary(),
        })
}

/// Each answer that differs from the most common one (or failed), in words.
fn differences(answers: &[ServerAnswer]) -> Vec<String> {
    let describe = |a: &ServerAnswer| match (&a.spf, &a.serial) {
        (Ok(spf), Ok(serial)) if spf.is_empty() => format!("no SPF record, serial {serial}"),
        (Ok(spf), Ok(serial)) => format!("\"{}\", serial {serial}", spf.join("\" + \"")),
        (Err(e), _) | (_, Err(e)) => format!("failed: {e}"),
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for answer in answers {
        if answer.spf.is_ok() && answer.serial.is_ok() {
            *counts.entry(describe(answer)).or_default() += 1;
        }
    }
    // With no single most common answer (two servers, two versions) nobody is "the odd one
    // out": every answer is listed.
    let top = counts.values().copied().max().unwrap_or(0);
    let majority = match counts.iter().filter(|(_, n)| **n == top).count() {
        1 => counts
            .iter()
            .find(|(_, n)| **n == top)
            .map(|(d, _)| d.clone()),
        _ => None,
    };
    answers
        .iter()
        .filter_map(|a| {
            let d = describe(a);
            (Some(&d) != majority.as_ref()).then(|| {
                let transport = match a.transport {
                    Transport::Udp => "UDP",
                    Transport::Tcp => "TCP",
                };
                format!("{} ({}) over {transport}: {d}", a.server, a.address)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(
        server: &str,
        transport: Transport,
        spf: &str,
        serial: Result<u32, &str>,
    ) -> ServerAnswer {
        ServerAnswer {
            server: server.to_string(),
            address: "192.0.2.1".parse().unwrap(),
            transport,
            spf: Ok(vec![spf.to_string()]),
            serial: serial.map_err(str::to_string),
        }
    }

    #[test]
    fn the_odd_server_out_is_named() {
        let answers = vec![
            answer("ns1.example.com", Transport::Udp, "v=spf1 mx -all", Ok(2)),
            answer("ns1.example.com", Transport::Tcp, "v=spf1 mx -all", Ok(2)),
            answer("ns2.example.com", Transport::Udp, "v=spf1 -all", Ok(1)),
            answer(
                "ns2.example.com",
                Transport::Tcp,
                "v=spf1 mx -all",
                Err("timeout"),
            ),
        ];
        let diffs = differences(&answers);
        assert_eq!(diffs.len(), 2, "{diffs:?}");
        assert!(diffs[0].contains("ns2.example.com") && diffs[0].contains("v=spf1 -all"));
        assert!(diffs[1].contains("TCP: failed: timeout"));
        assert!(differences(&answers[..2]).is_empty());
        // One server per version: neither is the majority, both are listed.
        let split = vec![
            answer("ns1.example.com", Transport::Udp, "v=spf1 mx -all", Ok(2)),
            answer("ns2.example.com", Transport::Udp, "v=spf1 -all", Ok(1)),
        ];
        assert_eq!(differences(&split).len(), 2, "{:?}", differences(&split));
    }
}
