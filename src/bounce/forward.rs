//! Bounces that reach a support desk forwarded by a customer: inline after a "Forwarded
//! message" line (often `>`-quoted), or pasted from a mail client with quoting left in.

use std::sync::LazyLock;

use regex::Regex;

use super::smtp::skip_unicode_space;

/// The most `>` quoting levels removed.
const MAX_QUOTE_LEVELS: usize = 5;

/// Lines that open a forwarded or quoted message in the common mail clients. Read by
/// [`marker_end`]; the regex (Unicode mode) answers only for a text holding `ſ` or the Kelvin
/// sign, which its case folding matches with `s` and `k`.
static FORWARD_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    crate::bounce::pattern(
        r"(?im)^[>\s]*(?:-{2,}\s*forwarded message\s*-{2,}|-{2,}\s*forwarded message\s*|begin forwarded message:|-{2,}\s*original message\s*-{2,}|-{2,}\s*weitergeleitete nachricht\s*-{2,}|-{2,}\s*message transf[ée]r[ée]\s*-{2,}|-{2,}\s*mensaje reenviado\s*-{2,})\s*$",
    )
});

/// The phrases of [`FORWARD_MARKER`] between dashes, lower case, `é` standing for `[ée]`; and
/// whether the closing dashes may be missing.
const DASHED: [(&str, bool); 5] = [
    ("forwarded message", true),
    ("original message", false),
    ("weitergeleitete nachricht", false),
    ("message transféré", false),
    ("mensaje reenviado", false),
];

/// Where the first forward marker of `text` ends, as [`FORWARD_MARKER`] finds it. A marker
/// starts a line after `>` and blank space (Unicode `\s`, which `char::is_whitespace` is);
/// the earliest line with one holds the leftmost match.
fn marker_end(text: &str) -> Option<usize> {
    if super::dialect::has_unicode_folds(text) {
        return FORWARD_MARKER.find(text).map(|m| m.end());
    }
    let mut line = 0;
    loop {
        let rest = &text[line..];
        let first = rest
            .char_indices()
            .find(|&(_, c)| c == '\n' || !(c == '>' || c.is_whitespace()));
        if let Some((at, c)) = first
            && c != '\n'
            && let Some(end) = marker_at(text, line + at)
        {
            return Some(end);
        }
        line += memchr::memchr(b'\n', rest.as_bytes())? + 1;
    }
}

/// The end of the marker that starts at `at` with its trailing `\s*$`, if one does.
fn marker_at(text: &str, at: usize) -> Option<usize> {
    let b = text.as_bytes();
    if b[at] != b'-' {
        return line_end(text, phrase_end(text, at, "begin forwarded message:")?);
    }
    let phrase_at = skip_unicode_space(text, dashes_end(b, at)?);
    // The phrases start differently: at most one matches.
    let (end, open) = DASHED
        .iter()
        .find_map(|&(phrase, open)| Some((phrase_end(text, phrase_at, phrase)?, open)))?;
    let closing = dashes_end(b, skip_unicode_space(text, end)).and_then(|d| line_end(text, d));
    if closing.is_some() || !open {
        return closing;
    }
    line_end(text, end)
}

/// `-{2,}` at `at`: the end of the run of dashes.
fn dashes_end(b: &[u8], at: usize) -> Option<usize> {
    let n = b.get(at..)?.iter().take_while(|&&c| c == b'-').count();
    (n >= 2).then_some(at + n)
}

/// `\s*$` (multi-line) at `at`, greedy: the end of the text when blank space runs to it, else
/// the last line feed of the blank space.
fn line_end(text: &str, at: usize) -> Option<usize> {
    let end = skip_unicode_space(text, at);
    if end == text.len() {
        return Some(end);
    }
    memchr::memrchr(b'\n', &text.as_bytes()[at..end]).map(|n| at + n)
}

/// Where `phrase` (lower case, `é` standing for `[ée]`) ends when it is at `at`, case ignored.
fn phrase_end(text: &str, at: usize, phrase: &str) -> Option<usize> {
    let mut i = at;
    for p in phrase.chars() {
        let c = text.get(i..)?.chars().next()?;
        let same = if p == 'é' {
            matches!(c, 'e' | 'E' | 'é' | 'É')
        } else {
            c.eq_ignore_ascii_case(&p)
        };
        if !same {
            return None;
        }
        i += c.len_utf8();
    }
    Some(i)
}

/// The forwarded message after a forward marker, unquoted; `None` when there is no marker.
pub(crate) fn inline(text: &str) -> Option<String> {
    let rest = &text[marker_end(text)?..];
    let rest = unquote(rest);
    let rest = rest.trim_start_matches(['\n', ' ', '\t']);
    (!rest.trim().is_empty()).then(|| rest.to_string())
}

/// Removes `>` quoting when most non-empty lines carry it.
pub(crate) fn unquote(text: &str) -> String {
    let mut current = text.to_string();
    for _ in 0..MAX_QUOTE_LEVELS {
        let lines: Vec<&str> = current.lines().filter(|l| !l.trim().is_empty()).collect();
        let quoted = lines
            .iter()
            .filter(|l| l.trim_start().starts_with('>'))
            .count();
        if lines.is_empty() || quoted * 2 < lines.len() {
            break;
        }
        current = current
            .lines()
            .map(|l| {
                let t = l.trim_start();
                match t.strip_prefix('>') {
                    Some(r) => r.strip_prefix(' ').unwrap_or(r),
                    None => l,
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_forwarded_and_unquotes() {
        let t = "see below\n\nBegin forwarded message:\n\n> From: MAILER-DAEMON@x.example\n> Subject: failure\n>\n> 550 no\n";
        let inner = inline(t).unwrap();
        assert!(inner.starts_with("From: MAILER-DAEMON@x.example\nSubject: failure\n"));
        assert!(inline("no marker here").is_none());
    }

    #[test]
    fn blank_space_is_the_unicode_class() {
        let space = regex::Regex::new(r"^\s$").expect("a pattern");
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(
                c.is_whitespace(),
                space.is_match(c.encode_utf8(&mut [0; 4])),
                "{c:?}"
            );
        }
    }

    #[test]
    fn marker_end_is_the_old_pattern() {
        let old = regex::Regex::new(
            r"(?im)^[>\s]*(?:-{2,}\s*forwarded message\s*-{2,}|-{2,}\s*forwarded message\s*|begin forwarded message:|-{2,}\s*original message\s*-{2,}|-{2,}\s*weitergeleitete nachricht\s*-{2,}|-{2,}\s*message transf[ée]r[ée]\s*-{2,}|-{2,}\s*mensaje reenviado\s*-{2,})\s*$",
        )
        .expect("the old pattern");
        let mut texts = crate::bounce::smtp::tests::corpus_texts();
        texts.extend(crate::bounce::dialect::corpus_texts::texts());
        for seed in [
            "x\n> -- Forwarded message --\n\n> From: a",
            " \u{a0}---------- Forwarded message ---------\r\nFrom",
            "---- forwarded MESSAGE\n  \n\t\nx",
            "-- forwarded message\n--\n",
            "Begin forwarded message:  \n",
            "-----Original Message-----\r\n",
            "-- Weitergeleitete Nachricht --\n",
            "-- Message transféré --\n-- Message transfÉrE --",
            "-----Mensaje reenviado-----",
            "a\n>>\n>> --- forwarded message ---x\n--original message--",
        ] {
            texts.extend(crate::bounce::smtp::tests::variants(seed));
        }
        let mut found = 0;
        for text in &texts {
            let expected = old.find(text).map(|m| m.end());
            assert_eq!(marker_end(text), expected, "{text:?}");
            found += usize::from(expected.is_some());
        }
        assert!(found > 2_000, "{found} texts with a marker");
    }
}
