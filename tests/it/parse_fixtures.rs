//! The parse stage on small fixtures, one per dialect and per pasted-text case: the fields each
//! must yield, asserted one by one.

use std::net::IpAddr;
use std::path::Path;

use bouncedoc::bounce::{self, Bounce, BounceKind, Source};
use bouncedoc::input::Input;

fn parse_fixture(rel: &str) -> Bounce {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let input = Input::from_bytes(rel, bytes).expect("usable input");
    bounce::parse(&input)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn postfix_dsn_spf_fail() {
    let b = parse_fixture("bounces/postfix-5.7.23-spf-fail.eml");
    assert_eq!(b.kind, BounceKind::Dsn);
    assert_eq!(b.dialect.as_deref(), Some("rfc3464"));
    assert_eq!(b.reporting_mta.as_deref(), Some("mail.example.com"));
    assert!(b.arrival_date.is_some());
    assert_eq!(b.recipients.len(), 1);
    let r = &b.recipients[0];
    assert_eq!(r.address.as_deref(), Some("bob@example.net"));
    assert_eq!(r.action.as_deref(), Some("failed"));
    assert_eq!(r.status.as_deref(), Some("5.7.23"));
    assert_eq!(r.reply_code, Some(550));
    assert_eq!(r.command.as_deref(), Some("RCPT"));
    let mta = r.remote_mta.as_ref().unwrap();
    assert_eq!(mta.host.as_deref(), Some("mx.example.net"));
    assert_eq!(mta.ip, Some(ip("198.51.100.9")));
    assert_eq!(
        r.diagnostic.as_deref(),
        Some(
            "550 5.7.23 <bob@example.net>: Recipient address rejected: Message rejected due to: SPF fail - not authorized"
        )
    );
    let sender = b.sender.as_ref().unwrap();
    assert_eq!(sender.address.as_deref(), Some("alice@example.com"));
    assert_eq!(sender.domain, "example.com");
    assert_eq!(sender.source, Source::ReturnedHeaders);
    let sip = b.sending_ip.as_ref().unwrap();
    assert_eq!(
        (sip.ip, sip.source),
        (ip("203.0.113.50"), Source::ReturnedHeaders)
    );
    assert_eq!(b.from_domain.as_deref(), Some("example.com"));
    assert_eq!(b.dkim_signatures.len(), 1);
    assert_eq!(b.dkim_signatures[0].domain, "example.com");
    assert_eq!(b.dkim_signatures[0].selector, "mail2025");
    assert_eq!(
        b.dkim_signatures[0].algorithm.as_deref(),
        Some("rsa-sha256")
    );
    let returned = String::from_utf8(b.returned_message.clone().unwrap()).unwrap();
    assert!(returned.starts_with("Return-Path: <alice@example.com>\n"));
    assert!(returned.contains("Hello Bob."));
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
}

#[test]
fn gmail_bounce_multi_line_reply() {
    let b = parse_fixture("bounces/gmail-5.7.26-spf-fail.eml");
    assert_eq!(b.kind, BounceKind::Ndr);
    assert_eq!(b.dialect.as_deref(), Some("gmail"));
    assert_eq!(b.recipients.len(), 1);
    let r = &b.recipients[0];
    assert_eq!(r.address.as_deref(), Some("carol@example.org"));
    assert_eq!(r.status.as_deref(), Some("5.7.26"));
    assert_eq!(r.reply_code, Some(550));
    let d = r.diagnostic.as_deref().unwrap();
    assert!(
        d.starts_with(
            "550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender"
        ),
        "{d}"
    );
    assert!(!d.contains("550-"), "{d}");
    assert!(d.ends_with("- gsmtp"), "{d}");
    let sender = b.sender.as_ref().unwrap();
    assert_eq!(
        (sender.domain.as_str(), sender.source),
        ("example.com", Source::DiagnosticText)
    );
    let sip = b.sending_ip.as_ref().unwrap();
    assert_eq!(
        (sip.ip, sip.source),
        (ip("203.0.113.5"), Source::DiagnosticText)
    );
}

#[test]
fn exim_blocked_client_host() {
    let b = parse_fixture("bounces/exim-5.7.1-spamhaus-blocked.eml");
    assert_eq!(b.dialect.as_deref(), Some("exim"));
    assert_eq!(b.recipients.len(), 1);
    let r = &b.recipients[0];
    assert_eq!(r.address.as_deref(), Some("dave@example.net"));
    assert_eq!(r.status.as_deref(), Some("5.7.1"));
    assert_eq!(r.reply_code, Some(550));
    assert_eq!(r.command.as_deref(), Some("RCPT"));
    let mta = r.remote_mta.as_ref().unwrap();
    assert_eq!(mta.host.as_deref(), Some("mx.example.net"));
    assert_eq!(mta.ip, Some(ip("198.51.100.20")));
    assert!(
        r.diagnostic
            .as_deref()
            .unwrap()
            .starts_with("550 5.7.1 Service unavailable")
    );
    // The receiver names the client; the Received trail would say 203.0.113.80.
    let sip = b.sending_ip.as_ref().unwrap();
    assert_eq!(
        (sip.ip, sip.source),
        (ip("203.0.113.77"), Source::DiagnosticText)
    );
    let sender = b.sender.as_ref().unwrap();
    assert_eq!(
        (sender.address.as_deref(), sender.source),
        (Some("alice@example.com"), Source::ReturnedHeaders)
    );
}

#[test]
fn qmail_remote_host_said() {
    let b = parse_fixture("bounces/qmail-5.1.0-spf-not-allowed.eml");
    assert_eq!(b.dialect.as_deref(), Some("qmail"));
    assert_eq!(b.reporting_mta.as_deref(), Some("mx.example.org"));
    let r = &b.recipients[0];
    assert_eq!(r.address.as_deref(), Some("erin@example.org"));
    assert_eq!(r.status.as_deref(), Some("5.1.0"));
    assert_eq!(r.reply_code, Some(550));
    assert_eq!(
        r.diagnostic.as_deref(),
        Some(
            "550 5.1.0 203.0.113.5 is not allowed to send from <example.com> per it's SPF Record. Please inspect your SPF settings, and try again."
        )
    );
    assert_eq!(b.sender.as_ref().unwrap().domain, "example.com");
    assert_eq!(b.sender.as_ref().unwrap().source, Source::DiagnosticText);
    assert_eq!(b.sending_ip.as_ref().unwrap().ip, ip("203.0.113.5"));
}

#[test]
fn office365_remote_server_returned() {
    let b = parse_fixture("bounces/office365-5.7.1-relay-denied.eml");
    assert_eq!(b.dialect.as_deref(), Some("exchange"));
    assert_eq!(b.recipients.len(), 1);
    let r = &b.recipients[0];
    assert_eq!(r.address.as_deref(), Some("frank@example.net"));
    assert_eq!(r.status.as_deref(), Some("5.7.1"));
    assert_eq!(r.reply_code, Some(550));
    assert!(
        r.diagnostic
            .as_deref()
            .unwrap()
            .starts_with("550 5.7.1 Unable to relay")
    );
    assert_eq!(b.from_domain.as_deref(), Some("example.com"));
}

#[test]
fn forwarded_inline_bounce_is_the_one_parsed() {
    let b = parse_fixture("bounces/forwarded-inline-godaddy-spf.eml");
    assert_eq!(b.kind, BounceKind::Ndr);
    assert_eq!(b.recipients.len(), 1);
    let r = &b.recipients[0];
    assert_eq!(r.address.as_deref(), Some("grace@example.net"));
    assert_eq!(r.status.as_deref(), Some("5.1.0"));
    assert_eq!(r.command.as_deref(), Some("MAIL"));
    assert_eq!(r.remote_mta.as_ref().unwrap().ip, Some(ip("198.51.100.30")));
    // The sender is the customer's domain from the receiver's text, not the support desk.
    let sender = b.sender.as_ref().unwrap();
    assert_eq!(
        (sender.domain.as_str(), sender.source),
        ("example.com", Source::DiagnosticText)
    );
    assert_eq!(b.sending_ip.as_ref().unwrap().ip, ip("203.0.113.5"));
    assert!(b.warnings.iter().any(|w| w.contains("forwarded")));
}

#[test]
fn forwarded_attached_bounce_is_the_one_parsed() {
    let b = parse_fixture("bounces/forwarded-attached-postfix-5.7.23.eml");
    assert_eq!(b.recipients.len(), 1);
    let r = &b.recipients[0];
    assert_eq!(r.address.as_deref(), Some("henry@example.net"));
    assert_eq!(r.status.as_deref(), Some("5.7.23"));
    let sender = b.sender.as_ref().unwrap();
    assert_eq!(
        (sender.address.as_deref(), sender.source),
        (Some("alice@example.com"), Source::BounceHeaders)
    );
}

#[test]
fn autoreply_and_feedback_are_not_bounces() {
    let b = parse_fixture("bounces/rfc3834-vacation.eml");
    assert_eq!(b.kind, BounceKind::Autoreply);
    assert_eq!(b.recipients.len(), 1);
    let b = parse_fixture("bounces/arf-abuse.eml");
    assert_eq!(b.kind, BounceKind::Feedback);
    assert_eq!(b.recipients.len(), 1);
    assert_eq!(b.recipients[0].address.as_deref(), Some("judy@example.net"));
}

#[test]
fn truncated_mime_gives_what_it_can_and_a_warning() {
    let b = parse_fixture("bounces/truncated-dsn.eml");
    assert_eq!(b.recipients.len(), 1);
    assert_eq!(b.recipients[0].status.as_deref(), Some("5.1.1"));
    assert!(
        b.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        b.warnings
    );
}

/// Pasted text: (fixture, address, status, reply code, sender domain, sending IP).
type PastedCase = (
    &'static str,
    Option<&'static str>,
    &'static str,
    u16,
    Option<&'static str>,
    Option<&'static str>,
);

const PASTED: &[PastedCase] = &[
    (
        "text/gmail-5.7.26-pasted.txt",
        None,
        "5.7.26",
        550,
        Some("example.com"),
        Some("203.0.113.5"),
    ),
    (
        "text/gmail-5.7.26-multiline-pasted.txt",
        None,
        "5.7.26",
        550,
        Some("example.com"),
        Some("2001:db8::25"),
    ),
    (
        "text/godaddy-5.1.0-spf-pasted.txt",
        None,
        "5.1.0",
        550,
        Some("example.com"),
        Some("203.0.113.5"),
    ),
    (
        "text/postfix-5.7.23-host-said.txt",
        None,
        "5.7.23",
        550,
        None,
        None,
    ),
    (
        "text/forwarded-quoted-outlook-5.7.1.txt",
        Some("frank@example.net"),
        "5.7.1",
        550,
        Some("example.com"),
        Some("203.0.113.5"),
    ),
    (
        "text/webmail-flattened-gmail-5.1.1.txt",
        Some("nobody@example.org"),
        "5.1.1",
        550,
        None,
        None,
    ),
];

#[test]
fn pasted_text_cases() {
    for (file, address, status, code, domain, sending_ip) in PASTED {
        let b = parse_fixture(file);
        assert_ne!(b.kind, BounceKind::NotBounce, "{file}");
        assert!(!b.recipients.is_empty(), "{file}");
        let r = &b.recipients[0];
        assert_eq!(r.address.as_deref(), *address, "{file}");
        assert_eq!(r.status.as_deref(), Some(*status), "{file}");
        assert_eq!(r.reply_code, Some(*code), "{file}");
        assert!(
            r.diagnostic.as_deref().is_some_and(|d| !d.contains("550-")),
            "{file}: {:?}",
            r.diagnostic
        );
        assert_eq!(
            b.sender.as_ref().map(|s| s.domain.as_str()),
            *domain,
            "{file}"
        );
        assert_eq!(
            b.sending_ip.as_ref().map(|s| s.ip),
            sending_ip.map(ip),
            "{file}"
        );
    }
}

#[test]
fn pasted_text_kind_and_remote_mta() {
    let b = parse_fixture("text/postfix-5.7.23-host-said.txt");
    assert_eq!(b.kind, BounceKind::Text);
    let r = &b.recipients[0];
    assert_eq!(r.command.as_deref(), Some("RCPT"));
    let mta = r.remote_mta.as_ref().unwrap();
    assert_eq!(
        (mta.host.as_deref(), mta.ip),
        (Some("mx.example.net"), Some(ip("198.51.100.9")))
    );
    let b = parse_fixture("text/gmail-5.7.26-multiline-pasted.txt");
    let d = b.recipients[0].diagnostic.as_deref().unwrap();
    assert!(d.starts_with("550 5.7.26 This mail is blocked because the sender is not verified. Authentication results:"), "{d}");
    assert!(d.ends_with("- gsmtp"), "{d}");
}

#[test]
fn hostile_input_does_not_panic() {
    let cases: Vec<String> = vec![
        "<".repeat(100_000),
        format!(
            "From: a@b\nTo: c@d\nContent-Type: multipart/report; boundary=x\n\n{}",
            "--x\nContent-Type: message/rfc822\n\n".repeat(2000)
        ),
        format!(
            "Received: from x\n{}",
            "<a@example.com>:\n550 5.1.1 x\n".repeat(5000)
        ),
        "---------- Forwarded message ---------\n".repeat(50),
        "\u{feff}550\u{0}".to_string(),
    ];
    for c in cases {
        let b = bounce::parse_str(&c);
        assert!(b.recipients.len() <= 1000);
    }
}

#[test]
fn ordinary_mail_is_not_a_bounce() {
    let b = bounce::parse_str(
        "From: a@example.com\nTo: b@example.org\nSubject: lunch?\n\nShall we meet at noon?\n",
    );
    assert_eq!(b.kind, BounceKind::NotBounce);
    assert!(b.recipients.is_empty());
    let b = bounce::parse_str("hello there, how are you");
    assert_eq!(b.kind, BounceKind::NotBounce);
}
