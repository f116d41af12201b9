//! The DNS layer against a real DNS server on loopback: every outcome type, truncation and
//! TCP, the per-run cache, the overlay and zone-only mode, per-server resolvers.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::Deserialize;

use bouncedoc::dns::{DnsAnswer, DnsOptions, Lookup, Overlay, QType, RData, Resolver, Transport};

use crate::support::dns_server::{DnsServer, Fault, zones_dir};

const TIMEOUT: Duration = Duration::from_secs(2);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn zone(name: &str) -> PathBuf {
    zones_dir().join(format!("{name}.zone"))
}

fn example_server() -> DnsServer {
    DnsServer::builder().zone_fixture("example.com").start()
}

fn resolver_for(server: &DnsServer) -> Resolver {
    Resolver::for_server(server.addr(), TIMEOUT).expect("resolver")
}

fn a(ip: &str) -> RData {
    RData::A(ip.parse().expect("IPv4 literal"))
}

fn joined(answer: &DnsAnswer) -> Vec<String> {
    let mut texts: Vec<String> = answer
        .records()
        .iter()
        .filter_map(RData::txt_joined)
        .collect();
    texts.sort();
    texts
}

#[test]
fn records_of_every_type() {
    let server = example_server();
    let resolver = resolver_for(&server);
    let rt = runtime();
    let ask = |name: &str, qtype| rt.block_on(resolver.lookup(name, qtype));

    assert_eq!(
        ask("mx1.example.com", QType::A),
        DnsAnswer::Records {
            records: vec![a("192.0.2.25")],
            ttl: 300
        }
    );
    assert_eq!(
        ask("MX1.Example.COM.", QType::Aaaa).records(),
        &[RData::Aaaa("2001:db8::25".parse().unwrap())]
    );
    let mut mx = ask("example.com", QType::Mx).records().to_vec();
    mx.sort_by_key(|r| match r {
        RData::Mx { preference, .. } => *preference,
        _ => u16::MAX,
    });
    assert_eq!(
        mx,
        vec![
            RData::Mx {
                preference: 10,
                exchange: "mx1.example.com".into()
            },
            RData::Mx {
                preference: 20,
                exchange: "mx2.example.com".into()
            }
        ]
    );
    assert_eq!(
        joined(&ask("example.com", QType::Txt)),
        vec![
            "google-site-verification=abc123".to_string(),
            "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net -all".to_string()
        ]
    );
    // The DKIM key's two character-strings stay apart.
    assert_eq!(
        ask("sel1._domainkey.example.com", QType::Txt).records(),
        &[RData::Txt(vec![
            b"v=DKIM1; k=rsa; ".to_vec(),
            b"p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC".to_vec()
        ])]
    );
    assert_eq!(
        ask("example.com", QType::Ns).records(),
        &[RData::Ns("ns1.example.com".into())]
    );
    assert_eq!(
        ask("example.com", QType::Soa).records(),
        &[RData::Soa {
            mname: "ns1.example.com".into(),
            rname: "hostmaster.example.com".into(),
            serial: 2024010101
        }]
    );
    assert_eq!(
        ask("www.example.com", QType::Cname).records(),
        &[RData::Cname("web.example.com".into())]
    );
    // A chain of two CNAMEs is followed; only the asked type is kept.
    assert_eq!(
        ask("www.example.com", QType::A).records(),
        &[a("192.0.2.80")]
    );
}

#[test]
fn nxdomain_and_no_data_are_told_apart() {
    let server = example_server();
    let resolver = resolver_for(&server);
    let rt = runtime();
    let ask = |name: &str, qtype| rt.block_on(resolver.lookup(name, qtype));
    assert_eq!(ask("nope.example.com", QType::Txt), DnsAnswer::NxDomain);
    assert_eq!(ask("mx1.example.com", QType::Txt), DnsAnswer::NoData);
    assert_eq!(ask("mx1.example.com", QType::Spf), DnsAnswer::NoData);
    // An empty non-terminal exists (RFC 8020): no data, not NXDOMAIN.
    assert_eq!(ask("_domainkey.example.com", QType::Txt), DnsAnswer::NoData);
    // A CNAME to nothing: the end of the chain decides.
    assert_eq!(ask("dangling.example.com", QType::A), DnsAnswer::NxDomain);
    assert!(ask("nope.example.com", QType::A).is_empty_answer());
}

#[test]
fn servfail_refused_and_timeout() {
    let server = DnsServer::builder()
        .zone_fixture("example.com")
        .fault("broken.example.com", Fault::ServFail)
        .fault("closed.example.com", Fault::Refused)
        .fault_for("example.com", QType::Spf, Fault::ServFail)
        .timeout("slow.example.com")
        .start();
    let resolver = Resolver::for_server(server.addr(), Duration::from_millis(300)).unwrap();
    let rt = runtime();
    let ask = |name: &str, qtype| rt.block_on(resolver.lookup(name, qtype));

    assert_eq!(ask("broken.example.com", QType::Txt), DnsAnswer::ServFail);
    assert_eq!(ask("closed.example.com", QType::A), DnsAnswer::Refused);
    // A fault for one type leaves the others alone.
    assert_eq!(ask("example.com", QType::Spf), DnsAnswer::ServFail);
    assert_eq!(ask("example.com", QType::Ns).records().len(), 1);
    // A name outside every zone the server holds.
    assert_eq!(ask("example.org", QType::A), DnsAnswer::Refused);

    let start = Instant::now();
    let answer = ask("slow.example.com", QType::Txt);
    let elapsed = start.elapsed();
    assert_eq!(answer, DnsAnswer::Timeout);
    assert!(answer.is_failure());
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(3),
        "took {elapsed:?}"
    );
    // The client really asked (the server heard it) and got nothing back.
    assert!(
        server
            .received()
            .iter()
            .any(|q| q.name == "slow.example.com")
    );
}

#[test]
fn a_closed_port_times_out() {
    // Bind a UDP port and never read from it.
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    let resolver =
        Resolver::for_server_with(addr, Duration::from_millis(200), Transport::UdpOnly).unwrap();
    let answer = runtime().block_on(resolver.lookup("example.com", QType::A));
    assert_eq!(answer, DnsAnswer::Timeout);
}

#[test]
fn truncated_answers_are_retried_over_tcp() {
    let server = DnsServer::builder().zone_fixture("big-txt.example").start();
    let resolver = resolver_for(&server);
    let answer = runtime().block_on(resolver.lookup("big-txt.example", QType::Txt));
    let records = answer.records();
    assert_eq!(records.len(), 12, "{answer:?}");
    let bytes: usize = records
        .iter()
        .filter_map(RData::txt_joined)
        .map(|t| t.len())
        .sum();
    assert!(bytes > 4000, "only {bytes} bytes");
    let received = server.received();
    assert!(
        received.iter().any(|q| !q.tcp),
        "no UDP query: {received:?}"
    );
    assert!(received.iter().any(|q| q.tcp), "no TCP retry: {received:?}");
    assert_eq!(resolver.queries_sent(), 1);
}

#[test]
fn truncated_answers_without_tcp_are_not_taken_as_complete() {
    let server = DnsServer::builder()
        .zone_fixture("big-txt.example")
        .udp_only()
        .start();
    let resolver =
        Resolver::for_server(server.addr(), Duration::from_millis(500)).expect("resolver");
    let answer = runtime().block_on(resolver.lookup("big-txt.example", QType::Txt));
    // Without TCP the full set cannot be had: a failure, never a partial set of records.
    assert!(answer.is_failure(), "{answer:?}");
}

#[test]
fn tcp_only_resolvers_use_tcp() {
    let server = example_server();
    let resolver = Resolver::for_server_with(server.addr(), TIMEOUT, Transport::TcpOnly).unwrap();
    let answer = runtime().block_on(resolver.lookup("mx2.example.com", QType::A));
    assert_eq!(answer.records(), &[a("192.0.2.26")]);
    let received = server.received();
    assert!(
        !received.is_empty() && received.iter().all(|q| q.tcp),
        "{received:?}"
    );
}

#[test]
fn each_question_is_sent_once_per_run() {
    let server = example_server();
    let resolver = resolver_for(&server);
    let rt = runtime();
    let first = rt.block_on(resolver.lookup("example.com", QType::Mx));
    let second = rt.block_on(resolver.lookup("EXAMPLE.com.", QType::Mx));
    assert_eq!(first, second);
    // Negative answers are cached too.
    rt.block_on(resolver.lookup("nope.example.com", QType::A));
    rt.block_on(resolver.lookup("nope.example.com", QType::A));
    assert_eq!(resolver.queries_sent(), 2);
    assert_eq!(server.received_count(), 2);

    // Concurrent identical questions share one lookup; clones share the cache and counter.
    let answers = rt.block_on(async {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let clone = resolver.clone();
                tokio::spawn(async move { clone.query("mx1.example.com", QType::A).await })
            })
            .collect();
        let mut answers = Vec::new();
        for handle in handles {
            answers.push(handle.await.expect("task"));
        }
        answers
    });
    assert_eq!(answers.len(), 16);
    assert!(answers.iter().all(|x| x.records() == [a("192.0.2.25")]));
    assert_eq!(resolver.queries_sent(), 3);
    assert_eq!(server.received_count(), 3);
}

/// The questions the differential tests ask of both implementations.
const EXAMPLE_QUESTIONS: &[(&str, QType)] = &[
    ("example.com", QType::Txt),
    ("example.com", QType::Mx),
    ("example.com", QType::Ns),
    ("example.com", QType::Soa),
    ("example.com", QType::A),
    ("_dmarc.example.com", QType::Txt),
    ("sel1._domainkey.example.com", QType::Txt),
    ("_domainkey.example.com", QType::Txt),
    ("mx1.example.com", QType::A),
    ("mx1.example.com", QType::Aaaa),
    ("mx1.example.com", QType::Txt),
    ("www.example.com", QType::A),
    ("www.example.com", QType::Cname),
    ("dangling.example.com", QType::A),
    ("nope.example.com", QType::A),
];

fn sorted(answer: DnsAnswer) -> DnsAnswer {
    match answer {
        DnsAnswer::Records { mut records, ttl } => {
            records.sort_by_key(|r| format!("{r:?}"));
            DnsAnswer::Records { records, ttl }
        }
        other => other,
    }
}

#[test]
fn zone_only_mode_answers_like_a_server_of_the_same_zone() {
    // Our zone-file parser and overlay against hickory-server's parser and authority.
    let server = example_server();
    let live = resolver_for(&server);
    let mut overlay = Overlay::new();
    let count = overlay
        .add_zone_file(&zone("example.com"))
        .expect("zone parses");
    assert_eq!(count, 16);
    let offline = Resolver::zone_only(overlay);
    let rt = runtime();
    for (name, qtype) in EXAMPLE_QUESTIONS {
        let expected = sorted(rt.block_on(live.lookup(name, *qtype)));
        let got = sorted(rt.block_on(offline.lookup(name, *qtype)));
        assert_eq!(got, expected, "{name} {qtype}");
    }
    assert_eq!(offline.queries_sent(), 0);
    assert!(offline.is_zone_only());
}

#[test]
fn assumptions_answer_before_the_network() {
    let server = example_server();
    let mut overlay = Overlay::new();
    overlay
        .add_assumption(r#"example.com TXT "v=spf1 include:_spf.google.com -all""#)
        .unwrap();
    overlay
        .add_assumption("new.example.com A 203.0.113.5")
        .unwrap();
    let resolver = Resolver::new(DnsOptions {
        servers: vec![server.addr()],
        timeout: TIMEOUT,
        overlay,
        ..DnsOptions::default()
    })
    .unwrap();
    let rt = runtime();
    let ask = |name: &str, qtype| rt.block_on(resolver.lookup(name, qtype));
    assert_eq!(
        joined(&ask("example.com", QType::Txt)),
        vec!["v=spf1 include:_spf.google.com -all".to_string()]
    );
    assert_eq!(
        ask("new.example.com", QType::A).records(),
        &[a("203.0.113.5")]
    );
    assert_eq!(resolver.queries_sent(), 0);
    assert_eq!(server.received_count(), 0);
    // Other types and names still go to the network.
    assert_eq!(ask("example.com", QType::Mx).records().len(), 2);
    assert_eq!(ask("new.example.com", QType::Txt), DnsAnswer::NxDomain);
    assert_eq!(resolver.queries_sent(), 2);
}

#[test]
fn a_view_with_more_records_shares_the_cache_without_leaks() {
    let server = example_server();
    let resolver = resolver_for(&server);
    let rt = runtime();
    let live_txt = rt.block_on(resolver.lookup("example.com", QType::Txt));
    let live_www = rt.block_on(resolver.lookup("www.example.com", QType::A));
    let live_mx = rt.block_on(resolver.lookup("example.com", QType::Mx));
    assert_eq!(live_www.records(), &[a("192.0.2.80")]);
    assert_eq!(resolver.queries_sent(), 3);

    // The proposed fix: a new SPF record, and a new address at the end of the CNAME chain.
    let mut fix = Overlay::new();
    fix.add_assumption(r#"example.com TXT "v=spf1 mx -all""#)
        .unwrap();
    fix.add_assumption("host.example.com A 203.0.113.80")
        .unwrap();
    let view = resolver.with_overlay(&fix);
    assert_eq!(
        joined(&rt.block_on(view.lookup("example.com", QType::Txt))),
        vec!["v=spf1 mx -all".to_string()]
    );
    // The cached answer for www went through host.example.com: the override wins.
    assert_eq!(
        rt.block_on(view.lookup("www.example.com", QType::A))
            .records(),
        &[a("203.0.113.80")]
    );
    // What the view does not override comes from the shared cache: no new query.
    assert_eq!(rt.block_on(view.lookup("example.com", QType::Mx)), live_mx);
    assert_eq!(view.queries_sent(), 3);
    assert_eq!(server.received_count(), 3);
    // The original resolver is unchanged.
    assert_eq!(
        rt.block_on(resolver.lookup("example.com", QType::Txt)),
        live_txt
    );
    assert_eq!(
        rt.block_on(resolver.lookup("www.example.com", QType::A)),
        live_www
    );
    assert_eq!(resolver.queries_sent(), 3);
}

#[test]
fn zone_only_mode_never_asks_the_network() {
    let mut overlay = Overlay::new();
    overlay
        .add_assumption("mail.example.net A 198.51.100.7")
        .unwrap();
    overlay
        .add_assumption("alias.example.net CNAME mail.example.net")
        .unwrap();
    let resolver = Resolver::new(DnsOptions {
        // A server that would time out: zone-only mode must not even try it.
        servers: vec!["192.0.2.1:53".parse().unwrap()],
        zone_only: true,
        overlay,
        ..DnsOptions::default()
    })
    .unwrap();
    let rt = runtime();
    let ask = |name: &str, qtype| rt.block_on(resolver.lookup(name, qtype));
    assert_eq!(
        ask("alias.example.net", QType::A).records(),
        &[a("198.51.100.7")]
    );
    assert_eq!(ask("mail.example.net", QType::Mx), DnsAnswer::NoData);
    assert_eq!(ask("example.net", QType::Txt), DnsAnswer::NoData);
    assert_eq!(ask("example.org", QType::Txt), DnsAnswer::NxDomain);
    assert_eq!(resolver.queries_sent(), 0);
}

#[test]
fn each_authoritative_server_is_asked_on_its_own() {
    // Two "authoritative servers" of one zone on two loopback addresses and one port, the
    // second out of date, as the name-server comparison will meet them.
    let first = DnsServer::builder()
        .ip(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .record("example.org", "NS", "ns1.example.org")
        .record("example.org", "NS", "ns2.example.org")
        .record("ns1.example.org", "A", "127.0.0.2")
        .record("ns2.example.org", "A", "127.0.0.3")
        .record("example.org", "TXT", r#""v=spf1 ip4:192.0.2.0/24 -all""#)
        .start();
    let second = DnsServer::builder()
        .ip(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)))
        .port(first.port())
        .record("example.org", "NS", "ns1.example.org")
        .record("example.org", "NS", "ns2.example.org")
        .record("example.org", "TXT", r#""v=spf1 -all""#)
        .fault("stale.example.org", Fault::ServFail)
        .start();
    assert_eq!(second.port(), first.port());
    let rt = runtime();
    let ns = Resolver::for_server(first.addr(), TIMEOUT).unwrap();
    let mut servers = Vec::new();
    for record in rt.block_on(ns.lookup("example.org", QType::Ns)).records() {
        let RData::Ns(host) = record else {
            panic!("{record:?}")
        };
        for address in rt.block_on(ns.lookup(host, QType::A)).records() {
            let RData::A(ip) = address else {
                panic!("{address:?}")
            };
            servers.push(std::net::SocketAddr::new(IpAddr::V4(*ip), first.port()));
        }
    }
    servers.sort();
    assert_eq!(servers, vec![first.addr(), second.addr()]);
    let answers: Vec<Vec<String>> = servers
        .iter()
        .map(|addr| {
            let resolver = Resolver::for_server(*addr, TIMEOUT).unwrap();
            joined(&rt.block_on(resolver.lookup("example.org", QType::Txt)))
        })
        .collect();
    assert_eq!(
        answers,
        vec![
            vec!["v=spf1 ip4:192.0.2.0/24 -all".to_string()],
            vec!["v=spf1 -all".to_string()]
        ]
    );
    // Over TCP alone too.
    let tcp = Resolver::for_server_with(second.addr(), TIMEOUT, Transport::TcpOnly).unwrap();
    assert_eq!(
        joined(&rt.block_on(tcp.lookup("example.org", QType::Txt))),
        vec!["v=spf1 -all".to_string()]
    );
    assert_eq!(
        rt.block_on(tcp.lookup("stale.example.org", QType::A)),
        DnsAnswer::ServFail
    );
}

#[test]
fn records_given_in_code_include_spf_type_and_raw_bytes() {
    let server = DnsServer::builder()
        .record("example.net", "SPF", r#""v=spf1 -all""#)
        .rdata(
            "bytes.example.net",
            QType::Txt,
            RData::Txt(vec![b"v=spf1 a:\xef\xbb\xbfgarbage -all".to_vec()]),
        )
        .txt("split.example.net", &["v=spf1 ip4:", "192.0.2.5 -all"])
        .record("mail.example.net", "MX", "0 mx.example.net")
        .record("1.2.0.192.in-addr.arpa", "PTR", "mx.example.net")
        .timeout("slow.example.net")
        .start();
    let resolver = Resolver::for_server(server.addr(), Duration::from_millis(300)).unwrap();
    let rt = runtime();
    let ask = |name: &str, qtype| rt.block_on(resolver.lookup(name, qtype));
    assert_eq!(
        joined(&ask("example.net", QType::Spf)),
        vec!["v=spf1 -all".to_string()]
    );
    assert_eq!(ask("example.net", QType::Txt), DnsAnswer::NoData);
    assert_eq!(
        ask("bytes.example.net", QType::Txt).records(),
        &[RData::Txt(vec![
            b"v=spf1 a:\xef\xbb\xbfgarbage -all".to_vec()
        ])]
    );
    assert_eq!(
        ask("split.example.net", QType::Txt).records(),
        &[RData::Txt(vec![
            b"v=spf1 ip4:".to_vec(),
            b"192.0.2.5 -all".to_vec()
        ])]
    );
    assert_eq!(
        ask("mail.example.net", QType::Mx).records(),
        &[RData::Mx {
            preference: 0,
            exchange: "mx.example.net".into()
        }]
    );
    assert_eq!(
        ask("1.2.0.192.in-addr.arpa", QType::Ptr).records(),
        &[RData::Ptr("mx.example.net".into())]
    );
    assert_eq!(ask("nothing.example.net", QType::A), DnsAnswer::NxDomain);
    assert_eq!(ask("slow.example.net", QType::Txt), DnsAnswer::Timeout);
}

#[test]
fn starting_a_server_is_fast() {
    let start = Instant::now();
    let servers: Vec<DnsServer> = (0..5).map(|_| example_server()).collect();
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_millis(500),
        "5 starts took {elapsed:?}"
    );
    drop(servers);
}

#[test]
fn spf_suite_zonedata_is_served() {
    let yaml: serde_yaml::Value = serde_yaml::from_str(
        r#"
example.com:
  - TIMEOUT
e1.example.net:
  - SPF: v=spf1 -all exp=exp.example.net
  - TXT: [ "v=spf1 ip4:", "192.0.2.5 -all" ]
bom.example.net:
  - TXT: "v=spf1 a:\xEF\xBB\xBFgarbage.example.net -all"
mail.example.net:
  - A: 192.0.2.5
  - AAAA: 2001:db8::5
  - MX: [10, mx.example.net]
5.2.0.192.in-addr.arpa:
  - PTR: mail.example.net
alias.example.net:
  - CNAME: mail.example.net
"#,
    )
    .unwrap();
    let server = DnsServer::builder().zonedata(&yaml).start();
    let resolver = Resolver::for_server(server.addr(), Duration::from_millis(300)).unwrap();
    let rt = runtime();
    let ask = |name: &str, qtype| rt.block_on(resolver.lookup(name, qtype));
    assert_eq!(ask("example.com", QType::Txt), DnsAnswer::Timeout);
    assert_eq!(
        joined(&ask("e1.example.net", QType::Spf)),
        vec!["v=spf1 -all exp=exp.example.net".to_string()]
    );
    assert_eq!(
        ask("e1.example.net", QType::Txt).records(),
        &[RData::Txt(vec![
            b"v=spf1 ip4:".to_vec(),
            b"192.0.2.5 -all".to_vec()
        ])]
    );
    assert_eq!(
        ask("bom.example.net", QType::Txt).records(),
        &[RData::Txt(vec![
            b"v=spf1 a:\xef\xbb\xbfgarbage.example.net -all".to_vec()
        ])]
    );
    assert_eq!(
        ask("mail.example.net", QType::A).records(),
        &[a("192.0.2.5")]
    );
    assert_eq!(ask("mail.example.net", QType::Aaaa).records().len(), 1);
    assert_eq!(
        ask("mail.example.net", QType::Mx).records(),
        &[RData::Mx {
            preference: 10,
            exchange: "mx.example.net".into()
        }]
    );
    assert_eq!(
        ask("5.2.0.192.in-addr.arpa", QType::Ptr).records(),
        &[RData::Ptr("mail.example.net".into())]
    );
    assert_eq!(
        ask("alias.example.net", QType::A).records(),
        &[a("192.0.2.5")]
    );
}

#[test]
fn the_whole_spf_suite_zonedata_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/conformance/spf/rfc7208-tests.yml");
    let text = std::fs::read_to_string(&path).expect("the SPF suite fixture");
    let mut scenarios = 0;
    for document in serde_yaml::Deserializer::from_str(&text) {
        let scenario = serde_yaml::Value::deserialize(document).expect("YAML");
        let server = DnsServer::builder().zonedata(&scenario["zonedata"]).start();
        drop(server);
        scenarios += 1;
    }
    assert!(scenarios >= 15, "only {scenarios} scenarios");
}
