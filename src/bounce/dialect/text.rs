//! Free text: an SMTP error pasted by a user, or a report no dialect claimed. Always yields at
//! least one recipient (with no address when none is named) holding the reply, its status and
//! reply code, as long as the text reads like a delivery failure at all.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};
use regex::Regex;

use super::{Dialect, Found, Msg, re};
use crate::bounce::scan;
use crate::bounce::{BounceKind, smtp};

pub(crate) const DIALECT: Dialect = Dialect {
    name: "text",
    kind: BounceKind::Text,
    detect,
    parse,
};

/// Words that make text without a status or reply code still read as a delivery failure:
/// `(?i)undeliver|not delivered|couldn.t be delivered|could not be delivered|delivery (?:has )?
/// failed|rejected|refused|blocked|denied|bounced|blacklist|blocklist|\bspf\b|\bdkim\b|
/// \bdmarc\b|mailbox (?:full|unavailable)|user unknown|no such user|relay` (Unicode mode), found
/// by [`FAILURE_FINDER`]; this regex answers only where Unicode makes the scanner unsure.
static FAILURE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)undeliver|not delivered|couldn.t be delivered|could not be delivered|delivery (?:has )?failed|rejected|refused|blocked|denied|bounced|blacklist|blocklist|\bspf\b|\bdkim\b|\bdmarc\b|mailbox (?:full|unavailable)|user unknown|no such user|relay",
    )
});

/// The words of [`FAILURE_WORDS`] spelled out. `couldn` is followed by one character and
/// `t be delivered`; the last three stand between word boundaries. No word starts where
/// another could match at the same place.
const FAILURE_LITERALS: [&str; 21] = [
    "undeliver",
    "not delivered",
    "couldn",
    "could not be delivered",
    "delivery failed",
    "delivery has failed",
    "rejected",
    "refused",
    "blocked",
    "denied",
    "bounced",
    "blacklist",
    "blocklist",
    "mailbox full",
    "mailbox unavailable",
    "user unknown",
    "no such user",
    "relay",
    "spf",
    "dkim",
    "dmarc",
];

/// [`FAILURE_LITERALS`], ASCII case ignored.
static FAILURE_FINDER: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(FAILURE_LITERALS)
        .expect("valid literals")
});

/// Whether `text` holds a failure word, as [`FAILURE_WORDS`] matches.
fn has_failure_words(text: &str) -> bool {
    if super::has_unicode_folds(text) {
        return FAILURE_WORDS.is_match(text);
    }
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(m) = FAILURE_FINDER.find(Input::new(b).span(from..b.len())) {
        let found = match FAILURE_LITERALS[m.pattern().as_usize()] {
            "couldn" => text[m.end()..].chars().next().is_some_and(|c| {
                let after = m.end() + c.len_utf8();
                c != '\n'
                    && b.get(after..after + 14)
                        .is_some_and(|w| w.eq_ignore_ascii_case(b"t be delivered"))
            }),
            "spf" | "dkim" | "dmarc" => {
                let before = text[..m.start()].chars().next_back();
                let after = text[m.end()..].chars().next();
                // Unicode word characters are left to the regex.
                if before.is_some_and(|c| !c.is_ascii()) || after.is_some_and(|c| !c.is_ascii()) {
                    return FAILURE_WORDS.is_match(text);
                }
                let word =
                    |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                !word(before) && !word(after)
            }
            _ => true,
        };
        if found {
            return true;
        }
        from = m.start() + 1;
    }
    false
}

fn detect(ctx: &Msg) -> bool {
    let body = &ctx.body;
    smtp::has_status(body) || smtp::reply_code(body).is_some() || has_failure_words(body)
}

fn parse(ctx: &Msg) -> Option<Found> {
    let blocks = scan::blocks(&ctx.body);
    let mut recipients: Vec<_> = blocks
        .iter()
        .map(|b| scan::recipient_from_text(b.address.clone(), &b.text))
        .filter(|r| r.diagnostic.is_some())
        .collect();
    if recipients
        .iter()
        .all(|r| r.reply_code.is_none() && r.status.is_none())
    {
        // No block holds the reply: one recipient with the whole text's reply, named by the
        // first block when there was one.
        let mut r = scan::recipient_from_text(None, &ctx.body);
        r.address = blocks.first().and_then(|b| b.address.clone());
        recipients = vec![r];
    }
    Some(Found {
        recipients,
        reporting_mta: super::reporting_mta_in(ctx),
        ..Found::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_words_are_the_old_pattern() {
        let old = regex::Regex::new(
            r"(?i)undeliver|not delivered|couldn.t be delivered|could not be delivered|delivery (?:has )?failed|rejected|refused|blocked|denied|bounced|blacklist|blocklist|\bspf\b|\bdkim\b|\bdmarc\b|mailbox (?:full|unavailable)|user unknown|no such user|relay",
        )
        .expect("the old pattern");
        let mut texts = crate::bounce::smtp::tests::corpus_texts();
        texts.extend(crate::bounce::dialect::corpus_texts::texts());
        for seed in [
            "it couldn’t be delivered",
            "Couldn\nt be delivered; couldnxt BE DELIVERED",
            "a SPF fail",
            "(dkim) _dmarc éspf spfé dkim1 dmarc.",
            "delivery has  failed, delivery HAS failed",
            "mailbox unavailable; no such user",
            "x relay",
            "ok",
        ] {
            texts.extend(crate::bounce::smtp::tests::variants(seed));
        }
        let mut found = 0;
        for text in &texts {
            let expected = old.is_match(text);
            assert_eq!(has_failure_words(text), expected, "{text:?}");
            found += usize::from(expected);
        }
        assert!(found > 5_000, "{found} texts with failure words");
    }
}
