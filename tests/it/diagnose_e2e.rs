//! The whole diagnosis as a user runs it: a bounce (pasted text or .eml from `fixtures/e2e/`)
//! diagnosed against the loopback DNS server serving one `fixtures/zones/spf-<case>.zone` per
//! cause. Each test checks the headline cause, the exact record proposed and that the record
//! was verified by re-running SPF with it in place.

use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::path::PathBuf;
use std::time::Instant;

use bouncedoc::dns::QType;
use serde_json::Value;

use crate::cli::{Run, run_bouncedoc};
use crate::support::dns_server::{DnsServer, Fault};

fn input(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fixtures", "e2e", name]
        .iter()
        .collect();
    path.to_string_lossy().into_owned()
}

fn seed(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "fixtures", "text", name]
        .iter()
        .collect();
    path.to_string_lossy().into_owned()
}

fn zone_server(zone: &str) -> DnsServer {
    DnsServer::builder().zone_fixture(zone).start()
}

/// `bouncedoc --nameserver SERVER --timeout 2 --json ARGS...`: the JSON report of one input.
fn diagnose(server: &DnsServer, args: &[&str]) -> Value {
    let ns = server.nameserver_arg();
    let mut all = vec!["--nameserver", ns.as_str(), "--timeout", "2", "--json"];
    all.extend_from_slice(args);
    report(&run_bouncedoc(&all, b""))
}

fn report(run: &Run) -> Value {
    assert_eq!(
        run.code, 0,
        "stderr: {}\nstdout: {}",
        run.stderr, run.stdout
    );
    serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {}\nstderr: {}", run.stdout, run.stderr))
}

fn causes(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["cause"].as_str()).collect())
        .unwrap_or_default()
}

/// The headline finding, checked to have `cause`.
fn headline<'a>(report: &'a Value, cause: &str) -> &'a Value {
    let first = &report["findings"][0];
    assert_eq!(
        first["cause"],
        cause,
        "causes {:?}; headline {}",
        causes(report),
        serde_json::to_string_pretty(first).unwrap()
    );
    first
}

/// The finding's fix is this record at `name`, and re-running SPF with it passes.
fn assert_verified_record(finding: &Value, name: &str, value: &str) {
    assert_eq!(finding["fix"]["name"], name, "{finding:#}");
    assert_eq!(finding["fix"]["type"], "TXT", "{finding:#}");
    assert_eq!(finding["fix"]["value"], value, "{finding:#}");
    assert_eq!(finding["verified"], true, "{finding:#}");
    assert_eq!(finding["verification"]["result"], "pass", "{finding:#}");
}

fn evidence(finding: &Value) -> Vec<&str> {
    finding["evidence"]
        .as_array()
        .map(|e| e.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn has_evidence(finding: &Value, needle: &str) -> bool {
    evidence(finding).iter().any(|l| l.contains(needle))
}

// --- spf_include_missing ----------------------------------------------------------------------

#[test]
fn include_missing_provider_found_by_ptr_name() {
    let server = zone_server("spf-include-missing-by-ptr");
    let report = diagnose(&server, &[&input("include-missing-by-ptr.txt")]);
    let f = headline(&report, "spf_include_missing");
    assert_verified_record(
        f,
        "shop.example",
        "v=spf1 mx include:_spf.google.com include:sendgrid.net -all",
    );
    assert!(f["summary"].as_str().unwrap().contains("SendGrid"), "{f:#}");
    assert!(has_evidence(f, "PTR o1.ptr1234.sendgrid.net"), "{f:#}");
    let providers = &report["checks"]["providers"];
    assert_eq!(providers[0]["named_by_ptr"], true, "{providers:#}");
}

#[test]
fn include_missing_provider_found_only_by_evaluating_catalog_includes() {
    let server = zone_server("spf-include-missing-by-include");
    let report = diagnose(&server, &[&input("include-missing-by-include.txt")]);
    let f = headline(&report, "spf_include_missing");
    assert_verified_record(f, "shop.example", "v=spf1 mx include:spf.mailjet.com -all");
    assert!(f["summary"].as_str().unwrap().contains("Mailjet"), "{f:#}");
    let providers = report["checks"]["providers"].as_array().unwrap();
    assert_eq!(providers.len(), 1, "{providers:?}");
    assert_eq!(providers[0]["named_by_ptr"], false);
    assert_eq!(
        report["checks"]["rdns"]["names"].as_array().unwrap().len(),
        0
    );
}

#[test]
fn include_missing_hosting_company_outside_the_catalog_via_ptr_org_domain() {
    let server = zone_server("spf-include-missing-hosting");
    let report = diagnose(&server, &[&input("include-missing-hosting.txt")]);
    let f = headline(&report, "spf_include_missing");
    // The include the hosting company publishes for customers, not the bare address.
    assert_verified_record(
        f,
        "shop.example",
        "v=spf1 mx include:_spf.hostco.example -all",
    );
    assert!(!f["fix"]["value"].as_str().unwrap().contains("ip4:"));
    assert!(
        has_evidence(f, "out40.smtp.hostco.example"),
        "the PTR name is the evidence: {f:#}"
    );
}

#[test]
fn include_fix_over_the_lookup_limit_says_so() {
    let server = zone_server("spf-include-over-limit");
    let report = diagnose(&server, &[&input("include-over-limit.txt")]);
    let f = headline(&report, "spf_include_missing");
    let value = f["fix"]["value"].as_str().unwrap();
    assert!(value.contains("include:sendgrid.net"), "{value}");
    assert_eq!(f["verified"], false, "{f:#}");
    assert_eq!(f["verification"]["lookups"], 11, "{f:#}");
    assert!(
        f["summary"].as_str().unwrap().contains("11/10 DNS lookups"),
        "{f:#}"
    );
}

// --- the domain's own server ------------------------------------------------------------------

#[test]
fn stale_ip_of_the_mx_host_is_replaced() {
    let server = zone_server("spf-stale-ip");
    let report = diagnose(&server, &[&input("stale-ip.txt")]);
    let f = headline(&report, "spf_stale_ip");
    assert_verified_record(
        f,
        "moved.example",
        "v=spf1 ip4:192.0.2.30 include:_spf.google.com -all",
    );
    assert!(
        f["summary"].as_str().unwrap().contains("ip4:192.0.2.10"),
        "{f:#}"
    );
    assert!(has_evidence(f, "mail.moved.example"), "{f:#}");
}

// --- the record itself ------------------------------------------------------------------------

#[test]
fn no_record_gets_one_for_the_mx_host() {
    let server = zone_server("spf-no-record");
    let report = diagnose(&server, &[&input("no-record.txt")]);
    let f = headline(&report, "spf_no_record");
    assert_verified_record(f, "bare.example", "v=spf1 mx -all");
    assert!(
        f["fix"]["steps"][0]
            .as_str()
            .unwrap()
            .starts_with("Publish")
    );
}

#[test]
fn multiple_records_are_merged() {
    let server = zone_server("spf-multiple-records");
    let report = diagnose(&server, &[&input("multiple-records.txt")]);
    let f = headline(&report, "spf_multiple_records");
    assert_verified_record(
        f,
        "twice.example",
        "v=spf1 include:_spf.google.com include:sendgrid.net -all",
    );
    assert_eq!(report["checks"]["spf"][0]["outcome"]["result"], "permerror");
}

#[test]
fn syntax_error_names_the_position_and_corrects_the_term() {
    let server = zone_server("spf-syntax-error");
    let report = diagnose(&server, &[&input("syntax-error.txt")]);
    let f = headline(&report, "spf_syntax_error");
    assert_verified_record(f, "typo.example", "v=spf1 mx include:_spf.google.com -all");
    let summary = f["summary"].as_str().unwrap();
    assert!(summary.contains("byte 10"), "{summary}");
    assert!(summary.contains("inlcude:_spf.google.com"), "{summary}");
}

#[test]
fn too_many_lookups_lists_what_each_term_costs() {
    let server = zone_server("spf-too-many-lookups");
    let report = diagnose(&server, &[&input("too-many-lookups.txt")]);
    let f = headline(&report, "spf_too_many_lookups");
    assert!(
        f["summary"].as_str().unwrap().contains("11 DNS lookups"),
        "{f:#}"
    );
    assert!(has_evidence(f, "lookups 11/10"), "{f:#}");
    assert!(has_evidence(f, "include:_spf.google.com costs 2"), "{f:#}");
    assert!(has_evidence(f, "include:sendgrid.net costs 1"), "{f:#}");
    assert!(has_evidence(f, "mx costs 1"), "{f:#}");
    // The costliest term comes first.
    let costs: Vec<&str> = evidence(f)
        .into_iter()
        .filter(|l| l.contains(" costs "))
        .collect();
    assert_eq!(costs.len(), 10, "{costs:?}");
    assert!(costs[0].contains("_spf.google.com"), "{costs:?}");
    assert!(
        f["fix"]["steps"][0]
            .as_str()
            .unwrap()
            .contains("at least 1 lookup:")
    );
}

#[test]
fn void_lookups_drop_the_deleted_hosts() {
    let server = zone_server("spf-void-lookups");
    let report = diagnose(&server, &[&input("void-lookups.txt")]);
    let f = headline(&report, "spf_void_lookups");
    assert_verified_record(f, "voids.example", "v=spf1 mx -all");
    for host in ["old1", "old2", "old3"] {
        assert!(has_evidence(f, &format!("a:{host}.voids.example")), "{f:#}");
    }
}

#[test]
fn unknown_ip_gets_its_address_added_with_a_caveat() {
    let server = zone_server("spf-ip-not-authorized");
    let report = diagnose(&server, &[&input("ip-not-authorized.txt")]);
    let f = headline(&report, "spf_ip_not_authorized");
    assert_verified_record(f, "plain.example", "v=spf1 mx ip4:203.0.113.99 -all");
    assert!(
        f["fix"]["steps"][0]
            .as_str()
            .unwrap()
            .starts_with("Only if")
    );
}

// --- DNS failing ------------------------------------------------------------------------------

#[test]
fn servfail_on_the_txt_is_a_dns_failure() {
    let server = DnsServer::builder()
        .zone_fixture("spf-dns-failure")
        .fault_for("flaky.example", QType::Txt, Fault::ServFail)
        .start();
    let report = diagnose(&server, &[&input("dns-failure-servfail.txt")]);
    let f = headline(&report, "dns_failure");
    assert!(f["summary"].as_str().unwrap().contains("SERVFAIL"), "{f:#}");
    assert_eq!(report["checks"]["spf"][0]["outcome"]["result"], "temperror");
    assert!(f["fix"]["value"].is_null());
}

#[test]
fn black_holed_include_with_a_short_timeout_is_a_dns_failure() {
    let server = DnsServer::builder()
        .zone_fixture("spf-dns-failure")
        .fault("_spf.slowhost.example", Fault::BlackHole)
        .start();
    let ns = server.nameserver_arg();
    let started = Instant::now();
    let run = run_bouncedoc(
        &[
            "--nameserver",
            &ns,
            "--timeout",
            "0.3",
            "--json",
            &input("dns-failure-timeout.txt"),
        ],
        b"",
    );
    let elapsed = started.elapsed();
    let report = report(&run);
    let f = headline(&report, "dns_failure");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("_spf.slowhost.example"),
        "{f:#}"
    );
    assert_eq!(report["checks"]["spf"][0]["outcome"]["result"], "temperror");
    let asked = server
        .received()
        .iter()
        .filter(|q| q.name == "_spf.slowhost.example")
        .count();
    // The run caches the timeout: the silent name is not asked again by every check.
    assert!((1..=2).contains(&asked), "asked {asked} times");
    assert!(elapsed.as_secs() < 10, "took {elapsed:?}");
}

#[test]
fn missing_sender_domain_is_nxdomain() {
    let server = zone_server("spf-sender-domain-missing");
    let report = diagnose(&server, &[&input("sender-domain-missing.txt")]);
    let f = headline(&report, "sender_domain_missing");
    assert!(
        f["summary"].as_str().unwrap().contains("gone.example"),
        "{f:#}"
    );
    assert_eq!(report["checks"]["domain_status"]["status"], "missing");
}

#[test]
fn unreachable_dns_still_prints_the_offline_diagnosis() {
    // A bound socket that never reads: every question times out.
    let silent = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let ns = silent.local_addr().unwrap().to_string();
    let run = run_bouncedoc(
        &[
            "--nameserver",
            &ns,
            "--timeout",
            "0.2",
            "--json",
            &input("include-missing-by-ptr.txt"),
        ],
        b"",
    );
    let report = report(&run);
    headline(&report, "dns_unreachable");
    assert_eq!(report["checks"]["dns_reachable"], false);
    assert_eq!(report["recipients"][0]["reason"], "authfailure");
}

// --- name servers -----------------------------------------------------------------------------

/// Two authoritative servers on 127.0.0.2 and 127.0.0.3 sharing one port (retrying when the
/// port is taken on the second address).
fn authoritative_pair(second: &str, second_udp_only: bool) -> (DnsServer, DnsServer) {
    for _ in 0..20 {
        let ns1 = DnsServer::builder()
            .ip(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
            .zone_fixture("spf-nameservers-disagree")
            .start();
        let port = ns1.port();
        let free = std::net::TcpListener::bind((Ipv4Addr::new(127, 0, 0, 3), port)).is_ok()
            && UdpSocket::bind((Ipv4Addr::new(127, 0, 0, 3), port)).is_ok();
        if !free {
            continue;
        }
        let mut builder = DnsServer::builder()
            .ip(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)))
            .port(port)
            .zone_fixture(second);
        if second_udp_only {
            builder = builder.udp_only();
        }
        return (ns1, builder.start());
    }
    panic!("no port free on both 127.0.0.2 and 127.0.0.3");
}

#[test]
fn nameservers_serving_different_records_are_the_headline() {
    let primary = zone_server("spf-nameservers-disagree");
    let (ns1, ns2) = authoritative_pair("spf-nameservers-disagree-stale", false);
    let port = ns1.port().to_string();
    let report = diagnose(
        &primary,
        &["--ns-port", &port, &input("nameservers-disagree.txt")],
    );
    let f = headline(&report, "nameservers_disagree");
    assert!(
        has_evidence(f, "ns2.split.example (127.0.0.3) over UDP"),
        "{f:#}"
    );
    assert!(has_evidence(f, "serial 2026010101"), "{f:#}");
    // Two servers, two versions: both are shown, neither is called the odd one out.
    assert!(
        has_evidence(f, "ns1.split.example (127.0.0.2) over TCP"),
        "{f:#}"
    );
    assert!(has_evidence(f, "serial 2026010102"), "{f:#}");
    assert!(causes(&report).contains(&"spf_passes_now"));
    assert!(ns1.received_count() >= 4 && ns2.received_count() >= 4);
    assert!(ns2.received().iter().any(|q| q.tcp), "TCP asked too");
}

#[test]
fn nameserver_that_answers_udp_but_not_tcp() {
    let primary = zone_server("spf-nameservers-disagree");
    let (ns1, _ns2) = authoritative_pair("spf-nameservers-disagree", true);
    let port = ns1.port().to_string();
    let ns = primary.nameserver_arg();
    let run = run_bouncedoc(
        &[
            "--nameserver",
            &ns,
            "--timeout",
            "0.5",
            "--ns-port",
            &port,
            "--json",
            &input("nameservers-disagree.txt"),
        ],
        b"",
    );
    let report = report(&run);
    let f = headline(&report, "nameservers_disagree");
    let diffs: Vec<&str> = evidence(f)
        .into_iter()
        .filter(|l| l.contains("127.0.0.3"))
        .collect();
    assert_eq!(diffs.len(), 1, "{f:#}");
    assert!(diffs[0].contains("over TCP: failed"), "{diffs:?}");
}

// --- passes now -------------------------------------------------------------------------------

#[test]
fn passing_now_names_the_ttl() {
    let server = zone_server("spf-passes-now");
    let report = diagnose(&server, &[&input("passes-now.txt")]);
    let f = headline(&report, "spf_passes_now");
    assert!(f["summary"].as_str().unwrap().contains("(3600 s)"), "{f:#}");
    assert!(f["fix"]["value"].is_null());
}

// --- the seed examples, other bounces, other modes --------------------------------------------

#[test]
fn seed_gmail_pasted_text_end_to_end() {
    let server = zone_server("spf-include-missing-seed");
    let report = diagnose(&server, &[&seed("gmail-5.7.26-pasted.txt")]);
    let f = headline(&report, "spf_include_missing");
    assert_verified_record(
        f,
        "example.com",
        "v=spf1 mx include:_spf.google.com include:sendgrid.net -all",
    );
}

#[test]
fn seed_godaddy_pasted_text_end_to_end() {
    let server = zone_server("spf-include-missing-seed");
    let report = diagnose(&server, &[&seed("godaddy-5.1.0-spf-pasted.txt")]);
    let f = headline(&report, "spf_include_missing");
    assert_verified_record(
        f,
        "example.com",
        "v=spf1 mx include:_spf.google.com include:sendgrid.net -all",
    );
}

#[test]
fn seed_text_pasted_on_stdin() {
    let server = zone_server("spf-include-missing-seed");
    let text = std::fs::read(seed("gmail-5.7.26-pasted.txt")).unwrap();
    let ns = server.nameserver_arg();
    let run = run_bouncedoc(&["--nameserver", &ns, "--timeout", "2", "--json"], &text);
    let report = report(&run);
    headline(&report, "spf_include_missing");
    assert_eq!(report["input"], "-");
}

#[test]
fn user_unknown_gets_its_remedy_without_any_dns_query() {
    let server = zone_server("spf-include-missing-by-ptr");
    let report = diagnose(&server, &[&input("user-unknown.txt")]);
    let f = headline(&report, "recipient_unknown");
    assert!(!f["fix"]["steps"].as_array().unwrap().is_empty());
    assert!(
        report.get("checks").is_none_or(Value::is_null),
        "{report:#}"
    );
    assert_eq!(server.received_count(), 0, "{:?}", server.received());
}

#[test]
fn helo_identity_checked_by_the_receiver_is_the_one_fixed() {
    let server = zone_server("spf-helo-identity");
    let report = diagnose(&server, &[&input("helo-identity.txt")]);
    assert_eq!(report["checks"]["subject"]["identity_used"], "helo");
    let f = headline(&report, "spf_no_record");
    assert!(f["summary"].as_str().unwrap().contains("HELO"), "{f:#}");
    assert_verified_record(f, "bulk1.news.example", "v=spf1 a -all");
}

#[test]
fn sending_ip_resolved_from_the_reporting_server_not_a_private_received_ip() {
    let server = zone_server("spf-resolved-ip");
    let report = diagnose(&server, &[&input("resolved-ip.eml")]);
    let subject = &report["checks"]["subject"];
    assert_eq!(subject["ip"], "192.0.2.120", "{subject:#}");
    assert_eq!(subject["ip_source"], "resolved", "{subject:#}");
    let f = &report["findings"][0];
    assert!(
        f["fix"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("192.0.2.120") && !v.contains("10.1.2.3")),
        "{f:#}"
    );
    assert_eq!(f["verified"], true, "{f:#}");
}

#[test]
fn no_public_sending_ip_is_said_rather_than_guessed() {
    let server = zone_server("spf-ip-unknown");
    let report = diagnose(&server, &[&input("resolved-ip.eml")]);
    assert!(report["checks"]["subject"]["ip"].is_null(), "{report:#}");
    assert!(report["checks"]["spf"].as_array().unwrap().is_empty());
    let f = headline(&report, "spf_not_checked");
    assert!(
        f["summary"].as_str().unwrap().contains("relay.example"),
        "{f:#}"
    );
    assert!(!f.to_string().contains("10.1.2.3"), "{f:#}");
}

#[test]
fn no_network_mode_answers_from_the_zone_file_alone() {
    let zone: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "fixtures",
        "zones",
        "spf-include-missing-by-ptr.zone",
    ]
    .iter()
    .collect();
    let zone = zone.to_string_lossy().into_owned();
    let run = run_bouncedoc(
        &[
            "--no-network",
            "--zone",
            &zone,
            "--json",
            &input("include-missing-by-ptr.txt"),
        ],
        b"",
    );
    let report = report(&run);
    let f = headline(&report, "spf_include_missing");
    assert_verified_record(
        f,
        "shop.example",
        "v=spf1 mx include:_spf.google.com include:sendgrid.net -all",
    );
    assert_eq!(report["checks"]["dns_queries"], 0);
}

#[test]
fn text_output_puts_the_headline_and_the_verified_fix_first() {
    let server = zone_server("spf-include-missing-by-ptr");
    let ns = server.nameserver_arg();
    let run = run_bouncedoc(
        &[
            "--nameserver",
            &ns,
            "--timeout",
            "2",
            "--color",
            "never",
            &input("include-missing-by-ptr.txt"),
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(lines[1].contains("[spf_include_missing]"), "{}", run.stdout);
    assert!(
        lines[1].contains("lacks include:sendgrid.net"),
        "{}",
        run.stdout
    );
    let fix_at = lines
        .iter()
        .position(|l| l.trim() == "v=spf1 mx include:_spf.google.com include:sendgrid.net -all")
        .unwrap_or_else(|| panic!("fix value printed alone on its line:\n{}", run.stdout));
    let verified_at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("verified yes"))
        .unwrap_or_else(|| panic!("verified line:\n{}", run.stdout));
    assert!(fix_at < verified_at && verified_at < 8, "{}", run.stdout);
}

// --- cost ---------------------------------------------------------------------------------------

/// The queries the checks count are all the queries the server saw (the verification after the
/// checks is answered from the run's cache and the overlay), and they stay bounded.
#[test]
fn query_count_matches_what_the_server_received() {
    for (zone, bounce) in [
        ("spf-include-missing-by-ptr", "include-missing-by-ptr.txt"),
        (
            "spf-include-missing-by-include",
            "include-missing-by-include.txt",
        ),
        ("spf-passes-now", "passes-now.txt"),
    ] {
        let server = zone_server(zone);
        let report = diagnose(&server, &[&input(bounce)]);
        let counted = report["checks"]["dns_queries"].as_u64().unwrap();
        let received = server.received_count() as u64;
        eprintln!("{bounce}: checks.dns_queries {counted}, server received {received}");
        assert_eq!(counted, received, "{bounce}: {:?}", server.received());
        assert!(received < 150, "{bounce}: {received} queries");
    }
}

/// Wall time of whole runs of the binary against the loopback server (medians of 15 runs):
/// `cargo test --test it wall_time -- --ignored --nocapture`.
#[test]
#[ignore = "measurement, not a check: run with --ignored --nocapture"]
fn wall_time_of_typical_diagnoses() {
    for (zone, bounce) in [
        ("spf-include-missing-by-ptr", "include-missing-by-ptr.txt"),
        (
            "spf-include-missing-by-include",
            "include-missing-by-include.txt",
        ),
        ("spf-passes-now", "passes-now.txt"),
        ("spf-too-many-lookups", "too-many-lookups.txt"),
    ] {
        let server = zone_server(zone);
        let path = input(bounce);
        let mut times: Vec<f64> = (0..15)
            .map(|_| {
                let started = Instant::now();
                report(&run_bouncedoc(
                    &["--nameserver", &server.nameserver_arg(), "--json", &path],
                    b"",
                ));
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        eprintln!(
            "{bounce}: median {:.1} ms, min {:.1} ms, max {:.1} ms; {} queries in 15 runs",
            times[7],
            times[0],
            times[14],
            server.received_count()
        );
    }
}

/// A HELO read from a Received field is checked only with that field's address: when the
/// reporting server's address is the one checked, the HELO is left out of the check.
#[test]
fn a_received_helo_is_checked_only_with_its_own_address() {
    let bounce = format!(
        "{}/fixtures/bounces/postfix-5.7.23-spf-fail.eml",
        env!("CARGO_MANIFEST_DIR")
    );
    let spf = "v=spf1 ip4:192.0.2.0/24 -all";
    // No address for the reporting server: the Received field's address and HELO are checked.
    let alone = DnsServer::builder()
        .txt("example.com", &[spf])
        .txt("laptop.example.com", &["v=spf1 -all"])
        .start();
    let report = diagnose(&alone, &[&bounce]);
    assert_eq!(report["helo"]["name"], "laptop.example.com");
    assert_eq!(report["helo"]["source"], "returned_headers");
    let subject = &report["checks"]["subject"];
    assert_eq!(subject["ip"], "203.0.113.50", "{subject}");
    assert_eq!(subject["helo"], "laptop.example.com", "{subject}");
    let identities: Vec<&str> = report["checks"]["spf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["identity"].as_str())
        .collect();
    assert!(identities.contains(&"helo"), "{identities:?}");
    // The reporting server resolves: its address is checked, without the laptop's HELO.
    let resolved = DnsServer::builder()
        .txt("example.com", &[spf])
        .txt("laptop.example.com", &["v=spf1 -all"])
        .record("mail.example.com", "A", "198.51.100.25")
        .start();
    let report = diagnose(&resolved, &[&bounce]);
    let subject = &report["checks"]["subject"];
    assert_eq!(subject["ip"], "198.51.100.25", "{subject}");
    assert!(subject["helo"].is_null(), "{subject}");
}
