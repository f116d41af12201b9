//! A small, lenient RFC 5322 header reader. The bounce's own headers, the fields of a
//! `message/delivery-status` block and the headers of a returned message all go through it, so
//! that every stage sees unfolded values and no header block can run away.

/// The most header fields read from one block; real messages have a few dozen.
const MAX_FIELDS: usize = 500;

/// The unfolded fields of one header block, in order, names as written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Headers {
    pub fields: Vec<(String, String)>,
}

impl Headers {
    /// Reads header fields from the start of `text` up to the first blank line (or a line that
    /// is neither a field nor a continuation). Returns the fields and the byte offset where the
    /// body starts.
    pub fn parse(text: &str) -> (Headers, usize) {
        let mut fields: Vec<(String, String)> = Vec::new();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let bare = line.trim_end_matches('\n');
            if bare.trim().is_empty() {
                offset += line.len();
                break;
            }
            if bare.starts_with([' ', '\t']) {
                match fields.last_mut() {
                    Some((_, value)) => {
                        value.push(' ');
                        value.push_str(bare.trim());
                    }
                    None => break,
                }
            } else if let Some((name, value)) = split_field(bare) {
                if fields.len() >= MAX_FIELDS {
                    break;
                }
                fields.push((name.to_string(), value.trim().to_string()));
            } else if bare.starts_with("From ") && fields.is_empty() {
                // An mbox separator line before the headers.
            } else {
                break;
            }
            offset += line.len();
        }
        (Headers { fields }, offset.min(text.len()))
    }

    /// The first value of the field `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the field `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// True when at least one of the given fields is present.
    pub fn has_any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.get(n).is_some())
    }
}

/// `Name: value` with an RFC 5322 field name (printable ASCII, no colon or space).
fn split_field(line: &str) -> Option<(&str, &str)> {
    // Stops at the first byte that cannot be in a name: most lines that are not fields give
    // up within a few bytes, instead of being searched whole for a colon.
    let colon = line
        .bytes()
        .take(77)
        .position(|b| b == b':' || !b.is_ascii_graphic())
        .filter(|&i| line.as_bytes()[i] == b':')?;
    if colon == 0 {
        return None;
    }
    Some((&line[..colon], &line[colon + 1..]))
}

/// Fields that mark the start of a real message header block.
const MESSAGE_FIELDS: &[&str] = &[
    "from",
    "to",
    "subject",
    "date",
    "received",
    "return-path",
    "message-id",
    "mime-version",
    "content-type",
    "delivered-to",
    "sender",
    "reply-to",
    "x-mailer",
    "dkim-signature",
    "sent",
];

/// True when `text` starts (after blank lines) with at least two well-known header fields: a
/// whole message rather than pasted SMTP text.
pub(crate) fn looks_like_message(text: &str) -> bool {
    let start = text.len() - text.trim_start_matches(['\n', ' ', '\t']).len();
    let rest = &text[start..];
    // Indented first line means pasted text, not headers.
    let rest = if rest.starts_with("From ") {
        rest.split_once('\n').map(|(_, r)| r).unwrap_or("")
    } else {
        rest
    };
    let (headers, _) = Headers::parse(rest);
    let known = headers
        .fields
        .iter()
        .filter(|(n, _)| MESSAGE_FIELDS.contains(&n.to_ascii_lowercase().as_str()))
        .count();
    known >= 2 && headers.fields.len() * 2 >= headers.fields.len().min(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolds_and_stops_at_blank_line() {
        let (h, off) = Headers::parse("A: 1\n  2\nB: x\n\nbody");
        assert_eq!(h.get("a"), Some("1 2"));
        assert_eq!(h.get("B"), Some("x"));
        assert_eq!(&"A: 1\n  2\nB: x\n\nbody"[off..], "body");
    }

    #[test]
    fn message_versus_text() {
        assert!(looks_like_message("From: a@b\nTo: c@d\nSubject: x\n\nhi"));
        assert!(!looks_like_message("550 5.7.1 blocked: see http://x"));
        assert!(!looks_like_message("Remote host said: 550 5.1.0 no"));
    }
}
