//! Canonicalization (RFC 6376 §3.4) and the splitting of a message into header fields and body.
//! The input is the message with CRLF line endings (see [`to_crlf`]).

use serde::Serialize;

/// At most this many header fields are read from a message.
pub const MAX_HEADERS: usize = 1000;

/// A canonicalization algorithm, for the header or the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Canon {
    Simple,
    Relaxed,
}

impl Canon {
    /// Parses `simple` or `relaxed`.
    pub fn from_name(name: &str) -> Option<Canon> {
        match name {
            "simple" => Some(Canon::Simple),
            "relaxed" => Some(Canon::Relaxed),
            _ => None,
        }
    }
}

/// One header field as it appears in the message, `raw` including its folding and final CRLF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField<'a> {
    /// The field name as written (before the colon, not trimmed).
    pub name: &'a [u8],
    pub raw: &'a [u8],
}

impl HeaderField<'_> {
    /// The value: everything after the first colon, final CRLF removed.
    pub fn value(&self) -> &[u8] {
        let after = &self.raw[self.name.len().saturating_add(1).min(self.raw.len())..];
        after.strip_suffix(b"\r\n").unwrap_or(after)
    }

    /// The name without surrounding white space.
    pub fn trimmed_name(&self) -> &[u8] {
        self.name.trim_ascii()
    }
}

/// Turns bare LF line endings into CRLF, leaving existing CRLFs alone.
pub fn to_crlf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 32);
    let mut prev = 0u8;
    for &b in message {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// Splits a CRLF message into its header fields (at most [`MAX_HEADERS`]) and body. Lines that
/// are not header fields (no colon) are skipped; a message with no blank line has an empty body.
pub fn split_message<'a>(message: &'a [u8]) -> (Vec<HeaderField<'a>>, &'a [u8]) {
    let mut fields = Vec::new();
    let mut pos = 0;
    let mut current: Option<(usize, usize)> = None; // start, name length
    let push = |fields: &mut Vec<HeaderField<'a>>, cur: Option<(usize, usize)>, end: usize| {
        if let Some((start, name_len)) = cur
            && fields.len() < MAX_HEADERS
        {
            fields.push(HeaderField {
                name: &message[start..start + name_len],
                raw: &message[start..end],
            });
        }
    };
    while pos < message.len() {
        let line_end = match message[pos..].windows(2).position(|w| w == b"\r\n") {
            Some(i) => pos + i + 2,
            None => message.len(),
        };
        let line = &message[pos..line_end];
        if line == b"\r\n" {
            push(&mut fields, current.take(), pos);
            return (fields, &message[line_end..]);
        }
        if matches!(line[0], b' ' | b'\t') {
            // A continuation line: part of the current field, if any.
        } else {
            push(&mut fields, current.take(), pos);
            current = line
                .iter()
                .position(|&b| b == b':')
                .map(|colon| (pos, colon));
        }
        pos = line_end;
    }
    push(&mut fields, current.take(), message.len());
    (fields, &[])
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Appends a header field, canonicalized, with its final CRLF.
pub fn canon_header(canon: Canon, name: &[u8], value: &[u8], out: &mut Vec<u8>) {
    match canon {
        Canon::Simple => {
            out.extend_from_slice(name);
            out.push(b':');
            out.extend_from_slice(value);
        }
        Canon::Relaxed => {
            // RFC 6376 §3.4.2: lower-case the name, unfold, reduce WSP runs to one SP, delete
            // WSP at the end of the value and around the colon.
            out.extend(name.trim_ascii().iter().map(u8::to_ascii_lowercase));
            out.push(b':');
            let mut pending_space = false;
            let mut started = false;
            for &b in value {
                match b {
                    b'\r' | b'\n' => {}
                    b if is_wsp(b) => pending_space = started,
                    b => {
                        if pending_space {
                            out.push(b' ');
                            pending_space = false;
                        }
                        out.push(b);
                        started = true;
                    }
                }
            }
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// Canonicalizes a body (RFC 6376 §3.4.3, §3.4.4).
pub fn canon_body(canon: Canon, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    match canon {
        Canon::Simple => out.extend_from_slice(body),
        Canon::Relaxed => {
            for line in body.split_inclusive(|&b| b == b'\n') {
                let (content, eol): (&[u8], &[u8]) = match line.strip_suffix(b"\r\n") {
                    Some(c) => (c, b"\r\n"),
                    None => (line, b""),
                };
                // Ignore WSP at the end of lines; reduce other WSP runs to one SP.
                let mut pending_space = false;
                for &b in content {
                    if is_wsp(b) {
                        pending_space = true;
                    } else {
                        if pending_space {
                            out.push(b' ');
                            pending_space = false;
                        }
                        out.push(b);
                    }
                }
                out.extend_from_slice(eol);
            }
        }
    }
    // Both: ignore all empty lines at the end of the body.
    while out.ends_with(b"\r\n\r\n") {
        out.truncate(out.len() - 2);
    }
    if out == b"\r\n" {
        out.clear();
    }
    match canon {
        // Simple: "If there is no body or no CRLFs at the end of the body, a CRLF is added."
        Canon::Simple => {
            if !out.ends_with(b"\r\n") {
                out.extend_from_slice(b"\r\n");
            }
        }
        // Relaxed: an empty body stays empty; a non-empty one ends with CRLF.
        Canon::Relaxed => {
            if !out.is_empty() && !out.ends_with(b"\r\n") {
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6376 §3.4.5, the example message (with SP and HTAB as written there).
    const EXAMPLE: &[u8] = b"A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";

    fn canon_all(canon: Canon, msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let (fields, body) = split_message(msg);
        let mut headers = Vec::new();
        for f in &fields {
            canon_header(canon, f.name, f.value(), &mut headers);
        }
        (headers, canon_body(canon, body))
    }

    #[test]
    fn rfc6376_example_relaxed() {
        let (h, b) = canon_all(Canon::Relaxed, EXAMPLE);
        assert_eq!(h, b"a:X\r\nb:Y Z\r\n");
        assert_eq!(b, b" C\r\nD E\r\n");
    }

    #[test]
    fn rfc6376_example_simple() {
        let (h, b) = canon_all(Canon::Simple, EXAMPLE);
        assert_eq!(h, b"A: X\r\nB : Y\t\r\n\tZ  \r\n");
        assert_eq!(b, b" C \r\nD \t E\r\n");
    }

    #[test]
    fn empty_bodies() {
        assert_eq!(canon_body(Canon::Simple, b""), b"\r\n");
        assert_eq!(canon_body(Canon::Simple, b"\r\n\r\n"), b"\r\n");
        assert_eq!(canon_body(Canon::Relaxed, b""), b"");
        assert_eq!(canon_body(Canon::Relaxed, b" \r\n\t\r\n"), b"");
        assert_eq!(canon_body(Canon::Relaxed, b"abc"), b"abc\r\n");
        assert_eq!(canon_body(Canon::Simple, b"abc"), b"abc\r\n");
    }

    #[test]
    fn lf_becomes_crlf_once() {
        assert_eq!(to_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
    }

    #[test]
    fn split_keeps_folding_and_skips_junk() {
        let msg = b"From: a\r\n b\r\nnot a header\r\nTo: c\r\n\r\nbody";
        let (fields, body) = split_message(msg);
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0].raw, b"From: a\r\n b\r\n");
        assert_eq!(fields[0].value(), b" a\r\n b");
        assert_eq!(fields[1].name, b"To");
        assert_eq!(body, b"body");
    }

    #[test]
    fn split_without_body() {
        let (fields, body) = split_message(b"From: a");
        assert_eq!(fields.len(), 1);
        assert!(body.is_empty());
    }
}
