//! The one matching primitive every rule table uses: ASCII-case-insensitive substrings, alone or
//! in order. Deliberately not regular expressions: the tables hold hundreds of needles taken
//! from real replies, and a plain search over attacker-controlled text can neither blow up nor
//! surprise.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// A piece of receiver text a rule looks for. Needles are written in lower case.
#[derive(Debug, Clone, Copy)]
pub enum Pattern {
    /// The needle appears anywhere.
    Has(&'static str),
    /// All needles appear, each after the end of the previous one
    /// (`["is not allowed to send from <", "> per it's spf record"]`).
    InOrder(&'static [&'static str]),
}

impl Pattern {
    /// Where the pattern matched in `lower` (the ASCII-lower-cased text), as a byte range that
    /// is also valid in the original text: ASCII lower-casing keeps every byte offset.
    pub fn find(&self, lower: &str) -> Option<(usize, usize)> {
        match *self {
            Pattern::Has(needle) => lower.find(needle).map(|s| (s, s + needle.len())),
            Pattern::InOrder(needles) => {
                let (first, rest) = needles.split_first()?;
                let start = lower.find(first)?;
                let mut end = start + first.len();
                for needle in rest {
                    let at = lower.get(end..)?.find(needle)?;
                    end += at + needle.len();
                }
                Some((start, end))
            }
        }
    }
}

/// The first pattern of `patterns` that matches, with the matched piece of `original`.
pub fn first_match<'t>(patterns: &[Pattern], lower: &str, original: &'t str) -> Option<&'t str> {
    patterns.iter().find_map(|p| {
        let (s, e) = p.find(lower)?;
        original.get(s..e)
    })
}

/// Every needle of the rule tables, looked for in one pass over a text: a rule whose needles
/// are not all present cannot match, so only the few that can are searched for in full. The
/// full search stays the authority on where a pattern matched; the index only skips rules.
pub struct NeedleIndex {
    ac: Option<AhoCorasick>,
    /// Needles by id (the empty needle is never looked for: it is always present).
    count: usize,
}

/// The id of the empty needle, present in every text (as `str::contains("")` says).
const ALWAYS: u32 = u32::MAX;

/// Hands out needle ids while a [`NeedleIndex`] is being built.
#[derive(Default)]
pub struct NeedleInterner {
    ids: HashMap<&'static str, u32>,
    needles: Vec<&'static str>,
}

impl NeedleInterner {
    /// The id of one needle.
    pub fn id(&mut self, needle: &'static str) -> u32 {
        if needle.is_empty() {
            return ALWAYS;
        }
        if let Some(&id) = self.ids.get(needle) {
            return id;
        }
        let id = self.needles.len() as u32;
        self.needles.push(needle);
        self.ids.insert(needle, id);
        id
    }

    /// The ids of every needle of a pattern, all of which must be present for it to match.
    pub fn pattern(&mut self, pattern: &Pattern) -> Vec<u32> {
        match *pattern {
            Pattern::Has(needle) => vec![self.id(needle)],
            Pattern::InOrder(needles) => needles.iter().map(|n| self.id(n)).collect(),
        }
    }

    /// The ids of a list of needles.
    pub fn all(&mut self, needles: &[&'static str]) -> Vec<u32> {
        needles.iter().map(|n| self.id(n)).collect()
    }

    /// The finished index. Left a noncontiguous NFA: it is built once per process (every
    /// run pays for it, a run over one bounce too), and the contiguous form the builder would
    /// derive from it costs a fifth more to build while the few hundred bytes of a diagnostic
    /// scan no faster (measured on the corpus).
    pub fn build(self) -> NeedleIndex {
        let ac = (!self.needles.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::NoncontiguousNFA))
                .build(&self.needles)
                .expect("built-in needles")
        });
        NeedleIndex {
            ac,
            count: self.needles.len(),
        }
    }
}

/// Which needles of a [`NeedleIndex`] a text holds.
pub struct Present {
    bits: Vec<u64>,
}

impl NeedleIndex {
    /// The needles `lower` holds, found in one overlapping pass.
    pub fn scan(&self, lower: &str) -> Present {
        let mut bits = vec![0u64; self.count.div_ceil(64)];
        if let Some(ac) = &self.ac {
            for m in ac.find_overlapping_iter(lower) {
                let i = m.pattern().as_usize();
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        Present { bits }
    }
}

impl Present {
    /// Whether the needle with this id is in the text.
    pub fn has(&self, id: u32) -> bool {
        id == ALWAYS
            || self
                .bits
                .get(id as usize / 64)
                .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    /// Whether every needle of `ids` is in the text.
    pub fn all(&self, ids: &[u32]) -> bool {
        ids.iter().all(|&i| self.has(i))
    }

    /// Whether any needle of `ids` is in the text.
    pub fn any(&self, ids: &[u32]) -> bool {
        ids.iter().any(|&i| self.has(i))
    }
}

/// Whether any of the needles appears.
pub fn has_any(needles: &[&str], lower: &str) -> bool {
    needles.iter().any(|n| lower.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_needs_the_order() {
        let p = Pattern::InOrder(&["mailbox ", "full"]);
        assert_eq!(p.find("the mailbox is full"), Some((4, 19)));
        assert_eq!(p.find("full mailbox "), None);
        assert_eq!(Pattern::InOrder(&[]).find("x"), None);
    }

    #[test]
    fn the_index_finds_overlapping_and_empty_needles() {
        let mut interner = NeedleInterner::default();
        let over = interner.pattern(&Pattern::InOrder(&["over ", "quota"]));
        let overlapping = interner.id("er quo");
        let missing = interner.id("full");
        let empty = interner.id("");
        let index = interner.build();
        let present = index.scan("user is over quota");
        assert!(present.all(&over));
        assert!(present.has(overlapping));
        assert!(!present.has(missing));
        assert!(present.has(empty));
        assert!(!present.any(&[missing]));
    }

    #[test]
    fn matched_text_keeps_the_original_case_and_utf8() {
        let original = "Ünknown: USER Unknown here";
        let lower = original.to_ascii_lowercase();
        assert_eq!(
            first_match(&[Pattern::Has("user unknown")], &lower, original),
            Some("USER Unknown")
        );
    }
}
