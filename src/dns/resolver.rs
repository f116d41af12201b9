//! The live resolver: hickory-resolver under a per-run cache, a query counter and an overlay.
//!
//! hickory's own cache is off (`cache_size = 0`): a run asks each (name, type) of the network
//! once, whatever the TTL, so that every check sees the same DNS and the report can say how
//! many queries were sent. Concurrent identical questions share one in-flight lookup.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as ProtoDnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData as ProtoRData, RecordType};
use tokio::sync::OnceCell;

use super::{DnsAnswer, DnsError, DnsFuture, Lookup, Overlay, QType, RData, normalize_name};

/// How long one question may wait for its answer, unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The system resolver configuration read when no server is given.
const RESOLV_CONF: &str = "/etc/resolv.conf";
/// glibc reads at most three `nameserver` lines (MAXNS); so do we.
const MAX_SYSTEM_SERVERS: usize = 3;
/// CNAMEs followed through the overlay before giving up (hickory bounds its own chains).
const MAX_CNAME_HOPS: usize = 8;
/// The most records one answer may hold before it is treated as an error.
const MAX_RECORDS: usize = 256;
/// The most TXT bytes one answer may hold (DNS allows 64 KiB; real SPF, DKIM and DMARC
/// records are far below this).
const MAX_TXT_BYTES: usize = 32 * 1024;
/// The most (name, type) pairs cached in one run; beyond it answers are not kept.
const MAX_CACHE_ENTRIES: usize = 100_000;
/// RFC 1035 §2.3.4: a name is at most 255 octets on the wire, 253 characters as text.
const MAX_NAME_LEN: usize = 253;
/// The RR type number of the obsolete SPF type (RFC 4408 §3.1.1), which hickory does not name.
const SPF_RR_TYPE: u16 = 99;

/// Which transports a resolver uses to reach its servers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Transport {
    /// UDP, retried over TCP when the answer is truncated (the normal way).
    #[default]
    UdpThenTcp,
    /// UDP only: a truncated answer stays truncated.
    UdpOnly,
    /// TCP only (to check that a name server answers over TCP at all).
    TcpOnly,
}

/// How to build a [`Resolver`]: plain data, filled from the command line by the binary.
#[derive(Debug, Clone)]
pub struct DnsOptions {
    /// The servers to ask; empty means those of `/etc/resolv.conf`.
    pub servers: Vec<SocketAddr>,
    /// How long one question may wait.
    pub timeout: Duration,
    /// UDP with TCP fallback, or one transport only.
    pub transport: Transport,
    /// Records that answer before the network (`--assume`, `--zone`).
    pub overlay: Overlay,
    /// Never ask the network: the overlay is the whole of DNS.
    pub zone_only: bool,
}

impl Default for DnsOptions {
    fn default() -> Self {
        DnsOptions {
            servers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            transport: Transport::default(),
            overlay: Overlay::new(),
            zone_only: false,
        }
    }
}

/// Parses `ADDR`, `ADDR:PORT`, `[IPV6]` or `[IPV6]:PORT`; the port defaults to 53.
pub fn parse_server_addr(input: &str) -> Result<SocketAddr, DnsError> {
    let text = input.trim();
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| DnsError::ServerAddr {
            input: input.to_string(),
        })
}

/// The `nameserver` lines of a resolv.conf text (at most three, as glibc; port 53).
fn name_servers_from_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "nameserver").then_some(())?;
            // A scoped IPv6 address (`fe80::1%eth0`) cannot be used without its scope id.
            let ip: IpAddr = words.next()?.parse().ok()?;
            Some(SocketAddr::new(ip, 53))
        })
        .take(MAX_SYSTEM_SERVERS)
        .collect()
}

fn system_name_servers() -> Result<Vec<SocketAddr>, DnsError> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(RESOLV_CONF)
        .and_then(|f| f.take(64 * 1024).read_to_string(&mut text))
        .map_err(|source| DnsError::SystemConfig {
            path: RESOLV_CONF.to_string(),
            source,
        })?;
    let servers = name_servers_from_resolv_conf(&text);
    if servers.is_empty() {
        return Err(DnsError::NoNameServers {
            path: RESOLV_CONF.to_string(),
        });
    }
    Ok(servers)
}

type CacheKey = (String, QType);

/// What the network said, with the CNAME chain it went through (so that an overlay laid on
/// later can override a record at the end of a chain without the cached answer leaking).
#[derive(Debug, Clone)]
struct NetAnswer {
    answer: DnsAnswer,
    chain: Vec<String>,
}

/// The part of a resolver that talks to the network, shared by every overlay view of it.
struct Network {
    client: TokioResolver,
    timeout: Duration,
    cache: Mutex<HashMap<CacheKey, Arc<OnceCell<NetAnswer>>>>,
    sent: AtomicU64,
}

/// The resolver every check asks through. Cheap to clone; clones and overlay views share the
/// cache and the query counter.
#[derive(Clone)]
pub struct Resolver {
    network: Option<Arc<Network>>,
    overlay: Overlay,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("zone_only", &self.network.is_none())
            .field("overlay_records", &self.overlay.len())
            .field("queries_sent", &self.queries_sent())
            .finish()
    }
}

impl Resolver {
    /// Builds a resolver from options. Must be called from within a Tokio runtime only when
    /// lookups are made; building itself does no I/O beyond reading `/etc/resolv.conf`.
    pub fn new(options: DnsOptions) -> Result<Resolver, DnsError> {
        if options.zone_only {
            return Ok(Resolver::zone_only(options.overlay));
        }
        let servers = if options.servers.is_empty() {
            system_name_servers()?
        } else {
            options.servers.clone()
        };
        let name_servers = servers
            .iter()
            .map(|addr| {
                let connections = match options.transport {
                    Transport::UdpThenTcp => vec![
                        connection(ConnectionConfig::udp(), addr.port()),
                        connection(ConnectionConfig::tcp(), addr.port()),
                    ],
                    Transport::UdpOnly => vec![connection(ConnectionConfig::udp(), addr.port())],
                    Transport::TcpOnly => vec![connection(ConnectionConfig::tcp(), addr.port())],
                };
                NameServerConfig::new(addr.ip(), true, connections)
            })
            .collect();
        let mut opts = ResolverOpts::default();
        opts.timeout = options.timeout;
        opts.attempts = 1;
        // We cache per run ourselves; hickory's cache would also hide queries from the counter.
        opts.cache_size = 0;
        opts.use_hosts_file = ResolveHosts::Never;
        // Names are always absolute: never try search domains.
        opts.ndots = 0;
        opts.preserve_intermediates = true;
        let client = TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(name_servers),
            TokioRuntimeProvider::default(),
        )
        .with_options(opts)
        .build()
        .map_err(|e| DnsError::Setup {
            message: e.to_string(),
        })?;
        Ok(Resolver {
            network: Some(Arc::new(Network {
                client,
                timeout: options.timeout,
                cache: Mutex::new(HashMap::new()),
                sent: AtomicU64::new(0),
            })),
            overlay: options.overlay,
        })
    }

    /// A resolver that asks one server only, over UDP with TCP fallback: for asking each
    /// authoritative name server of a domain directly (never pool them: hickory would pick one
    /// at random and not fail over on SERVFAIL).
    pub fn for_server(addr: SocketAddr, timeout: Duration) -> Result<Resolver, DnsError> {
        Resolver::for_server_with(addr, timeout, Transport::UdpThenTcp)
    }

    /// A resolver that asks one server only, over the given transport.
    pub fn for_server_with(
        addr: SocketAddr,
        timeout: Duration,
        transport: Transport,
    ) -> Result<Resolver, DnsError> {
        Resolver::new(DnsOptions {
            servers: vec![addr],
            timeout,
            transport,
            ..DnsOptions::default()
        })
    }

    /// A resolver without network: the overlay is the whole of DNS (names it lacks are
    /// NXDOMAIN, names without the type are no data).
    pub fn zone_only(overlay: Overlay) -> Resolver {
        Resolver {
            network: None,
            overlay,
        }
    }

    /// A view of this resolver with `extra` laid over its overlay (per (name, type)); it
    /// shares the network cache and the counter, so verifying a proposed fix re-asks nothing
    /// it does not override.
    pub fn with_overlay(&self, extra: &Overlay) -> Resolver {
        Resolver {
            network: self.network.clone(),
            overlay: self.overlay.layered(extra),
        }
    }

    /// The overlay in force.
    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    /// True when the resolver never asks the network.
    pub fn is_zone_only(&self) -> bool {
        self.network.is_none()
    }

    /// How many questions were sent to the network so far (one per distinct (name, type),
    /// whatever the retries over TCP), shared with every clone and overlay view.
    pub fn queries_sent(&self) -> u64 {
        self.network
            .as_ref()
            .map_or(0, |n| n.sent.load(Ordering::Relaxed))
    }

    /// Asks for `qtype` records at `name`: the overlay first, then the network (cached).
    pub async fn lookup(&self, name: &str, qtype: QType) -> DnsAnswer {
        let mut current = normalize_name(name);
        if let Some(problem) = name_problem(&current) {
            return DnsAnswer::Error {
                message: problem.to_string(),
            };
        }
        for _ in 0..=MAX_CNAME_HOPS {
            if let Some(answer) = self.overlay.answer(&current, qtype) {
                return answer;
            }
            if qtype != QType::Cname
                && let Some(target) = self.overlay.cname(&current)
            {
                current = target;
                continue;
            }
            let Some(network) = &self.network else {
                return self.overlay.negative_answer(&current);
            };
            let net = network.ask(&current, qtype).await;
            // A name on the chain that the overlay overrides: go on from there, so that a
            // cached network answer never hides an overridden record.
            if let Some(target) = net
                .chain
                .iter()
                .find(|t| self.overlay.covers(t, qtype) || self.overlay.covers(t, QType::Cname))
            {
                current = target.clone();
                continue;
            }
            return net.answer;
        }
        DnsAnswer::Error {
            message: format!("more than {MAX_CNAME_HOPS} CNAMEs in a chain"),
        }
    }
}

impl Lookup for Resolver {
    fn query<'a>(&'a self, name: &'a str, qtype: QType) -> DnsFuture<'a> {
        Box::pin(self.lookup(name, qtype))
    }
}

fn connection(mut config: ConnectionConfig, port: u16) -> ConnectionConfig {
    config.port = port;
    config
}

/// Why a (normalised) name cannot be asked at all.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.len() > MAX_NAME_LEN {
        return Some("name longer than 253 characters");
    }
    if !name.is_empty() && name.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return Some("name with an empty label or a label longer than 63 characters");
    }
    None
}

impl Network {
    async fn ask(&self, name: &str, qtype: QType) -> NetAnswer {
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            let key = (name.to_string(), qtype);
            match cache.get(&key) {
                Some(cell) => Some(cell.clone()),
                None if cache.len() < MAX_CACHE_ENTRIES => {
                    Some(cache.entry(key).or_default().clone())
                }
                None => None,
            }
        };
        match cell {
            Some(cell) => cell.get_or_init(|| self.send(name, qtype)).await.clone(),
            None => self.send(name, qtype).await,
        }
    }

    async fn send(&self, name: &str, qtype: QType) -> NetAnswer {
        self.sent.fetch_add(1, Ordering::Relaxed);
        // Labels may hold any octets (SPF macros can expand to `foo:bar/baz` or spaces): when
        // the name is not a host name, its labels are sent as they are.
        let fqdn = match Name::from_utf8(format!("{name}."))
            .or_else(|_| Name::from_labels(name.split('.').map(str::as_bytes)))
        {
            Ok(fqdn) => fqdn,
            Err(e) => {
                return NetAnswer {
                    answer: DnsAnswer::Error {
                        message: format!("invalid name: {e}"),
                    },
                    chain: Vec::new(),
                };
            }
        };
        // hickory bounds each attempt by the timeout; this bounds the whole lookup (UDP, the
        // TCP retry, CNAME chasing) in case a layer below misbehaves.
        let budget = self.timeout * 3 + Duration::from_secs(1);
        match tokio::time::timeout(budget, self.client.lookup(fqdn, record_type(qtype))).await {
            Err(_) => NetAnswer {
                answer: DnsAnswer::Timeout,
                chain: Vec::new(),
            },
            Ok(Ok(lookup)) => {
                let nxdomain = lookup.message().response_code == ResponseCode::NXDomain;
                convert_answers(lookup.answers(), qtype, nxdomain)
            }
            Ok(Err(error)) => NetAnswer {
                answer: error_answer(error),
                chain: Vec::new(),
            },
        }
    }
}

fn record_type(qtype: QType) -> RecordType {
    match qtype {
        QType::A => RecordType::A,
        QType::Aaaa => RecordType::AAAA,
        QType::Mx => RecordType::MX,
        QType::Txt => RecordType::TXT,
        QType::Ptr => RecordType::PTR,
        QType::Ns => RecordType::NS,
        QType::Soa => RecordType::SOA,
        QType::Cname => RecordType::CNAME,
        QType::Spf => RecordType::from(SPF_RR_TYPE),
    }
}

/// Maps hickory's errors to outcomes by meaning (NXDOMAIN vs no data survives in
/// `NoRecords::response_code`).
fn error_answer(error: NetError) -> DnsAnswer {
    match error {
        NetError::Dns(ProtoDnsError::NoRecordsFound(no_records)) => {
            if no_records.response_code == ResponseCode::NXDomain {
                DnsAnswer::NxDomain
            } else {
                DnsAnswer::NoData
            }
        }
        NetError::Dns(ProtoDnsError::ResponseCode(ResponseCode::ServFail)) => DnsAnswer::ServFail,
        NetError::Dns(ProtoDnsError::ResponseCode(ResponseCode::Refused)) => DnsAnswer::Refused,
        NetError::Timeout => DnsAnswer::Timeout,
        other => DnsAnswer::Error {
            message: other.to_string(),
        },
    }
}

/// Keeps the records of the asked type (the CNAMEs before them become the chain), under the
/// size caps.
fn convert_answers(
    answers: &[hickory_resolver::proto::rr::Record],
    qtype: QType,
    nxdomain: bool,
) -> NetAnswer {
    let wanted = record_type(qtype);
    let mut records = Vec::new();
    let mut chain = Vec::new();
    let mut ttl = u32::MAX;
    let mut txt_bytes = 0usize;
    for record in answers {
        if record.record_type() != wanted {
            if let ProtoRData::CNAME(target) = &record.data
                && chain.len() < MAX_RECORDS
            {
                chain.push(proto_name(&target.0));
            }
            continue;
        }
        let Some(rdata) = convert_rdata(&record.data) else {
            continue;
        };
        if let RData::Txt(strings) = &rdata {
            txt_bytes += strings.iter().map(Vec::len).sum::<usize>();
        }
        if records.len() >= MAX_RECORDS || txt_bytes > MAX_TXT_BYTES {
            return NetAnswer {
                answer: DnsAnswer::Error {
                    message: format!(
                        "answer too large (over {MAX_RECORDS} records or {MAX_TXT_BYTES} bytes of text)"
                    ),
                },
                chain,
            };
        }
        ttl = ttl.min(record.ttl);
        if !records.contains(&rdata) {
            records.push(rdata);
        }
    }
    let answer = if !records.is_empty() {
        DnsAnswer::Records { records, ttl }
    } else if nxdomain {
        // RFC 6604: NXDOMAIN after a CNAME is about the end of the chain.
        DnsAnswer::NxDomain
    } else {
        DnsAnswer::NoData
    };
    NetAnswer { answer, chain }
}

fn proto_name(name: &Name) -> String {
    let ascii = name.to_ascii();
    if !ascii.contains('\\') {
        return normalize_name(&ascii);
    }
    // Escaped octets (`foo\:bar`): give the labels as they are, which is what SPF compares.
    let labels: Vec<String> = name
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect();
    normalize_name(&labels.join("."))
}

fn convert_rdata(data: &ProtoRData) -> Option<RData> {
    Some(match data {
        ProtoRData::A(a) => RData::A(a.0),
        ProtoRData::AAAA(aaaa) => RData::Aaaa(aaaa.0),
        ProtoRData::MX(mx) => RData::Mx {
            preference: mx.preference,
            exchange: proto_name(&mx.exchange),
        },
        ProtoRData::TXT(txt) => RData::Txt(txt.txt_data.iter().map(|s| s.to_vec()).collect()),
        ProtoRData::PTR(ptr) => RData::Ptr(proto_name(&ptr.0)),
        ProtoRData::NS(ns) => RData::Ns(proto_name(&ns.0)),
        ProtoRData::CNAME(cname) => RData::Cname(proto_name(&cname.0)),
        ProtoRData::SOA(soa) => RData::Soa {
            mname: proto_name(&soa.mname),
            rname: proto_name(&soa.rname),
            serial: soa.serial,
        },
        ProtoRData::Unknown { code, rdata } if u16::from(*code) == SPF_RR_TYPE => {
            RData::Txt(character_strings(&rdata.anything))
        }
        _ => return None,
    })
}

/// RFC 1035 §3.3: length-prefixed strings; a truncated last string keeps what is there.
fn character_strings(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut strings = Vec::new();
    while let Some((&len, rest)) = bytes.split_first() {
        let len = usize::from(len).min(rest.len());
        strings.push(rest[..len].to_vec());
        bytes = &rest[len..];
    }
    strings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses() {
        let cases = [
            ("192.0.2.1", "192.0.2.1:53"),
            ("192.0.2.1:5353", "192.0.2.1:5353"),
            (" 127.0.0.1:1053 ", "127.0.0.1:1053"),
            ("::1", "[::1]:53"),
            ("[::1]", "[::1]:53"),
            ("[::1]:5353", "[::1]:5353"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                parse_server_addr(input).unwrap(),
                expected.parse::<SocketAddr>().unwrap(),
                "{input}"
            );
        }
        for bad in ["", "example.com", "192.0.2.1:99999", "[::1", "1.2.3"] {
            assert!(
                matches!(parse_server_addr(bad), Err(DnsError::ServerAddr { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn resolv_conf_lines() {
        let text = "# comment\nsearch example.com\nnameserver 10.0.0.1\nnameserver fe80::1%eth0\n\
                    nameserver ::1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n";
        let servers = name_servers_from_resolv_conf(text);
        let expected: Vec<SocketAddr> = ["10.0.0.1:53", "[::1]:53", "10.0.0.2:53"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(servers, expected);
    }

    #[test]
    fn character_strings_are_bounded() {
        assert_eq!(
            character_strings(b"\x03abc\x01d"),
            vec![b"abc".to_vec(), b"d".to_vec()]
        );
        assert_eq!(character_strings(b"\x09ab"), vec![b"ab".to_vec()]);
        assert!(character_strings(b"").is_empty());
    }

    #[test]
    fn bad_names_are_errors_not_queries() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let resolver = Resolver::zone_only(Overlay::new());
        let long = format!("{}.com", "a".repeat(64));
        for name in [long.as_str(), "a..com", &"a.".repeat(130)] {
            let answer = rt.block_on(resolver.lookup(name, QType::A));
            assert!(matches!(answer, DnsAnswer::Error { .. }), "{name}");
        }
        assert_eq!(
            rt.block_on(resolver.lookup("example.com", QType::A)),
            DnsAnswer::NxDomain
        );
    }
}
