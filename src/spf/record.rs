//! The SPF record grammar (RFC 7208 §12) as types.
//!
//! A record is parsed into [`SpfRecord`] with exact error positions, can be modified (the
//! diagnosis inserts `include:` before `all`, replaces an `ip4:`), and prints back: an unmodified
//! record byte-for-byte as it was written, a modified one with each untouched term as written.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::Serialize;

/// Longest record text accepted (bytes). A TXT answer can be far larger than any sane SPF record;
/// past this size the record is refused rather than parsed.
pub const MAX_RECORD_LEN: usize = 16 * 1024;
/// Most terms accepted in one record: hostile records with thousands of terms are refused.
pub const MAX_TERMS: usize = 512;

/// A parsed SPF record.
///
/// ```text
/// record = version terms *SP
/// terms  = *( 1*SP ( directive / modifier ) )
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct SpfRecord {
    /// The terms in the order written; evaluation follows this order.
    pub terms: Vec<Term>,
    /// The text it was parsed from, to print unmodified records and terms exactly as written.
    #[serde(skip)]
    source: Option<Source>,
}

#[derive(Debug, Clone)]
struct Source {
    text: String,
    terms: Vec<(Term, String)>,
}

impl PartialEq for SpfRecord {
    fn eq(&self, other: &Self) -> bool {
        self.terms == other.terms
    }
}

/// One term: a directive (qualifier + mechanism) or a modifier (`name=value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Term {
    Directive(Directive),
    Modifier(Modifier),
}

/// `directive = [ qualifier ] mechanism`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// `None` when not written; it then means `+` (pass).
    pub qualifier: Option<Qualifier>,
    pub mechanism: Mechanism,
}

/// `qualifier = "+" / "-" / "?" / "~"`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    Pass,
    Fail,
    Softfail,
    Neutral,
}

impl Qualifier {
    /// The character written for it.
    pub fn symbol(self) -> char {
        match self {
            Qualifier::Pass => '+',
            Qualifier::Fail => '-',
            Qualifier::Softfail => '~',
            Qualifier::Neutral => '?',
        }
    }

    fn from_symbol(c: u8) -> Option<Qualifier> {
        [
            Qualifier::Pass,
            Qualifier::Fail,
            Qualifier::Softfail,
            Qualifier::Neutral,
        ]
        .into_iter()
        .find(|q| q.symbol() as u8 == c)
    }
}

/// The mechanisms of RFC 7208 §5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Mechanism {
    /// `all`
    All,
    /// `include:domain-spec`
    Include { domain: DomainSpec },
    /// `a[:domain-spec][dual-cidr-length]`
    A {
        domain: Option<DomainSpec>,
        cidr: DualCidr,
    },
    /// `mx[:domain-spec][dual-cidr-length]`
    Mx {
        domain: Option<DomainSpec>,
        cidr: DualCidr,
    },
    /// `ptr[:domain-spec]` (RFC 7208 §5.5: "SHOULD NOT be used")
    Ptr { domain: Option<DomainSpec> },
    /// `ip4:ip4-network[ip4-cidr-length]`
    Ip4 {
        network: Ipv4Addr,
        prefix: Option<u8>,
    },
    /// `ip6:ip6-network[ip6-cidr-length]`
    Ip6 {
        network: Ipv6Addr,
        prefix: Option<u8>,
    },
    /// `exists:domain-spec`
    Exists { domain: DomainSpec },
}

impl Mechanism {
    /// The mechanism's name, lower-case.
    pub fn name(&self) -> &'static str {
        match self {
            Mechanism::All => "all",
            Mechanism::Include { .. } => "include",
            Mechanism::A { .. } => "a",
            Mechanism::Mx { .. } => "mx",
            Mechanism::Ptr { .. } => "ptr",
            Mechanism::Ip4 { .. } => "ip4",
            Mechanism::Ip6 { .. } => "ip6",
            Mechanism::Exists { .. } => "exists",
        }
    }

    /// True for the mechanisms that cost a DNS lookup (RFC 7208 §4.6.4).
    pub fn queries_dns(&self) -> bool {
        matches!(
            self,
            Mechanism::Include { .. }
                | Mechanism::A { .. }
                | Mechanism::Mx { .. }
                | Mechanism::Ptr { .. }
                | Mechanism::Exists { .. }
        )
    }
}

/// `dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]`
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DualCidr {
    pub v4: Option<u8>,
    pub v6: Option<u8>,
}

/// `modifier = redirect / explanation / unknown-modifier`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Modifier {
    /// `redirect=domain-spec`
    Redirect { domain: DomainSpec },
    /// `exp=domain-spec`
    Exp { domain: DomainSpec },
    /// `name=macro-string`: kept (and syntax-checked) but ignored by evaluation (§6).
    Unknown { name: String, value: MacroString },
}

/// `domain-spec = macro-string domain-end`: a macro string whose end was checked.
pub type DomainSpec = MacroString;

/// `macro-string = *( macro-expand / macro-literal )`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MacroString {
    pub tokens: Vec<MacroToken>,
}

/// One piece of a macro string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MacroToken {
    /// Visible characters other than `%`, copied as they are.
    Literal { text: String },
    /// `%{...}`
    Macro(Macro),
    /// `%%`: a percent sign.
    Percent,
    /// `%_`: a space.
    Space,
    /// `%-`: `%20`.
    UrlSpace,
}

/// `"%{" macro-letter transformers *delimiter "}"`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Macro {
    pub letter: MacroLetter,
    /// Written upper-case: the value is URL-escaped (§7.3).
    pub url_escape: bool,
    /// Keep only this many right-hand parts.
    pub digits: Option<u32>,
    /// `r`: reverse the parts.
    pub reverse: bool,
    /// The delimiters to split on (`.` when empty).
    pub delimiters: String,
}

/// `macro-letter = "s" / "l" / "o" / "d" / "i" / "p" / "h" / "c" / "r" / "t" / "v"`
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MacroLetter {
    Sender,
    LocalPart,
    SenderDomain,
    Domain,
    Ip,
    ValidatedName,
    Helo,
    /// `c`: only in explanations.
    ClientIp,
    /// `r`: only in explanations.
    Receiver,
    /// `t`: only in explanations.
    Timestamp,
    Version,
}

const MACRO_LETTERS: &[(char, MacroLetter)] = &[
    ('s', MacroLetter::Sender),
    ('l', MacroLetter::LocalPart),
    ('o', MacroLetter::SenderDomain),
    ('d', MacroLetter::Domain),
    ('i', MacroLetter::Ip),
    ('p', MacroLetter::ValidatedName),
    ('h', MacroLetter::Helo),
    ('c', MacroLetter::ClientIp),
    ('r', MacroLetter::Receiver),
    ('t', MacroLetter::Timestamp),
    ('v', MacroLetter::Version),
];

impl MacroLetter {
    /// The letter, lower-case.
    pub fn letter(self) -> char {
        MACRO_LETTERS
            .iter()
            .find(|(_, l)| *l == self)
            .map(|(c, _)| *c)
            .unwrap_or('?')
    }

    /// RFC 7208 §7.3: `c`, `r` and `t` are allowed only in explanation strings.
    pub fn explanation_only(self) -> bool {
        matches!(
            self,
            MacroLetter::ClientIp | MacroLetter::Receiver | MacroLetter::Timestamp
        )
    }

    fn from_char(c: char) -> Option<MacroLetter> {
        let lower = c.to_ascii_lowercase();
        MACRO_LETTERS
            .iter()
            .find(|(l, _)| *l == lower)
            .map(|(_, m)| *m)
    }
}

const DELIMITERS: &str = ".-+,/_=";

/// Why a record did not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{kind} at byte {offset}: `{term}`")]
pub struct ParseError {
    /// Byte offset of the offending term in the record text.
    pub offset: usize,
    /// The offending term (or the record's start), as written.
    pub term: String,
    pub kind: ParseErrorKind,
}

/// The kinds of syntax error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ParseErrorKind {
    /// The text does not start with `v=spf1` followed by a space or its end.
    #[error("not an SPF record (no `v=spf1`)")]
    NotSpf,
    /// The record is longer than [`MAX_RECORD_LEN`].
    #[error("record too long")]
    TooLong,
    /// The record has more than [`MAX_TERMS`] terms.
    #[error("too many terms")]
    TooManyTerms,
    /// A character outside printable ASCII, or a separator other than a space.
    #[error("invalid character")]
    InvalidCharacter,
    /// A term that is neither a known mechanism nor a `name=value` modifier.
    #[error("unknown mechanism")]
    UnknownMechanism,
    /// A mechanism with an argument it does not take, or missing one it needs.
    #[error("invalid mechanism argument")]
    InvalidArgument,
    /// A domain-spec that is empty or does not end in a top label or a macro.
    #[error("invalid domain-spec")]
    InvalidDomainSpec,
    /// A malformed `%` macro.
    #[error("invalid macro")]
    InvalidMacro,
    /// A CIDR length with a leading zero or out of range.
    #[error("invalid CIDR length")]
    InvalidCidr,
    /// An `ip4:` value that is not a dotted quad.
    #[error("invalid IPv4 address")]
    InvalidIp4,
    /// An `ip6:` value that is not an IPv6 address.
    #[error("invalid IPv6 address")]
    InvalidIp6,
    /// `redirect=` or `exp=` written twice (§6).
    #[error("modifier given twice")]
    DuplicateModifier,
}

impl ParseError {
    fn new(offset: usize, term: &str, kind: ParseErrorKind) -> ParseError {
        ParseError {
            offset,
            term: term.chars().take(80).collect(),
            kind,
        }
    }
}

/// True when `text` starts with the version section `v=spf1` followed by a space or its end
/// (RFC 7208 §4.5); compared case-insensitively, as ABNF strings are.
pub fn is_spf_record(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 6
        && bytes[..6].eq_ignore_ascii_case(b"v=spf1")
        && (bytes.len() == 6 || bytes[6] == b' ')
}

impl FromStr for SpfRecord {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<SpfRecord, ParseError> {
        if text.len() > MAX_RECORD_LEN {
            return Err(ParseError::new(0, "", ParseErrorKind::TooLong));
        }
        if !is_spf_record(text) {
            return Err(ParseError::new(0, text, ParseErrorKind::NotSpf));
        }
        let mut terms = Vec::new();
        let mut source_terms = Vec::new();
        let mut seen_redirect = false;
        let mut seen_exp = false;
        let mut offset = 6;
        for piece in text[6..].split(' ') {
            let at = offset;
            offset += piece.len() + 1;
            if piece.is_empty() {
                continue;
            }
            if terms.len() >= MAX_TERMS {
                return Err(ParseError::new(at, piece, ParseErrorKind::TooManyTerms));
            }
            let term = parse_term(piece).map_err(|kind| ParseError::new(at, piece, kind))?;
            // RFC 7208 §6: "redirect" and "exp" "MUST NOT appear in a record more than once
            // each. If they do, then check_host() exits with a result of "permerror"."
            if let Term::Modifier(m) = &term {
                let seen = match m {
                    Modifier::Redirect { .. } => Some(&mut seen_redirect),
                    Modifier::Exp { .. } => Some(&mut seen_exp),
                    Modifier::Unknown { .. } => None,
                };
                if let Some(seen) = seen {
                    if *seen {
                        return Err(ParseError::new(
                            at,
                            piece,
                            ParseErrorKind::DuplicateModifier,
                        ));
                    }
                    *seen = true;
                }
            }
            source_terms.push((term.clone(), piece.to_string()));
            terms.push(term);
        }
        Ok(SpfRecord {
            terms,
            source: Some(Source {
                text: text.to_string(),
                terms: source_terms,
            }),
        })
    }
}

impl SpfRecord {
    /// A record from terms (printed `v=spf1 term term ...`).
    pub fn new(terms: Vec<Term>) -> SpfRecord {
        SpfRecord {
            terms,
            source: None,
        }
    }

    /// The directives, in order.
    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.terms.iter().filter_map(|t| match t {
            Term::Directive(d) => Some(d),
            Term::Modifier(_) => None,
        })
    }

    /// The `redirect=` target, if any.
    pub fn redirect(&self) -> Option<&DomainSpec> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier::Redirect { domain }) => Some(domain),
            _ => None,
        })
    }

    /// The `exp=` target, if any.
    pub fn exp(&self) -> Option<&DomainSpec> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier::Exp { domain }) => Some(domain),
            _ => None,
        })
    }

    /// Index of the first `all` directive.
    pub fn all_position(&self) -> Option<usize> {
        self.terms.iter().position(|t| {
            matches!(
                t,
                Term::Directive(Directive {
                    mechanism: Mechanism::All,
                    ..
                })
            )
        })
    }

    /// Inserts `term` just before the first `all` (or before the modifiers, or at the end):
    /// where a fix adds an `include:` or `ip4:`.
    pub fn insert_before_all(&mut self, term: Term) {
        let at = self
            .all_position()
            .or_else(|| {
                self.terms
                    .iter()
                    .position(|t| matches!(t, Term::Modifier(Modifier::Redirect { .. })))
            })
            .unwrap_or(self.terms.len());
        self.terms.insert(at, term);
    }

    /// Prints the term at `index` as it was written (or canonically if it is new).
    pub fn term_text(&self, index: usize) -> Option<String> {
        let term = self.terms.get(index)?;
        Some(self.written(term).unwrap_or_else(|| term.to_string()))
    }

    fn written(&self, term: &Term) -> Option<String> {
        let source = self.source.as_ref()?;
        source
            .terms
            .iter()
            .find(|(t, _)| t == term)
            .map(|(_, text)| text.clone())
    }
}

impl fmt::Display for SpfRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = &self.source
            && source.terms.len() == self.terms.len()
            && source
                .terms
                .iter()
                .zip(&self.terms)
                .all(|((a, _), b)| a == b)
        {
            return f.write_str(&source.text);
        }
        f.write_str("v=spf1")?;
        for term in &self.terms {
            match self.written(term) {
                Some(text) => write!(f, " {text}")?,
                None => write!(f, " {term}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Directive(d) => d.fmt(f),
            Term::Modifier(m) => m.fmt(f),
        }
    }
}

impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(q) = self.qualifier {
            write!(f, "{}", q.symbol())?;
        }
        self.mechanism.fmt(f)
    }
}

fn fmt_cidr(f: &mut fmt::Formatter<'_>, cidr: &DualCidr) -> fmt::Result {
    if let Some(v4) = cidr.v4 {
        write!(f, "/{v4}")?;
    }
    if let Some(v6) = cidr.v6 {
        write!(f, "//{v6}")?;
    }
    Ok(())
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Mechanism::All => Ok(()),
            Mechanism::Include { domain } | Mechanism::Exists { domain } => {
                write!(f, ":{domain}")
            }
            Mechanism::A { domain, cidr } | Mechanism::Mx { domain, cidr } => {
                if let Some(d) = domain {
                    write!(f, ":{d}")?;
                }
                fmt_cidr(f, cidr)
            }
            Mechanism::Ptr { domain } => match domain {
                Some(d) => write!(f, ":{d}"),
                None => Ok(()),
            },
            Mechanism::Ip4 { network, prefix } => {
                write!(f, ":{network}")?;
                prefix.map_or(Ok(()), |p| write!(f, "/{p}"))
            }
            Mechanism::Ip6 { network, prefix } => {
                write!(f, ":{network}")?;
                prefix.map_or(Ok(()), |p| write!(f, "/{p}"))
            }
        }
    }
}

impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Modifier::Redirect { domain } => write!(f, "redirect={domain}"),
            Modifier::Exp { domain } => write!(f, "exp={domain}"),
            Modifier::Unknown { name, value } => write!(f, "{name}={value}"),
        }
    }
}

impl fmt::Display for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for token in &self.tokens {
            match token {
                MacroToken::Literal { text } => f.write_str(text)?,
                MacroToken::Percent => f.write_str("%%")?,
                MacroToken::Space => f.write_str("%_")?,
                MacroToken::UrlSpace => f.write_str("%-")?,
                MacroToken::Macro(m) => {
                    let c = m.letter.letter();
                    let c = if m.url_escape {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    };
                    write!(f, "%{{{c}")?;
                    if let Some(d) = m.digits {
                        write!(f, "{d}")?;
                    }
                    if m.reverse {
                        f.write_str("r")?;
                    }
                    write!(f, "{}}}", m.delimiters)?;
                }
            }
        }
        Ok(())
    }
}

impl FromStr for Term {
    type Err = ParseErrorKind;

    fn from_str(s: &str) -> Result<Term, ParseErrorKind> {
        parse_term(s)
    }
}

/// `name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )`
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn parse_term(text: &str) -> Result<Term, ParseErrorKind> {
    if !text.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(ParseErrorKind::InvalidCharacter);
    }
    // A modifier is `name=`; a directive's name never contains `=` before its argument.
    if let Some((name, value)) = text.split_once('=')
        && is_name(name)
    {
        return parse_modifier(name, value).map(Term::Modifier);
    }
    let (qualifier, rest) = match Qualifier::from_symbol(text.as_bytes()[0]) {
        Some(q) => (Some(q), &text[1..]),
        None => (None, text),
    };
    let name_len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let (name, arg) = rest.split_at(name_len);
    let mechanism = parse_mechanism(&name.to_ascii_lowercase(), arg)?;
    Ok(Term::Directive(Directive {
        qualifier,
        mechanism,
    }))
}

fn parse_modifier(name: &str, value: &str) -> Result<Modifier, ParseErrorKind> {
    match name.to_ascii_lowercase().as_str() {
        "redirect" => Ok(Modifier::Redirect {
            domain: parse_domain_spec(value)?,
        }),
        "exp" => Ok(Modifier::Exp {
            domain: parse_domain_spec(value)?,
        }),
        _ => Ok(Modifier::Unknown {
            name: name.to_string(),
            value: parse_macro_string(value)?,
        }),
    }
}

/// Splits `arg` (what follows the mechanism name) into an optional `:domain-spec` and the rest.
fn split_domain(arg: &str) -> Result<(Option<&str>, &str), ParseErrorKind> {
    match arg.strip_prefix(':') {
        Some(rest) => Ok((Some(rest), "")),
        None if arg.is_empty() || arg.starts_with('/') => Ok((None, arg)),
        None => Err(ParseErrorKind::UnknownMechanism),
    }
}

fn parse_mechanism(name: &str, arg: &str) -> Result<Mechanism, ParseErrorKind> {
    match name {
        "all" if arg.is_empty() => Ok(Mechanism::All),
        "all" => Err(ParseErrorKind::InvalidArgument),
        "include" | "exists" => {
            let domain = arg
                .strip_prefix(':')
                .ok_or(ParseErrorKind::InvalidArgument)?;
            let domain = parse_domain_spec(domain)?;
            Ok(if name == "include" {
                Mechanism::Include { domain }
            } else {
                Mechanism::Exists { domain }
            })
        }
        "a" | "mx" => {
            let (domain, rest) = split_domain(arg)?;
            let (domain, cidr) = match domain {
                Some(spec) => {
                    let (spec, cidr_text) = split_dual_cidr(spec);
                    (Some(parse_domain_spec(spec)?), cidr_text)
                }
                None => (None, rest),
            };
            let cidr = parse_dual_cidr(cidr)?;
            Ok(if name == "a" {
                Mechanism::A { domain, cidr }
            } else {
                Mechanism::Mx { domain, cidr }
            })
        }
        "ptr" => {
            let (domain, rest) = split_domain(arg)?;
            if !rest.is_empty() {
                return Err(ParseErrorKind::InvalidArgument);
            }
            Ok(Mechanism::Ptr {
                domain: domain.map(parse_domain_spec).transpose()?,
            })
        }
        "ip4" => {
            let value = arg
                .strip_prefix(':')
                .ok_or(ParseErrorKind::InvalidArgument)?;
            let (addr, prefix) = split_prefix(value, 32)?;
            let network = addr.parse().map_err(|_| ParseErrorKind::InvalidIp4)?;
            Ok(Mechanism::Ip4 { network, prefix })
        }
        "ip6" => {
            let value = arg
                .strip_prefix(':')
                .ok_or(ParseErrorKind::InvalidArgument)?;
            let (addr, prefix) = split_prefix(value, 128)?;
            let network = addr.parse().map_err(|_| ParseErrorKind::InvalidIp6)?;
            Ok(Mechanism::Ip6 { network, prefix })
        }
        _ => Err(ParseErrorKind::UnknownMechanism),
    }
}

/// `"/" ("0" / %x31-39 0*2DIGIT)` with a value of at most `max`.
fn parse_cidr_length(digits: &str, max: u8) -> Result<u8, ParseErrorKind> {
    let ok_form = !digits.is_empty()
        && digits.len() <= 3
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    match digits.parse::<u16>() {
        Ok(n) if ok_form && n <= u16::from(max) => Ok(n as u8),
        _ => Err(ParseErrorKind::InvalidCidr),
    }
}

fn split_prefix(value: &str, max: u8) -> Result<(&str, Option<u8>), ParseErrorKind> {
    match value.split_once('/') {
        Some((addr, len)) => Ok((addr, Some(parse_cidr_length(len, max)?))),
        None => Ok((value, None)),
    }
}

/// Splits a trailing `[/n][//n]` off a domain-spec. A domain-spec may itself contain `/`, so
/// only a well-formed suffix of digits is taken.
fn split_dual_cidr(spec: &str) -> (&str, &str) {
    fn strip_number_suffix<'s>(s: &'s str, sep: &str) -> Option<(&'s str, &'s str)> {
        let digits_start = s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if digits_start == s.len() {
            return None;
        }
        let head = s[..digits_start].strip_suffix(sep)?;
        Some((head, &s[head.len()..]))
    }
    let mut head = spec;
    let mut cut = spec.len();
    if let Some((h, _)) = strip_number_suffix(head, "//") {
        head = h;
        cut = h.len();
    }
    if let Some((h, _)) = strip_number_suffix(head, "/")
        && !h.ends_with('/')
    {
        cut = h.len();
    }
    (&spec[..cut], &spec[cut..])
}

fn parse_dual_cidr(text: &str) -> Result<DualCidr, ParseErrorKind> {
    let mut cidr = DualCidr::default();
    let (v4, v6) = match text.split_once("//") {
        Some((v4, v6)) => (v4, Some(v6)),
        None => (text, None),
    };
    if !v4.is_empty() {
        let digits = v4.strip_prefix('/').ok_or(ParseErrorKind::InvalidCidr)?;
        cidr.v4 = Some(parse_cidr_length(digits, 32)?);
    }
    if let Some(v6) = v6 {
        cidr.v6 = Some(parse_cidr_length(v6, 128)?);
    }
    Ok(cidr)
}

/// `domain-spec = macro-string domain-end`,
/// `domain-end = ( "." toplabel [ "." ] ) / macro-expand`
fn parse_domain_spec(text: &str) -> Result<DomainSpec, ParseErrorKind> {
    let spec = parse_macro_string(text)?;
    // RFC 7208 §7.3: "c", "r" and "t" are only allowed in explanation strings.
    if spec
        .tokens
        .iter()
        .any(|t| matches!(t, MacroToken::Macro(m) if m.letter.explanation_only()))
    {
        return Err(ParseErrorKind::InvalidMacro);
    }
    match spec.tokens.last() {
        None => Err(ParseErrorKind::InvalidDomainSpec),
        Some(MacroToken::Literal { text }) => {
            let trimmed = text.strip_suffix('.').unwrap_or(text);
            match trimmed.rsplit_once('.') {
                Some((_, top)) if is_toplabel(top) => Ok(spec),
                _ => Err(ParseErrorKind::InvalidDomainSpec),
            }
        }
        Some(_) => Ok(spec),
    }
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`
fn is_toplabel(label: &str) -> bool {
    let b = label.as_bytes();
    let all_alnum_or_dash = b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-');
    if b.is_empty() || !all_alnum_or_dash {
        return false;
    }
    if b.contains(&b'-') {
        b[0].is_ascii_alphanumeric() && b[b.len() - 1].is_ascii_alphanumeric()
    } else {
        b.iter().any(|c| c.is_ascii_alphabetic())
    }
}

/// Parses a macro string (RFC 7208 §7.1).
pub fn parse_macro_string(text: &str) -> Result<MacroString, ParseErrorKind> {
    let mut tokens = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c != '%' {
            if !(c.is_ascii_graphic() || c == ' ') {
                return Err(ParseErrorKind::InvalidCharacter);
            }
            literal.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if !literal.is_empty() {
            tokens.push(MacroToken::Literal {
                text: std::mem::take(&mut literal),
            });
        }
        let (token, used) = match rest.as_bytes().get(1) {
            Some(b'%') => (MacroToken::Percent, 2),
            Some(b'_') => (MacroToken::Space, 2),
            Some(b'-') => (MacroToken::UrlSpace, 2),
            Some(b'{') => {
                let end = rest.find('}').ok_or(ParseErrorKind::InvalidMacro)?;
                (MacroToken::Macro(parse_macro(&rest[2..end])?), end + 1)
            }
            _ => return Err(ParseErrorKind::InvalidMacro),
        };
        tokens.push(token);
        rest = &rest[used..];
    }
    if !literal.is_empty() {
        tokens.push(MacroToken::Literal { text: literal });
    }
    Ok(MacroString { tokens })
}

/// `macro-letter transformers *delimiter`, `transformers = *DIGIT [ "r" ]`
fn parse_macro(body: &str) -> Result<Macro, ParseErrorKind> {
    let mut chars = body.chars();
    let first = chars.next().ok_or(ParseErrorKind::InvalidMacro)?;
    let letter = MacroLetter::from_char(first).ok_or(ParseErrorKind::InvalidMacro)?;
    let rest = chars.as_str();
    let digits_len = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let digits = match &rest[..digits_len] {
        "" => None,
        // Very long digit strings mean "all parts"; cap rather than overflow.
        d => Some(d.parse::<u32>().unwrap_or(u32::MAX)),
    };
    let mut rest = &rest[digits_len..];
    let reverse = match rest.chars().next() {
        Some('r' | 'R') => {
            rest = &rest[1..];
            true
        }
        _ => false,
    };
    if !rest.chars().all(|c| DELIMITERS.contains(c)) {
        return Err(ParseErrorKind::InvalidMacro);
    }
    Ok(Macro {
        letter,
        url_escape: first.is_ascii_uppercase(),
        digits,
        reverse,
        delimiters: rest.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUND_TRIP: &[&str] = &[
        "v=spf1 -all",
        "v=spf1",
        "V=SPF1 MX -ALL",
        "v=spf1 a  -all ",
        "v=spf1 ip4:192.0.2.0/24 ip6:2001:DB8::/32 include:_spf.google.com ~all",
        "v=spf1 a:foo.example.com/24//64 mx/0 ptr:example.com ?exists:%{ir}.%{l1r-}.sbl.example.com",
        "v=spf1 redirect=_spf.example.com exp=explain.%{d2} moo.cow-far_out=man:dog/cat",
        "v=spf1 a:macro%%percent%_%_space%-url-space.example.com -all",
        "v=spf1 -include:_spfh.%{D2} +a:%{H} exists:%{i}.%{l2r+-}.user.%{d2}",
    ];

    #[test]
    fn round_trips_byte_for_byte() {
        for text in ROUND_TRIP {
            let record: SpfRecord = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(record.to_string(), *text);
            // The canonical form parses back to the same terms.
            let canonical = SpfRecord::new(record.terms.clone()).to_string();
            let again: SpfRecord = canonical.parse().unwrap();
            assert_eq!(again, record, "{canonical}");
        }
    }

    #[test]
    fn modified_records_keep_untouched_terms_as_written() {
        let mut record: SpfRecord = "v=spf1 IP4:192.0.2.1  MX ~ALL".parse().unwrap();
        record.insert_before_all("include:_spf.example.net".parse().unwrap());
        assert_eq!(
            record.to_string(),
            "v=spf1 IP4:192.0.2.1 MX include:_spf.example.net ~ALL"
        );
        record.terms[0] = "ip4:198.51.100.0/24".parse().unwrap();
        assert_eq!(
            record.to_string(),
            "v=spf1 ip4:198.51.100.0/24 MX include:_spf.example.net ~ALL"
        );
    }

    #[test]
    fn errors_point_at_the_offending_term() {
        let cases: &[(&str, usize, &str, ParseErrorKind)] = &[
            (
                "v=spf1 a -alll",
                9,
                "-alll",
                ParseErrorKind::UnknownMechanism,
            ),
            (
                "v=spf1 ip4:1.2.3.4/33",
                7,
                "ip4:1.2.3.4/33",
                ParseErrorKind::InvalidCidr,
            ),
            (
                "v=spf1 ip4:1.2.3.4/032",
                7,
                "ip4:1.2.3.4/032",
                ParseErrorKind::InvalidCidr,
            ),
            (
                "v=spf1  ip4:1.2.3",
                8,
                "ip4:1.2.3",
                ParseErrorKind::InvalidIp4,
            ),
            (
                "v=spf1 ip6::CAFE::BABE",
                7,
                "ip6::CAFE::BABE",
                ParseErrorKind::InvalidIp6,
            ),
            (
                "v=spf1 a:museum",
                7,
                "a:museum",
                ParseErrorKind::InvalidDomainSpec,
            ),
            ("v=spf1 a:", 7, "a:", ParseErrorKind::InvalidDomainSpec),
            (
                "v=spf1 exists:%{q}.x.com",
                7,
                "exists:%{q}.x.com",
                ParseErrorKind::InvalidMacro,
            ),
            (
                "v=spf1 foo=%abc",
                7,
                "foo=%abc",
                ParseErrorKind::InvalidMacro,
            ),
            (
                "v=spf1 1up=foo",
                7,
                "1up=foo",
                ParseErrorKind::UnknownMechanism,
            ),
            (
                "v=spf1 redirect:x.com",
                7,
                "redirect:x.com",
                ParseErrorKind::UnknownMechanism,
            ),
            (
                "v=spf1 exp=a.com exp=b.com",
                17,
                "exp=b.com",
                ParseErrorKind::DuplicateModifier,
            ),
            (
                "v=spf1 a:b.com\rptr",
                7,
                "a:b.com\rptr",
                ParseErrorKind::InvalidCharacter,
            ),
            ("v=spf1 ptr/0", 7, "ptr/0", ParseErrorKind::InvalidArgument),
            ("v=spf1 a/24/64", 7, "a/24/64", ParseErrorKind::InvalidCidr),
            ("v=spf10 mx", 0, "v=spf10 mx", ParseErrorKind::NotSpf),
        ];
        for (text, offset, term, kind) in cases {
            let err = text.parse::<SpfRecord>().unwrap_err();
            assert_eq!(
                (err.offset, err.term.as_str(), err.kind),
                (*offset, *term, *kind),
                "{text:?}"
            );
            assert_eq!(&text[err.offset..err.offset + err.term.len()], *term);
        }
    }

    #[test]
    fn dual_cidr_and_colon_domains() {
        let r: SpfRecord = "v=spf1 a:foo:bar/baz.example.com a/24//64 mx:x.example.com//0"
            .parse()
            .unwrap();
        let mechs: Vec<_> = r.directives().map(|d| d.mechanism.clone()).collect();
        assert_eq!(mechs[0].to_string(), "a:foo:bar/baz.example.com");
        assert_eq!(
            mechs[1],
            Mechanism::A {
                domain: None,
                cidr: DualCidr {
                    v4: Some(24),
                    v6: Some(64)
                }
            }
        );
        assert!(matches!(
            mechs[2],
            Mechanism::Mx {
                cidr: DualCidr {
                    v4: None,
                    v6: Some(0)
                },
                ..
            }
        ));
    }

    #[test]
    fn hostile_sizes_are_refused() {
        let many = format!("v=spf1{}", " a".repeat(MAX_TERMS + 1));
        assert_eq!(
            many.parse::<SpfRecord>().unwrap_err().kind,
            ParseErrorKind::TooManyTerms
        );
        let long = format!("v=spf1 a:{}.com", "x".repeat(MAX_RECORD_LEN));
        assert_eq!(
            long.parse::<SpfRecord>().unwrap_err().kind,
            ParseErrorKind::TooLong
        );
    }
}
