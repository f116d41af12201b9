//! Enhanced status codes (RFC 3463) → reason. One row per code of the IANA registry (RFC 5248)
//! plus X.7.29 and X.7.30, registered later, and a few class-specific rows where a transient
//! code means something else than its permanent twin. The table is the last word only when no
//! receiver or text rule spoke: receivers misuse codes (GoDaddy's SPF fail under 5.1.0, Gmail's
//! X.7.2x numbering), so the classifier consults this table after them.

use std::sync::LazyLock;

use super::Reason;

/// How much a status-table verdict is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    /// The code names the problem (`5.2.2` mailbox full).
    Specific,
    /// The code only names a family (`5.7.1` "refused by policy" covers blocklists, relaying,
    /// DMARC, ...): used only when nothing else matched.
    Generic,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct StatusRule {
    /// `X.s.d` for every class, or a full code (`4.2.1`) that overrides the `X.` row.
    pub code: &'static str,
    /// The reason, or `None` when the code says nothing usable (`X.0.0`).
    pub reason: Option<Reason>,
    pub strength: Strength,
    /// The registry's sample text, shown as evidence.
    pub meaning: &'static str,
}

const fn rule(
    code: &'static str,
    reason: Option<Reason>,
    strength: Strength,
    meaning: &'static str,
) -> StatusRule {
    StatusRule {
        code,
        reason,
        strength,
        meaning,
    }
}

use Reason as R;
use Strength::{Generic as G, Specific as S};

/// The table, ordered by code; full codes come before the `X.` rows they refine.
pub const STATUS_RULES: &[StatusRule] = &[
    rule("X.0.0", None, G, "Other undefined Status"),
    rule("X.1.0", Some(R::UserUnknown), G, "Other address status"),
    rule(
        "X.1.1",
        Some(R::UserUnknown),
        S,
        "Bad destination mailbox address",
    ),
    rule(
        "X.1.2",
        Some(R::HostUnknown),
        S,
        "Bad destination system address",
    ),
    rule(
        "X.1.3",
        Some(R::UserUnknown),
        S,
        "Bad destination mailbox address syntax",
    ),
    rule(
        "X.1.4",
        Some(R::Filtered),
        G,
        "Destination mailbox address ambiguous",
    ),
    rule("X.1.5", Some(R::Delivered), S, "Destination address valid"),
    rule(
        "X.1.6",
        Some(R::HasMoved),
        S,
        "Destination mailbox has moved, No forwarding address",
    ),
    rule(
        "X.1.7",
        Some(R::Rejected),
        S,
        "Bad sender's mailbox address syntax",
    ),
    rule("X.1.8", Some(R::Rejected), S, "Bad sender's system address"),
    rule(
        "X.1.9",
        Some(R::SystemError),
        G,
        "Message relayed to non-compliant mailer",
    ),
    rule(
        "X.1.10",
        Some(R::NotAccept),
        S,
        "Recipient address has null MX",
    ),
    rule("4.2.0", None, G, "Other or undefined mailbox status"),
    rule(
        "X.2.0",
        Some(R::Filtered),
        G,
        "Other or undefined mailbox status",
    ),
    // RFC 3463: "This may be a permanent error if the mailbox will never be re-enabled or a
    // transient error if the mailbox is only temporarily disabled."
    rule(
        "4.2.1",
        Some(R::Blocked),
        G,
        "Mailbox disabled, not accepting messages",
    ),
    rule(
        "X.2.1",
        Some(R::Filtered),
        G,
        "Mailbox disabled, not accepting messages",
    ),
    rule("X.2.2", Some(R::MailboxFull), S, "Mailbox full"),
    rule(
        "X.2.3",
        Some(R::EmailTooLarge),
        S,
        "Message length exceeds administrative limit",
    ),
    rule(
        "X.2.4",
        Some(R::Filtered),
        G,
        "Mailing list expansion problem",
    ),
    rule(
        "X.3.0",
        Some(R::SystemError),
        G,
        "Other or undefined mail system status",
    ),
    rule("X.3.1", Some(R::SystemFull), S, "Mail system full"),
    rule(
        "X.3.2",
        Some(R::NotAccept),
        S,
        "System not accepting network messages",
    ),
    rule(
        "X.3.3",
        Some(R::SystemError),
        G,
        "System not capable of selected features",
    ),
    rule(
        "X.3.4",
        Some(R::EmailTooLarge),
        S,
        "Message too big for system",
    ),
    rule(
        "X.3.5",
        Some(R::SystemError),
        G,
        "System incorrectly configured",
    ),
    rule(
        "X.3.6",
        Some(R::SystemError),
        G,
        "Requested priority was changed",
    ),
    rule(
        "4.4.0",
        None,
        G,
        "Other or undefined network or routing status",
    ),
    rule(
        "X.4.0",
        Some(R::NetworkError),
        G,
        "Other or undefined network or routing status",
    ),
    rule("X.4.1", Some(R::Expired), G, "No answer from host"),
    rule("X.4.2", Some(R::NetworkError), G, "Bad connection"),
    rule("X.4.3", Some(R::SystemError), G, "Directory server failure"),
    rule("4.4.4", Some(R::NetworkError), G, "Unable to route"),
    rule("X.4.4", Some(R::HostUnknown), G, "Unable to route"),
    rule("4.4.5", Some(R::SystemFull), G, "Mail system congestion"),
    rule("X.4.5", Some(R::SystemFull), G, "Mail system congestion"),
    rule("X.4.6", Some(R::NetworkError), G, "Routing loop detected"),
    rule("X.4.7", Some(R::Expired), S, "Delivery time expired"),
    rule("X.5.0", None, G, "Other or undefined protocol status"),
    rule("X.5.1", Some(R::SyntaxError), G, "Invalid command"),
    rule("X.5.2", Some(R::SyntaxError), G, "Syntax error"),
    rule("X.5.3", Some(R::RateLimited), G, "Too many recipients"),
    rule(
        "X.5.4",
        Some(R::SystemError),
        G,
        "Invalid command arguments",
    ),
    rule("X.5.5", Some(R::SystemError), G, "Wrong protocol version"),
    rule(
        "X.5.6",
        Some(R::SyntaxError),
        G,
        "Authentication Exchange line is too long",
    ),
    rule(
        "X.6.0",
        Some(R::ContentError),
        G,
        "Other or undefined media error",
    ),
    rule("X.6.1", Some(R::ContentError), S, "Media not supported"),
    rule(
        "X.6.2",
        Some(R::ContentError),
        S,
        "Conversion required and prohibited",
    ),
    rule(
        "X.6.3",
        Some(R::ContentError),
        S,
        "Conversion required but not supported",
    ),
    rule(
        "X.6.4",
        Some(R::ContentError),
        G,
        "Conversion with loss performed",
    ),
    rule("X.6.5", Some(R::ContentError), S, "Conversion Failed"),
    rule(
        "X.6.6",
        Some(R::ContentError),
        S,
        "Message content not available",
    ),
    rule(
        "X.6.7",
        Some(R::ContentError),
        S,
        "Non-ASCII addresses not permitted",
    ),
    rule(
        "X.6.8",
        Some(R::ContentError),
        S,
        "UTF-8 string reply is required",
    ),
    rule(
        "X.6.9",
        Some(R::ContentError),
        S,
        "UTF-8 header message cannot be transferred",
    ),
    rule(
        "X.6.10",
        Some(R::ContentError),
        G,
        "Other media error (RFC 6531)",
    ),
    rule("4.7.0", None, G, "Other or undefined security status"),
    rule(
        "X.7.0",
        Some(R::SecurityError),
        G,
        "Other or undefined security status",
    ),
    rule(
        "4.7.1",
        Some(R::Blocked),
        G,
        "Delivery not authorized, message refused",
    ),
    rule(
        "X.7.1",
        Some(R::SecurityError),
        G,
        "Delivery not authorized, message refused",
    ),
    rule(
        "4.7.2",
        Some(R::Blocked),
        G,
        "Mailing list expansion prohibited",
    ),
    rule(
        "X.7.2",
        Some(R::SecurityError),
        G,
        "Mailing list expansion prohibited",
    ),
    rule(
        "X.7.3",
        Some(R::SecurityError),
        G,
        "Security conversion required but not possible",
    ),
    rule(
        "X.7.4",
        Some(R::SecurityError),
        G,
        "Security features not supported",
    ),
    rule("X.7.5", Some(R::SecurityError), G, "Cryptographic failure"),
    rule(
        "X.7.6",
        Some(R::SecurityError),
        G,
        "Cryptographic algorithm not supported",
    ),
    rule(
        "X.7.7",
        Some(R::SecurityError),
        G,
        "Message integrity failure",
    ),
    rule(
        "X.7.8",
        Some(R::SecurityError),
        G,
        "Authentication credentials invalid",
    ),
    rule(
        "X.7.9",
        Some(R::SecurityError),
        G,
        "Authentication mechanism is too weak",
    ),
    rule("X.7.10", Some(R::SecurityError), G, "Encryption Needed"),
    rule(
        "X.7.11",
        Some(R::SecurityError),
        G,
        "Encryption required for requested mechanism",
    ),
    rule(
        "X.7.12",
        Some(R::SecurityError),
        G,
        "A password transition is needed",
    ),
    rule("X.7.13", Some(R::Suspend), S, "User Account Disabled"),
    rule(
        "X.7.14",
        Some(R::SecurityError),
        G,
        "Trust relationship required",
    ),
    rule(
        "X.7.15",
        Some(R::SecurityError),
        G,
        "Priority Level is too low",
    ),
    rule(
        "X.7.16",
        Some(R::EmailTooLarge),
        S,
        "Message is too big for the specified priority",
    ),
    rule("X.7.17", Some(R::HasMoved), S, "Mailbox owner has changed"),
    rule("X.7.18", Some(R::HasMoved), S, "Domain owner has changed"),
    rule(
        "X.7.19",
        Some(R::SecurityError),
        G,
        "RRVS test cannot be completed",
    ),
    rule(
        "X.7.20",
        Some(R::AuthFailure),
        S,
        "No passing DKIM signature found",
    ),
    rule(
        "X.7.21",
        Some(R::AuthFailure),
        S,
        "No acceptable DKIM signature found",
    ),
    rule(
        "X.7.22",
        Some(R::AuthFailure),
        S,
        "No valid author-matched DKIM signature found",
    ),
    rule("X.7.23", Some(R::AuthFailure), S, "SPF validation failed"),
    rule("X.7.24", Some(R::AuthFailure), S, "SPF validation error"),
    rule(
        "X.7.25",
        Some(R::RequirePtr),
        S,
        "Reverse DNS validation failed",
    ),
    rule(
        "X.7.26",
        Some(R::AuthFailure),
        S,
        "Multiple authentication checks failed",
    ),
    // RFC 7505: the *sender* domain publishes a null MX, so bounces could not be returned.
    rule("X.7.27", Some(R::Rejected), S, "Sender address has null MX"),
    rule("X.7.28", Some(R::SpamDetected), S, "Mail flood detected"),
    // RFC 8617 §5.2.2 (ARC), registered after the 2017 copy of the registry.
    rule("X.7.29", Some(R::AuthFailure), S, "ARC validation failure"),
    // RFC 8689 §5 (REQUIRETLS), registered after the 2017 copy of the registry.
    rule(
        "X.7.30",
        Some(R::FailedStartTls),
        S,
        "REQUIRETLS support required",
    ),
];

/// A parsed `class.subject.detail` code; rejects anything else (three numbers, class 2/4/5,
/// at most three digits each), so garbage in a bounce never reaches the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusCode {
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl StatusCode {
    /// Parses `5.7.26`; `None` for anything that is not an enhanced status code.
    pub fn parse(text: &str) -> Option<StatusCode> {
        // Split and read as bytes: the parts are ASCII digits (a `char` split and
        // `str::parse` cost several times more).
        let mut parts = text.trim().as_bytes().split(|&b| b == b'.');
        let mut number = |max_len: usize| -> Option<u16> {
            let p = parts.next()?;
            if p.is_empty() || p.len() > max_len || !p.iter().all(u8::is_ascii_digit) {
                return None;
            }
            Some(p.iter().fold(0, |n, &d| n * 10 + u16::from(d - b'0')))
        };
        let class = number(1)? as u8;
        let subject = number(3)?;
        let detail = number(3)?;
        if parts.next().is_some() || !matches!(class, 2 | 4 | 5) {
            return None;
        }
        Some(StatusCode {
            class,
            subject,
            detail,
        })
    }

    /// [`StatusCode::parse`] as it was, by `str` split and parse.
    #[cfg(test)]
    fn parse_by_str(text: &str) -> Option<StatusCode> {
        let mut parts = text.trim().split('.');
        let mut number = |max_len: usize| -> Option<u16> {
            let p = parts.next()?;
            if p.is_empty() || p.len() > max_len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            p.parse().ok()
        };
        let class = number(1)? as u8;
        let subject = number(3)?;
        let detail = number(3)?;
        if parts.next().is_some() || !matches!(class, 2 | 4 | 5) {
            return None;
        }
        Some(StatusCode {
            class,
            subject,
            detail,
        })
    }

    /// Permanent (5.x.x).
    pub fn is_permanent(self) -> bool {
        self.class == 5
    }
}

impl std::fmt::Display for StatusCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// A table row's code as a key: `(class, subject, detail)`, class 0 for the `X.` rows.
type RowKey = (u8, u16, u16);

/// The table by code, built once, sorted by code for a binary search (a hashed map costs
/// several times more per look-up); the first row of a code wins, as in a scan of the table.
static ROWS_BY_CODE: LazyLock<Vec<(RowKey, &'static StatusRule)>> = LazyLock::new(|| {
    let mut rows = Vec::with_capacity(STATUS_RULES.len());
    for rule in STATUS_RULES {
        let key = match rule.code.strip_prefix("X.") {
            Some(rest) => StatusCode::parse(&format!("2.{rest}")).map(|c| (0, c.subject, c.detail)),
            None => StatusCode::parse(rule.code).map(|c| (c.class, c.subject, c.detail)),
        };
        if let Some(key) = key {
            rows.push((key, rule));
        }
    }
    // A stable sort keeps each code's rows in table order, so the first is kept.
    rows.sort_by_key(|(key, _)| *key);
    rows.dedup_by_key(|(key, _)| *key);
    rows
});

/// The row with this key, when the table has one.
fn row(key: RowKey) -> Option<&'static StatusRule> {
    let rows = &*ROWS_BY_CODE;
    let at = rows.binary_search_by_key(&key, |(k, _)| *k).ok()?;
    Some(rows[at].1)
}

/// The row for `code`: the class-specific row first, then the `X.` row.
pub fn lookup(code: StatusCode) -> Option<&'static StatusRule> {
    let StatusCode {
        class,
        subject,
        detail,
    } = code;
    let (s, d) = (usize::from(subject), usize::from(detail));
    let class_at = DENSE_CLASSES.iter().position(|&c| c == class);
    if let (Some(c), true) = (class_at, s < DENSE_SUBJECTS && d < DENSE_DETAILS) {
        let n = DENSE.get(c)?.get(s * DENSE_DETAILS + d)?.checked_sub(1)?;
        return ROWS_BY_CODE.get(usize::from(n)).map(|(_, rule)| *rule);
    }
    lookup_sorted(code)
}

/// [`lookup`] by two binary searches, for codes outside the dense table (and its reference).
fn lookup_sorted(code: StatusCode) -> Option<&'static StatusRule> {
    let StatusCode {
        class,
        subject,
        detail,
    } = code;
    row((class, subject, detail)).or_else(|| row((0, subject, detail)))
}

/// The classes [`DENSE`] holds, in its order.
const DENSE_CLASSES: [u8; 3] = [2, 4, 5];
/// The subjects and details below these are looked up in [`DENSE`]: every row of the table
/// is (the test `dense_lookup_is_the_sorted_lookup` says so).
const DENSE_SUBJECTS: usize = 8;
const DENSE_DETAILS: usize = 32;

/// Per class of [`DENSE_CLASSES`] and code `subject.detail` of that range: what [`lookup`]
/// answers, as one plus its place in [`ROWS_BY_CODE`] (0 for no row). 768 bytes, one line read
/// per look-up; the two binary searches read a dozen lines of the 1.6 KB table, cold at every
/// bounce.
static DENSE: LazyLock<[[u8; DENSE_SUBJECTS * DENSE_DETAILS]; DENSE_CLASSES.len()]> =
    LazyLock::new(|| {
        let rows = &*ROWS_BY_CODE;
        assert!(rows.len() < usize::from(u8::MAX), "one byte per row");
        let mut dense = [[0u8; DENSE_SUBJECTS * DENSE_DETAILS]; DENSE_CLASSES.len()];
        // One pass over the rows, as `lookup_sorted` answers: the `X.` rows (class 0, first in
        // the sorted table) under every class, then each class's own rows over them.
        for (n, &((class, subject, detail), _)) in rows.iter().enumerate() {
            let (s, d) = (usize::from(subject), usize::from(detail));
            if s >= DENSE_SUBJECTS || d >= DENSE_DETAILS {
                continue;
            }
            for (table, &c) in dense.iter_mut().zip(&DENSE_CLASSES) {
                if class == 0 || class == c {
                    table[s * DENSE_DETAILS + d] = n as u8 + 1;
                }
            }
        }
        dense
    });

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte reader parses what the `str` reader parsed, on every status the corpus
    /// recipients carry, every corpus line and made-up edge cases.
    #[test]
    fn parse_is_the_str_parse() {
        let mut texts: Vec<String> = [
            "5.7.26",
            " 5.1.1 ",
            "\u{3000}4.4.7\u{2003}",
            "5.0.0.",
            ".5.0.0",
            "5..0",
            "5.1000.1",
            "5.999.999",
            "6.1.1",
            "2.0.0",
            "05.1.1",
            "5.01.001",
            "5.1.1x",
            "５.1.1",
            "5.1",
            "",
            "4.7.0\n",
            "5.7.1 x",
            "+5.1.1",
            "5.-1.1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for bytes in crate::bounce::corpus_emails() {
            let b = crate::bounce::parse_str(&String::from_utf8_lossy(&bytes));
            texts.extend(b.recipients.iter().filter_map(|r| r.status.clone()));
        }
        texts.extend(crate::bounce::corpus_texts());
        let mut parsed = 0;
        for t in &texts {
            let old = StatusCode::parse_by_str(t);
            assert_eq!(StatusCode::parse(t), old, "{t:?}");
            parsed += usize::from(old.is_some());
        }
        assert!(parsed > 300, "{parsed} codes");
    }

    #[test]
    fn codes_parse_strictly() {
        assert_eq!(
            StatusCode::parse("5.7.26"),
            Some(StatusCode {
                class: 5,
                subject: 7,
                detail: 26
            })
        );
        for bad in [
            "", "5.7", "5.7.26.1", "3.1.1", "5..1", "5.1.1000", "a.b.c", "55.1.1",
        ] {
            assert_eq!(StatusCode::parse(bad), None, "{bad}");
        }
    }

    /// The lookup by key finds the row a scan of the table in order finds, for every code of
    /// the table in every class and for codes the table lacks.
    #[test]
    fn keyed_lookup_is_the_table_scan() {
        let scan = |code: StatusCode| {
            let full = code.to_string();
            let generic = format!("X.{}.{}", code.subject, code.detail);
            STATUS_RULES
                .iter()
                .find(|r| r.code == full)
                .or_else(|| STATUS_RULES.iter().find(|r| r.code == generic))
        };
        let mut codes: Vec<(u16, u16)> = STATUS_RULES
            .iter()
            .filter_map(|r| {
                let mut parts = r.code.split('.').skip(1);
                Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
            })
            .collect();
        codes.extend([(0, 0), (9, 9), (1, 999), (7, 26)]);
        let mut found = 0;
        for class in [2, 4, 5] {
            for &(subject, detail) in &codes {
                let code = StatusCode {
                    class,
                    subject,
                    detail,
                };
                let want = scan(code);
                found += usize::from(want.is_some());
                // Rows compared by code (unique in the table): a `const` table's rows need not
                // share one address.
                assert_eq!(lookup(code).map(|r| r.code), want.map(|r| r.code), "{code}");
            }
        }
        assert!(found > 100, "{found} codes found");
    }

    /// The dense table answers as the binary searches it replaced, for every code of every
    /// class the parser accepts up to three digits past the dense range, and every row's code
    /// is in the dense range.
    #[test]
    fn dense_lookup_is_the_sorted_lookup() {
        let mut found = 0;
        for class in [2, 4, 5] {
            for subject in (0..=DENSE_SUBJECTS as u16 + 3).chain([99, 999]) {
                for detail in (0..=DENSE_DETAILS as u16 + 3).chain([99, 999]) {
                    let code = StatusCode {
                        class,
                        subject,
                        detail,
                    };
                    let want = lookup_sorted(code);
                    found += usize::from(want.is_some());
                    assert!(
                        lookup(code).map(std::ptr::from_ref) == want.map(std::ptr::from_ref),
                        "{code}"
                    );
                }
            }
        }
        assert!(found > 200, "{found} codes found");
        for ((_, subject, detail), _) in ROWS_BY_CODE.iter() {
            assert!(usize::from(*subject) < DENSE_SUBJECTS, "{subject}");
            assert!(usize::from(*detail) < DENSE_DETAILS, "{detail}");
        }
    }

    #[test]
    fn class_specific_rows_win() {
        let transient = lookup(StatusCode::parse("4.7.1").unwrap()).unwrap();
        assert_eq!(transient.reason, Some(Reason::Blocked));
        let permanent = lookup(StatusCode::parse("5.7.1").unwrap()).unwrap();
        assert_eq!(permanent.reason, Some(Reason::SecurityError));
    }

    #[test]
    fn every_row_is_well_formed_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for r in STATUS_RULES {
            assert!(seen.insert(r.code), "duplicate row {}", r.code);
            let numeric = r.code.replacen('X', "5", 1);
            assert!(StatusCode::parse(&numeric).is_some(), "bad code {}", r.code);
        }
    }
}
