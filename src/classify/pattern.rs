//! The one matching primitive every rule table uses: ASCII-case-insensitive substrings, alone or
//! in order. Deliberately not regular expressions: the tables hold hundreds of needles taken
//! from real replies, and a plain search over attacker-controlled text can neither blow up nor
//! surprise.

use std::cell::Cell;
use std::collections::HashMap;

use memchr::memmem::Finder;

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
    /// Its needles, in order.
    pub fn needles(&self) -> &[&'static str] {
        match self {
            Pattern::Has(needle) => std::slice::from_ref(needle),
            Pattern::InOrder(needles) => needles,
        }
    }

    /// Where the pattern matched in `lower` (the ASCII-lower-cased text), as a byte range that
    /// is also valid in the original text: ASCII lower-casing keeps every byte offset.
    pub fn find(&self, lower: &str) -> Option<(usize, usize)> {
        match *self {
            Pattern::Has(needle) => find(lower, needle).map(|s| (s, s + needle.len())),
            Pattern::InOrder(needles) => {
                let (first, rest) = needles.split_first()?;
                let start = find(lower, first)?;
                let mut end = start + first.len();
                for needle in rest {
                    let at = find(lower.get(end..)?, needle)?;
                    end += at + needle.len();
                }
                Some((start, end))
            }
        }
    }
}

/// `str::find` for a string needle: the first place `needle` starts in `text`. The `memchr`
/// searcher sets up in a fraction of what the standard library's two-way searcher needs, and
/// the texts are a few hundred bytes.
fn find(text: &str, needle: &str) -> Option<usize> {
    memchr::memmem::find(text.as_bytes(), needle.as_bytes())
}

/// The first pattern of `patterns` that matches, with the matched piece of `original`.
#[cfg(test)]
pub fn first_match<'t>(patterns: &[Pattern], lower: &str, original: &'t str) -> Option<&'t str> {
    patterns.iter().find_map(|p| {
        let (s, e) = p.find(lower)?;
        original.get(s..e)
    })
}

/// Every needle of the rule tables, looked for in a text at once (needles of four bytes or more
/// in one pass, shorter ones each on its own when first asked about): a rule whose needles are
/// not all present cannot match, so only the few that can are searched for in full. The full
/// search stays the authority on where a pattern matched; the index only skips rules.
///
/// A filter of one bit per hash bucket of the needles' first four bytes: every place of the text
/// is hashed and tested, 64 places into one word of bits with no branch, and only the places
/// whose bucket is filled (one in a dozen) compare the needles that start with its four bytes;
/// needles of eight bytes or more are looked up by their first eight bytes in a second table,
/// reached only from a filled bucket of the first. (A Wu-Manber skip table moved on by one byte
/// at most places, and its 16 KB and a branch that went either way missed the cache and the
/// predictor at every other place, the texts being cold.) Building it is a sort of the needles
/// and a count per key, a hundredth of what an Aho-Corasick automaton over the same needles
/// costs to build (every run pays for it, a run over one bounce too), and it scans a
/// diagnostic of a few hundred bytes as fast.
pub struct NeedleIndex {
    /// The first level, keyed by four bytes; see [`Buckets`].
    four: Buckets<Head>,
    /// The second, keyed by eight bytes, as `four`. A place that starts like many needles
    /// (`mail`, `user`, `message`: forty needles under one four-byte key) compares only those
    /// that start with all its eight bytes.
    eight: Buckets<Head8>,
    /// Parallel to `eight`'s entries: the whole needle, read only for needles longer than
    /// sixteen bytes or near the end of the text.
    long: Vec<&'static [u8]>,
    /// Needles shorter than four bytes, each searched for on its own.
    short: Vec<(Finder<'static>, u32)>,
    /// One bit per needle id: set for those in `short`. A text is searched for one of them
    /// only when a rule asks about it: the few rules that need one are seldom tried, and a
    /// search for each in every text cost more than the one pass for all the rest.
    short_ids: Vec<u64>,
    /// How many needle ids there are (the empty needle is never looked for: it is always
    /// present).
    count: usize,
}

/// Entries grouped by a hash bucket of [`BUCKET_BITS`] bits, stored densely: only filled
/// buckets take room (a table of every bucket's start was 8 KB, a cache miss at most places
/// looked up).
struct Buckets<T> {
    /// One bit per bucket: set when some entry hashes to it.
    filled: Box<[u64; WORDS]>,
    /// Per word of `filled`: how many buckets of the words before it are filled, so that a
    /// filled bucket's rank among them is this plus a count of bits.
    ranks: Box<[u16; WORDS]>,
    /// `starts[r]..starts[r + 1]` are the entries of the filled bucket of rank `r`.
    starts: Vec<u16>,
    entries: Vec<T>,
}

/// The words of a [`Buckets`]' bit set.
const WORDS: usize = 1 << (BUCKET_BITS - 6);

impl<T> Buckets<T> {
    /// From entries sorted by bucket, and buckets to fill with no entries.
    fn new(sorted: Vec<(usize, T)>, empty: &[usize]) -> Buckets<T> {
        let mut filled = Box::new([0u64; WORDS]);
        for &h in sorted.iter().map(|(h, _)| h).chain(empty) {
            filled[h / 64] |= 1 << (h % 64);
        }
        let mut ranks = Box::new([0u16; WORDS]);
        let mut starts = Vec::new();
        for (w, (rank, &bits)) in ranks.iter_mut().zip(filled.iter()).enumerate() {
            *rank = starts.len() as u16;
            for bit in (0..64).filter(|b| bits & (1 << b) != 0) {
                let h = w * 64 + bit;
                starts.push(sorted.partition_point(|(k, _)| *k < h) as u16);
            }
        }
        starts.push(sorted.len() as u16);
        Buckets {
            filled,
            ranks,
            starts,
            entries: sorted.into_iter().map(|(_, e)| e).collect(),
        }
    }

    /// Whether bucket `h` (below `1 << BUCKET_BITS`) is filled.
    fn has(&self, h: usize) -> bool {
        self.filled[h / 64] & (1 << (h % 64)) != 0
    }

    /// The range of `entries` of the filled bucket `h`.
    fn range(&self, h: usize) -> (usize, usize) {
        let below = self.filled[h / 64] & ((1u64 << (h % 64)) - 1);
        let rank = usize::from(self.ranks[h / 64]) + below.count_ones() as usize;
        match (self.starts.get(rank), self.starts.get(rank + 1)) {
            (Some(&from), Some(&to)) => (usize::from(from), usize::from(to)),
            _ => (0, 0),
        }
    }
}

/// A needle of four to seven bytes: its bytes as a little-endian word, the rest zero.
#[derive(Clone, Copy)]
struct Head {
    word: u64,
    id: u32,
    len: u32,
}

/// A needle of eight bytes or more: its first eight bytes as a little-endian word, its next
/// eight (fewer when shorter, the rest zero).
#[derive(Clone, Copy)]
struct Head8 {
    first: u64,
    next: u64,
    id: u32,
    len: u32,
}

/// The number of buckets of each level of a [`NeedleIndex`], a power of two well above the
/// number of distinct four-byte beginnings of the needles (about three hundred) and of
/// eight-byte ones (about seven hundred).
const BUCKET_BITS: u32 = 12;

/// The bucket of a four-byte beginning.
fn bucket(first4: u32) -> usize {
    (first4.wrapping_mul(0x9E37_79B1) >> (32 - BUCKET_BITS)) as usize
}

/// The bucket of an eight-byte beginning.
fn bucket8(first8: u64) -> usize {
    (first8.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - BUCKET_BITS)) as usize
}

/// The mask of the first `n` (at most eight) bytes of a little-endian word.
fn mask(n: usize) -> u64 {
    u64::MAX.checked_shr(8 * (8 - n as u32)).unwrap_or(0)
}

/// Up to eight bytes from `bytes` as a little-endian word, missing bytes zero.
fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = bytes.len().min(8);
    w[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(w)
}

/// The most needle ids a [`NeedleIndex`] takes: a [`Present`] holds one bit per id in place.
const MAX_NEEDLES: usize = NEEDLE_WORDS * 64;
const NEEDLE_WORDS: usize = 24;

/// The id of the empty needle, present in every text (as `str::contains("")` says).
const ALWAYS: u32 = u32::MAX;

/// The length from which a needle is found in the one pass of [`NeedleIndex::scan`] and listed
/// by [`Present::ids`]; shorter ones are only answered by [`Present::has`].
pub const SCANNED: usize = 4;

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
        self.all(pattern.needles())
    }

    /// How many needles have ids so far.
    pub fn count(&self) -> usize {
        self.needles.len()
    }

    /// The ids of a list of needles.
    pub fn all(&mut self, needles: &[&'static str]) -> Vec<u32> {
        needles.iter().map(|n| self.id(n)).collect()
    }

    /// The finished index.
    pub fn build(self) -> NeedleIndex {
        assert!(self.needles.len() <= MAX_NEEDLES, "raise NEEDLE_WORDS");
        let mut short = Vec::new();
        let mut mid = Vec::new();
        let mut long = Vec::new();
        let mut short_ids = vec![0u64; self.needles.len().div_ceil(64)];
        for (id, needle) in (0u32..).zip(&self.needles) {
            let b = needle.as_bytes();
            let len = b.len() as u32;
            if b.len() < SCANNED {
                short.push((Finder::new(b), id));
                short_ids[id as usize / 64] |= 1 << (id % 64);
                continue;
            }
            if b.len() < 8 {
                let h = bucket(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                mid.push((
                    h,
                    Head {
                        word: word(b),
                        id,
                        len,
                    },
                ));
                continue;
            }
            let first = word(b);
            long.push((
                bucket8(first),
                Head8 {
                    first,
                    next: word(&b[8..]),
                    id,
                    len,
                },
                b,
            ));
        }
        // A long needle's first four bytes fill its bucket of the first level too (with no
        // entry there): the second level is reached through the first.
        let reach: Vec<usize> = long
            .iter()
            .map(|(_, _, b)| bucket(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
            .collect();
        mid.sort_by_key(|(h, _)| *h);
        long.sort_by_key(|(h, _, _)| *h);
        NeedleIndex {
            four: Buckets::new(mid, &reach),
            eight: Buckets::new(long.iter().map(|&(h, head, _)| (h, head)).collect(), &[]),
            long: long.into_iter().map(|(_, _, b)| b).collect(),
            short,
            short_ids,
            count: self.needles.len(),
        }
    }
}

/// Which needles of a [`NeedleIndex`] a text holds, with the text.
pub struct Present<'i> {
    /// One bit per needle id found by the scan.
    bits: [u64; NEEDLE_WORDS],
    /// The text, kept to look for the short needles when asked.
    lower: String,
    index: &'i NeedleIndex,
    /// Per place in the index's short needles (the first 64): whether it was looked for.
    asked: Cell<u64>,
    /// Per place in the index's short needles (the first 64): whether it was found.
    found: Cell<u64>,
}

impl NeedleIndex {
    /// The needles `lower` holds: those of [`SCANNED`] bytes or more found in one pass, the
    /// shorter ones when asked about.
    pub fn scan(&self, lower: String) -> Present<'_> {
        let mut bits = [0u64; NEEDLE_WORDS];
        let text = lower.as_bytes();
        // Places `base..base + 64` at a time: the bits of those whose bucket is filled, then
        // each of those (the loop over places has no branch but its end).
        let places = text.len().saturating_sub(SCANNED - 1);
        let mut base = 0;
        while base < places {
            let n = (places - base).min(64);
            // Each place's bit shifted in from the top (a shift by a constant, where one by
            // the place's number is three operations), then moved down to bit 0.
            let mut candidates = 0u64;
            for quad in text[base..base + n + 3].windows(4) {
                let h = bucket(u32::from_le_bytes([quad[0], quad[1], quad[2], quad[3]]));
                candidates = (candidates >> 1) | (self.four.filled[h / 64] >> (h % 64)) << 63;
            }
            candidates >>= 64 - n;
            while candidates != 0 {
                let here = &text[base + candidates.trailing_zeros() as usize..];
                candidates &= candidates - 1;
                self.look(here, &mut bits);
            }
            base += n;
        }
        Present {
            bits,
            lower,
            index: self,
            asked: Cell::new(0),
            found: Cell::new(0),
        }
    }

    /// Sets the bits of the needles that start at `here`, whose four first bytes fall in a
    /// filled bucket.
    fn look(&self, here: &[u8], bits: &mut [u64; NEEDLE_WORDS]) {
        let mut set = |id: u32| {
            if let Some(w) = bits.get_mut(id as usize / 64) {
                *w |= 1 << (id % 64);
            }
        };
        // The first sixteen bytes (fewer at the end of the text, the rest zero).
        let (w, next) = match here.first_chunk::<16>() {
            Some(&[a, b, c, d, e, f, g, h, ref rest @ ..]) => (
                u64::from_le_bytes([a, b, c, d, e, f, g, h]),
                u64::from_le_bytes(*rest),
            ),
            None => (word(here), word(here.get(8..).unwrap_or(&[]))),
        };
        let (from, to) = self.four.range(bucket(w as u32));
        for head in self.four.entries.get(from..to).unwrap_or(&[]) {
            // A needle of this level has four to seven bytes, all in `w`; one longer than what
            // is left of the text cannot start here.
            let len = head.len as usize;
            if w & mask(len) == head.word && here.len() >= len {
                set(head.id);
            }
        }
        if here.len() < 8 {
            return;
        }
        let h = bucket8(w);
        if !self.eight.has(h) {
            return;
        }
        let (from, to) = self.eight.range(h);
        for (n, head) in (from..).zip(self.eight.entries.get(from..to).unwrap_or(&[])) {
            let len = head.len as usize;
            if w == head.first
                && next & mask((len - 8).min(8)) == head.next
                && (len <= 16 && here.len() >= len
                    || self.long.get(n).is_some_and(|b| here.starts_with(b)))
            {
                set(head.id);
            }
        }
    }
}

impl Present<'_> {
    /// The text scanned.
    pub fn text(&self) -> &str {
        &self.lower
    }

    /// Whether the needle with this id is in the text.
    pub fn has(&self, id: u32) -> bool {
        let (word, bit) = (id as usize / 64, 1u64 << (id % 64));
        if id == ALWAYS || self.bits.get(word).is_some_and(|w| w & bit != 0) {
            return true;
        }
        self.index.short_ids.get(word).is_some_and(|w| w & bit != 0) && self.has_short(id)
    }

    /// Whether the short needle with this id is in the text, looked for once.
    fn has_short(&self, id: u32) -> bool {
        let Some(at) = self.index.short.iter().position(|(_, i)| *i == id) else {
            return false;
        };
        let Some(bit) = 1u64.checked_shl(at as u32) else {
            return self.index.short[at].0.find(self.lower.as_bytes()).is_some();
        };
        if self.asked.get() & bit == 0 {
            self.asked.set(self.asked.get() | bit);
            if self.index.short[at].0.find(self.lower.as_bytes()).is_some() {
                self.found.set(self.found.get() | bit);
            }
        }
        self.found.get() & bit != 0
    }

    /// Every needle's bit, the short needles' looked for: what a scan for all needles gives.
    #[cfg(test)]
    fn all_bits(&self) -> Vec<u64> {
        let mut bits = self.bits[..self.index.count.div_ceil(64)].to_vec();
        for &(_, id) in &self.index.short {
            if self.has(id) {
                bits[id as usize / 64] |= 1 << (id % 64);
            }
        }
        bits
    }

    /// Whether every needle of `ids` is in the text.
    pub fn all(&self, ids: &[u32]) -> bool {
        ids.iter().all(|&i| self.has(i))
    }

    /// Whether any needle of `ids` is in the text.
    pub fn any(&self, ids: &[u32]) -> bool {
        ids.iter().any(|&i| self.has(i))
    }

    /// The ids of the needles of [`SCANNED`] bytes or more in the text, ascending (the
    /// empty needle's not among them, nor the shorter ones: ask [`Present::has`] for those).
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.ids_among(&[])
    }

    /// [`Present::ids`] of those with their bit set in `among` (one bit per id, as a
    /// [`Present`] holds them), or all of them when `among` is empty: a table that lists
    /// something under only some needles is not read at the others.
    pub fn ids_among<'s>(&'s self, among: &'s [u64]) -> impl Iterator<Item = u32> + 's {
        let words = self.index.count.div_ceil(64);
        (0u32..)
            .zip(&self.bits[..words])
            .flat_map(move |(w, &bits)| {
                let mut rest = if among.is_empty() {
                    bits
                } else {
                    bits & among.get(w as usize).copied().unwrap_or(0)
                };
                std::iter::from_fn(move || {
                    if rest == 0 {
                        return None;
                    }
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    Some(w * 64 + bit)
                })
            })
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
        let short = interner.id("is");
        let short_missing = interner.id("zz");
        let index = interner.build();
        let present = index.scan("user is over quota".to_string());
        // Short needles are not listed, but answered, the same when asked again.
        for _ in 0..2 {
            assert!(present.has(short));
            assert!(!present.has(short_missing));
            assert!(!present.any(&[short_missing, missing]));
        }
        assert!(present.all(&over));
        assert!(present.has(overlapping));
        assert!(!present.has(missing));
        assert!(present.has(empty));
        assert!(!present.any(&[missing]));
        let mut ids: Vec<u32> = over.iter().copied().chain([overlapping]).collect();
        ids.sort();
        assert_eq!(present.ids().collect::<Vec<_>>(), ids);
        let mut among = vec![0u64; 1];
        among[0] |= 1 << overlapping | 1 << missing;
        assert_eq!(present.ids_among(&among).collect::<Vec<_>>(), [overlapping]);
    }

    /// The index as it was: an Aho-Corasick automaton searched for overlapping matches.
    #[test]
    fn the_index_finds_what_an_automaton_finds() {
        use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
        let mut interner = NeedleInterner::default();
        for rule in super::super::text::TEXT_RULES {
            interner.all(rule.unless);
            for p in rule.patterns {
                interner.pattern(p);
            }
        }
        for r in super::super::receivers::RECEIVERS {
            r.needles(&mut interner);
        }
        interner.all(&[
            "<",
            "ab",
            "a\u{e9}",
            "\u{e9}\u{e9}\u{e9}\u{e9}",
            "abcd",
            "abcdefgh",
            "abcdefghi",
        ]);
        let needles = interner.needles.clone();
        assert!(needles.len() > 500, "{} needles", needles.len());
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::NoncontiguousNFA))
            .build(&needles)
            .expect("built-in needles");
        let index = interner.build();
        let mut texts = crate::bounce::corpus_texts();
        for needle in &needles {
            texts.extend(
                (0..=needle.len())
                    .filter_map(|n| needle.get(..n))
                    .map(str::to_string),
            );
            texts.push(format!("x{needle}{needle}y"));
            // Cut where the words compared end, with text after the cut (a needle's beginning
            // followed by something else, not by the text's end).
            for n in [3, 4, 7, 8, 9, 15, 16, 17, needle.len().saturating_sub(1)] {
                if let Some(cut) = needle.get(..n) {
                    texts.push(format!("{cut}~~~~~~~~~~~~~~~~"));
                }
            }
        }
        // Padding before each needle: the scan takes places 64 at a time, so needles that start
        // just before, on and just after a block's edge (and the text's end right after them).
        for needle in &needles {
            for pad in (0..8).chain(56..72).chain(120..132) {
                let padding = "z".repeat(pad);
                texts.push(format!("{padding}{needle}"));
                texts.push(format!("{padding}{needle}~"));
            }
        }
        texts.push(needles.concat());
        for seed in [
            "550 5.1.1 user unknown; mailbox full",
            "abcdefghi ab<\u{e9}\u{e9}\u{e9}\u{e9}",
        ] {
            texts.extend(crate::bounce::variants(seed));
        }
        let mut found = 0;
        for text in &texts {
            let lower = text.to_ascii_lowercase();
            let mut expected = vec![0u64; needles.len().div_ceil(64)];
            for m in automaton.find_overlapping_iter(&lower) {
                let i = m.pattern().as_usize();
                expected[i / 64] |= 1 << (i % 64);
            }
            let present = index.scan(lower.clone());
            assert_eq!(present.all_bits(), expected, "{lower:?}");
            found += expected
                .iter()
                .map(|w| w.count_ones() as usize)
                .sum::<usize>();
        }
        assert!(found > 50_000, "{found} needles found");
    }

    /// `find` is `str::find` on every needle of the tables, over the corpus and variants.
    #[test]
    fn find_is_str_find() {
        let mut needles: Vec<&str> = vec!["", "a", "\u{e9}", " "];
        for rule in super::super::text::TEXT_RULES {
            needles.extend(rule.unless);
            for p in rule.patterns {
                needles.extend(p.needles());
            }
        }
        let mut all: Vec<String> = crate::bounce::corpus_texts()
            .into_iter()
            .filter(|t| t.len() < 400)
            .map(|t| t.to_ascii_lowercase())
            .collect();
        all.sort();
        all.dedup();
        // Every fourth, so that the test stays quick unoptimised.
        let mut texts: Vec<String> = all.into_iter().step_by(4).collect();
        texts.extend(crate::bounce::variants(
            "user unknown; mailbox full, over quota \u{e9}",
        ));
        let mut found = 0;
        for text in &texts {
            for needle in &needles {
                let expected = text.find(needle);
                assert_eq!(find(text, needle), expected, "{needle:?} in {text:?}");
                found += usize::from(expected.is_some());
            }
        }
        assert!(found > 20_000, "{found} needles found");
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
