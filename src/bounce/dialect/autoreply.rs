//! RFC 3834 auto-replies (vacation, out-of-office): not bounces, but often mistaken for them.

use super::{Dialect, Found, Msg, from_daemon};
use crate::bounce::returned::first_address;
use crate::bounce::smtp::{clean_diagnostic, truncate};
use crate::bounce::{BounceKind, Recipient};

pub(crate) const DIALECT: Dialect = Dialect {
    name: "rfc3834",
    kind: BounceKind::Autoreply,
    detect,
    parse,
};

/// Beginnings of an auto-reply's subject (after ASCII blank space, ASCII case ignored):
/// `(?i)^\s*(?:auto(?:matic)?[ -]?(?:reply|response)|auto:|out of (?:the )?office|vacation|
/// away from|abwesenheit|absence|autoreply|réponse automatique|自動)` in ASCII mode, spelled out.
const SUBJECT_STARTS: &[&str] = &[
    "autoreply",
    "auto reply",
    "auto-reply",
    "autoresponse",
    "auto response",
    "auto-response",
    "automaticreply",
    "automatic reply",
    "automatic-reply",
    "automaticresponse",
    "automatic response",
    "automatic-response",
    "auto:",
    "out of office",
    "out of the office",
    "vacation",
    "away from",
    "abwesenheit",
    "absence",
    "réponse automatique",
    "自動",
];

/// True when a subject starts like an auto-reply's (see [`SUBJECT_STARTS`]).
fn autoreply_subject(subject: &str) -> bool {
    let b = subject.as_bytes();
    let blank = b
        .iter()
        .take_while(|&&c| matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '))
        .count();
    let s = &b[blank..];
    SUBJECT_STARTS.iter().any(|w| {
        s.get(..w.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(w.as_bytes()))
    })
}

fn detect(ctx: &Msg) -> bool {
    // Auto-replies are often sent with a null Return-Path (RFC 3834 §3.3), so only a daemon's
    // From counts against them here.
    if !ctx.dsn.is_empty() || (from_daemon(ctx) && !null_path_only(ctx)) {
        return false;
    }
    // The fields looked at, found in one pass.
    let [
        auto,
        x_autoreply,
        x_autorespond,
        x_autoresponder,
        precedence,
        subject,
    ] = ctx.headers.first_values([
        "auto-submitted",
        "x-autoreply",
        "x-autorespond",
        "x-autoresponder",
        "precedence",
        "subject",
    ]);
    // RFC 3834 §5.1: "auto-replied" marks a reply generated automatically.
    auto.is_some_and(|v| {
        v.as_bytes()
            .get(..12)
            .is_some_and(|head| head.eq_ignore_ascii_case(b"auto-replied"))
    }) || x_autoreply.is_some()
        || x_autorespond.is_some()
        || x_autoresponder.is_some()
        || precedence.is_some_and(|p| p.eq_ignore_ascii_case("auto_reply"))
        || subject.is_some_and(autoreply_subject)
}

/// True when the only daemon-like trait of the message is its null Return-Path.
fn null_path_only(ctx: &Msg) -> bool {
    let from = ctx.sender_lower();
    !from.is_empty()
        && !["mailer-daemon", "postmaster", "mail delivery", "<>"]
            .iter()
            .any(|n| from.contains(n))
}

/// A mail client's one-click unsubscribe (RFC 2369 `List-Unsubscribe: <mailto:...>`) sends an
/// automatic message too; it is the recipient's complaint, not an absence.
fn unsubscribe_request(ctx: &Msg) -> bool {
    ctx.header("x-apple-unsubscribe")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || ctx
            .header("subject")
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("unsubscribe"))
}

/// The subject and the start of the reply: it may say the mailbox is gone rather than away.
fn reply_text(ctx: &Msg) -> String {
    let subject = ctx.header("subject").unwrap_or("");
    let body = clean_diagnostic(truncate(&ctx.body, 1000).as_str());
    format!("{subject} {body}").trim().to_string()
}

fn parse(ctx: &Msg) -> Option<Found> {
    // The auto-reply comes from the recipient the original message was sent to.
    let address = ctx.header("from").and_then(first_address);
    Some(Found {
        kind: unsubscribe_request(ctx).then_some(BounceKind::Feedback),
        recipients: vec![Recipient {
            address,
            diagnostic: Some(reply_text(ctx)),
            ..Recipient::default()
        }],
        ..Found::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_starts_are_the_old_pattern() {
        let old = crate::bounce::pattern(
            r"(?i)^\s*(?:auto(?:matic)?[ -]?(?:reply|response)|auto:|out of (?:the )?office|vacation|away from|abwesenheit|absence|autoreply|réponse automatique|自動)",
        );
        let mut texts = Vec::new();
        for text in crate::bounce::smtp::tests::corpus_texts() {
            if let Some(at) = text.to_ascii_lowercase().find("subject:") {
                texts.push(text[at + 8..].to_string());
            }
            texts.push(text);
        }
        for seed in [
            " Automatic-Reply: away",
            "\u{b}AUTO:x",
            "\t\r\nout of the Office",
            "Réponse automatique",
            "RÉPONSE AUTOMATIQUE",
            "自動応答",
            "auto response",
            "VACATION absence Abwesenheit away from",
            "AutoMatic Reply",
        ] {
            texts.extend(crate::bounce::smtp::tests::variants(seed));
        }
        let mut found = 0;
        for text in &texts {
            let expected = old.is_match(text);
            assert_eq!(autoreply_subject(text), expected, "{text:?}");
            found += usize::from(expected);
        }
        assert!(found > 500, "{found} auto-reply subjects");
    }
}
