//! The one matching primitive every rule table uses: ASCII-case-insensitive substrings, alone or
//! in order. Deliberately not regular expressions: the tables hold hundreds of needles taken
//! from real replies, and a plain search over attacker-controlled text can neither blow up nor
//! surprise.

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
    fn matched_text_keeps_the_original_case_and_utf8() {
        let original = "Ünknown: USER Unknown here";
        let lower = original.to_ascii_lowercase();
        assert_eq!(
            first_match(&[Pattern::Has("user unknown")], &lower, original),
            Some("USER Unknown")
        );
    }
}
