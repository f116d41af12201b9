//! Case-insensitive marker phrases found without compiling a regex: most built-in markers are
//! literals with a few one-character wildcards (`wasn.t`), optional parts (`addresses?`,
//! `be(?:en)?`) and runs (`-+`, `\s+`). Such a pattern is expanded into its literal variants;
//! the longest literal stretch of each variant is searched (memchr's `memmem`) in the ASCII
//! lower-cased text and the rest checked around each hit. A regex costs a millisecond to
//! compile and its lazy automaton warms up per state; the table costs microseconds.
//!
//! The results are the regex's own: the pattern text stays the source, and whatever the small
//! reader below does not know (classes, anchors, counted repeats) keeps the compiled regex.
//! In Unicode mode (a pattern with `.`) `s` and `k` also match `ſ` (U+017F) and the Kelvin
//! sign (U+212A); a text holding either is searched by the regex, compiled then.

use std::sync::OnceLock;

use memchr::memmem::Finder;
use regex::Regex;

/// One step of a pattern variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    /// An ASCII byte, lower case, matched ignoring ASCII case.
    Byte(u8),
    /// `.`: one character other than `\n`.
    Any,
    /// `x+`: one or more of a byte (`-+`) or of ASCII white space (`\s+`).
    Plus(Class),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Byte(u8),
    /// ASCII `\s`: tab, line feed, vertical tab, form feed, carriage return, space.
    Space,
}

impl Class {
    fn has(self, b: u8) -> bool {
        match self {
            Class::Byte(c) => b.eq_ignore_ascii_case(&c),
            Class::Space => matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' '),
        }
    }
}

/// One literal variant of an alternative, split around its longest literal stretch.
#[derive(Debug)]
struct Variant {
    /// The longest literal stretch, lower case.
    anchor: Finder<'static>,
    /// The steps before the anchor, nearest first.
    before: Vec<Tok>,
    after: Vec<Tok>,
}

/// One alternative: its variants, and the pattern for the regex it falls back on.
#[derive(Debug)]
struct Alternative {
    variants: Vec<Variant>,
    source: String,
    /// A pattern with `.` compiles in Unicode mode (see [`crate::bounce::pattern`]).
    unicode: bool,
    regex: OnceLock<Regex>,
}

impl Alternative {
    fn regex(&self) -> &Regex {
        self.regex
            .get_or_init(|| crate::bounce::pattern(&self.source))
    }
}

/// Ordered alternatives, each one case-insensitive pattern of the simple shapes.
#[derive(Debug)]
pub(crate) struct Markers {
    alternatives: Vec<Alternative>,
}

impl Markers {
    /// Reads each alternative (a pattern that is matched with `(?im)`); `None` when one of them
    /// uses syntax the reader does not know.
    pub(crate) fn new(alternatives: &[&str]) -> Option<Markers> {
        let alternatives = alternatives
            .iter()
            .map(|source| {
                let expanded = expand(source)?;
                let unicode = expanded.iter().flatten().any(|t| *t == Tok::Any);
                if unicode && expanded.iter().flatten().any(|t| matches!(t, Tok::Plus(_))) {
                    // Unicode `\s` and case folding of runs are not modelled.
                    return None;
                }
                Some(Alternative {
                    variants: expanded
                        .iter()
                        .map(|toks| split_at_anchor(toks))
                        .collect::<Option<_>>()?,
                    source: format!("(?im)(?:{source})"),
                    unicode,
                    regex: OnceLock::new(),
                })
            })
            .collect::<Option<_>>()?;
        Some(Markers { alternatives })
    }

    /// Where the first alternative that matches `text` first matches, given `text` ASCII
    /// lower-cased (same offsets): the dialects search the body, whose copy is made once.
    pub(crate) fn first_match(&self, text: &str, lower: &str) -> Option<usize> {
        debug_assert_eq!(lower, text.to_ascii_lowercase());
        let search = Search::new(text, lower.as_bytes());
        self.alternatives.iter().find_map(|a| a.find(&search))
    }

    /// Where each alternative first matches in `text` (its leftmost match start).
    #[cfg(test)]
    pub(crate) fn first_matches(&self, text: &str) -> Vec<Option<usize>> {
        let lower = text.to_ascii_lowercase();
        let search = Search::new(text, lower.as_bytes());
        self.alternatives.iter().map(|a| a.find(&search)).collect()
    }
}

/// A text with its ASCII lower-cased copy, and whether it holds a character that only Unicode
/// case folding matches with `s` or `k`.
struct Search<'a> {
    text: &'a str,
    lower: &'a [u8],
    folds: OnceLock<bool>,
}

impl<'a> Search<'a> {
    fn new(text: &'a str, lower: &'a [u8]) -> Search<'a> {
        Search {
            text,
            lower,
            folds: OnceLock::new(),
        }
    }

    fn folds(&self) -> bool {
        *self
            .folds
            .get_or_init(|| super::has_unicode_folds(self.text))
    }
}

impl Alternative {
    /// The leftmost match start in the searched text.
    fn find(&self, search: &Search) -> Option<usize> {
        if self.unicode && search.folds() {
            return self.regex().find(search.text).map(|m| m.start());
        }
        let text = search.lower;
        self.variants
            .iter()
            .filter_map(|v| {
                // A later hit of the anchor never starts a match earlier.
                v.anchor.find_iter(text).find_map(|at| {
                    let end = at + v.anchor.needle().len();
                    if matches_after(text, end, &v.after) {
                        start_before(text, at, &v.before)
                    } else {
                        None
                    }
                })
            })
            .min()
    }
}

/// Expands an alternative into its literal variants; `None` on syntax not modelled.
fn expand(p: &str) -> Option<Vec<Vec<Tok>>> {
    let chars: Vec<char> = p.chars().collect();
    let (variants, end) = sequence(&chars, 0)?;
    (end == chars.len()).then_some(variants)
}

/// Reads `a|b|...` from `at` up to an unmatched `)` or the end.
fn alternation(p: &[char], mut at: usize) -> Option<(Vec<Vec<Tok>>, usize)> {
    let mut out = Vec::new();
    loop {
        let (vs, end) = sequence(p, at)?;
        out.extend(vs);
        at = end;
        if p.get(at) == Some(&'|') {
            at += 1;
        } else {
            return Some((out, at));
        }
    }
}

/// Reads a sequence of atoms from `at` up to `|`, `)` or the end.
fn sequence(p: &[char], mut at: usize) -> Option<(Vec<Vec<Tok>>, usize)> {
    let mut out: Vec<Vec<Tok>> = vec![Vec::new()];
    while let Some(&c) = p.get(at) {
        let atom: Vec<Vec<Tok>> = match c {
            '|' | ')' => break,
            '(' => {
                if p.get(at + 1..at + 3) != Some(&['?', ':']) {
                    return None;
                }
                let (vs, end) = alternation(p, at + 3)?;
                if p.get(end) != Some(&')') {
                    return None;
                }
                at = end + 1;
                vs
            }
            '.' => {
                at += 1;
                vec![vec![Tok::Any]]
            }
            '[' => {
                // A class of literal characters: `[:.]`.
                let len = p[at + 1..].iter().position(|&c| c == ']')?;
                let class = &p[at + 1..at + 1 + len];
                // `-` stands for itself only first or last.
                let inner = class.get(1..len.saturating_sub(1)).unwrap_or(&[]);
                if class.is_empty()
                    || !class.iter().all(|&c| is_literal(c) || c == '.')
                    || inner.contains(&'-')
                {
                    return None;
                }
                at += len + 2;
                class
                    .iter()
                    .map(|&c| vec![Tok::Byte(c.to_ascii_lowercase() as u8)])
                    .collect()
            }
            '\\' => {
                let e = *p.get(at + 1)?;
                at += 2;
                match e {
                    // `\s` is taken only as the run `\s+`.
                    's' if p.get(at) == Some(&'+') => vec![vec![Tok::Plus(Class::Space)]],
                    _ if e.is_ascii_punctuation() => vec![vec![Tok::Byte(e as u8)]],
                    _ => return None,
                }
            }
            _ if is_literal(c) => {
                at += 1;
                vec![vec![Tok::Byte(c.to_ascii_lowercase() as u8)]]
            }
            _ => return None,
        };
        let atom = match p.get(at) {
            Some('?') => {
                at += 1;
                let mut a = atom;
                a.push(Vec::new());
                a
            }
            Some('+') => {
                at += 1;
                match atom.as_slice() {
                    [one] if one.len() == 1 => match one[0] {
                        Tok::Byte(b) => vec![vec![Tok::Plus(Class::Byte(b))]],
                        Tok::Plus(c) => vec![vec![Tok::Plus(c)]],
                        Tok::Any => return None,
                    },
                    _ => return None,
                }
            }
            Some('*' | '{') => return None,
            _ => atom,
        };
        out = out
            .iter()
            .flat_map(|prefix| {
                atom.iter().map(move |a| {
                    let mut v = prefix.clone();
                    v.extend_from_slice(a);
                    v
                })
            })
            .collect();
        if out.len() > 64 {
            return None;
        }
    }
    Some((out, at))
}

/// A character the reader takes as itself.
fn is_literal(c: char) -> bool {
    c.is_ascii_alphanumeric() || " ,:;'\"<>-".contains(c)
}

/// The literal strings a pattern of literals, groups, classes of characters and optional parts
/// stands for, lower case; `None` when it has anything else (`.`, runs).
pub(crate) fn literal_variants(pattern: &str) -> Option<Vec<Vec<u8>>> {
    expand(pattern)?
        .into_iter()
        .map(|toks| {
            toks.into_iter()
                .map(|t| match t {
                    Tok::Byte(b) => Some(b),
                    _ => None,
                })
                .collect()
        })
        .collect()
}

/// Splits a variant around its longest stretch of bytes; `None` when it has none or when a
/// run stands before the anchor anywhere but first (its start would not be the leftmost).
fn split_at_anchor(toks: &[Tok]) -> Option<Variant> {
    let (mut best, mut best_len, mut i) = (0, 0, 0);
    while i < toks.len() {
        let len = toks[i..]
            .iter()
            .take_while(|t| matches!(t, Tok::Byte(_)))
            .count();
        if len > best_len {
            (best, best_len) = (i, len);
        }
        i += len.max(1);
    }
    if best_len == 0 {
        return None;
    }
    let before: Vec<Tok> = toks[..best].iter().rev().copied().collect();
    if before
        .iter()
        .rev()
        .skip(1)
        .any(|t| matches!(t, Tok::Plus(_)))
    {
        return None;
    }
    // A leading run must differ from the byte after it, or the run could end later.
    if let (Some(Tok::Plus(c)), Some(Tok::Byte(b))) = (toks.first(), toks.get(1))
        && c.has(*b)
    {
        return None;
    }
    let anchor: Vec<u8> = toks[best..best + best_len]
        .iter()
        .map(|t| match t {
            Tok::Byte(b) => *b,
            _ => unreachable!("the anchor is bytes"),
        })
        .collect();
    Some(Variant {
        anchor: Finder::new(&anchor).into_owned(),
        before,
        after: toks[best + best_len..].to_vec(),
    })
}

/// True when `toks` match at `at` (runs are greedy and give back as needed).
fn matches_after(text: &[u8], at: usize, toks: &[Tok]) -> bool {
    let Some((first, rest)) = toks.split_first() else {
        return true;
    };
    let Some(&c) = text.get(at) else {
        return false;
    };
    match *first {
        Tok::Byte(b) => c.eq_ignore_ascii_case(&b) && matches_after(text, at + 1, rest),
        Tok::Any => c != b'\n' && matches_after(text, at + utf8_len(c), rest),
        Tok::Plus(class) => {
            let run = text[at..].iter().take_while(|&&b| class.has(b)).count();
            (1..=run).rev().any(|n| matches_after(text, at + n, rest))
        }
    }
}

/// Where a match whose anchor begins at `at` begins, walking `before` (nearest first) back.
fn start_before(text: &[u8], mut at: usize, before: &[Tok]) -> Option<usize> {
    for t in before {
        match *t {
            Tok::Byte(b) => {
                at = at.checked_sub(1)?;
                if !text[at].eq_ignore_ascii_case(&b) {
                    return None;
                }
            }
            Tok::Any => {
                at = at.checked_sub(1)?;
                while at > 0 && text[at] & 0xC0 == 0x80 {
                    at -= 1;
                }
                if text[at] == b'\n' {
                    return None;
                }
            }
            Tok::Plus(c) => {
                let run = text[..at].iter().rev().take_while(|&&b| c.has(b)).count();
                if run == 0 {
                    return None;
                }
                at -= run;
            }
        }
    }
    Some(at)
}

/// The length of the UTF-8 sequence a lead byte opens.
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    }
}
