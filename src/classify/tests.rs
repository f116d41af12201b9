//! Table-driven tests of the whole classifier on receiver texts (RECEIVERS.md, the providers'
//! own pages) and the IANA registry coverage of the status table.

use super::*;
use crate::bounce::{Bounce, BounceKind, Recipient, RemoteMta};

use AuthCheck::{Dkim, Dmarc, Spf};

/// (diagnostic text, status, reply code, remote host, expected reason, expected auth checks)
type Case = (
    &'static str,
    Option<&'static str>,
    Option<u16>,
    Option<&'static str>,
    Reason,
    &'static [AuthCheck],
);

const CASES: &[Case] = &[
    // The brief's two seeds.
    (
        "550-5.7.26 This mail is blocked because the sender is not verified ... Authentication results: DKIM = failed SPF [example.com] with ip: [203.0.113.5] = failed",
        Some("5.7.26"),
        Some(550),
        None,
        Reason::AuthFailure,
        &[Spf, Dkim],
    ),
    (
        "550 5.1.0 203.0.113.5 is not allowed to send from <example.com> per it's SPF Record",
        Some("5.1.0"),
        Some(550),
        None,
        Reason::AuthFailure,
        &[Spf],
    ),
    // Google.
    (
        "550-5.7.26 This email has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. Authentication results: DKIM = did not pass SPF [mail.example.com] with ip: [192.0.2.1] = did not pass - gsmtp",
        Some("5.7.26"),
        Some(550),
        Some("gmail-smtp-in.l.google.com"),
        Reason::AuthFailure,
        &[Spf, Dkim],
    ),
    (
        "550-5.7.26 The MAIL FROM domain [example.com] has an SPF record with a hard fail policy (-all) but it fails to pass SPF checks with the ip: [192.0.2.1]",
        Some("5.7.26"),
        Some(550),
        Some("aspmx.l.google.com"),
        Reason::AuthFailure,
        &[Spf],
    ),
    (
        "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. Please contact the administrator of example.com domain - gsmtp",
        Some("5.7.26"),
        Some(550),
        None,
        Reason::AuthFailure,
        &[Dmarc],
    ),
    (
        "550-5.7.27 Your email has been blocked because the sender is unauthenticated. SPF authentication didn't pass. Authentication results: SPF [example.com] with IP address: [192.0.2.1] = Did not pass - gsmtp",
        Some("5.7.27"),
        Some(550),
        None,
        Reason::AuthFailure,
        &[Spf],
    ),
    (
        "550-5.7.30 Your email has been blocked because DKIM authentication didn't pass. Authentication results: DKIM = Did not pass - gsmtp",
        Some("5.7.30"),
        Some(550),
        None,
        Reason::AuthFailure,
        &[Dkim],
    ),
    (
        "421-4.7.23 The sending IP address for this message doesn't have a PTR record, or the PTR record's forward DNS entry doesn't match the sending IP. - gsmtp",
        Some("4.7.23"),
        Some(421),
        None,
        Reason::RequirePtr,
        &[],
    ),
    (
        "550-5.7.25 The IP address sending this message does not have a PTR record setup - gsmtp",
        Some("5.7.25"),
        Some(550),
        None,
        Reason::RequirePtr,
        &[],
    ),
    (
        "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP address - gsmtp",
        Some("4.7.28"),
        Some(421),
        None,
        Reason::RateLimited,
        &[],
    ),
    (
        "550-5.2.1 The email account that you tried to reach is disabled. - gsmtp",
        Some("5.2.1"),
        Some(550),
        None,
        Reason::Suspend,
        &[],
    ),
    // Microsoft.
    (
        "550 5.7.23 The message was rejected because of Sender Policy Framework violation",
        Some("5.7.23"),
        Some(550),
        Some("example-com.mail.protection.outlook.com"),
        Reason::AuthFailure,
        &[Spf],
    ),
    (
        "550 5.7.509 Access denied, sending domain [EXAMPLE.COM] does not pass DMARC verification and has a DMARC policy of reject.",
        Some("5.7.509"),
        Some(550),
        Some("example-com.mail.protection.outlook.com"),
        Reason::AuthFailure,
        &[Dmarc],
    ),
    (
        "550 5.7.515 Access denied, sending domain EXAMPLE.COM doesn't meet the required authentication level. Spf= Fail , Dkim= Pass , DMARC= Pass",
        Some("5.7.515"),
        Some(550),
        Some("outlook-com.olc.protection.outlook.com"),
        Reason::AuthFailure,
        &[Spf],
    ),
    (
        "550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/",
        Some("5.7.606"),
        Some(550),
        Some("example-com.mail.protection.outlook.com"),
        Reason::Blocked,
        &[],
    ),
    (
        "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.",
        Some("4.7.650"),
        Some(451),
        Some("outlook-com.olc.protection.outlook.com"),
        Reason::BadReputation,
        &[],
    ),
    // Yahoo.
    (
        "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM.",
        Some("5.7.9"),
        Some(550),
        Some("mta7.am0.yahoodns.net"),
        Reason::AuthFailure,
        &[Spf, Dkim],
    ),
    (
        "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list",
        Some("5.7.1"),
        Some(553),
        Some("mta7.am0.yahoodns.net"),
        Reason::Blocked,
        &[],
    ),
    // Apple.
    (
        "554 5.7.1 Your message was rejected due to example.com's DMARC policy. See https://support.apple.com/en-us/HT204137",
        Some("5.7.1"),
        Some(554),
        Some("mx01.mail.icloud.com"),
        Reason::AuthFailure,
        &[Dmarc],
    ),
    (
        "554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM authentication checks.",
        Some("5.7.1"),
        Some(554),
        Some("mx01.mail.icloud.com"),
        Reason::AuthFailure,
        &[Spf, Dkim],
    ),
    // GoDaddy: the code says "unknown user", the text says rate limit.
    (
        "550 5.1.1 <user@example.com> - 192.0.2.1 has sent to too many recipients this hour. IB607 <http://x.co/rlbounce>",
        Some("5.1.1"),
        Some(550),
        Some("smtp.secureserver.net"),
        Reason::RateLimited,
        &[],
    ),
    (
        "421 Temporarily rejected. Reverse DNS for this IP failed. IB108",
        None,
        Some(421),
        Some("smtp.secureserver.net"),
        Reason::RequirePtr,
        &[],
    ),
    // Mimecast.
    (
        "550 SPF Sender Invalid - envelope rejected",
        None,
        Some(550),
        Some("us-smtp-inbound-1.mimecast.com"),
        Reason::AuthFailure,
        &[Spf],
    ),
    (
        "550 DMARC Sender Invalid - envelope rejected",
        None,
        Some(550),
        Some("eu-smtp-inbound-1.mimecast.com"),
        Reason::AuthFailure,
        &[Dmarc],
    ),
    // Orange.
    (
        "550 5.5.0 SPF: 192.0.2.1 is not allowed to send mail. LPN004_401",
        Some("5.5.0"),
        Some(550),
        Some("smtpz4.laposte.net"),
        Reason::AuthFailure,
        &[Spf],
    ),
    (
        "571 5.7.1 Message refused, DMARC verification Failed. LPN007_517",
        Some("5.7.1"),
        Some(571),
        Some("smtpz4.laposte.net"),
        Reason::AuthFailure,
        &[Dmarc],
    ),
    // Cox.
    (
        "554 CXDNS rejected - no rDNS",
        None,
        Some(554),
        Some("cxr.mx.a.cloudfilter.net"),
        Reason::RequirePtr,
        &[],
    ),
    // Symantec MessageLabs.
    (
        "553-SPF (Sender Policy Framework) domain authentication fail (#5.7.1)",
        Some("5.7.1"),
        Some(553),
        Some("cluster1.eu.messagelabs.com"),
        Reason::AuthFailure,
        &[Spf],
    ),
    // Tencent.
    (
        "550 DMARC check failed. http://service.mail.qq.com/cgi-bin/help?subtype=1&&no=1001508&&id=16.",
        None,
        Some(550),
        Some("mx3.qq.com"),
        Reason::AuthFailure,
        &[Dmarc],
    ),
    // Generic texts and codes.
    (
        "550 5.1.1 <user@example.org>: Recipient address rejected: User unknown in local recipient table",
        Some("5.1.1"),
        Some(550),
        None,
        Reason::UserUnknown,
        &[],
    ),
    (
        "552 5.2.2 <user@example.org>: Mailbox full",
        Some("5.2.2"),
        Some(552),
        None,
        Reason::MailboxFull,
        &[],
    ),
    (
        "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
        Some("5.7.1"),
        Some(554),
        None,
        Reason::Blocked,
        &[],
    ),
    (
        "550 5.7.1 <user@example.org>: Relay access denied",
        Some("5.7.1"),
        Some(550),
        None,
        Reason::NoRelaying,
        &[],
    ),
    (
        "",
        Some("5.7.23"),
        Some(550),
        None,
        Reason::AuthFailure,
        &[Spf],
    ),
    (
        "",
        Some("5.3.4"),
        Some(552),
        None,
        Reason::EmailTooLarge,
        &[],
    ),
    ("", None, Some(552), None, Reason::MailboxFull, &[]),
    ("", None, None, None, Reason::Undefined, &[]),
    (
        "something odd happened",
        None,
        None,
        None,
        Reason::OnHold,
        &[],
    ),
];

fn bounce_with(text: &str, status: Option<&str>, reply: Option<u16>, host: Option<&str>) -> Bounce {
    let mut b = Bounce::new(BounceKind::Text);
    b.recipients.push(Recipient {
        status: status.map(str::to_string),
        reply_code: reply,
        diagnostic: (!text.is_empty()).then(|| text.to_string()),
        remote_mta: host.map(|h| RemoteMta {
            host: Some(h.to_string()),
            ip: None,
        }),
        ..Default::default()
    });
    b
}

#[test]
fn receiver_texts_classify_as_expected() {
    let mut failures = Vec::new();
    for (text, status, reply, host, reason, auth) in CASES {
        let got = classify(&bounce_with(text, *status, *reply, *host));
        assert_eq!(got.len(), 1);
        let c = &got[0];
        if c.reason != *reason || c.auth_failed != *auth {
            failures.push(format!(
                "{text:?}: want {reason} {auth:?}, got {} {:?} by {:?}",
                c.reason,
                c.auth_failed,
                c.evidence.first().map(|e| &e.rule)
            ));
        }
        if *reason != Reason::Undefined {
            assert!(!c.evidence.is_empty(), "{text:?}: no evidence");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn text_and_receiver_rules_win_over_a_misused_code() {
    let c = &classify(&bounce_with(
        "550 5.1.0 203.0.113.5 is not allowed to send from <example.com> per it's SPF Record",
        Some("5.1.0"),
        Some(550),
        None,
    ))[0];
    assert_eq!(c.evidence[0].rule, "text:authfailure-spf");
    assert_eq!(
        c.evidence[0].matched,
        "is not allowed to send from <example.com> per it's SPF Record"
    );
    // The status table fired too and is kept as outranked evidence.
    assert!(
        c.evidence
            .iter()
            .any(|e| e.rule == "status:X.1.0" && e.reason == Reason::UserUnknown)
    );
}

#[test]
fn hard_bounces_follow_the_reason() {
    let cases = [
        ("550 5.1.1 User unknown", "5.1.1", true),
        ("552 5.2.2 Mailbox full", "5.2.2", false),
        ("550 5.7.1 Relay access denied", "5.7.1", false),
        ("556 5.1.10 Recipient address has null MX", "5.1.10", true),
        (
            "421 4.3.2 System not accepting network messages",
            "4.3.2",
            false,
        ),
    ];
    for (text, status, hard) in cases {
        let c = &classify(&bounce_with(text, Some(status), None, None))[0];
        assert_eq!(c.hard_bounce, hard, "{text}: {}", c.reason);
    }
}

#[test]
fn kinds_and_actions_decide_first() {
    let mut b = bounce_with("550 5.1.1 User unknown", Some("5.1.1"), Some(550), None);
    b.kind = BounceKind::Feedback;
    assert_eq!(classify(&b)[0].reason, Reason::Feedback);
    let mut b = bounce_with("Out of office: back on Monday", None, None, None);
    b.kind = BounceKind::Autoreply;
    assert_eq!(classify(&b)[0].reason, Reason::Vacation);
    // An auto-reply that says the mailbox is gone is classified by what it says.
    let mut b = bounce_with(
        "AutoResponse: This email inbox is no longer in use.",
        None,
        None,
        None,
    );
    b.kind = BounceKind::Autoreply;
    assert_eq!(classify(&b)[0].reason, Reason::Suspend);
    let mut b = bounce_with("250 2.0.0 OK", Some("2.0.0"), Some(250), None);
    assert_eq!(classify(&b)[0].reason, Reason::Delivered);
    b.recipients[0].status = None;
    b.recipients[0].action = Some("delayed".into());
    b.recipients[0].diagnostic = None;
    assert_eq!(classify(&b)[0].reason, Reason::Expired);
}

#[test]
fn hostile_input_is_bounded() {
    let long = "x".repeat(2_000_000) + " user unknown";
    let c = &classify(&bounce_with(
        &long,
        Some("9.9.9.9"),
        Some(999),
        Some("\u{0}.."),
    ))[0];
    // The phrase lies past the cap: not read, and no panic.
    assert_eq!(c.reason, Reason::OnHold);
    let odd = "é".repeat(9000);
    let _ = classify(&bounce_with(
        &odd,
        Some("5.7.26"),
        Some(550),
        Some("google.com"),
    ));
}

/// Every code of the IANA registry (RFC 5248) has a row in the status table.
#[test]
fn every_registry_code_has_a_status_row() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/conformance/smtp-enhanced-status-codes.csv");
    let csv = std::fs::read_to_string(path).expect("registry copy readable");
    let codes: Vec<&str> = csv
        .split('"')
        .filter(|f| {
            f.starts_with("X.")
                && f.len() <= 7
                && f[2..].split('.').count() == 2
                && f[2..]
                    .split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    assert!(codes.len() >= 79, "only {} codes read", codes.len());
    let missing: Vec<&str> = codes
        .iter()
        .copied()
        .filter(|c| !status::STATUS_RULES.iter().any(|r| r.code == *c))
        .collect();
    assert!(missing.is_empty(), "no status row for {missing:?}");
    for extra in ["X.7.29", "X.7.30"] {
        assert!(status::STATUS_RULES.iter().any(|r| r.code == extra));
    }
}

#[test]
fn filter_gateways_user_unknown_is_their_filter() {
    let mut b = bounce_with(
        "550 Unknown user kijitora@example.jp",
        None,
        Some(550),
        None,
    );
    assert_eq!(classify(&b)[0].reason, Reason::UserUnknown);
    b.gateway = Some("mcafee".into());
    let c = &classify(&b)[0];
    assert_eq!(c.reason, Reason::Filtered);
    assert!(c.evidence.iter().any(|e| e.matched.contains("mcafee")));
    // A status code that names the address wins over the gateway.
    b.recipients[0].status = Some("5.1.1".into());
    assert_eq!(classify(&b)[0].reason, Reason::UserUnknown);
}

#[test]
fn unnamed_user_unknown_is_a_reception_filter() {
    let b = bounce_with("550 : User unknown", None, Some(550), None);
    assert_eq!(classify(&b)[0].reason, Reason::Filtered);
    let b = bounce_with("550 <a@example.jp>: User unknown", None, Some(550), None);
    assert_eq!(classify(&b)[0].reason, Reason::UserUnknown);
}
