//! An in-process authoritative DNS server on loopback for integration tests: hickory-server
//! serving zone files (`fixtures/zones/*.zone`) and records given in code, UDP and TCP on the
//! same ephemeral port, with faults injected by name (SERVFAIL, REFUSED, no answer at all) and
//! a UDP-only mode. It runs on its own thread and Tokio runtime, so plain `#[test]` functions
//! and spawned `bouncedoc --nameserver ADDR` processes can both use it; dropping it stops it.
//!
//! ```ignore
//! let server = DnsServer::builder()
//!     .zone_fixture("example.com")                      // fixtures/zones/example.com.zone
//!     .record("mail.example.net", "A", "192.0.2.25")    // zone-file syntax for the value
//!     .record("example.net", "TXT", r#""v=spf1 -all""#)
//!     .fault("broken.example.net", Fault::ServFail)
//!     .start();
//! let resolver = Resolver::for_server(server.addr(), Duration::from_secs(1)).unwrap();
//! ```
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bouncedoc::dns::zone::parse_assumption;
use bouncedoc::dns::{QType, RData, normalize_name};
use hickory_server::Server;
use hickory_server::net::runtime::Time;
use hickory_server::net::xfer::Protocol;
use hickory_server::proto::op::{Header, HeaderCounts, Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::{self, NULL, TXT};
use hickory_server::proto::rr::{
    LowerName, Name, RData as ProtoRData, Record as ProtoRecord, RecordType,
};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::file::{FileConfig, FileZoneHandler};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{
    AxfrPolicy, Catalog, MessageResponseBuilder, ZoneHandler, ZoneType,
};

/// What the server does instead of answering a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer RCODE 2.
    ServFail,
    /// Answer RCODE 5.
    Refused,
    /// Send nothing at all: the client must time out.
    BlackHole,
}

/// One question the server received, for tests that check what was (not) sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedQuery {
    /// The name asked, lower-case, without the trailing dot.
    pub name: String,
    /// The RR type number asked (99 for SPF).
    pub rtype: u16,
    /// True when it came over TCP.
    pub tcp: bool,
}

/// Builds a [`DnsServer`].
#[derive(Debug, Default)]
pub struct DnsServerBuilder {
    ip: Option<IpAddr>,
    port: u16,
    zone_files: Vec<(PathBuf, Option<String>)>,
    records: Vec<(String, QType, u32, RData)>,
    faults: HashMap<(String, Option<QType>), Fault>,
    udp_only: bool,
}

/// The directory of zone fixtures.
pub fn zones_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/zones")
}

impl DnsServerBuilder {
    /// Binds to this loopback address (e.g. `127.0.0.2` to run several servers) instead of
    /// `127.0.0.1`.
    pub fn ip(mut self, ip: IpAddr) -> Self {
        self.ip = Some(ip);
        self
    }

    /// Binds to this port instead of an ephemeral one (several servers on 127.0.0.x can then
    /// share one port, as NS records imply).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Serves a zone file; its origin is its first `$ORIGIN` line.
    pub fn zone_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.zone_files.push((path.into(), None));
        self
    }

    /// Serves a zone file with an explicit origin (for files without `$ORIGIN`).
    pub fn zone_file_with_origin(mut self, path: impl Into<PathBuf>, origin: &str) -> Self {
        self.zone_files
            .push((path.into(), Some(normalize_name(origin))));
        self
    }

    /// Serves `fixtures/zones/<name>.zone`.
    pub fn zone_fixture(self, name: &str) -> Self {
        let path = zones_dir().join(format!("{name}.zone"));
        self.zone_file(path)
    }

    /// Adds a record given as zone-file text: `record("example.com", "MX", "10 mx.example.com")`,
    /// `record("example.com", "TXT", r#""v=spf1 " "-all""#)`. Names are absolute.
    pub fn record(mut self, name: &str, qtype: &str, value: &str) -> Self {
        let text = format!("{} {qtype} {value}", absolute(name));
        let record =
            parse_assumption(&text).unwrap_or_else(|e| panic!("bad test record {text:?}: {e}"));
        self.records
            .push((record.name, record.qtype, record.ttl, record.rdata));
        self
    }

    /// Adds a record given as data (TXT strings may hold any bytes).
    pub fn rdata(mut self, name: &str, qtype: QType, rdata: RData) -> Self {
        self.records.push((normalize_name(name), qtype, 300, rdata));
        self
    }

    /// Adds a TXT record of these character-strings (each at most 255 bytes).
    pub fn txt(self, name: &str, strings: &[&str]) -> Self {
        let rdata = RData::Txt(strings.iter().map(|s| s.as_bytes().to_vec()).collect());
        self.rdata(name, QType::Txt, rdata)
    }

    /// Answers every question about `name` with a fault.
    pub fn fault(mut self, name: &str, fault: Fault) -> Self {
        self.faults.insert((normalize_name(name), None), fault);
        self
    }

    /// Answers questions of one type about `name` with a fault.
    pub fn fault_for(mut self, name: &str, qtype: QType, fault: Fault) -> Self {
        self.faults
            .insert((normalize_name(name), Some(qtype)), fault);
        self
    }

    /// Never answers `name` (the SPF test suite's `TIMEOUT`).
    pub fn timeout(self, name: &str) -> Self {
        self.fault(name, Fault::BlackHole)
    }

    /// Adds the `zonedata` of one scenario of the SPF test suite (rfc7208-tests.yml): a map
    /// from name to a list of `{TYPE: value}` (TXT and SPF: a string or a list of strings; MX:
    /// `[preference, host]`) or the bare word `TIMEOUT` (the name is never answered).
    /// Strings are taken as bytes: characters up to U+00FF stand for one byte each (the suite
    /// writes raw bytes as `\xEF`), unless the string holds wider characters (then UTF-8).
    /// Entries that DNS cannot carry (bad names) are skipped.
    pub fn zonedata(mut self, zonedata: &serde_yaml::Value) -> Self {
        let Some(map) = zonedata.as_mapping() else {
            return self;
        };
        for (name, entries) in map {
            let Some(name) = name.as_str().map(normalize_name) else {
                continue;
            };
            if Name::from_ascii(format!("{name}.")).is_err() {
                continue;
            }
            for entry in entries.as_sequence().into_iter().flatten() {
                if entry.as_str() == Some("TIMEOUT") {
                    self = self.timeout(&name);
                    continue;
                }
                let Some(entry) = entry.as_mapping() else {
                    continue;
                };
                for (qtype, value) in entry {
                    let Some(qtype) = qtype.as_str().and_then(QType::from_name) else {
                        continue;
                    };
                    if let Some(rdata) = yaml_rdata(qtype, value) {
                        self.records.push((name.clone(), qtype, 300, rdata));
                    }
                }
            }
        }
        self
    }

    /// No TCP listener: truncated answers cannot be retried.
    pub fn udp_only(mut self) -> Self {
        self.udp_only = true;
        self
    }

    /// Loads the zones, binds the sockets and starts serving; panics on a bad zone (a test
    /// set-up error). The sockets are bound when this returns, so queries can be sent at once.
    pub fn start(self) -> DnsServer {
        let ip = self.ip.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let mut catalog = Catalog::new();
        for (path, origin) in &self.zone_files {
            let origin = origin.clone().unwrap_or_else(|| zone_origin(path));
            let handler = FileZoneHandler::try_from_config(
                name(&origin),
                ZoneType::Primary,
                AxfrPolicy::Deny,
                None,
                &FileConfig {
                    zone_path: path.clone(),
                },
            )
            .unwrap_or_else(|e| panic!("cannot load zone {}: {e}", path.display()));
            let handler: Arc<dyn ZoneHandler> = Arc::new(handler);
            catalog.upsert(LowerName::new(&name(&origin)), vec![handler]);
        }
        for (origin, handler) in memory_zones(&self.records) {
            catalog.upsert(LowerName::new(&name(&origin)), vec![handler]);
        }
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler = FaultyCatalog {
            catalog,
            faults: self.faults,
            log: log.clone(),
        };
        let (udp, tcp) = bind(ip, self.port, self.udp_only);
        let addr = udp.local_addr().expect("bound UDP socket has an address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("dns-server-{addr}"))
            .spawn(move || serve(handler, udp, tcp, stopped))
            .expect("spawn the DNS server thread");
        DnsServer {
            addr,
            log,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

/// A YAML scalar as text (numbers and booleans included).
fn yaml_text(value: &serde_yaml::Value) -> Option<String> {
    match value {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The bytes a suite string stands for (see [`DnsServerBuilder::zonedata`]).
fn suite_bytes(text: &str) -> Vec<u8> {
    if text.chars().all(|c| u32::from(c) <= 0xff) {
        text.chars().map(|c| u32::from(c) as u8).collect()
    } else {
        text.as_bytes().to_vec()
    }
}

fn valid_name(text: &str) -> Option<String> {
    let name = normalize_name(text);
    Name::from_ascii(format!("{name}.")).ok().map(|_| name)
}

fn yaml_rdata(qtype: QType, value: &serde_yaml::Value) -> Option<RData> {
    Some(match qtype {
        QType::Txt | QType::Spf => {
            let strings: Vec<Vec<u8>> = match value.as_sequence() {
                Some(list) => list
                    .iter()
                    .filter_map(yaml_text)
                    .map(|s| suite_bytes(&s))
                    .collect(),
                None => suite_bytes(&yaml_text(value)?)
                    .chunks(255)
                    .map(<[u8]>::to_vec)
                    .collect(),
            };
            RData::Txt(strings)
        }
        QType::A => RData::A(yaml_text(value)?.parse().ok()?),
        QType::Aaaa => RData::Aaaa(yaml_text(value)?.parse().ok()?),
        QType::Mx => {
            let pair = value.as_sequence()?;
            RData::Mx {
                preference: u16::try_from(pair.first()?.as_u64()?).ok()?,
                exchange: valid_name(&yaml_text(pair.get(1)?)?)?,
            }
        }
        QType::Ptr => RData::Ptr(valid_name(&yaml_text(value)?)?),
        QType::Cname => RData::Cname(valid_name(&yaml_text(value)?)?),
        QType::Ns => RData::Ns(valid_name(&yaml_text(value)?)?),
        QType::Soa => return None,
    })
}

/// A running test DNS server; dropping it stops it.
pub struct DnsServer {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<ReceivedQuery>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl DnsServer {
    /// A builder with nothing in it (every name is REFUSED until a zone covers it).
    pub fn builder() -> DnsServerBuilder {
        DnsServerBuilder::default()
    }

    /// The address to send queries to (UDP and, unless UDP-only, TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port, to give several servers on 127.0.0.x the same one.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `IP:PORT`, as `--nameserver` takes it.
    pub fn nameserver_arg(&self) -> String {
        self.addr.to_string()
    }

    /// Every question received so far, in order.
    pub fn received(&self) -> Vec<ReceivedQuery> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many questions were received so far.
    pub fn received_count(&self) -> usize {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn absolute(name: &str) -> String {
    let name = normalize_name(name);
    format!("{name}.")
}

fn name(text: &str) -> Name {
    let fqdn = absolute(text);
    Name::from_ascii(&fqdn)
        .or_else(|_| Name::from_utf8(&fqdn))
        // Labels may hold any octets (`foo:bar/baz`, spaces from SPF macros): take them raw.
        .or_else(|_| Name::from_labels(text.trim_end_matches('.').split('.').map(str::as_bytes)))
        .unwrap_or_else(|e| panic!("bad test name {text:?}: {e}"))
}

/// The first `$ORIGIN` of a zone file.
fn zone_origin(path: &Path) -> String {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read zone {}: {e}", path.display()));
    text.lines()
        .find_map(|line| {
            let mut words = line.split_whitespace();
            words.next().filter(|w| w.eq_ignore_ascii_case("$ORIGIN"))?;
            words.next().map(normalize_name)
        })
        .unwrap_or_else(|| {
            panic!(
                "zone {} has no $ORIGIN: use zone_file_with_origin",
                path.display()
            )
        })
}

/// Binds UDP (and TCP) on one port, retrying ephemeral ports taken by other tests.
fn bind(ip: IpAddr, port: u16, udp_only: bool) -> (UdpSocket, Option<TcpListener>) {
    for _ in 0..50 {
        if udp_only {
            let udp = UdpSocket::bind((ip, port)).expect("bind UDP");
            return (udp, None);
        }
        let tcp = match TcpListener::bind((ip, port)) {
            Ok(tcp) => tcp,
            Err(e) if port != 0 => panic!("bind TCP {ip}:{port}: {e}"),
            Err(_) => continue,
        };
        let chosen = tcp.local_addr().expect("bound TCP address").port();
        match UdpSocket::bind((ip, chosen)) {
            Ok(udp) => return (udp, Some(tcp)),
            Err(e) if port != 0 => panic!("bind UDP {ip}:{port}: {e}"),
            Err(_) => continue,
        }
    }
    panic!("no free port on {ip} for UDP and TCP together");
}

fn serve(
    handler: FaultyCatalog,
    udp: UdpSocket,
    tcp: Option<TcpListener>,
    stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("build the DNS server runtime");
    runtime.block_on(async move {
        let mut server = Server::new(handler);
        udp.set_nonblocking(true).expect("non-blocking UDP");
        server.register_socket(tokio::net::UdpSocket::from_std(udp).expect("tokio UDP"));
        if let Some(tcp) = tcp {
            tcp.set_nonblocking(true).expect("non-blocking TCP");
            server.register_listener(
                tokio::net::TcpListener::from_std(tcp).expect("tokio TCP"),
                Duration::from_secs(5),
                64 * 1024,
            );
        }
        let _ = stopped.await;
        // Dropping the runtime below cancels the server tasks without waiting for clients'
        // idle TCP connections.
        drop(server);
    });
}

/// Groups in-memory records into zones: the root, plus one zone at each name that owns NS or
/// SOA records (so that an NS set is a zone apex, not a delegation). Each zone gets an SOA.
fn memory_zones(records: &[(String, QType, u32, RData)]) -> Vec<(String, Arc<dyn ZoneHandler>)> {
    if records.is_empty() {
        return Vec::new();
    }
    let mut origins: BTreeSet<String> = records
        .iter()
        .filter(|(_, qtype, _, _)| matches!(qtype, QType::Ns | QType::Soa))
        .map(|(name, ..)| name.clone())
        .collect();
    origins.insert(String::new());
    let zone_of = |owner: &str| {
        origins
            .iter()
            .filter(|o| o.is_empty() || owner == o.as_str() || owner.ends_with(&format!(".{o}")))
            .max_by_key(|o| o.len())
            .cloned()
            .unwrap_or_default()
    };
    let mut zones: BTreeMap<String, Vec<&(String, QType, u32, RData)>> = BTreeMap::new();
    for record in records {
        zones.entry(zone_of(&record.0)).or_default().push(record);
    }
    zones
        .into_iter()
        .map(|(origin, records)| {
            let mut zone: InMemoryZoneHandler =
                InMemoryZoneHandler::empty(name(&origin), ZoneType::Primary, AxfrPolicy::Deny);
            let serial = 1;
            if !records.iter().any(|r| r.1 == QType::Soa) {
                let soa = rdata::SOA::new(
                    name("ns.invalid"),
                    name("hostmaster.invalid"),
                    serial,
                    3600,
                    600,
                    86_400,
                    60,
                );
                zone.upsert_mut(
                    ProtoRecord::from_rdata(name(&origin), 3600, ProtoRData::SOA(soa)),
                    serial,
                );
            }
            for (owner, qtype, ttl, data) in records {
                let record = ProtoRecord::from_rdata(name(owner), *ttl, proto_rdata(*qtype, data));
                // False for an identical record already there (DNS holds a set, as the suite's
                // two identical SPF records at example7.com show) or a CNAME beside other data.
                let _ = zone.upsert_mut(record, serial);
            }
            let handler: Arc<dyn ZoneHandler> = Arc::new(zone);
            (origin, handler)
        })
        .collect()
}

/// Our record data in hickory's form; SPF-type (99) records as raw character-strings.
pub fn proto_rdata(qtype: QType, data: &RData) -> ProtoRData {
    match (qtype, data) {
        (QType::Spf, RData::Txt(strings)) => {
            let mut wire = Vec::new();
            for s in strings {
                let s = &s[..s.len().min(255)];
                wire.push(s.len() as u8);
                wire.extend_from_slice(s);
            }
            ProtoRData::Unknown {
                code: RecordType::from(99),
                // NULL::with refuses empty data (the suite has `SPF: [ ]`).
                rdata: if wire.is_empty() {
                    NULL::new()
                } else {
                    NULL::with(wire)
                },
            }
        }
        (_, RData::Txt(strings)) => {
            ProtoRData::TXT(TXT::from_bytes(strings.iter().map(Vec::as_slice).collect()))
        }
        (_, RData::A(ip)) => ProtoRData::A(rdata::A(*ip)),
        (_, RData::Aaaa(ip)) => ProtoRData::AAAA(rdata::AAAA(*ip)),
        (
            _,
            RData::Mx {
                preference,
                exchange,
            },
        ) => ProtoRData::MX(rdata::MX::new(*preference, name(exchange))),
        (_, RData::Ptr(target)) => ProtoRData::PTR(rdata::PTR(name(target))),
        (_, RData::Ns(target)) => ProtoRData::NS(rdata::NS(name(target))),
        (_, RData::Cname(target)) => ProtoRData::CNAME(rdata::CNAME(name(target))),
        (
            _,
            RData::Soa {
                mname,
                rname,
                serial,
            },
        ) => ProtoRData::SOA(rdata::SOA::new(
            name(mname),
            name(rname),
            *serial,
            3600,
            600,
            86_400,
            60,
        )),
    }
}

/// The catalog, behind the faults.
struct FaultyCatalog {
    catalog: Catalog,
    faults: HashMap<(String, Option<QType>), Fault>,
    log: Arc<Mutex<Vec<ReceivedQuery>>>,
}

impl FaultyCatalog {
    fn fault_for(&self, request: &Request) -> Option<Fault> {
        let info = request.request_info().ok()?;
        let name = normalize_name(&info.query.name().to_string());
        let rtype = u16::from(info.query.query_type());
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ReceivedQuery {
                name: name.clone(),
                rtype,
                tcp: info.protocol == Protocol::Tcp,
            });
        let qtype = qtype_of(rtype);
        qtype
            .and_then(|t| self.faults.get(&(name.clone(), Some(t))))
            .or_else(|| self.faults.get(&(name, None)))
            .copied()
    }
}

fn qtype_of(rtype: u16) -> Option<QType> {
    let known = [
        (1, QType::A),
        (28, QType::Aaaa),
        (15, QType::Mx),
        (16, QType::Txt),
        (12, QType::Ptr),
        (2, QType::Ns),
        (6, QType::Soa),
        (5, QType::Cname),
        (99, QType::Spf),
    ];
    known.iter().find(|(n, _)| *n == rtype).map(|(_, t)| *t)
}

// `RequestHandler` is declared with `#[async_trait]`; this is its expansion, written out so
// that the tests need no extra dependency.
impl RequestHandler for FaultyCatalog {
    fn handle_request<'life0, 'life1, 'async_trait, R, T>(
        &'life0 self,
        request: &'life1 Request,
        mut response_handle: R,
    ) -> Pin<Box<dyn Future<Output = ResponseInfo> + Send + 'async_trait>>
    where
        R: 'async_trait + ResponseHandler,
        T: 'async_trait + Time,
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move {
            let code = match self.fault_for(request) {
                None => {
                    return self
                        .catalog
                        .handle_request::<R, T>(request, response_handle)
                        .await;
                }
                Some(Fault::BlackHole) => {
                    let metadata = Metadata::response_from_request(&request.metadata);
                    return ResponseInfo::from(Header {
                        metadata,
                        counts: HeaderCounts::default(),
                    });
                }
                Some(Fault::ServFail) => ResponseCode::ServFail,
                Some(Fault::Refused) => ResponseCode::Refused,
            };
            let response = MessageResponseBuilder::new(&request.queries, None)
                .error_msg(&request.metadata, code);
            match response_handle.send_response(response).await {
                Ok(info) => info,
                Err(_) => {
                    let mut metadata = Metadata::response_from_request(&request.metadata);
                    metadata.response_code = ResponseCode::ServFail;
                    ResponseInfo::from(Header {
                        metadata,
                        counts: HeaderCounts::default(),
                    })
                }
            }
        })
    }
}
