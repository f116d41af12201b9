//! The OpenSPF RFC 7208 test suite (`fixtures/conformance/spf/rfc7208-tests.yml`): every case
//! through check_host(), each scenario's zonedata served by a real DNS server on loopback.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use bouncedoc::dns::{QType, RData};
use bouncedoc::spf::{CheckHost, EvalOptions, SpfResult, check_host};
use serde_yaml::Value;

use crate::support::dns_server::{DnsServer, Fault};
use bouncedoc::dns::Lookup;
use bouncedoc::dns::Resolver;

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/conformance/spf/rfc7208-tests.yml"
);

/// One zonedata entry, after the suite's driver rules (see the fixture README).
#[derive(Debug, Clone)]
pub enum Entry {
    Record(String, QType, RData),
    /// Queries of `name` time out for every type not in the list.
    Timeout(String, Vec<QType>),
}

pub struct Case {
    pub scenario: String,
    pub name: String,
    pub spec: String,
    pub host: IpAddr,
    pub mailfrom: String,
    pub helo: String,
    pub results: Vec<SpfResult>,
    pub explanation: Option<String>,
}

pub struct Scenario {
    pub entries: Vec<Entry>,
    pub cases: Vec<Case>,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A TXT record's character-strings. DNS cannot carry a TXT record of no strings at all (the
/// suite's `SPF: [ ]`; hickory refuses to decode one), so that one is served as one empty string:
/// equally not an SPF record, which is what the case tests.
fn txt_strings(v: &Value) -> Vec<Vec<u8>> {
    match v {
        Value::Sequence(items) if items.is_empty() => vec![Vec::new()],
        Value::Sequence(items) => items.iter().map(|i| text(i).into_bytes()).collect(),
        other => vec![text(other).into_bytes()],
    }
}

fn name_of(v: &Value) -> String {
    text(v).trim_end_matches('.').to_ascii_lowercase()
}

/// Zonedata → entries: SPF strings copied to TXT unless the name has TXT (or `TXT: NONE`),
/// `TIMEOUT` times out every type not listed before it.
fn entries(zonedata: &Value) -> Vec<Entry> {
    let mut out = Vec::new();
    let Value::Mapping(map) = zonedata else {
        return out;
    };
    for (owner, list) in map {
        let owner = name_of(owner);
        let list = list.as_sequence().cloned().unwrap_or_default();
        let has_txt = list
            .iter()
            .any(|e| e.as_mapping().is_some_and(|m| m.contains_key("TXT")));
        let mut listed = Vec::new();
        for item in &list {
            if text(item) == "TIMEOUT" {
                out.push(Entry::Timeout(owner.clone(), listed.clone()));
                continue;
            }
            let Some(m) = item.as_mapping() else { continue };
            for (k, v) in m {
                let kind = text(k);
                let (qtype, rdata) = match kind.as_str() {
                    // `TXT: NONE` only stops the SPF→TXT copying; it lists nothing.
                    "TXT" if text(v) == "NONE" => continue,
                    "TXT" => (QType::Txt, RData::Txt(txt_strings(v))),
                    "SPF" => {
                        if !has_txt {
                            let rdata = RData::Txt(txt_strings(v));
                            out.push(Entry::Record(owner.clone(), QType::Txt, rdata));
                            listed.push(QType::Txt);
                        }
                        (QType::Spf, RData::Txt(txt_strings(v)))
                    }
                    "A" => (QType::A, RData::A(text(v).parse().expect("A"))),
                    "AAAA" => (QType::Aaaa, RData::Aaaa(text(v).parse().expect("AAAA"))),
                    "PTR" => (QType::Ptr, RData::Ptr(name_of(v))),
                    "CNAME" => (QType::Cname, RData::Cname(name_of(v))),
                    "MX" => {
                        let pair = v.as_sequence().cloned().unwrap_or_default();
                        let preference = pair.first().and_then(Value::as_u64).unwrap_or(0) as u16;
                        let exchange = pair.get(1).map(name_of).unwrap_or_default();
                        (
                            QType::Mx,
                            RData::Mx {
                                preference,
                                exchange,
                            },
                        )
                    }
                    other => panic!("unknown zonedata type {other}"),
                };
                listed.push(qtype);
                out.push(Entry::Record(owner.clone(), qtype, rdata));
            }
        }
    }
    out
}

fn results(v: &Value) -> Vec<SpfResult> {
    let names: Vec<String> = match v {
        Value::Sequence(items) => items.iter().map(text).collect(),
        other => vec![text(other)],
    };
    names
        .iter()
        .map(|n| SpfResult::from_name(n).unwrap_or_else(|| panic!("unknown result {n}")))
        .collect()
}

pub fn load() -> Vec<Scenario> {
    let data = std::fs::read_to_string(SUITE).expect("read the suite");
    let mut scenarios = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(&data) {
        let doc = Value::deserialize(doc).expect("YAML");
        let description = text(&doc["description"]);
        let mut cases = Vec::new();
        if let Value::Mapping(tests) = &doc["tests"] {
            for (name, t) in tests {
                let spec = match &t["spec"] {
                    Value::Sequence(s) => s.iter().map(text).collect::<Vec<_>>().join(", "),
                    other => text(other),
                };
                cases.push(Case {
                    scenario: description.clone(),
                    name: text(name),
                    spec,
                    host: text(&t["host"]).parse().expect("host"),
                    mailfrom: text(&t["mailfrom"]),
                    helo: text(&t["helo"]),
                    results: results(&t["result"]),
                    explanation: t.get("explanation").map(text),
                });
            }
        }
        scenarios.push(Scenario {
            entries: entries(&doc["zonedata"]),
            cases,
        });
    }
    scenarios
}

use serde::Deserialize;

#[test]
fn rfc7208_suite_all_pass() {
    let scenarios = load();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let start = Instant::now();
    let mut total = 0;
    let mut passed = 0;
    let mut queries = 0u64;
    let mut received = 0usize;
    let mut failures = Vec::new();
    let mut non_preferred = Vec::new();
    for scenario in &scenarios {
        let served = serve(&scenario.entries, Duration::from_millis(200));
        for case in &scenario.cases {
            total += 1;
            let args = CheckHost::mail_from(case.host, &case.mailfrom, &case.helo);
            let opts = EvalOptions {
                default_explanation: "DEFAULT".to_string(),
                ..EvalOptions::default()
            };
            let outcome = runtime.block_on(check_host(served.lookup(), &args, &opts));
            queries += u64::from(outcome.dns_queries);
            let result_ok = case.results.contains(&outcome.result);
            // Explanations compared case-insensitively: `%{i}` nibbles of IPv6 are hex digits
            // whose case the suite takes from how the address was written.
            let exp_ok = match (&case.explanation, &outcome.explanation) {
                (None, _) => true,
                (Some(want), Some(got)) => want.eq_ignore_ascii_case(got),
                (Some(_), None) => false,
            };
            if result_ok && exp_ok {
                passed += 1;
                if outcome.result != case.results[0] {
                    non_preferred.push(format!("{} ({})", case.name, outcome.result));
                }
            } else {
                failures.push(format!(
                    "FAIL {} [{}] spec {}: want {:?} {:?}, got {} {:?} ({:?})",
                    case.name,
                    case.scenario,
                    case.spec,
                    case.results,
                    case.explanation,
                    outcome.result,
                    outcome.explanation,
                    outcome.cause,
                ));
            }
        }
        received += served.server.received_count();
    }
    for f in &failures {
        eprintln!("{f}");
    }
    eprintln!(
        "rfc7208 suite: {passed}/{total} pass ({} with a non-preferred result: {}), {queries} DNS \
         questions asked by check_host, {received} received by the server, {:.2?}",
        non_preferred.len(),
        non_preferred.join(", "),
        start.elapsed()
    );
    assert_eq!(total, 203, "the suite has 203 cases");
    assert!(failures.is_empty(), "{} failing cases", failures.len());
}

/// A scenario's zonedata served by the loopback DNS server, and a resolver asking only it.
struct Served {
    server: DnsServer,
    resolver: Resolver,
}

impl Served {
    fn lookup(&self) -> &dyn Lookup {
        &self.resolver
    }
}

/// Every type the evaluator may ask, for `TIMEOUT` entries.
const ALL_TYPES: &[QType] = &[
    QType::A,
    QType::Aaaa,
    QType::Mx,
    QType::Txt,
    QType::Ptr,
    QType::Spf,
    QType::Cname,
];

fn serve(entries: &[Entry], timeout: Duration) -> Served {
    let mut builder = DnsServer::builder();
    for entry in entries {
        match entry {
            Entry::Record(name, qtype, rdata) => {
                builder = builder.rdata(name, *qtype, rdata.clone());
            }
            Entry::Timeout(name, answered) => {
                for qtype in ALL_TYPES.iter().filter(|t| !answered.contains(t)) {
                    builder = builder.fault_for(name, *qtype, Fault::BlackHole);
                }
            }
        }
    }
    let server = builder.start();
    let resolver = Resolver::for_server(server.addr(), timeout).expect("resolver");
    Served { server, resolver }
}
