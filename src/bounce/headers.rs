//! A small, lenient RFC 5322 header reader. The bounce's own headers, the fields of a
//! `message/delivery-status` block and the headers of a returned message all go through it, so
//! that every stage sees unfolded values and no header block can run away.

/// The most header fields read from one block; real messages have a few dozen.
const MAX_FIELDS: usize = 500;

/// The unfolded fields of one header block, in order, names as written. Names and values are
/// kept back to back in one buffer: a block of dozens of fields costs two allocations, not two
/// per field.
#[derive(Debug, Clone, Default)]
pub(crate) struct Headers {
    /// Every field's name then its unfolded value, field after field.
    buf: String,
    /// Per field: where its name starts, where its value starts (the name's end) and ends.
    spans: Vec<[usize; 3]>,
    /// For a message's own block read by [`Headers::parse_top`]: what the MIME walker needs of
    /// it, so that the walker does not read the block a second time.
    top: Option<Top>,
}

/// Where a message's own header block ends and where the values of its last `Content-Type`
/// and `Content-Transfer-Encoding` fields start, as byte offsets into the whole message; only
/// given when the block is one the MIME walker's reader (mail-parser's rules) reads to the
/// same fields and end: fields and continuation lines up to a line that is empty or a lone
/// carriage return.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Top {
    pub body: usize,
    pub content_type: Option<usize>,
    pub encoding: Option<usize>,
}

impl Headers {
    /// Reads header fields from the start of `text` up to the first blank line (or a line that
    /// is neither a field nor a continuation). Returns the fields and the byte offset where the
    /// body starts.
    pub fn parse(text: &str) -> (Headers, usize) {
        let (headers, offset, _) = Headers::read(text);
        (headers, offset)
    }

    /// A message's own header block, `text` being the message after the `skipped` bytes of an
    /// mbox line: [`Headers::parse`] noting where the fields the MIME walker reads are (see
    /// [`Top`]).
    pub fn parse_top(text: &str, skipped: usize) -> Headers {
        let (mut headers, offset, [content_type, encoding]) = Headers::read(text);
        // The block ends with an empty line or a lone carriage return (a line not indented:
        // after a field it is no continuation), not with the data or a line that is no
        // field; a field was read (so the walker's reader finds one too).
        let read = text.as_bytes().get(..offset).unwrap_or_default();
        if (read.ends_with(b"\n\n") || read.ends_with(b"\n\r\n")) && !headers.is_empty() {
            headers.top = Some(Top {
                body: skipped + offset,
                content_type: content_type.map(|v| skipped + v),
                encoding: encoding.map(|v| skipped + v),
            });
        }
        headers
    }

    /// What [`Headers::parse_top`] noted, when the block is one the walker reads alike.
    pub fn top(&self) -> Option<Top> {
        self.top
    }

    /// [`Headers::parse`], also giving where the values of the last `Content-Type` and
    /// `Content-Transfer-Encoding` fields start (one reader for both: two copies of the loop
    /// cost more in code than noting the two fields costs every block).
    fn read(text: &str) -> (Headers, usize, [Option<usize>; 2]) {
        let mut headers = Headers {
            buf: String::with_capacity(text.len().min(2048)),
            spans: Vec::with_capacity(16),
            top: None,
        };
        let mut fields = [None; 2];
        let bytes = text.as_bytes();
        let mut offset = 0;
        while offset < text.len() {
            // One line, its newline included (the last may lack one).
            let rest = &text[offset..];
            let (bare, len) = match crate::bytes::find_near(b'\n', rest.as_bytes()) {
                Some(nl) => (&rest[..nl], nl + 1),
                None => (rest, rest.len()),
            };
            let first = bytes[offset];
            if first.is_ascii_graphic() {
                // Not blank: a field, an mbox separator or the end.
                if let Some((name, value)) = split_field(bare) {
                    if headers.spans.len() >= MAX_FIELDS {
                        break;
                    }
                    headers.push(name, trim(value));
                    // Most names are passed over by their first byte and length.
                    if first | 0x20 == b'c' && matches!(name.len(), 12 | 25) {
                        let (slot, wanted) = match name.len() {
                            12 => (0, "content-type"),
                            _ => (1, "content-transfer-encoding"),
                        };
                        if name.eq_ignore_ascii_case(wanted) {
                            fields[slot] = Some(offset + name.len() + 1);
                        }
                    }
                } else if !(headers.spans.is_empty() && bare.starts_with("From ")) {
                    break;
                }
            } else {
                let trimmed = trim(bare);
                if trimmed.is_empty() {
                    offset += len;
                    break;
                }
                if first != b' ' && first != b'\t' {
                    break;
                }
                // The last field's value ends the buffer: a continuation extends it.
                match headers.spans.last_mut() {
                    Some(span) => {
                        headers.buf.push(' ');
                        headers.buf.push_str(trimmed);
                        span[2] = headers.buf.len();
                    }
                    None => break,
                }
            }
            offset += len;
        }
        (headers, offset.min(text.len()), fields)
    }

    /// [`Headers::parse`] as it was written first, line by line with `str::trim`.
    #[cfg(test)]
    fn parse_plain(text: &str) -> (Headers, usize) {
        let mut headers = Headers::default();
        let mut offset = 0;
        while offset < text.len() {
            let rest = &text[offset..];
            let line = match rest.find('\n') {
                Some(nl) => &rest[..=nl],
                None => rest,
            };
            let bare = line.strip_suffix('\n').unwrap_or(line);
            if bare.trim().is_empty() {
                offset += line.len();
                break;
            }
            if bare.starts_with([' ', '\t']) {
                match headers.spans.last_mut() {
                    Some(span) => {
                        headers.buf.push(' ');
                        headers.buf.push_str(bare.trim());
                        span[2] = headers.buf.len();
                    }
                    None => break,
                }
            } else if let Some((name, value)) = split_field_plain(bare) {
                if headers.spans.len() >= MAX_FIELDS {
                    break;
                }
                headers.push(name, value.trim());
            } else if bare.starts_with("From ") && headers.spans.is_empty() {
            } else {
                break;
            }
            offset += line.len();
        }
        (headers, offset.min(text.len()))
    }

    /// Appends a field.
    pub fn push(&mut self, name: &str, value: &str) {
        let start = self.buf.len();
        self.buf.push_str(name);
        let mid = self.buf.len();
        self.buf.push_str(value);
        self.spans.push([start, mid, self.buf.len()]);
    }

    /// Every field as `(name, value)`, in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.spans.iter().map(|&[start, mid, end]| {
            (
                self.buf.get(start..mid).unwrap_or(""),
                self.buf.get(mid..end).unwrap_or(""),
            )
        })
    }

    /// How many fields were read.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// The first value of the field `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        let buf = self.buf.as_bytes();
        self.spans
            .iter()
            .find(|&&[start, mid, _]| {
                buf.get(start..mid)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            })
            .map(|&[_, mid, end]| self.buf.get(mid..end).unwrap_or(""))
    }

    /// Every value of the field `name`, in order. Names are compared as bytes before any
    /// value is sliced: most fields are passed over after a length check.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let buf = self.buf.as_bytes();
        self.spans
            .iter()
            .filter(move |&&[start, mid, _]| {
                buf.get(start..mid)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
            })
            .map(|&[_, mid, end]| self.buf.get(mid..end).unwrap_or(""))
    }

    /// The first value of each of `names` (ASCII case ignored), found in one pass over the
    /// fields rather than one pass a name; a name given twice gets the same value twice.
    pub fn first_values<const N: usize>(&self, names: [&str; N]) -> [Option<&str>; N] {
        let buf = self.buf.as_bytes();
        // The first bytes of the names, lower-cased (ASCII): most fields begin with none of
        // them and are passed over with one test.
        let lead = |name: &[u8]| name.first().map_or(0, |b| b.to_ascii_lowercase() & 0x7f);
        let leads = names
            .iter()
            .fold(0u128, |set, n| set | 1 << lead(n.as_bytes()));
        let mut first = [None; N];
        for &[start, mid, end] in &self.spans {
            let Some(name) = buf.get(start..mid) else {
                continue;
            };
            if leads >> lead(name) & 1 == 0 {
                continue;
            }
            for (slot, wanted) in first.iter_mut().zip(names) {
                if slot.is_none()
                    && name.len() == wanted.len()
                    && name.eq_ignore_ascii_case(wanted.as_bytes())
                {
                    *slot = Some(self.buf.get(mid..end).unwrap_or(""));
                }
            }
        }
        first
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// True when at least one of the given fields is present.
    pub fn has_any(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.get(n).is_some())
    }
}

/// `str::trim` (Unicode whitespace), with ASCII whitespace stripped byte by byte: only a value
/// that starts or ends with a non-ASCII character goes through the Unicode tables.
#[inline]
fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let ws = |c: u8| matches!(c, b' ' | b'\t'..=b'\r');
    let start = b.iter().position(|&c| !ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !ws(c)).map_or(start, |i| i + 1);
    let (first, last) = (b.get(start), end.checked_sub(1).and_then(|i| b.get(i)));
    if first.is_some_and(|&c| c >= 0x80) || last.is_some_and(|&c| c >= 0x80) {
        return s.trim();
    }
    s.get(start..end.max(start)).unwrap_or("")
}

/// `split_field` as it was: a byte iterator stopped at the first byte not in a name.
#[cfg(test)]
fn split_field_plain(line: &str) -> Option<(&str, &str)> {
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

/// `Name: value` with an RFC 5322 field name (printable ASCII, no colon or space).
fn split_field(line: &str) -> Option<(&str, &str)> {
    // Stops at the first byte that cannot be in a name: most lines that are not fields give
    // up within a few bytes, instead of being searched whole for a colon.
    let b = line.as_bytes();
    let limit = b.len().min(77);
    let mut colon = 0;
    // Eight name bytes at a time while none is a colon or a byte that stops a name; the first
    // byte that stops one is the lowest marked lane (a colon ends the name, any other byte
    // means no field). The byte loop below reads the last bytes, fewer than eight.
    while let Some(chunk) = b.get(colon..colon + 8).filter(|_| colon + 8 <= limit) {
        let stops = name_stops(u64::from_le_bytes(chunk.try_into().ok()?));
        if stops != 0 {
            colon += (stops.trailing_zeros() / 8) as usize;
            if b[colon] != b':' || colon == 0 {
                return None;
            }
            return Some((line.get(..colon)?, line.get(colon + 1..)?));
        }
        colon += 8;
    }
    while colon < limit {
        match b[colon] {
            b':' => break,
            0x21..=0x7e => colon += 1,
            _ => return None,
        }
    }
    if colon == 0 || colon == limit {
        return None;
    }
    Some((line.get(..colon)?, line.get(colon + 1..)?))
}

/// The high bit of every byte of `word` that is a colon or outside `0x21..=0x7e` (what ends a
/// field name). Each lane's sums stay below 0x100, so no carry crosses into the next byte.
fn name_stops(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let low = word & !HIGH;
    let non_ascii = word & HIGH;
    let below_graphic = !(low + ONES * (0x80 - 0x21)) & HIGH;
    let delete = (low + ONES) & HIGH;
    let colon = !((low ^ (ONES * u64::from(b':'))) + ONES * 0x7f) & HIGH;
    non_ascii | below_graphic | delete | colon
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
#[cfg(test)]
pub(crate) fn looks_like_message(text: &str) -> bool {
    sniff_message(text).is_some()
}

/// When `text` is a whole message (see `looks_like_message`): its header block, if the
/// message starts at the very top (no blank lines before it), which is where
/// [`super::message::Ctx::from_message`] reads it; then it need not be read twice.
pub(crate) fn sniff_message(text: &str) -> Option<Option<Headers>> {
    let start = text.len() - text.trim_start_matches(['\n', ' ', '\t']).len();
    let rest = &text[start..];
    // Indented first line means pasted text, not headers.
    let rest = if rest.starts_with("From ") {
        rest.split_once('\n').map(|(_, r)| r).unwrap_or("")
    } else {
        rest
    };
    let headers = Headers::parse_top(rest, text.len() - rest.len());
    // Counted up to the two that decide, not through every field.
    let known = headers
        .fields()
        .filter(|(n, _)| MESSAGE_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(n)))
        .take(2)
        .count();
    let is_message = known >= 2 && headers.len() * 2 >= headers.len().min(4);
    is_message.then(|| (start == 0).then_some(headers))
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

    /// Header blocks of the corpus and near variants: every email whole, from each blank line
    /// on, with CRLF line ends, and its first lines with odd whitespace and characters spliced
    /// in.
    fn header_texts() -> Vec<String> {
        let mut texts = Vec::new();
        for bytes in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            for (at, _) in text.match_indices("\n\n").take(20) {
                texts.push(text[at + 2..].to_string());
            }
            texts.push(text.replace('\n', "\r\n"));
            texts.push(text.to_ascii_uppercase());
            let head: String = text.lines().take(12).collect::<Vec<_>>().join("\n");
            for seed in [
                " ", "\t", "\r", "\u{a0}", "\u{3000}", "\u{b}", "é", ":", "From ",
            ] {
                texts.push(head.replace(": ", &format!(":{seed}")));
                texts.push(head.replace('\n', &format!("\n{seed}")));
                texts.push(head.replace('\n', &format!("{seed}\n")));
                texts.push(format!("{seed}{head}"));
            }
            for (i, _) in head.char_indices().step_by(7) {
                texts.push(head[..i].to_string());
            }
            texts.push(text);
        }
        let long_value = format!("A: {}\r\n\t{}\r\n", "v".repeat(5000), "w ".repeat(300));
        let long_names = format!(
            "{}: a\n{}: b\n{}:\n",
            "N".repeat(75),
            "N".repeat(76),
            "N".repeat(77)
        );
        for seed in [
            "A: 1\n  2\nB: x\n\nbody",
            "From x\nA:\u{a0}\u{a0}\n \u{a0}y \u{85}\n\n",
            "From x\nFrom y\nA: 1\nFrom z\n",
            "A:\n \n\tx\n  \ty \r\nB:\r\n\r\nC: c",
            "A:\nB: \n\t\nC:\t\n",
            "X\x7fY: 1\nA\u{e9}: 2\n",
            "A: 1\nno colon here\nB: 2\n",
            ":x\nA: 1\n",
            " lead\nA: 1\n",
            "A: 1\n\x0bB: 2\n",
            "A: 1\n\r\nB: 2\n",
            "A: 1\n \u{3000}\n B\n",
            &long_value,
            &long_names,
        ] {
            texts.extend(crate::bounce::variants(seed));
        }
        texts
    }

    #[test]
    fn parse_agrees_with_the_plain_reader() {
        let mut fields = 0;
        for text in header_texts() {
            let (new, new_off) = Headers::parse(&text);
            let (old, old_off) = Headers::parse_plain(&text);
            assert_eq!(
                (&new.buf, &new.spans, new_off),
                (&old.buf, &old.spans, old_off),
                "{text:?}"
            );
            fields += new.len();
        }
        assert!(fields > 100_000, "{fields} fields");
    }

    /// One pass gives each name's first value as [`Headers::get`] gives it, names repeated,
    /// of any case, empty or outside ASCII included.
    #[test]
    fn first_values_are_get() {
        let names = [
            "from", "To", "received", "x-mailer", "X-MAILER", "subject", "", "\u{e9}", "a",
        ];
        let mut found = 0;
        for text in header_texts() {
            let (h, _) = Headers::parse(&text);
            let got = h.first_values(names);
            for (name, value) in names.iter().zip(got) {
                assert_eq!(value, h.get(name), "{name} in {text:?}");
                found += usize::from(value.is_some());
            }
        }
        assert!(found > 10_000, "{found} values");
    }

    /// The eight-byte test marks exactly the bytes the byte loop stops at, every byte value
    /// in every lane.
    #[test]
    fn name_stops_marks_the_bytes_that_end_a_name() {
        for byte in 0..=255u8 {
            let stops = byte == b':' || !(0x21..=0x7e).contains(&byte);
            for lane in 0..8 {
                let mut bytes = *b"abcdefgh";
                bytes[lane] = byte;
                let expected = if stops { 0x80u64 << (lane * 8) } else { 0 };
                assert_eq!(
                    name_stops(u64::from_le_bytes(bytes)),
                    expected,
                    "{byte:#x} {lane}"
                );
            }
        }
    }

    #[test]
    fn trim_is_str_trim() {
        let mut texts = vec![String::new()];
        for seed in [
            " a b ",
            "\t\u{a0}x\u{3000} \r",
            "\u{b}\u{c}é\u{85}",
            "\u{2028}",
        ] {
            texts.extend(crate::bounce::variants(seed));
        }
        for t in &texts {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
    }

    #[test]
    fn message_versus_text() {
        assert!(looks_like_message("From: a@b\nTo: c@d\nSubject: x\n\nhi"));
        assert!(!looks_like_message("550 5.7.1 blocked: see http://x"));
        assert!(!looks_like_message("Remote host said: 550 5.1.0 no"));
    }
}
