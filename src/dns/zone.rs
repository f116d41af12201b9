//! A parser for the subset of RFC 1035 master files (§5) that a mail administrator writes when
//! describing records: `$ORIGIN`, `$TTL`, `@`, relative names, optional TTL and class,
//! parentheses spanning lines, `;` comments and quoted strings, for the record types bouncedoc
//! asks about. The same parser reads one-line `--assume 'NAME TYPE VALUE'` strings, so what-if
//! records and zone files mean exactly the same thing.
//!
//! Zone files and assumptions are user input (and often pasted from elsewhere): every error
//! carries the line and column of the offending token, and every size is capped.

use std::net::{Ipv4Addr, Ipv6Addr};

use thiserror::Error;

use super::{QType, RData, normalize_name};

/// The largest zone text accepted, so that a mistaken `--zone /dev/zero` stops early.
pub const MAX_ZONE_BYTES: usize = 8 * 1024 * 1024;
/// The most records one zone text may hold.
pub const MAX_ZONE_RECORDS: usize = 100_000;
/// The most tokens one record may have (a TXT record of many strings included).
const MAX_TOKENS_PER_ENTRY: usize = 4096;
/// RFC 1035 §3.3: a `<character-string>` is at most 255 bytes; longer text is split into
/// several strings, as DNS servers and providers' control panels do.
const MAX_CHARACTER_STRING: usize = 255;
/// RFC 1035 §2.3.4 limits.
const MAX_LABEL: usize = 63;
const MAX_NAME: usize = 253;
/// The TTL given to records when the text sets none.
pub const DEFAULT_TTL: u32 = 3600;

/// One record read from a zone file or an assumption. The name is absolute, lower-case, without
/// the trailing dot; `qtype` is kept apart from `rdata` because an SPF-type (99) record carries
/// TXT data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneRecord {
    pub name: String,
    pub qtype: QType,
    pub ttl: u32,
    pub rdata: RData,
}

/// Why a zone text or an assumption was refused, and where (1-based line and byte column).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}, column {column}: {kind}")]
pub struct ZoneParseError {
    pub line: usize,
    pub column: usize,
    pub kind: ZoneErrorKind,
}

/// What was wrong with a zone text or an assumption.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ZoneErrorKind {
    /// A `"` with no closing `"`.
    #[error("unterminated quoted string")]
    UnterminatedString,
    /// A `)` without `(`, or a `(` never closed.
    #[error("unbalanced parentheses")]
    UnbalancedParentheses,
    /// A `\` at the very end of the text, or a `\DDD` over 255.
    #[error("bad escape sequence")]
    BadEscape,
    /// A record type bouncedoc does not handle, or a misspelt one.
    #[error("unknown record type {0:?} (expected one of A AAAA MX TXT PTR NS SOA CNAME SPF)")]
    UnknownType(String),
    /// A `$` directive other than `$ORIGIN` and `$TTL` (`$INCLUDE` is refused on purpose).
    #[error("unsupported directive {0:?}")]
    UnsupportedDirective(String),
    /// A line starting with blank space, with no earlier owner name to repeat.
    #[error("no owner name to repeat (the first record starts with blank space)")]
    MissingOwner,
    /// The entry ended before the record type.
    #[error("missing record type")]
    MissingType,
    /// The entry ended before the record data was complete.
    #[error("missing data for the {0} record")]
    MissingData(QType),
    /// Data after the end of a record.
    #[error("unexpected {0:?} after the record data")]
    TrailingData(String),
    /// Not an IPv4 or IPv6 address as the type requires.
    #[error("{0:?} is not a valid address")]
    BadAddress(String),
    /// Not a number in range (a TTL, a preference, an SOA field).
    #[error("{0:?} is not a valid number here")]
    BadNumber(String),
    /// Not a usable domain name (empty label, label over 63 bytes, name over 253, non-ASCII).
    #[error("{0:?} is not a valid domain name")]
    BadName(String),
    /// More than one record where exactly one was expected (an assumption).
    #[error("expected exactly one record, found {0}")]
    NotOneRecord(usize),
    /// Over [`MAX_ZONE_BYTES`], [`MAX_ZONE_RECORDS`] or the token cap of one entry.
    #[error("too large")]
    TooLarge,
}

#[derive(Debug, Clone)]
struct Token {
    bytes: Vec<u8>,
    quoted: bool,
    line: usize,
    column: usize,
}

impl Token {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    fn error(&self, kind: ZoneErrorKind) -> ZoneParseError {
        ZoneParseError {
            line: self.line,
            column: self.column,
            kind,
        }
    }
}

/// One logical entry: the tokens between two newlines outside parentheses.
#[derive(Debug)]
struct Entry {
    /// The physical line started with blank space: the owner is the previous one.
    indented: bool,
    line: usize,
    tokens: Vec<Token>,
}

/// Splits the text into entries (RFC 1035 §5.1: parentheses continue an entry over lines,
/// `;` starts a comment, `"` quotes, `\X` and `\DDD` escape).
fn tokenize(text: &[u8]) -> Result<Vec<Entry>, ZoneParseError> {
    let mut entries = Vec::new();
    let mut current: Option<Entry> = None;
    let mut depth = 0usize;
    let (mut line, mut line_start) = (1usize, 0usize);
    let mut paren_open = (1usize, 1usize);
    let mut i = 0usize;
    let err = |line, column, kind| ZoneParseError { line, column, kind };

    while i < text.len() {
        let c = text[i];
        let column = i - line_start + 1;
        match c {
            b'\n' => {
                if depth == 0
                    && let Some(entry) = current.take()
                    && !entry.tokens.is_empty()
                {
                    entries.push(entry);
                }
                line += 1;
                line_start = i + 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => i += 1,
            b';' => {
                while i < text.len() && text[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' => {
                if depth == 0 {
                    paren_open = (line, column);
                }
                depth += 1;
                i += 1;
            }
            b')' => {
                if depth == 0 {
                    return Err(err(line, column, ZoneErrorKind::UnbalancedParentheses));
                }
                depth -= 1;
                i += 1;
            }
            _ => {
                let entry = current.get_or_insert_with(|| Entry {
                    indented: column > 1,
                    line,
                    tokens: Vec::new(),
                });
                if entry.tokens.len() >= MAX_TOKENS_PER_ENTRY {
                    return Err(err(line, column, ZoneErrorKind::TooLarge));
                }
                let quoted = c == b'"';
                if quoted {
                    i += 1;
                }
                let mut bytes = Vec::new();
                loop {
                    let Some(&b) = text.get(i) else {
                        if quoted {
                            return Err(err(line, column, ZoneErrorKind::UnterminatedString));
                        }
                        break;
                    };
                    if quoted && b == b'"' {
                        i += 1;
                        break;
                    }
                    if !quoted && matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b';' | b'(' | b')') {
                        break;
                    }
                    if b == b'\n' {
                        // A quoted string may not span lines in the subset we read.
                        return Err(err(line, column, ZoneErrorKind::UnterminatedString));
                    }
                    if b == b'\\' {
                        let esc_col = i - line_start + 1;
                        let (byte, used) = unescape(&text[i + 1..])
                            .ok_or_else(|| err(line, esc_col, ZoneErrorKind::BadEscape))?;
                        bytes.push(byte);
                        i += 1 + used;
                        continue;
                    }
                    bytes.push(b);
                    i += 1;
                }
                entry.tokens.push(Token {
                    bytes,
                    quoted,
                    line,
                    column,
                });
            }
        }
    }
    if depth != 0 {
        return Err(err(
            paren_open.0,
            paren_open.1,
            ZoneErrorKind::UnbalancedParentheses,
        ));
    }
    if let Some(entry) = current.take()
        && !entry.tokens.is_empty()
    {
        entries.push(entry);
    }
    Ok(entries)
}

/// `\DDD` (decimal byte) or `\X` (X literally); returns the byte and how many bytes were used.
fn unescape(rest: &[u8]) -> Option<(u8, usize)> {
    let first = *rest.first()?;
    if first.is_ascii_digit() {
        let digits = rest.get(..3)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let value = digits
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
        return u8::try_from(value).ok().map(|b| (b, 3));
    }
    if first == b'\n' {
        return None;
    }
    Some((first, 1))
}

/// The state a zone text carries from entry to entry.
struct Context {
    origin: String,
    default_ttl: u32,
    last_owner: Option<String>,
    /// `--assume` strings: unquoted TXT words form one string joined by spaces, since nobody
    /// means `v=spf1 -all` to become two character-strings `v=spf1` and `-all`.
    join_bare_words: bool,
}

/// Parses a zone text. `origin` is the initial `$ORIGIN` (absolute; `""` or `"."` for the root).
pub fn parse_zone(text: &[u8], origin: &str) -> Result<Vec<ZoneRecord>, ZoneParseError> {
    if text.len() > MAX_ZONE_BYTES {
        return Err(ZoneParseError {
            line: 1,
            column: 1,
            kind: ZoneErrorKind::TooLarge,
        });
    }
    let mut ctx = Context {
        origin: normalize_name(origin),
        default_ttl: DEFAULT_TTL,
        last_owner: None,
        join_bare_words: false,
    };
    let mut records = Vec::new();
    for entry in tokenize(text)? {
        if let Some(record) = parse_entry(&entry, &mut ctx)? {
            if records.len() >= MAX_ZONE_RECORDS {
                return Err(ZoneParseError {
                    line: entry.line,
                    column: 1,
                    kind: ZoneErrorKind::TooLarge,
                });
            }
            records.push(record);
        }
    }
    Ok(records)
}

/// Parses one `--assume` string, `NAME [TTL] [CLASS] TYPE VALUE`, names taken as absolute.
/// Columns in errors count from 1 at the start of the string.
pub fn parse_assumption(text: &str) -> Result<ZoneRecord, ZoneParseError> {
    let mut ctx = Context {
        origin: String::new(),
        default_ttl: DEFAULT_TTL,
        last_owner: None,
        join_bare_words: true,
    };
    // Leading blank space would mean "repeat the owner": an assumption always names one.
    let trimmed = text.trim_start();
    let shift = text.len() - trimmed.len();
    let shifted = |mut e: ZoneParseError| {
        if e.line == 1 {
            e.column += shift;
        }
        e
    };
    let entries = tokenize(trimmed.as_bytes()).map_err(shifted)?;
    let mut records = Vec::new();
    for entry in &entries {
        if let Some(record) = parse_entry(entry, &mut ctx).map_err(shifted)? {
            records.push(record);
        }
    }
    if records.len() != 1 {
        return Err(ZoneParseError {
            line: 1,
            column: 1,
            kind: ZoneErrorKind::NotOneRecord(records.len()),
        });
    }
    Ok(records.remove(0))
}

fn parse_entry(entry: &Entry, ctx: &mut Context) -> Result<Option<ZoneRecord>, ZoneParseError> {
    let tokens = &entry.tokens;
    let first = &tokens[0];
    if !first.quoted && !entry.indented && first.bytes.first() == Some(&b'$') {
        return parse_directive(tokens, ctx).map(|()| None);
    }
    let mut rest = tokens.iter().peekable();
    let owner = if entry.indented {
        ctx.last_owner
            .clone()
            .ok_or_else(|| first.error(ZoneErrorKind::MissingOwner))?
    } else {
        let token = rest
            .next()
            .ok_or_else(|| first.error(ZoneErrorKind::MissingType))?;
        absolute_name(token, &ctx.origin)?
    };
    ctx.last_owner = Some(owner.clone());

    // RFC 1035 §5.1: `[<TTL>] [<class>] <type>` or `[<class>] [<TTL>] <type>`.
    let mut ttl = None;
    let mut class_seen = false;
    let last = tokens.last().unwrap_or(first);
    let qtype = loop {
        let token = rest
            .next()
            .ok_or_else(|| last.error(ZoneErrorKind::MissingType))?;
        let text = token.text();
        if ttl.is_none() && !token.quoted && token.bytes.first().is_some_and(u8::is_ascii_digit) {
            ttl = Some(parse_ttl(token)?);
            continue;
        }
        if !class_seen && !token.quoted && is_class(&text) {
            class_seen = true;
            continue;
        }
        match QType::from_name(&text) {
            Some(qtype) if !token.quoted => break qtype,
            _ => return Err(token.error(ZoneErrorKind::UnknownType(text))),
        }
    };
    let data: Vec<&Token> = rest.collect();
    let rdata = parse_rdata(qtype, &data, last, ctx)?;
    Ok(Some(ZoneRecord {
        name: owner,
        qtype,
        ttl: ttl.unwrap_or(ctx.default_ttl),
        rdata,
    }))
}

fn is_class(text: &str) -> bool {
    ["IN", "CH", "HS", "CS"]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(text))
}

fn parse_directive(tokens: &[Token], ctx: &mut Context) -> Result<(), ZoneParseError> {
    let directive = &tokens[0];
    let name = directive.text().to_ascii_uppercase();
    let arg = tokens
        .get(1)
        .ok_or_else(|| directive.error(ZoneErrorKind::BadNumber(String::new())))?;
    match name.as_str() {
        "$ORIGIN" => ctx.origin = absolute_name(arg, &ctx.origin)?,
        "$TTL" => ctx.default_ttl = parse_ttl(arg)?,
        _ => {
            return Err(directive.error(ZoneErrorKind::UnsupportedDirective(directive.text())));
        }
    }
    match tokens.get(2) {
        Some(extra) => Err(extra.error(ZoneErrorKind::TrailingData(extra.text()))),
        None => Ok(()),
    }
}

/// A TTL in seconds, or with BIND's unit letters (`1h30m`, `2d`, `1w`).
fn parse_ttl(token: &Token) -> Result<u32, ZoneParseError> {
    let bad = || token.error(ZoneErrorKind::BadNumber(token.text()));
    let text = token.text().to_ascii_lowercase();
    if let Ok(n) = text.parse::<u32>() {
        return Ok(n);
    }
    let (mut total, mut number) = (0u64, None::<u64>);
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            number = Some(number.unwrap_or(0) * 10 + u64::from(d));
            if number > Some(u64::from(u32::MAX)) {
                return Err(bad());
            }
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        total += number.take().ok_or_else(bad)? * unit;
        if total > u64::from(u32::MAX) {
            return Err(bad());
        }
    }
    if number.is_some() {
        return Err(bad());
    }
    u32::try_from(total).map_err(|_| bad())
}

/// Makes a name token absolute (RFC 1035 §5.1: `@` is the origin, a name without a final dot
/// is relative to it), lower-case and without the trailing dot; checks label and name lengths.
fn absolute_name(token: &Token, origin: &str) -> Result<String, ZoneParseError> {
    let bad = || token.error(ZoneErrorKind::BadName(token.text()));
    let text = std::str::from_utf8(&token.bytes).map_err(|_| bad())?;
    if text.is_empty() || !text.is_ascii() || text.bytes().any(|b| b.is_ascii_control()) {
        return Err(bad());
    }
    let name = if text == "@" {
        origin.to_string()
    } else if text == "." {
        String::new()
    } else if let Some(stripped) = text.strip_suffix('.') {
        stripped.to_string()
    } else if origin.is_empty() {
        text.to_string()
    } else {
        format!("{text}.{origin}")
    };
    let name = name.to_ascii_lowercase();
    if name.len() > MAX_NAME
        || (!name.is_empty()
            && name
                .split('.')
                .any(|label| label.is_empty() || label.len() > MAX_LABEL))
    {
        return Err(bad());
    }
    Ok(name)
}

fn parse_number<T: std::str::FromStr>(token: &Token) -> Result<T, ZoneParseError> {
    if token.quoted {
        return Err(token.error(ZoneErrorKind::BadNumber(token.text())));
    }
    token
        .text()
        .parse()
        .map_err(|_| token.error(ZoneErrorKind::BadNumber(token.text())))
}

fn parse_rdata(
    qtype: QType,
    data: &[&Token],
    last: &Token,
    ctx: &Context,
) -> Result<RData, ZoneParseError> {
    let missing = || last.error(ZoneErrorKind::MissingData(qtype));
    let arity = match qtype {
        QType::Txt | QType::Spf => usize::MAX,
        QType::Mx => 2,
        QType::Soa => 7,
        _ => 1,
    };
    let needed = match qtype {
        QType::Mx => 2,
        // mname rname serial, the timers are optional in an assumption and ignored.
        QType::Soa => 3,
        _ => 1,
    };
    if data.len() < needed {
        return Err(missing());
    }
    if let Some(extra) = data.get(arity) {
        return Err(extra.error(ZoneErrorKind::TrailingData(extra.text())));
    }
    let name = |i: usize| absolute_name(data[i], &ctx.origin);
    let rdata = match qtype {
        QType::A => RData::A(parse_address::<Ipv4Addr>(data[0])?),
        QType::Aaaa => RData::Aaaa(parse_address::<Ipv6Addr>(data[0])?),
        QType::Mx => RData::Mx {
            preference: parse_number(data[0])?,
            exchange: name(1)?,
        },
        QType::Ptr => RData::Ptr(name(0)?),
        QType::Ns => RData::Ns(name(0)?),
        QType::Cname => RData::Cname(name(0)?),
        QType::Soa => {
            for token in &data[3..] {
                parse_ttl(token)?;
            }
            RData::Soa {
                mname: name(0)?,
                rname: name(1)?,
                serial: parse_number(data[2])?,
            }
        }
        QType::Txt | QType::Spf => RData::Txt(txt_strings(data, ctx.join_bare_words)),
    };
    Ok(rdata)
}

fn parse_address<T: std::str::FromStr>(token: &Token) -> Result<T, ZoneParseError> {
    token
        .text()
        .parse()
        .map_err(|_| token.error(ZoneErrorKind::BadAddress(token.text())))
}

/// The character-strings of a TXT record, each split at 255 bytes.
fn txt_strings(data: &[&Token], join_bare_words: bool) -> Vec<Vec<u8>> {
    let whole: Vec<Vec<u8>> = if join_bare_words && data.iter().all(|t| !t.quoted) {
        vec![
            data.iter()
                .map(|t| t.bytes.as_slice())
                .collect::<Vec<_>>()
                .join(&b' '),
        ]
    } else {
        data.iter().map(|t| t.bytes.clone()).collect()
    };
    let mut strings = Vec::with_capacity(whole.len());
    for s in whole {
        if s.is_empty() {
            strings.push(s);
            continue;
        }
        strings.extend(s.chunks(MAX_CHARACTER_STRING).map(<[u8]>::to_vec));
    }
    strings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txt(strings: &[&str]) -> RData {
        RData::Txt(strings.iter().map(|s| s.as_bytes().to_vec()).collect())
    }

    #[test]
    fn a_small_zone_with_every_feature() {
        let zone = br#"$ORIGIN example.com.
$TTL 300
@        IN SOA ns1 hostmaster ( 2024010101 ; serial
                  3600 900 604800 300 )
         NS  ns1
         MX  10 mx1
         MX  20 mx2.example.net.
         TXT "v=spf1 ip4:192.0.2.0/24 " "-all"  ; two strings
ns1 600  A   192.0.2.1
mx1 IN 60 AAAA 2001:db8::25
www      CNAME @
_dmarc   TXT ( "v=DMARC1; p=reject;"
               " rua=mailto:d@example.com" )
5.2.0.192.in-addr.arpa. PTR mx1
"#;
        let records = parse_zone(zone, "").unwrap();
        let find = |name: &str, qtype| {
            records
                .iter()
                .filter(|r| r.name == name && r.qtype == qtype)
                .map(|r| r.rdata.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            find("example.com", QType::Soa),
            vec![RData::Soa {
                mname: "ns1.example.com".into(),
                rname: "hostmaster.example.com".into(),
                serial: 2024010101
            }]
        );
        assert_eq!(
            find("example.com", QType::Ns),
            vec![RData::Ns("ns1.example.com".into())]
        );
        assert_eq!(
            find("example.com", QType::Mx),
            vec![
                RData::Mx {
                    preference: 10,
                    exchange: "mx1.example.com".into()
                },
                RData::Mx {
                    preference: 20,
                    exchange: "mx2.example.net".into()
                }
            ]
        );
        assert_eq!(
            find("example.com", QType::Txt),
            vec![txt(&["v=spf1 ip4:192.0.2.0/24 ", "-all"])]
        );
        assert_eq!(
            find("_dmarc.example.com", QType::Txt),
            vec![txt(&["v=DMARC1; p=reject;", " rua=mailto:d@example.com"])]
        );
        assert_eq!(
            find("www.example.com", QType::Cname),
            vec![RData::Cname("example.com".into())]
        );
        assert_eq!(
            find("5.2.0.192.in-addr.arpa", QType::Ptr),
            vec![RData::Ptr("mx1.example.com".into())]
        );
        let ns1 = records
            .iter()
            .find(|r| r.name == "ns1.example.com")
            .unwrap();
        assert_eq!((ns1.ttl, ns1.qtype), (600, QType::A));
        let mx1 = records
            .iter()
            .find(|r| r.name == "mx1.example.com")
            .unwrap();
        assert_eq!(mx1.ttl, 60);
        assert_eq!(records[0].ttl, 300);
        assert_eq!(records.len(), 10);
    }

    #[test]
    fn escapes_and_long_strings() {
        let long = "a".repeat(300);
        let zone = format!("x.test. TXT \"q\\\"\\059\\255\" {long}\n");
        let records = parse_zone(zone.as_bytes(), "").unwrap();
        let RData::Txt(strings) = &records[0].rdata else {
            panic!("not TXT")
        };
        assert_eq!(strings[0], b"q\";\xff");
        assert_eq!(strings[1].len(), 255);
        assert_eq!(strings[2].len(), 45);
    }

    #[test]
    fn ttl_units() {
        let records = parse_zone(
            b"x.test. 1h30m A 192.0.2.1\ny.test. 2d IN A 192.0.2.2\n",
            "",
        )
        .unwrap();
        assert_eq!(records[0].ttl, 5400);
        assert_eq!(records[1].ttl, 172_800);
    }

    #[test]
    fn zone_errors_point_at_the_token() {
        let cases: &[(&str, usize, usize, ZoneErrorKind)] = &[
            (
                "a.test. A 192.0.2.1\nb.test. A 300.1.1.1\n",
                2,
                11,
                ZoneErrorKind::BadAddress("300.1.1.1".into()),
            ),
            (
                "a.test. IN TXTT \"x\"\n",
                1,
                12,
                ZoneErrorKind::UnknownType("TXTT".into()),
            ),
            (
                "a.test. TXT \"open\n",
                1,
                13,
                ZoneErrorKind::UnterminatedString,
            ),
            (
                "\n\na.test. TXT ( \"x\"\n",
                3,
                13,
                ZoneErrorKind::UnbalancedParentheses,
            ),
            (
                "a.test. TXT \"x\" )\n",
                1,
                17,
                ZoneErrorKind::UnbalancedParentheses,
            ),
            ("  A 192.0.2.1\n", 1, 3, ZoneErrorKind::MissingOwner),
            (
                "a.test. MX 10\n",
                1,
                12,
                ZoneErrorKind::MissingData(QType::Mx),
            ),
            (
                "a.test. MX 70000 mx.test.\n",
                1,
                12,
                ZoneErrorKind::BadNumber("70000".into()),
            ),
            (
                "a.test. A 192.0.2.1 192.0.2.2\n",
                1,
                21,
                ZoneErrorKind::TrailingData("192.0.2.2".into()),
            ),
            (
                "$INCLUDE other.zone\n",
                1,
                1,
                ZoneErrorKind::UnsupportedDirective("$INCLUDE".into()),
            ),
            (
                "a..test. A 192.0.2.1\n",
                1,
                1,
                ZoneErrorKind::BadName("a..test.".into()),
            ),
            (
                "a.test. 5x A 192.0.2.1\n",
                1,
                9,
                ZoneErrorKind::BadNumber("5x".into()),
            ),
            ("a.test.\n", 1, 1, ZoneErrorKind::MissingType),
        ];
        for (text, line, column, kind) in cases {
            let err = parse_zone(text.as_bytes(), "").unwrap_err();
            assert_eq!(
                err,
                ZoneParseError {
                    line: *line,
                    column: *column,
                    kind: kind.clone()
                },
                "for {text:?}"
            );
        }
    }

    #[test]
    fn assumptions() {
        let r =
            parse_assumption(r#"example.com TXT "v=spf1 include:_spf.google.com -all""#).unwrap();
        assert_eq!((r.name.as_str(), r.qtype), ("example.com", QType::Txt));
        assert_eq!(r.rdata, txt(&["v=spf1 include:_spf.google.com -all"]));

        let r = parse_assumption("example.com TXT v=spf1 mx -all").unwrap();
        assert_eq!(r.rdata, txt(&["v=spf1 mx -all"]));

        let r = parse_assumption("Mail.Example.COM. A 203.0.113.5").unwrap();
        assert_eq!(r.name, "mail.example.com");
        assert_eq!(r.rdata, RData::A("203.0.113.5".parse().unwrap()));

        let r = parse_assumption("example.com MX 10 mx.example.com").unwrap();
        assert_eq!(
            r.rdata,
            RData::Mx {
                preference: 10,
                exchange: "mx.example.com".into()
            }
        );
        let r = parse_assumption("example.com 60 IN SPF \"v=spf1 -all\"").unwrap();
        assert_eq!((r.qtype, r.ttl), (QType::Spf, 60));
    }

    #[test]
    fn assumption_errors_point_at_the_token() {
        let cases: &[(&str, usize, ZoneErrorKind)] = &[
            ("example.com", 1, ZoneErrorKind::MissingType),
            (
                "example.com TXX x",
                13,
                ZoneErrorKind::UnknownType("TXX".into()),
            ),
            (
                "  mail.example.com A 1.2.3",
                22,
                ZoneErrorKind::BadAddress("1.2.3".into()),
            ),
            (
                "example.com TXT \"v=spf1",
                17,
                ZoneErrorKind::UnterminatedString,
            ),
            ("example.com MX", 13, ZoneErrorKind::MissingData(QType::Mx)),
            (
                "a.com A 192.0.2.1\nb.com A 192.0.2.2",
                1,
                ZoneErrorKind::NotOneRecord(2),
            ),
            ("", 1, ZoneErrorKind::NotOneRecord(0)),
        ];
        for (text, column, kind) in cases {
            let err = parse_assumption(text).unwrap_err();
            assert_eq!((err.column, &err.kind), (*column, kind), "for {text:?}");
        }
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for text in [
            &b"\\"[..],
            b"a. TXT \\",
            b"a. TXT \\99",
            b"a. TXT \\999",
            b"((((",
            b")",
            b"$ORIGIN",
            b"$TTL 99999999999",
            b"\xff\xfe A 1.2.3.4",
            b"a. SOA x y",
            b"a. SOA x y 1 2 3 4 5 6",
        ] {
            let _ = parse_zone(text, "");
        }
        let many = "a. TXT x\n".repeat(10);
        assert_eq!(parse_zone(many.as_bytes(), "").unwrap().len(), 10);
    }
}
