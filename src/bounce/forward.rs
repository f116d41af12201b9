//! Bounces that reach a support desk forwarded by a customer: inline after a "Forwarded
//! message" line (often `>`-quoted), or pasted from a mail client with quoting left in.

use std::sync::LazyLock;

use regex::Regex;

/// The most `>` quoting levels removed.
const MAX_QUOTE_LEVELS: usize = 5;

/// Lines that open a forwarded or quoted message in the common mail clients.
static FORWARD_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    crate::bounce::pattern(
        r"(?im)^[>\s]*(?:-{2,}\s*forwarded message\s*-{2,}|-{2,}\s*forwarded message\s*|begin forwarded message:|-{2,}\s*original message\s*-{2,}|-{2,}\s*weitergeleitete nachricht\s*-{2,}|-{2,}\s*message transf[ée]r[ée]\s*-{2,}|-{2,}\s*mensaje reenviado\s*-{2,})\s*$",
    )
});

/// The forwarded message after a forward marker, unquoted; `None` when there is no marker.
pub(crate) fn inline(text: &str) -> Option<String> {
    let m = FORWARD_MARKER.find(text)?;
    let rest = &text[m.end()..];
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
}
