//! The `dkim`, `dmarc` and `rdns` commands run as a user runs them, against the loopback DNS
//! server serving `fixtures/zones/<case>.zone`: one test per outcome (exit code and JSON fields)
//! and one text-output test per command.

use serde_json::Value;

use crate::cli::{Run, run_bouncedoc};
use crate::support::dns_server::{DnsServer, Fault};

/// Runs `bouncedoc ARGS` against `server`, without colour, with a short DNS timeout.
fn run_on(server: &DnsServer, args: &[&str]) -> Run {
    let ns = server.nameserver_arg();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--nameserver", &ns, "--timeout", "2", "--color", "never"]);
    run_bouncedoc(&all, b"")
}

/// Runs `bouncedoc ARGS` against a server serving one zone fixture.
fn run_zone(zone: &str, args: &[&str]) -> Run {
    let server = DnsServer::builder().zone_fixture(zone).start();
    run_on(&server, args)
}

/// The one JSON object a `--json` run printed.
fn json(run: &Run) -> Value {
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one JSON line: {}\n{}",
        run.stdout,
        run.stderr
    );
    serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// Runs a `--json` command on a zone and checks its exit code; returns the JSON.
fn json_zone(zone: &str, args: &[&str], code: i32) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let run = run_zone(zone, &all);
    assert_eq!(run.code, code, "{args:?}: {}{}", run.stdout, run.stderr);
    json(&run)
}

const KEY_NAME: &str = "sel._domainkey.example.org";

// ---- dkim DOMAIN SELECTOR ----

#[test]
fn dkim_usable_key_exits_0_with_its_type_and_size() {
    let j = json_zone("dkim-key-ok", &["dkim", "example.org", "sel"], 0);
    assert_eq!(j["name"], KEY_NAME);
    assert_eq!(j["outcome"]["kind"], "usable");
    assert_eq!(j["key_type"], "rsa");
    assert_eq!(j["bits"], 1024);
    assert_eq!(j["testing"], false);
    // The record's two character-strings come back joined with nothing between them.
    let record = j["records"][0].as_str().unwrap();
    assert!(record.contains("jLQiY/J16JYi"), "{record}");
}

#[test]
fn dkim_missing_key_tells_nxdomain_from_no_data() {
    let j = json_zone("dkim-key-ok", &["dkim", "example.org", "nosuch"], 1);
    assert_eq!(j["outcome"]["kind"], "missing");
    assert_eq!(j["outcome"]["nxdomain"], true);
    let j = json_zone("dkim-key-ok", &["dkim", "example.org", "nodata"], 1);
    assert_eq!(j["outcome"]["kind"], "missing");
    assert_eq!(j["outcome"]["nxdomain"], false);
}

#[test]
fn dkim_dns_failure_is_not_a_missing_key() {
    let server = DnsServer::builder()
        .zone_fixture("dkim-key-ok")
        .fault(KEY_NAME, Fault::ServFail)
        .start();
    let run = run_on(&server, &["dkim", "example.org", "sel", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let j = json(&run);
    assert_eq!(j["outcome"]["kind"], "dns_failure");
    assert_eq!(j["outcome"]["answer"]["outcome"], "serv_fail");
}

#[test]
fn dkim_revoked_key() {
    let j = json_zone("dkim-key-revoked", &["dkim", "example.org", "sel"], 1);
    assert_eq!(j["outcome"]["kind"], "revoked");
    assert_eq!(j["key_type"], "rsa");
    assert_eq!(j["bits"], Value::Null);
}

#[test]
fn dkim_weak_key() {
    let j = json_zone("dkim-key-weak", &["dkim", "example.org", "sel"], 1);
    assert_eq!(j["outcome"]["kind"], "too_short");
    assert_eq!(j["outcome"]["bits"], 512);
}

#[test]
fn dkim_malformed_key_names_the_error() {
    let j = json_zone("dkim-key-malformed", &["dkim", "example.org", "sel"], 1);
    assert_eq!(j["outcome"]["kind"], "malformed");
    assert_eq!(j["outcome"]["error"]["kind"], "unparsable_key");
    assert_eq!(j["outcome"]["error"]["key_type"], "rsa");
}

#[test]
fn dkim_unknown_key_type() {
    let j = json_zone("dkim-key-unknown-type", &["dkim", "example.org", "sel"], 1);
    assert_eq!(j["outcome"]["kind"], "unknown_key_type");
    assert_eq!(j["outcome"]["k"], "dsa");
}

#[test]
fn dkim_testing_key_is_usable_and_flagged() {
    let j = json_zone("dkim-key-testing", &["dkim", "example.org", "sel"], 0);
    assert_eq!(j["outcome"]["kind"], "usable");
    assert_eq!(j["testing"], true);
}

#[test]
fn dkim_key_not_for_email() {
    let j = json_zone("dkim-key-not-for-email", &["dkim", "example.org", "sel"], 1);
    assert_eq!(j["outcome"]["kind"], "service_excluded");
    assert_eq!(j["outcome"]["services"], serde_json::json!(["other"]));
}

#[test]
fn dkim_hash_restriction_applies_to_the_given_algorithm() {
    let args = ["dkim", "example.org", "sel", "--algorithm", "rsa-sha256"];
    let j = json_zone("dkim-key-hash-restricted", &args, 1);
    assert_eq!(j["outcome"]["kind"], "hash_not_allowed");
    assert_eq!(j["outcome"]["hash"], "sha256");
    assert_eq!(j["hashes"], serde_json::json!(["sha1"]));
    let args = ["dkim", "example.org", "sel", "--algorithm", "rsa-sha1"];
    let j = json_zone("dkim-key-hash-restricted", &args, 0);
    assert_eq!(j["outcome"]["kind"], "usable");
}

#[test]
fn dkim_key_type_must_fit_the_algorithm() {
    let j = json_zone("dkim-key-ed25519", &["dkim", "example.org", "sel"], 0);
    assert_eq!(
        (j["key_type"].as_str(), j["bits"].as_u64()),
        (Some("ed25519"), Some(256))
    );
    let args = ["dkim", "example.org", "sel", "--algorithm", "rsa-sha256"];
    let j = json_zone("dkim-key-ed25519", &args, 1);
    assert_eq!(j["outcome"]["kind"], "key_type_mismatch");
    assert_eq!(j["outcome"]["algorithm"], "rsa-sha256");
}

#[test]
fn dkim_usage_errors_exit_2() {
    for args in [
        &["dkim", "example.org", "bad selector"][..],
        &["dkim", "example.org", "sel", "--algorithm", "md5"],
        &["dkim", "example.org"],
    ] {
        let run = run_zone("dkim-key-ok", args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
}

#[test]
fn dkim_text_explains_a_revoked_key() {
    let run = run_zone("dkim-key-revoked", &["dkim", "example.org", "sel"]);
    assert_eq!(run.code, 1);
    let out = &run.stdout;
    assert!(
        out.starts_with("sel._domainkey.example.org: DKIM key revoked\n"),
        "{out}"
    );
    assert!(out.contains("p= is empty"), "{out}");
    assert!(out.contains("record   v=DKIM1; k=rsa; p="), "{out}");
    assert!(!out.contains('\u{1b}'), "no colour when told never: {out}");
}

#[test]
fn dkim_text_shows_key_size_and_testing() {
    let run = run_zone("dkim-key-testing", &["dkim", "example.org", "sel"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("DKIM key usable"), "{}", run.stdout);
    assert!(
        run.stdout.contains("key      rsa, 1024 bits"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("t=y"), "{}", run.stdout);
}

// ---- dkim --message FILE ----

fn signed_message() -> String {
    format!(
        "{}/fixtures/conformance/dkim/dkimpy/rfc6376.signed.msg",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn dkim_message_one_passing_one_failing_signature() {
    let msg = signed_message();
    let args = ["dkim", "--message", msg.as_str(), "--json"];
    let run = run_zone("dkim-message-one-revoked", &args);
    assert_eq!(
        run.code, 0,
        "one passing signature is enough: {}",
        run.stderr
    );
    let j = json(&run);
    assert_eq!(j["pass"], true);
    let sigs = j["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(sigs[0]["selector"], "brisbane");
    assert_eq!(sigs[0]["result"]["kind"], "pass");
    assert_eq!(sigs[1]["selector"], "test");
    assert_eq!(sigs[1]["result"]["kind"], "key_problem");
    assert_eq!(sigs[1]["key"]["outcome"]["kind"], "revoked");
}

#[test]
fn dkim_message_text_reads_pass_and_failure_apart() {
    let msg = signed_message();
    let run = run_zone("dkim-message-one-revoked", &["dkim", "--message", &msg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0]
            .ends_with("DKIM passes: 1 of 2 signatures verify (one passing signature is enough)"),
        "{}",
        run.stdout
    );
    assert!(
        lines[1].starts_with("  #1 d=football.example.com s=brisbane ed25519-sha256: pass"),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].starts_with("  #2 d=football.example.com s=test rsa-sha256: key problem: revoked"),
        "{}",
        run.stdout
    );
}

#[test]
fn dkim_message_with_a_changed_body_fails() {
    let original = std::fs::read_to_string(signed_message()).unwrap();
    let changed = original.replace("We lost the game.", "We won the game.");
    assert_ne!(original, changed);
    let path =
        std::env::temp_dir().join(format!("bouncedoc-body-changed-{}.eml", std::process::id()));
    std::fs::write(&path, changed).unwrap();
    let file = path.to_string_lossy().into_owned();
    let run = run_zone(
        "dkim-message-one-revoked",
        &["dkim", "--message", &file, "--json"],
    );
    let _ = std::fs::remove_file(&path);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let j = json(&run);
    assert_eq!(j["pass"], false);
    assert_eq!(j["signatures"][0]["result"]["kind"], "body_hash_mismatch");
}

#[test]
fn dkim_message_without_signatures_fails() {
    let msg = format!(
        "{}/fixtures/conformance/dkim/dkimpy/rfc6376.msg",
        env!("CARGO_MANIFEST_DIR")
    );
    let run = run_zone("dkim-message-one-revoked", &["dkim", "--message", &msg]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("no DKIM-Signature"), "{}", run.stdout);
}

// ---- dmarc DOMAIN ----

#[test]
fn dmarc_valid_record_exits_0_with_its_tags() {
    let j = json_zone("dmarc-record-ok", &["dmarc", "example.org"], 0);
    assert_eq!(j["outcome"]["kind"], "record");
    assert_eq!(j["outcome"]["name"], "_dmarc.example.org");
    let r = &j["outcome"]["record"];
    assert_eq!(
        (r["p"].as_str(), r["sp"].as_str()),
        (Some("reject"), Some("quarantine"))
    );
    assert_eq!(r["pct"], 50);
    assert_eq!(
        (r["adkim"].as_str(), r["aspf"].as_str()),
        (Some("strict"), Some("relaxed"))
    );
    assert_eq!(r["rua"], serde_json::json!(["mailto:dmarc@example.org"]));
    assert_eq!(j["policy"], "reject");
}

#[test]
fn dmarc_subdomain_falls_back_to_the_organizational_record_and_sp() {
    let j = json_zone("dmarc-record-ok", &["dmarc", "news.example.org"], 0);
    assert_eq!(j["outcome"]["name"], "_dmarc.example.org");
    assert_eq!(j["organizational_domain"], "example.org");
    assert_eq!(j["policy"], "quarantine");
}

#[test]
fn dmarc_alignment_of_given_identities() {
    // adkim=s: example.org does not align with news.example.org; aspf=r: example.org does.
    let args = [
        "dmarc",
        "news.example.org",
        "--spf-domain",
        "example.org",
        "--dkim-domain",
        "example.org",
        "--dkim-domain",
        "news.example.org",
    ];
    let j = json_zone("dmarc-record-ok", &args, 0);
    assert_eq!(j["spf"]["aligned"], true);
    assert_eq!(j["spf"]["mode"], "relaxed");
    assert_eq!(j["dkim"][0]["aligned"], false);
    assert_eq!(j["dkim"][0]["relaxed_aligned"], true);
    assert_eq!(j["dkim"][1]["aligned"], true);
    // No given identity aligns: a problem.
    let args = [
        "dmarc",
        "news.example.org",
        "--dkim-domain",
        "example.org",
        "--spf-domain",
        "example.net",
    ];
    let j = json_zone("dmarc-record-ok", &args, 1);
    assert_eq!(j["spf"]["aligned"], false);
    assert_eq!(j["spf"]["relaxed_aligned"], false);
}

#[test]
fn dmarc_invalid_record_with_its_error_position() {
    let j = json_zone("dmarc-invalid-record", &["dmarc", "example.org"], 1);
    assert_eq!(j["outcome"]["kind"], "invalid");
    assert_eq!(j["outcome"]["error"]["kind"], "bad_policy");
    assert_eq!(j["outcome"]["error"]["value"], "blocked");
    assert_eq!(j["outcome"]["position"], 13);
    assert_eq!(j["policy"], Value::Null);
}

#[test]
fn dmarc_several_records_are_invalid() {
    let j = json_zone("dmarc-multiple-records", &["dmarc", "example.org"], 1);
    assert_eq!(j["outcome"]["kind"], "invalid");
    assert_eq!(j["outcome"]["error"]["kind"], "multiple_records");
    assert_eq!(j["outcome"]["error"]["count"], 2);
}

#[test]
fn dmarc_no_record() {
    let j = json_zone("dmarc-no-record", &["dmarc", "example.org"], 1);
    assert_eq!(j["outcome"]["kind"], "no_record");
}

#[test]
fn dmarc_dns_failure_is_not_no_record() {
    let server = DnsServer::builder()
        .zone_fixture("dmarc-record-ok")
        .fault("_dmarc.example.org", Fault::ServFail)
        .start();
    let run = run_on(&server, &["dmarc", "example.org", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let j = json(&run);
    assert_eq!(j["outcome"]["kind"], "dns_failure");
    assert_eq!(j["outcome"]["name"], "_dmarc.example.org");
}

#[test]
fn dmarc_monitoring_policy_is_a_valid_record() {
    let j = json_zone("dmarc-policy-none", &["dmarc", "example.org"], 0);
    assert_eq!(j["policy"], "none");
}

#[test]
fn dmarc_bad_domain_is_a_usage_error() {
    let run = run_zone("dmarc-record-ok", &["dmarc", "exa mple..org"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn dmarc_text_points_at_the_error() {
    let run = run_zone("dmarc-invalid-record", &["dmarc", "example.org"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "example.org: invalid DMARC record at _dmarc.example.org"
    );
    assert!(
        lines[1].starts_with("  record   v=DMARC1; p=blocked"),
        "{}",
        run.stdout
    );
    // The caret sits under the bad value.
    let caret = lines[2].find('^').expect(&run.stdout);
    assert!(lines[1][caret..].starts_with("blocked"), "{}", run.stdout);
    assert!(lines[3].contains("column 13"), "{}", run.stdout);
}

#[test]
fn dmarc_text_shows_policy_and_alignment() {
    let run = run_zone(
        "dmarc-record-ok",
        &["dmarc", "news.example.org", "--dkim-domain", "example.org"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    let out = &run.stdout;
    assert!(out.contains("organizational domain example.org"), "{out}");
    assert!(
        out.contains("applies  quarantine to mail from news.example.org"),
        "{out}"
    );
    assert!(out.contains("it would align in relaxed mode"), "{out}");
}

// ---- rdns IP ----

#[test]
fn rdns_confirmed_v4_and_v6() {
    let j = json_zone("rdns-ok", &["rdns", "192.0.2.1"], 0);
    assert_eq!(j["outcome"]["kind"], "ok");
    assert_eq!(j["outcome"]["name"], "mail.example.org");
    assert_eq!(j["ptr_name"], "1.2.0.192.in-addr.arpa");
    assert_eq!(j["names"][0]["confirmed"], true);
    let j = json_zone("rdns-ok", &["rdns", "2001:db8::25"], 0);
    assert_eq!(j["outcome"]["name"], "mail6.example.org");
    assert_eq!(
        j["names"][0]["addresses"],
        serde_json::json!(["2001:db8::25"])
    );
}

#[test]
fn rdns_mismatch_v4_and_v6() {
    let j = json_zone("rdns-mismatch", &["rdns", "192.0.2.2"], 1);
    assert_eq!(j["outcome"]["kind"], "mismatch");
    assert_eq!(
        j["outcome"]["names"],
        serde_json::json!(["generic.isp.example.net"])
    );
    assert_eq!(
        j["names"][0]["addresses"],
        serde_json::json!(["198.51.100.7"])
    );
    // An IPv6 address is confirmed by AAAA only: an A record does not count.
    let j = json_zone("rdns-mismatch", &["rdns", "2001:db8::26"], 1);
    assert_eq!(j["outcome"]["kind"], "mismatch");
    assert_eq!(j["names"][0]["forward"], "no data");
}

#[test]
fn rdns_missing_tells_nxdomain_from_no_data() {
    let j = json_zone("rdns-missing", &["rdns", "192.0.2.3"], 1);
    assert_eq!(j["outcome"]["kind"], "missing");
    assert_eq!(j["outcome"]["nxdomain"], true);
    let j = json_zone("rdns-missing", &["rdns", "192.0.2.4"], 1);
    assert_eq!(j["outcome"]["nxdomain"], false);
}

#[test]
fn rdns_dns_failure_on_the_ptr_and_on_the_forward_lookup() {
    let server = DnsServer::builder()
        .zone_fixture("rdns-ok")
        .fault("1.2.0.192.in-addr.arpa", Fault::ServFail)
        .start();
    let run = run_on(&server, &["rdns", "192.0.2.1", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let j = json(&run);
    assert_eq!(j["outcome"]["kind"], "dns_failure");
    assert_eq!(j["outcome"]["name"], "1.2.0.192.in-addr.arpa");

    let server = DnsServer::builder()
        .zone_fixture("rdns-forward-failure")
        .fault("broken.example.net", Fault::ServFail)
        .start();
    let run = run_on(&server, &["rdns", "192.0.2.5", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let j = json(&run);
    assert_eq!(j["outcome"]["kind"], "dns_failure");
    assert_eq!(j["outcome"]["name"], "broken.example.net");
}

#[test]
fn rdns_usage_errors_exit_2() {
    let run = run_zone("rdns-ok", &["rdns", "not-an-ip"]);
    assert_eq!(run.code, 2);
    let run = run_bouncedoc(&["rdns", "192.0.2.1", "--nameserver", "ns.example"], b"");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("ns.example"), "{}", run.stderr);
}

#[test]
fn rdns_text_shows_ptr_and_forward() {
    let run = run_zone("rdns-mismatch", &["rdns", "192.0.2.2"]);
    assert_eq!(run.code, 1);
    let out = &run.stdout;
    assert!(
        out.starts_with("192.0.2.2: reverse DNS not confirmed\n"),
        "{out}"
    );
    assert!(
        out.contains("PTR      generic.isp.example.net → 198.51.100.7: does not match"),
        "{out}"
    );
}

// ---- the DNS options every command shares ----

#[test]
fn zone_and_assume_answer_without_network() {
    let zone = format!(
        "{}/fixtures/zones/dkim-key-revoked.zone",
        env!("CARGO_MANIFEST_DIR")
    );
    let run = run_bouncedoc(
        &[
            "dkim",
            "example.org",
            "sel",
            "--no-network",
            "--zone",
            &zone,
            "--json",
        ],
        b"",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(json(&run)["outcome"]["kind"], "revoked");
    // An assumption answers on its own: the what-if of publishing a record.
    let run = run_bouncedoc(
        &[
            "dmarc",
            "example.org",
            "--no-network",
            "--assume",
            "_dmarc.example.org TXT \"v=DMARC1; p=quarantine\"",
            "--json",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json(&run)["policy"], "quarantine");
}
