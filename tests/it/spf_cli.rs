//! `bouncedoc spf` as a user runs it, against the loopback DNS server serving
//! `fixtures/zones/spf-*.zone`: the lint (one case per finding), check_host with its trace, the
//! `--assume` overlay, and usage errors.

use bouncedoc::dns::{QType, RData};
use serde_json::Value;

use crate::cli::{Run, run_with_dns};
use crate::support::dns_server::DnsServer;

fn server() -> DnsServer {
    DnsServer::builder()
        .zone_fixture("spf-lint.example")
        .zone_fixture("spf-eval.example")
        // The obsolete SPF RR type (99): zone files cannot spell it, so it is given here.
        .record("obsolete.example", "TXT", r#""v=spf1 -all""#)
        .rdata(
            "obsolete.example",
            QType::Spf,
            RData::Txt(vec![b"v=spf1 -all".to_vec()]),
        )
        .start()
}

fn spf(server: &DnsServer, args: &[&str]) -> Run {
    let mut all = vec!["spf"];
    all.extend_from_slice(args);
    run_with_dns(server, &all, b"")
}

fn json(run: &Run) -> Value {
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn finding_kinds(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["finding"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lint_of_a_healthy_domain_draws_the_include_tree() {
    let server = server();
    let run = spf(&server, &["good.lint.example"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("SPF lint of good.lint.example: no errors"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("lookups 2/10, void 0/2"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("├── include:_spf.good.lint.example [1]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("│   └── _spf.good.lint.example"),
        "{}",
        run.stdout
    );
    let report = json(&spf(&server, &["good.lint.example", "--json"]));
    assert_eq!(report["lookups"], 2);
    assert!(finding_kinds(&report).is_empty(), "{report}");
    assert_eq!(
        report["record"],
        "v=spf1 ip4:192.0.2.0/24 include:_spf.good.lint.example mx -all"
    );
}

#[test]
fn each_lint_finding_from_zone_files() {
    let server = server();
    let cases: &[(&str, &str)] = &[
        ("none.lint.example", "no_record"),
        ("multi.lint.example", "multiple_records"),
        ("syntax.lint.example", "syntax_error"),
        ("costly.lint.example", "too_many_lookups"),
        ("void.lint.example", "void_lookups"),
        ("loop.lint.example", "include_loop"),
        ("ptr.lint.example", "ptr_used"),
        ("plusall.lint.example", "pass_all"),
        ("neutral.lint.example", "neutral_all"),
        ("noall.lint.example", "no_all"),
        ("redirall.lint.example", "redirect_with_all"),
        ("big.lint.example", "record_too_big"),
        ("split.lint.example", "version_split"),
        ("late.lint.example", "version_not_at_start"),
        ("noinclude.lint.example", "target_without_record"),
        ("obsolete.example", "obsolete_spf_type"),
    ];
    let mut missing = Vec::new();
    for (domain, kind) in cases {
        let report = json(&spf(&server, &[domain, "--json"]));
        let kinds = finding_kinds(&report);
        if !kinds.iter().any(|k| k == kind) {
            missing.push(format!("{domain}: want {kind}, got {kinds:?}"));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn lint_details_positions_costs_and_void_terms() {
    let server = server();
    let report = json(&spf(&server, &["syntax.lint.example", "--json"]));
    let error = &report["findings"][0]["error"];
    assert_eq!(
        (error["offset"].as_u64(), error["term"].as_str()),
        (Some(21), Some("ip4:192.0.2.300"))
    );

    let report = json(&spf(&server, &["costly.lint.example", "--json"]));
    assert_eq!(report["lookups"], 12);
    let run = spf(&server, &["costly.lint.example"]);
    assert!(run.stdout.contains("lookups 12/10"), "{}", run.stdout);

    let report = json(&spf(&server, &["void.lint.example", "--json"]));
    assert_eq!(report["void_lookups"], 3);
    let void = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["finding"] == "void_lookups")
        .unwrap();
    let terms: Vec<&str> = void["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert_eq!(
        terms,
        [
            "a:gone1.lint.example",
            "a:gone2.lint.example",
            "mx:gone3.lint.example"
        ]
    );
}

#[test]
fn check_host_with_trace() {
    let server = server();
    let run = spf(&server, &["eval.example", "--ip", "203.0.113.9"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("SPF pass for 203.0.113.9 at eval.example"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("└── include:_spf.eval.example match  → _spf.eval.example"),
        "{}",
        run.stdout
    );

    let out = json(&spf(
        &server,
        &["eval.example", "--ip", "198.51.100.7", "--json"],
    ));
    for key in [
        "domain",
        "ip",
        "result",
        "explanation",
        "lookups",
        "void_lookups",
        "trace",
    ] {
        assert!(out.get(key).is_some(), "{key} missing: {out}");
    }
    assert_eq!(out["result"], "fail");
    assert_eq!(out["lookups"], 2);
    assert_eq!(
        out["trace"]["steps"][1]["lookups"][0]["data"][0],
        "192.0.2.25"
    );

    let out = json(&spf(
        &server,
        &["eval.example", "--ip", "2001:db8::25", "--json"],
    ));
    assert_eq!(out["result"], "pass");

    let out = json(&spf(
        &server,
        &[
            "macro.eval.example",
            "--ip",
            "192.0.2.1",
            "--sender",
            "alice@eval.example",
            "--json",
        ],
    ));
    assert_eq!(out["result"], "pass", "{out}");
}

#[test]
fn assume_overlays_a_record_before_it_is_published() {
    let server = server();
    let out = json(&spf(
        &server,
        &["eval.example", "--ip", "198.51.100.7", "--json"],
    ));
    assert_eq!(out["result"], "fail");
    let out = json(&spf(
        &server,
        &[
            "eval.example",
            "--ip",
            "198.51.100.7",
            "--assume",
            r#"eval.example TXT "v=spf1 ip4:198.51.100.0/24 include:_spf.eval.example -all""#,
            "--json",
        ],
    ));
    assert_eq!(out["result"], "pass", "{out}");
    let report = json(&spf(
        &server,
        &[
            "none.lint.example",
            "--assume",
            r#"none.lint.example TXT "v=spf1 mx -all""#,
            "--json",
        ],
    ));
    assert!(
        !finding_kinds(&report).contains(&"no_record".to_string()),
        "{report}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let server = server();
    let run = spf(&server, &["eval.example", "--ip", "not-an-ip"]);
    assert_eq!(run.code, 2);
    let run = spf(&server, &["eval.example", "--assume", "garbage"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("bouncedoc: "), "{}", run.stderr);
}
