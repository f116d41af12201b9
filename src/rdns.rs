//! Reverse DNS of the sending IP: its PTR names and forward confirmation (FCrDNS: one PTR name
//! resolves back to the IP). Receivers reject mail from IPs without it (`5.7.25`), so the check
//! tells "no PTR" from "PTR that does not confirm" from "DNS failed".

use std::net::IpAddr;

use serde::Serialize;

use crate::dkim::key::is_valid_dns_name;
use crate::dkim::tags::excerpt;
use crate::dns::{DnsAnswer, Lookup, QType, RData};

/// At most this many PTR names are forward-checked.
pub const MAX_PTR_NAMES: usize = 10;
/// At most this many addresses are kept per forward answer.
const MAX_ADDRESSES: usize = 16;

/// The reverse-lookup name of an IP: `4.3.2.1.in-addr.arpa` for IPv4, 32 nibbles under
/// `ip6.arpa` for IPv6 (RFC 3596 §2.5). An IPv4-mapped IPv6 address is treated as IPv4.
pub fn ptr_name(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.in-addr.arpa")
        }
        IpAddr::V6(v6) => {
            let mut name = String::with_capacity(72);
            for byte in v6.octets().iter().rev() {
                for nibble in [byte & 0x0f, byte >> 4] {
                    name.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
                    name.push('.');
                }
            }
            name.push_str("ip6.arpa");
            name
        }
    }
}

/// One PTR name and what it resolves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PtrName {
    pub name: String,
    /// The A (IPv4) or AAAA (IPv6) addresses of `name`.
    pub addresses: Vec<IpAddr>,
    /// The forward lookup's outcome in a word (`1 record`, `NXDOMAIN`, `timeout`, ...).
    pub forward: String,
    /// True when `addresses` holds the sending IP.
    pub confirmed: bool,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RdnsOutcome {
    /// `name` is a PTR name of the IP and resolves back to it.
    Ok { name: String },
    /// No PTR record: NXDOMAIN (`nxdomain`) or no PTR data.
    Missing { nxdomain: bool },
    /// PTR names exist, but none resolves back to the IP.
    Mismatch { names: Vec<String> },
    /// DNS failed (on the PTR query, or on every forward query that could have confirmed).
    DnsFailure { name: String, answer: DnsAnswer },
}

/// The reverse-DNS check of one IP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RdnsCheck {
    pub ip: IpAddr,
    /// The name asked for PTR records.
    pub ptr_name: String,
    /// The PTR names, each with its forward lookup (at most [`MAX_PTR_NAMES`]).
    pub names: Vec<PtrName>,
    /// PTR names beyond [`MAX_PTR_NAMES`], not checked.
    pub skipped: usize,
    pub outcome: RdnsOutcome,
}

/// Looks up the PTR names of `ip` and checks each forward until one confirms.
pub async fn check(lookup: &dyn Lookup, ip: IpAddr) -> RdnsCheck {
    let ip = ip.to_canonical();
    let reverse = ptr_name(ip);
    let mut result = RdnsCheck {
        ip,
        ptr_name: reverse.clone(),
        names: Vec::new(),
        skipped: 0,
        outcome: RdnsOutcome::Missing { nxdomain: true },
    };
    let answer = lookup.query(&reverse, QType::Ptr).await;
    let ptrs: Vec<String> = match &answer {
        DnsAnswer::NxDomain => return result,
        DnsAnswer::NoData => {
            result.outcome = RdnsOutcome::Missing { nxdomain: false };
            return result;
        }
        a if a.is_failure() => {
            result.outcome = RdnsOutcome::DnsFailure {
                name: reverse,
                answer: a.clone(),
            };
            return result;
        }
        a => a
            .records()
            .iter()
            .filter_map(|r| match r {
                RData::Ptr(n) => Some(n.trim_end_matches('.').to_ascii_lowercase()),
                _ => None,
            })
            .collect(),
    };
    if ptrs.is_empty() {
        result.outcome = RdnsOutcome::Missing { nxdomain: false };
        return result;
    }
    result.skipped = ptrs.len().saturating_sub(MAX_PTR_NAMES);
    let qtype = if ip.is_ipv4() { QType::A } else { QType::Aaaa };
    let mut failure: Option<(String, DnsAnswer)> = None;
    for name in ptrs.into_iter().take(MAX_PTR_NAMES) {
        if !is_valid_dns_name(&name) {
            result.names.push(PtrName {
                name: excerpt(&name),
                addresses: Vec::new(),
                forward: "not a valid host name".to_string(),
                confirmed: false,
            });
            continue;
        }
        let forward = lookup.query(&name, qtype).await;
        let addresses: Vec<IpAddr> = forward.addresses().take(MAX_ADDRESSES).collect();
        let confirmed = addresses.contains(&ip);
        if forward.is_failure() && failure.is_none() {
            failure = Some((name.clone(), forward.clone()));
        }
        result.names.push(PtrName {
            name: name.clone(),
            addresses,
            forward: forward.summary(),
            confirmed,
        });
        if confirmed {
            result.outcome = RdnsOutcome::Ok { name };
            return result;
        }
    }
    result.outcome = match failure {
        Some((name, answer)) => RdnsOutcome::DnsFailure { name, answer },
        None => RdnsOutcome::Mismatch {
            names: result.names.iter().map(|n| n.name.clone()).collect(),
        },
    };
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::testing::{MemLookup, block_on};

    #[test]
    fn ptr_names_for_v4_and_v6() {
        let cases = [
            ("192.0.2.1", "1.2.0.192.in-addr.arpa"),
            ("::ffff:192.0.2.1", "1.2.0.192.in-addr.arpa"),
            (
                "2001:db8::567:89ab",
                "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
            ),
        ];
        for (ip, name) in cases {
            assert_eq!(ptr_name(ip.parse().unwrap()), name, "{ip}");
        }
    }

    fn ptr(lookup: MemLookup, ip: &str, name: &str) -> MemLookup {
        lookup.rec(
            &ptr_name(ip.parse().unwrap()),
            QType::Ptr,
            RData::Ptr(name.to_string()),
        )
    }

    #[test]
    fn confirmed_name_is_ok() {
        let lookup = ptr(MemLookup::new(), "192.0.2.1", "other.example.com");
        let lookup = ptr(lookup, "192.0.2.1", "mail.example.com.").rec(
            "mail.example.com",
            QType::A,
            RData::A("192.0.2.1".parse().unwrap()),
        );
        let c = block_on(check(&lookup, "192.0.2.1".parse().unwrap()));
        assert_eq!(
            c.outcome,
            RdnsOutcome::Ok {
                name: "mail.example.com".into()
            }
        );
        assert_eq!(c.names.len(), 2);
    }

    #[test]
    fn v6_is_confirmed_by_aaaa() {
        let ip = "2001:db8::25";
        let lookup = ptr(MemLookup::new(), ip, "mx.example.net").rec(
            "mx.example.net",
            QType::Aaaa,
            RData::Aaaa(ip.parse().unwrap()),
        );
        let c = block_on(check(&lookup, ip.parse().unwrap()));
        assert!(matches!(c.outcome, RdnsOutcome::Ok { .. }));
    }

    #[test]
    fn missing_mismatch_and_failure_differ() {
        let ip: IpAddr = "192.0.2.9".parse().unwrap();
        let c = block_on(check(&MemLookup::new(), ip));
        assert_eq!(c.outcome, RdnsOutcome::Missing { nxdomain: true });

        let lookup = ptr(MemLookup::new(), "192.0.2.9", "generic.isp.example").rec(
            "generic.isp.example",
            QType::A,
            RData::A("198.51.100.1".parse().unwrap()),
        );
        let c = block_on(check(&lookup, ip));
        assert_eq!(
            c.outcome,
            RdnsOutcome::Mismatch {
                names: vec!["generic.isp.example".into()]
            }
        );

        let lookup = MemLookup::new().answer(&ptr_name(ip), QType::Ptr, DnsAnswer::ServFail);
        let c = block_on(check(&lookup, ip));
        assert!(matches!(c.outcome, RdnsOutcome::DnsFailure { .. }));

        let lookup = ptr(MemLookup::new(), "192.0.2.9", "slow.example").answer(
            "slow.example",
            QType::A,
            DnsAnswer::Timeout,
        );
        let c = block_on(check(&lookup, ip));
        assert!(
            matches!(c.outcome, RdnsOutcome::DnsFailure { ref name, .. } if name == "slow.example")
        );
    }

    #[test]
    fn ptr_names_are_bounded() {
        let ip = "192.0.2.7";
        let mut lookup = MemLookup::new();
        for i in 0..30 {
            lookup = ptr(lookup, ip, &format!("h{i}.example"));
        }
        let c = block_on(check(&lookup, ip.parse().unwrap()));
        assert_eq!((c.names.len(), c.skipped), (MAX_PTR_NAMES, 20));
        assert!(matches!(c.outcome, RdnsOutcome::Mismatch { .. }));
    }
}
