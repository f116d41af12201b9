//! Facts read from the headers of the returned original message: who sent it (Return-Path,
//! From), the DKIM signatures it carried, and the addresses in its Received trail.

use std::net::IpAddr;
use std::ops::Range;

use super::DkimSignatureRef;
use super::headers::Headers;
use super::smtp::{is_space, is_usable_ip, parse_ip};

/// The most DKIM-Signature fields read from one message.
const MAX_SIGNATURES: usize = 10;
/// The most Received fields looked at.
const MAX_RECEIVED: usize = 50;

/// The first e-mail address in `s`, lower-cased domain, or `None` (`<>` has none).
pub(crate) fn first_address(s: &str) -> Option<String> {
    let at = find_address(s.as_bytes(), 0)?;
    Some(normalise_address(&s[at]))
}

/// Every e-mail address in `s`, in order, at most `max`.
pub(crate) fn addresses(s: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut from = 0;
    while out.len() < max
        && let Some(at) = find_address(s.as_bytes(), from)
    {
        from = at.end;
        out.push(normalise_address(&s[at]));
    }
    out
}

/// The first address in `s[from..]`: the leftmost `local@label.label...`, a local part of
/// [`is_local`] characters and labels of letters, digits and inner hyphens (two labels or more).
/// A local part runs back from its `@` as far as it can; an `@` whose domain does not read
/// gives no address and the search goes on at the next.
fn find_address(s: &[u8], from: usize) -> Option<Range<usize>> {
    let mut search = from;
    loop {
        let at = search + memchr::memchr(b'@', s.get(search..)?)?;
        let local = s[from..at]
            .iter()
            .rev()
            .take_while(|&&b| is_local(b))
            .count();
        if local > 0
            && let Some(end) = domain_end(s, at + 1)
        {
            return Some(at - local..end);
        }
        search = at + 1;
    }
}

/// The characters of an address's local part (ASCII letters, digits and
/// `.!#$%&'*+/=?^_`{|}~-`), as a table: a search of the symbol list costs by how far in the
/// byte is, and its count moves with where the list lies in memory.
const LOCAL: [bool; 256] = {
    let mut table = [false; 256];
    let symbols = b".!#$%&'*+/=?^_`{|}~-";
    let mut i = 0;
    while i < symbols.len() {
        table[symbols[i] as usize] = true;
        i += 1;
    }
    let mut b = 0;
    while b < 256 {
        table[b] |= (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    table
};

/// A character of an address's local part.
pub(crate) fn is_local(b: u8) -> bool {
    LOCAL[usize::from(b)]
}

/// Where a domain of two labels or more starting at `at` ends.
fn domain_end(s: &[u8], at: usize) -> Option<usize> {
    let mut end = label_end(s, at)?;
    let mut labels = 1;
    while s.get(end) == Some(&b'.')
        && let Some(next) = label_end(s, end + 1)
    {
        end = next;
        labels += 1;
    }
    (labels > 1).then_some(end)
}

/// Where a label starting at `at` ends: letters, digits and hyphens, first and last not a
/// hyphen.
fn label_end(s: &[u8], at: usize) -> Option<usize> {
    if !s.get(at)?.is_ascii_alphanumeric() {
        return None;
    }
    let run = s[at..]
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-')
        .count();
    let trailing_hyphens = s[at..at + run]
        .iter()
        .rev()
        .take_while(|&&b| b == b'-')
        .count();
    Some(at + run - trailing_hyphens)
}

/// `Local@Example.COM.` → `Local@example.com`. The marks trimmed off are ASCII, so they are
/// trimmed byte by byte (a character-by-character trim and search cost several times more).
pub(crate) fn normalise_address(a: &str) -> String {
    let a = a.trim();
    let bytes = a.as_bytes();
    let mark = |b: &u8| matches!(b, b'<' | b'>' | b'.' | b'\'' | b'"');
    let start = bytes.iter().position(|b| !mark(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !mark(b))
        .map_or(start, |e| e + 1);
    let a = &a[start..end];
    let mut out = a.to_string();
    if let Some(at) = memchr::memrchr(b'@', a.as_bytes()) {
        out[at + 1..].make_ascii_lowercase();
    }
    out
}

/// [`normalise_address`] as it was, by characters.
#[cfg(test)]
fn normalise_address_by_chars(a: &str) -> String {
    let a = a.trim().trim_matches(['<', '>', '.', '\'', '"']);
    let mut out = a.to_string();
    if let Some(at) = a.rfind('@') {
        out[at + 1..].make_ascii_lowercase();
    }
    out
}

/// The domain of an address: what `smtp::clean_domain` makes of the part after its last `@`, read
/// without copying until it passes. Its check that the name is no IP address is left out: a
/// name of letters, digits, `-`, `.` and `_` whose last label is not all digits never parses
/// as one (IPv4 is four numbers, IPv6 needs a `:`).
pub(crate) fn domain_of(address: &str) -> Option<String> {
    domain_as_written(address).map(str::to_ascii_lowercase)
}

/// True when [`domain_of`] `address` is `domain`, a name lower-cased already (as
/// `smtp::clean_domain` gives it): compared in place, without the lower-cased copy.
pub(crate) fn is_in_domain(address: &str, domain: &str) -> bool {
    domain_as_written(address).is_some_and(|d| d.eq_ignore_ascii_case(domain))
}

/// The domain of an address as [`domain_of`] reads it, before lower-casing.
fn domain_as_written(address: &str) -> Option<&str> {
    let at = memchr::memrchr(b'@', address.as_bytes())?;
    name_as_domain(&address[at + 1..])
}

/// What `smtp::clean_domain` makes of a name with no `@`, before lower-casing (see
/// [`domain_of`]).
fn name_as_domain(domain: &str) -> Option<&str> {
    let domain = domain.trim();
    // The marks trimmed off are ASCII: trimmed byte by byte, as in `normalise_address`.
    let bytes = domain.as_bytes();
    let mark = |b: &u8| matches!(b, b'<' | b'>' | b'[' | b']' | b'\'' | b'"');
    let start = bytes.iter().position(|b| !mark(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !mark(b))
        .map_or(start, |e| e + 1);
    let name = domain[start..end].trim_end_matches('.');
    let bytes = name.as_bytes();
    let tld = bytes.rsplit(|&b| b == b'.').next().unwrap_or(bytes);
    let ok = bytes.len() <= 253
        && tld.len() < bytes.len()
        && tld.len() >= 2
        && !tld.iter().all(u8::is_ascii_digit)
        && bytes.iter().all(|&b| DOMAIN[usize::from(b)]);
    ok.then_some(name)
}

/// The bytes of a domain name as [`domain_of`] takes it (ASCII letters, digits, `-`, `.`,
/// `_`), as a table.
const DOMAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric() || matches!(b as u8, b'-' | b'.' | b'_');
        b += 1;
    }
    table
};

/// What the returned headers tell.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Returned {
    pub return_path: Option<String>,
    pub from: Option<String>,
    pub dkim: Vec<DkimSignatureRef>,
    /// The first usable address in a Received field's `from` clause, top (latest) first.
    pub received_ip: Option<IpAddr>,
    /// The HELO name recorded in the same `from` clause as `received_ip`: what the host at
    /// that address greeted with, so an SPF check of the HELO identity pairs the two.
    pub received_helo: Option<String>,
}

/// The addresses a Received field's `from` clause names, in order: bracketed (`[192.0.2.1]`,
/// `(IPv6:2001:db8::1)`, white space allowed inside) or a bare dotted quad between word
/// boundaries. Matches do not overlap; each search goes on after the previous match.
fn received_ips(clause: &str) -> impl Iterator<Item = &str> {
    let s = clause.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        // Only a bracket or a digit can start a match.
        let (found, end) = s
            .get(from..)?
            .iter()
            .enumerate()
            .filter(|&(_, &b)| IP_START[usize::from(b)])
            .find_map(|(k, _)| bracketed_ip(s, from + k).or_else(|| dotted_quad(s, from + k)))?;
        from = end;
        Some(&clause[found])
    })
}

/// The bytes a Received address can start at (`[`, `(`, a digit), as a table.
const IP_START: [bool; 256] = {
    let mut table = [false; 256];
    table[b'[' as usize] = true;
    table[b'(' as usize] = true;
    let mut b = b'0';
    while b <= b'9' {
        table[b as usize] = true;
        b += 1;
    }
    table
};

/// `[ ip ]` or `( IPv6:ip )` at `i`: the address and where the match ends.
fn bracketed_ip(s: &[u8], i: usize) -> Option<(Range<usize>, usize)> {
    if !matches!(s[i], b'[' | b'(') {
        return None;
    }
    let spaces = |at: usize| at + s[at..].iter().take_while(|&&b| is_space(b)).count();
    // The address keeps its `IPv6:` tag.
    let start = spaces(i + 1);
    let digits = start
        + if s
            .get(start..start + 5)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"ipv6:"))
        {
            5
        } else {
            0
        };
    let len = s[digits..]
        .iter()
        .take_while(|&&b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        .count();
    let end = digits + len;
    if len == 0 || !s[end - 1].is_ascii_hexdigit() {
        return None;
    }
    let close = spaces(end);
    matches!(s.get(close), Some(b']' | b')')).then_some((start..end, close + 1))
}

/// A dotted quad of one to three digits each, between word boundaries, at `i`.
fn dotted_quad(s: &[u8], i: usize) -> Option<(Range<usize>, usize)> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if !s[i].is_ascii_digit() || (i > 0 && word(s[i - 1])) {
        return None;
    }
    let mut at = i;
    for n in 0..4 {
        if n > 0 {
            if s.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        let digits = s[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=3).contains(&digits) {
            return None;
        }
        at += digits;
    }
    (!s.get(at).is_some_and(|&b| word(b))).then_some((i..at, at))
}

/// Where the first ` by ` (any case) starts, found by its blank: a window-by-window comparison
/// costs several times more.
fn first_by(bytes: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b' ', bytes).find(|&i| {
        bytes
            .get(i + 1..i + 4)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"by "))
    })
}

/// Reads the returned headers, in one pass over the fields: four lookups of their own cost
/// four walks over a block of dozens of fields.
pub(crate) fn read(headers: &Headers) -> Returned {
    let mut out = Returned::default();
    let (mut return_path, mut from) = (None, None);
    let (mut signatures, mut received) = (0, 0);
    for (name, value) in headers.fields() {
        // The four names differ in length: one comparison of bytes each at most.
        let is = |wanted: &str| name.as_bytes().eq_ignore_ascii_case(wanted.as_bytes());
        match name.len() {
            11 if return_path.is_none() && is("return-path") => return_path = Some(value),
            4 if from.is_none() && is("from") => from = Some(value),
            14 if signatures < MAX_SIGNATURES && is("dkim-signature") => {
                signatures += 1;
                if let Some(sig) = dkim_tags(value) {
                    out.dkim.push(sig);
                }
            }
            8 if out.received_ip.is_none() && received < MAX_RECEIVED && is("received") => {
                received += 1;
                if let Some((ip, clause)) = received_from(value) {
                    out.received_ip = Some(ip);
                    out.received_helo = received_helo(clause);
                }
            }
            _ => {}
        }
    }
    out.return_path = return_path.and_then(first_address);
    out.from = from.and_then(first_address);
    out
}

/// The first usable address of a Received field's `from` clause, with the clause.
fn received_from(value: &str) -> Option<(IpAddr, &str)> {
    // Only the `from` clause: the `by` clause names the receiving host.
    let from_first = value
        .trim_start()
        .as_bytes()
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"from"));
    if !from_first {
        return None;
    }
    let by = first_by(value.as_bytes());
    let from_clause = by.map_or(value, |i| &value[..i]);
    let ip = received_ips(from_clause).find_map(|s| parse_ip(s).filter(is_usable_ip))?;
    Some((ip, from_clause))
}

/// The HELO name a Received field's `from` clause records: `helo=NAME` or `(HELO NAME)` where
/// the receiving MTA writes it apart (Exim, qmail), otherwise the name right after `from`
/// (Postfix, Sendmail and Exchange put the HELO there and the reverse-DNS name in the
/// parentheses). A name without a dot (`unknown`, `localhost`) or an address literal is none.
fn received_helo(clause: &str) -> Option<String> {
    let bytes = clause.as_bytes();
    // A tag starts with `h`: only those places are compared.
    let tagged = memchr::memchr2_iter(b'h', b'H', bytes).find_map(|i| {
        let tag = bytes.get(i..i + 5)?;
        let word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        (word_start && tag[..4].eq_ignore_ascii_case(b"helo") && matches!(tag[4], b'=' | b' '))
            .then_some(i + 5)
    });
    let start = tagged.unwrap_or_else(|| {
        let after_from = clause.trim_start();
        let skipped = clause.len() - after_from.len() + 4;
        skipped
            + bytes[skipped.min(bytes.len())..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count()
    });
    let name = &clause[start.min(clause.len())..];
    let end = name
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')))
        .unwrap_or(name.len());
    // Letters, digits, `-`, `.` and `_` only: read as `clean_domain` reads them, in place.
    name_as_domain(&name[..end]).map(str::to_ascii_lowercase)
}

/// `s` without its white space (Unicode): copied whole when it has none, as most tag values.
fn without_white_space(s: &str) -> String {
    // ASCII bytes other than the six blanks are characters that are not white space.
    let plain = s
        .bytes()
        .all(|b| b.is_ascii() && !matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '));
    if plain {
        s.to_string()
    } else {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }
}

/// The `d=`, `s=` and `a=` tags of a DKIM-Signature value (RFC 6376 §3.5).
pub(crate) fn dkim_tags(value: &str) -> Option<DkimSignatureRef> {
    let mut domain = None;
    let mut selector = None;
    let mut algorithm = None;
    for tag in value.split(';').take(64) {
        let Some((name, val)) = tag.split_once('=') else {
            continue;
        };
        // Only the three tags read are copied (not the long `b=` and `bh=` hashes).
        let name = name.trim();
        if !matches!(name, "d" | "s" | "a") {
            continue;
        }
        let val = without_white_space(val);
        match name {
            "d" => domain = Some(val.trim_end_matches('.').to_ascii_lowercase()),
            "s" => selector = Some(val),
            _ => algorithm = Some(val.to_ascii_lowercase()),
        }
    }
    Some(DkimSignatureRef {
        domain: domain.filter(|d| !d.is_empty())?,
        selector: selector.filter(|s| !s.is_empty())?,
        algorithm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounce::smtp::clean_domain;

    /// [`domain_of`] reads what [`clean_domain`] made of the part after the last `@`, on every
    /// address-like word of the corpus and on made-up ones.
    #[test]
    fn domain_of_is_clean_domain_after_the_at() {
        let mut words: Vec<String> = [
            "a@b.c",
            "a@b.cc",
            "a@1.2.3.4",
            "a@1.2.3.x4",
            "a@[1.2.3.4]",
            "a@<Ex.COM>.",
            "a@ex.com..",
            "a@ex_a.com",
            "a@ex.c0m",
            "a@ex.00",
            "a@.co",
            "a@co",
            "a@ \u{a0}ex.com\u{2003} ",
            "a@'\"x.y\"'",
            "a@ex.com@",
            "a@b@c.de",
            "@x.yz",
            "x.yz",
            "a@::1",
            "a@fe80::1.x",
            "a@\u{e9}x.com",
            "a@x.\u{e9}\u{e9}",
            "a@<x.yz",
            "a@x.yz]",
            "a@X.Yz",
            "a@EX.COM.",
            "a@.",
            "a@",
            "a@-.--",
            "a@...ab",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        words.push(format!("a@{}.com", "x".repeat(249)));
        words.push(format!("a@{}.com", "x".repeat(250)));
        for email in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&email).into_owned();
            words.extend(
                text.split(|c: char| c.is_ascii_whitespace() || c == ',' || c == ';')
                    .filter(|w| w.contains('@'))
                    .map(str::to_string),
            );
        }
        let mut domains = 0;
        for w in &words {
            let old = w.rsplit_once('@').and_then(|(_, d)| clean_domain(d));
            domains += usize::from(old.is_some());
            assert_eq!(domain_of(w), old, "{w:?}");
            // Compared in place, a lower-cased name is the address's domain exactly when
            // the lower-cased copy is it.
            for d in [old.as_deref(), Some("ex.com"), Some("x.yz"), Some("b.cc")] {
                let Some(d) = d else { continue };
                assert_eq!(is_in_domain(w, d), old.as_deref() == Some(d), "{w:?} {d}");
            }
        }
        assert!(domains > 1000, "{domains} domains");
    }

    /// The byte-wise [`normalise_address`] and [`without_white_space`] are the character-wise
    /// ones on every word and line of the corpus and on made-up text.
    #[test]
    fn byte_wise_trims_are_the_char_wise_ones() {
        let mut words: Vec<String> = [
            "",
            " ",
            "<>",
            "..'\"<>",
            " <Local@Example.COM.> ",
            "\u{a0}<a@B.c>\u{2003}",
            "< a@B.c >",
            "\u{e9}@\u{c9}X.com.",
            "a@b@C.d",
            "'\"a\"@X.Y'",
            "@",
            "x\u{85}y \t\x0bz\x0c\r\n",
            "\u{3000}rsa-SHA256\u{a0}",
            "from x BY y",
            " by",
            " bY  by ",
            "from x\tby y by z",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for email in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&email).into_owned();
            words.extend(text.lines().map(str::to_string));
            words.extend(text.split([' ', ',', ';']).map(str::to_string));
        }
        for w in &words {
            assert_eq!(normalise_address(w), normalise_address_by_chars(w), "{w:?}");
            let old: String = w.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(without_white_space(w), old, "{w:?}");
            let by = w
                .as_bytes()
                .windows(4)
                .position(|x| x.eq_ignore_ascii_case(b" by "));
            assert_eq!(first_by(w.as_bytes()), by, "{w:?}");
        }
        assert!(words.len() > 100_000, "{} words", words.len());
    }

    /// [`read`] as it was: one lookup of the fields a name, the HELO tag compared at every
    /// byte of the clause.
    fn read_by_lookups(headers: &Headers) -> Returned {
        let mut out = Returned {
            return_path: headers.get("return-path").and_then(first_address),
            from: headers.get("from").and_then(first_address),
            ..Returned::default()
        };
        for value in headers.get_all("dkim-signature").take(MAX_SIGNATURES) {
            if let Some(sig) = dkim_tags(value) {
                out.dkim.push(sig);
            }
        }
        for value in headers.get_all("received").take(MAX_RECEIVED) {
            let from_first = value
                .trim_start()
                .as_bytes()
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"from"));
            if !from_first {
                continue;
            }
            let by = first_by(value.as_bytes());
            let from_clause = by.map_or(value, |i| &value[..i]);
            let ip = received_ips(from_clause).find_map(|s| parse_ip(s).filter(is_usable_ip));
            if ip.is_some() {
                out.received_ip = ip;
                out.received_helo = received_helo_by_bytes(from_clause);
                break;
            }
        }
        out
    }

    /// [`received_helo`] as it was: the `helo` tag looked for at every byte.
    fn received_helo_by_bytes(clause: &str) -> Option<String> {
        let bytes = clause.as_bytes();
        let tagged = (0..bytes.len()).find_map(|i| {
            let tag = bytes.get(i..i + 5)?;
            let word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
            (word_start && tag[..4].eq_ignore_ascii_case(b"helo") && matches!(tag[4], b'=' | b' '))
                .then_some(i + 5)
        });
        let start = tagged.unwrap_or_else(|| {
            let after_from = clause.trim_start();
            let skipped = clause.len() - after_from.len() + 4;
            skipped
                + bytes[skipped.min(bytes.len())..]
                    .iter()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count()
        });
        let name = &clause[start.min(clause.len())..];
        let end = name
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')))
            .unwrap_or(name.len());
        clean_domain(&name[..end])
    }

    /// The one-pass [`read`] reads what the lookups read, on the returned headers and the own
    /// header block of every corpus email, on blocks past the field limits and on variants of
    /// Received and DKIM fields.
    #[test]
    fn one_pass_read_is_the_lookups() {
        use crate::bounce::message::Ctx;
        let mut blocks: Vec<Headers> = Vec::new();
        for bytes in crate::bounce::corpus_emails() {
            let text = crate::bounce::lossy(&bytes);
            blocks.push(Headers::parse(&text).0);
            let ctx = Ctx::from_message(&bytes, &text, None);
            blocks.extend(ctx.returned_headers);
        }
        // Past the limits: the 11th signature and the 51st Received field are not read.
        let mut many = String::new();
        for i in 0..12 {
            many.push_str(&format!("DKIM-Signature: v=1; d=d{i}.example; s=s{i}\n"));
        }
        for i in 0..52 {
            let ip = if i < 50 {
                "10.0.0.1".to_string()
            } else {
                format!("203.0.113.{i}")
            };
            many.push_str(&format!("Received: from h{i}.example.com ([{ip}]) by mx\n"));
        }
        many.push('\n');
        blocks.push(Headers::parse(&many).0);
        let seeds = [
            "Return-Path: <>\nReturn-Path: <a@b.example>\nFROM: x <Y@Ex.COM>\nfrom: z@q.example\n",
            "received: BY x\nReceived: from Mail.Ex.COM (HELO relay.ex.com) ([203.0.113.7]) by y\n",
            "Received:  from h (helo=a.b.c [198.51.100.3]) by z\nreceived: from q ([203.0.113.9])\n",
            "Received: fromhelo=x.y.z [203.0.113.4] by\ndkim-signature: d=A.example.; s=sel; a=RSA\n",
            "Received-SPF: pass\nFrom:\nDKIM-Signature: d=;s=x\nX-Received: from [203.0.113.1]\n",
        ];
        for seed in seeds {
            for variant in crate::bounce::variants(seed) {
                blocks.push(Headers::parse(&format!("{variant}\n\n")).0);
            }
        }
        let mut read_ips = 0;
        for h in &blocks {
            let old = read_by_lookups(h);
            read_ips += usize::from(old.received_ip.is_some());
            assert_eq!(read(h), old, "{h:?}");
        }
        assert!(read_ips > 500, "{read_ips} addresses");
    }

    /// [`received_helo`] finds the tag by its first byte as the byte-by-byte search did, on
    /// every corpus line and on variants.
    #[test]
    fn received_helo_is_the_byte_search() {
        let mut clauses: Vec<String> = Vec::new();
        for text in crate::bounce::dialect::corpus_texts::texts() {
            clauses.extend(text.lines().map(str::to_string));
        }
        for seed in [
            "from x (HELO a.b.c) [1.2.3.4]",
            "from hhelo=x.y helo=a.b Helo c.d.e",
            "from \u{e9}helo=x.yz hel",
        ] {
            clauses.extend(crate::bounce::variants(seed));
        }
        let mut named = 0;
        // Only clauses that open with `from` are read (see `received_from`).
        let opens_with_from = |c: &&String| {
            c.trim_start()
                .as_bytes()
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"from"))
        };
        for c in clauses.iter().filter(opens_with_from) {
            let old = received_helo_by_bytes(c);
            named += usize::from(old.is_some());
            assert_eq!(received_helo(c), old, "{c:?}");
        }
        assert!(named > 400, "{named} names");
    }

    #[test]
    fn dkim_tags_read() {
        let sig =
            dkim_tags("v=1; a=rsa-sha256; c=relaxed/relaxed;\n d=Example.COM; s=sel1; bh=x; b=y")
                .unwrap();
        assert_eq!(sig.domain, "example.com");
        assert_eq!(sig.selector, "sel1");
        assert_eq!(sig.algorithm.as_deref(), Some("rsa-sha256"));
    }

    #[test]
    fn received_helo_pairs_with_the_received_ip() {
        let helo_of = |received: &str| {
            let h = Headers::parse(&format!("Received: {received}\n\n")).0;
            let r = read(&h);
            (r.received_ip.map(|ip| ip.to_string()), r.received_helo)
        };
        let cases = [
            // Postfix / Sendmail: HELO first, reverse DNS in the parentheses.
            (
                "from Mail.Example.COM (out-7.example.net [203.0.113.7]) by mx.example.org",
                Some("203.0.113.7"),
                Some("mail.example.com"),
            ),
            // Exim: the HELO apart, after `helo=`.
            (
                "from [198.51.100.4] (helo=smtp.example.com) by mx.example.org with esmtp",
                Some("198.51.100.4"),
                Some("smtp.example.com"),
            ),
            (
                "from out.example.net ([198.51.100.4] helo=smtp.example.com) by mx",
                Some("198.51.100.4"),
                Some("smtp.example.com"),
            ),
            // qmail: `unknown` then `(HELO name)`.
            (
                "from unknown (HELO relay.example.com) (198.51.100.9) by mx.example.org",
                Some("198.51.100.9"),
                Some("relay.example.com"),
            ),
            // No usable HELO: a bare word, an address literal.
            (
                "from localhost (host [203.0.113.8]) by mx",
                Some("203.0.113.8"),
                None,
            ),
            (
                "from [203.0.113.9] ([203.0.113.9]) by mx",
                Some("203.0.113.9"),
                None,
            ),
            // `by` clause HELO-like words are not read.
            (
                "from [203.0.113.10] by mx (helo=other.example.com)",
                Some("203.0.113.10"),
                None,
            ),
        ];
        for (received, ip, helo) in cases {
            assert_eq!(
                helo_of(received),
                (ip.map(str::to_string), helo.map(str::to_string)),
                "{received}"
            );
        }
        // The HELO comes from the field whose address was taken, not from an earlier one.
        let h = Headers::parse(
            "Received: from inside.example.com (inside [10.0.0.5]) by out.example.com\n\
             Received: from edge.example.com (edge [203.0.113.20]) by out.example.com\n\n",
        )
        .0;
        let r = read(&h);
        assert_eq!(r.received_ip, Some("203.0.113.20".parse().unwrap()));
        assert_eq!(r.received_helo.as_deref(), Some("edge.example.com"));
    }

    #[test]
    fn received_skips_private() {
        let (h, _) = Headers::parse(
            "Received: from a (a [10.0.0.1]) by b; x\nReceived: from c (c.example [203.0.113.7]) by d with SMTP\n\n",
        );
        assert_eq!(read(&h).received_ip, Some("203.0.113.7".parse().unwrap()));
    }

    /// The address and Received-IP scanners find what the regexes they replaced found, on
    /// every corpus email (whole, raw and as report body) and every line of it, and on
    /// made-up text.
    #[test]
    fn scanners_are_the_old_patterns() {
        let address = crate::bounce::pattern(
            r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+",
        );
        let received_ip = crate::bounce::pattern(
            r"(?i)[\[(]\s*((?:IPv6:)?[0-9a-f:.]*[0-9a-f])\s*[\])]|\b(\d{1,3}(?:\.\d{1,3}){3})\b",
        );
        let mut texts: Vec<String> = [
            "a@b.c x@y@b.com a@b-.c a@b.c-.d a@-b.c @b.c a@b.c.-d",
            "<>, a.b@c-d.e-f.gh., \u{e9}x@y.zz a@b a@@b.c a@b..c",
            "a@b.com.x@y.org k@l.m-n-",
            "from x ([ 192.0.2.1 ]) ( IPv6:2001:db8::1 ) [ipv6:ABC:] [::1 ) (1.2.3.4.)",
            "1.2.3.4567 1234.1.1.1 a1.2.3.4 1.2.3.4a _1.2.3.4 \u{e9}1.2.3.4 1.2.3.4\u{e9}",
            "[1.2.3.4 x] [ \x0b10.0.0.1\x0c] (12.34.56.78",
            "(IPv6:) [IPv6:1.2.3.4] [ff.] [] [:] 1.2.3.4.5.6.7.8",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for text in crate::bounce::dialect::corpus_texts::texts() {
            texts.extend(text.lines().map(str::to_string));
            texts.push(text);
        }
        let mut found = 0;
        for t in &texts {
            let old: Vec<String> = address
                .find_iter(t)
                .map(|m| normalise_address(m.as_str()))
                .collect();
            assert_eq!(addresses(t, usize::MAX), old, "{t}");
            assert_eq!(first_address(t), old.first().cloned(), "{t}");
            let old_ips: Vec<&str> = received_ip
                .captures_iter(t)
                .filter_map(|c| Some(c.get(1).or(c.get(2))?.as_str()))
                .collect();
            assert_eq!(received_ips(t).collect::<Vec<_>>(), old_ips, "{t}");
            found += old.len() + old_ips.len();
        }
        assert!(found > 10_000, "{found} addresses");
    }
}
