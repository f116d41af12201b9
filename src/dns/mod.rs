//! The DNS layer every live check goes through: answers typed by what they mean (records,
//! NXDOMAIN, no data, SERVFAIL, timeout, refused), so that "the record is absent" is never
//! confused with "DNS failed". Checks depend only on the [`Lookup`] trait, so the same evaluator
//! runs against live DNS, an overlay of assumed records, or a table in a unit test.

use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::pin::Pin;

use serde::Serialize;

mod error;
mod overlay;
mod resolver;
pub mod zone;

pub use error::DnsError;
pub use overlay::Overlay;
pub use resolver::{DEFAULT_TIMEOUT, DnsOptions, Resolver, Transport, parse_server_addr};
pub use zone::{ZoneErrorKind, ZoneParseError, ZoneRecord};

/// A name as bouncedoc keys it: lower-case, without the trailing dot (the root is `""`).
/// Names are compared and cached in this form and sent to the network as FQDNs.
pub fn normalize_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The record types bouncedoc asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum QType {
    A,
    Aaaa,
    Mx,
    Txt,
    Ptr,
    Ns,
    Soa,
    Cname,
    /// The obsolete SPF RR type (99), asked for only to warn about it.
    Spf,
}

impl QType {
    /// The type's name as written in zone files (`AAAA`, `TXT`, ...).
    pub fn name(self) -> &'static str {
        match self {
            QType::A => "A",
            QType::Aaaa => "AAAA",
            QType::Mx => "MX",
            QType::Txt => "TXT",
            QType::Ptr => "PTR",
            QType::Ns => "NS",
            QType::Soa => "SOA",
            QType::Cname => "CNAME",
            QType::Spf => "SPF",
        }
    }

    /// Parses a type name, case-insensitively.
    pub fn from_name(name: &str) -> Option<QType> {
        [
            QType::A,
            QType::Aaaa,
            QType::Mx,
            QType::Txt,
            QType::Ptr,
            QType::Ns,
            QType::Soa,
            QType::Cname,
            QType::Spf,
        ]
        .into_iter()
        .find(|t| t.name().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for QType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One record's data. Names are absolute, lower-case, without the trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "UPPERCASE")]
pub enum RData {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Mx {
        preference: u16,
        exchange: String,
    },
    /// The character-strings of a TXT (or SPF-type) record, kept apart: SPF and DKIM join them
    /// with nothing between, and a lint wants to see how a record was split.
    Txt(Vec<Vec<u8>>),
    Ptr(String),
    Ns(String),
    Soa {
        mname: String,
        rname: String,
        serial: u32,
    },
    Cname(String),
}

impl RData {
    /// A TXT record's strings joined with nothing between them (RFC 7208 §3.3), lossily decoded.
    pub fn txt_joined(&self) -> Option<String> {
        match self {
            RData::Txt(strings) => Some(String::from_utf8_lossy(&strings.concat()).into_owned()),
            _ => None,
        }
    }
}

/// What one DNS question got back, by meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DnsAnswer {
    /// At least one record of the asked type (CNAMEs followed; only the asked type is kept).
    Records { records: Vec<RData>, ttl: u32 },
    /// The name does not exist (RCODE 3).
    NxDomain,
    /// The name exists but has no record of this type (NOERROR, empty answer).
    NoData,
    /// The server failed (RCODE 2).
    ServFail,
    /// The server refused to answer (RCODE 5).
    Refused,
    /// No answer in time (also what a closed port looks like over UDP).
    Timeout,
    /// Anything else: a malformed answer, a network error, another RCODE.
    Error { message: String },
}

impl DnsAnswer {
    /// The records, or an empty slice for every other outcome.
    pub fn records(&self) -> &[RData] {
        match self {
            DnsAnswer::Records { records, .. } => records,
            _ => &[],
        }
    }

    /// The IPv4 and IPv6 addresses among the records (the data of A and AAAA answers).
    pub fn addresses(&self) -> impl Iterator<Item = std::net::IpAddr> + '_ {
        self.records().iter().filter_map(|r| match r {
            RData::A(a) => Some(std::net::IpAddr::V4(*a)),
            RData::Aaaa(a) => Some(std::net::IpAddr::V6(*a)),
            _ => None,
        })
    }

    /// True for NXDOMAIN and no data: the question was answered, and the answer is "nothing".
    /// These are RFC 7208's "void lookups".
    pub fn is_empty_answer(&self) -> bool {
        matches!(self, DnsAnswer::NxDomain | DnsAnswer::NoData)
    }

    /// True when DNS itself failed (SERVFAIL, timeout, refused, error): nothing is known.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            DnsAnswer::ServFail | DnsAnswer::Refused | DnsAnswer::Timeout | DnsAnswer::Error { .. }
        )
    }

    /// A short word for the outcome, for traces: `3 records`, `NXDOMAIN`, `no data`, `SERVFAIL`...
    pub fn summary(&self) -> String {
        match self {
            DnsAnswer::Records { records, .. } if records.len() == 1 => "1 record".to_string(),
            DnsAnswer::Records { records, .. } => format!("{} records", records.len()),
            DnsAnswer::NxDomain => "NXDOMAIN".to_string(),
            DnsAnswer::NoData => "no data".to_string(),
            DnsAnswer::ServFail => "SERVFAIL".to_string(),
            DnsAnswer::Refused => "REFUSED".to_string(),
            DnsAnswer::Timeout => "timeout".to_string(),
            DnsAnswer::Error { message } => format!("error: {message}"),
        }
    }
}

/// The future a [`Lookup`] returns; boxed so that the trait can be used as `&dyn Lookup` and
/// from recursive evaluators (SPF `include:`).
pub type DnsFuture<'a> = Pin<Box<dyn Future<Output = DnsAnswer> + Send + 'a>>;

/// The test seam: everything that asks DNS asks through this.
pub trait Lookup: Send + Sync {
    /// Asks for `qtype` records at `name` (absolute; a trailing dot is optional).
    fn query<'a>(&'a self, name: &'a str, qtype: QType) -> DnsFuture<'a>;
}

/// The addresses of `host`: its A records, then its AAAA records.
pub async fn host_addresses(lookup: &dyn Lookup, host: &str) -> Vec<std::net::IpAddr> {
    let mut addresses = lookup
        .query(host, QType::A)
        .await
        .addresses()
        .collect::<Vec<_>>();
    addresses.extend(lookup.query(host, QType::Aaaa).await.addresses());
    addresses
}
