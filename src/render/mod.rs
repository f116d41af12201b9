//! The render stage, the only one that writes for the user: a text report for a person and a
//! JSON object for programs, both walking the same [`Report`].

use serde::Serialize;

use crate::bounce::Bounce;
use crate::classify::Classification;

/// Everything the pipeline found for one input.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The input's name (a file name, or `-` for stdin).
    pub input: String,
    pub bounce: Bounce,
    /// One per recipient of `bounce`, in the same order.
    pub classifications: Vec<Classification>,
    /// The live DNS checks, when they ran.
    pub checks: Option<crate::check::Checks>,
    /// What is wrong and how to fix it, the headline first.
    pub findings: Vec<crate::diagnose::Finding>,
}

pub mod auth;
pub mod json;
pub mod spf;
pub mod text;

/// Makes untrusted text (bounce text, DNS data) safe to print on a terminal: control characters
/// (C0, DEL, C1: escape sequences could rewrite the screen) and bidirectional overrides (which
/// can make text read differently from what it is) become `?`; line breaks and tabs become
/// spaces.
pub fn sanitize(text: &str) -> String {
    sanitized(text).into_owned()
}

/// [`sanitize`] without a copy of text that is safe as it is.
pub(crate) fn sanitized(text: &str) -> std::borrow::Cow<'_, str> {
    // Most text is printable ASCII and is kept as it is; checked without stopping early, so
    // that the check runs many bytes at a time.
    let unusual = text
        .bytes()
        .fold(false, |acc, b| acc | !(0x20..0x7f).contains(&b));
    if unusual {
        sanitize_chars(text).into()
    } else {
        text.into()
    }
}

/// [`sanitize`] character by character.
fn sanitize_chars(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '?',
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => '?',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn control_characters_are_neutralised() {
        assert_eq!(sanitize("a\u{1b}[2Jb\u{9b}c\u{202e}d\ne"), "a?[2Jb?c?d e");
        assert_eq!(sanitize("plain ünïcode"), "plain ünïcode");
    }

    /// The printable-ASCII shortcut keeps what the character-by-character reading keeps.
    #[test]
    fn shortcut_agrees_with_the_character_reading() {
        let mut texts: Vec<String> = crate::bounce::corpus_emails()
            .into_iter()
            .flat_map(|bytes| {
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        for c in [
            '\u{0}', '\u{1f}', ' ', '~', '\u{7f}', '\u{80}', '\u{9b}', 'é', '\u{202e}',
        ] {
            texts.push(format!("a{c}b"));
            texts.push(c.to_string());
        }
        for text in &texts {
            assert_eq!(sanitize(text), super::sanitize_chars(text), "{text:?}");
        }
        assert!(texts.len() > 10_000, "{} texts", texts.len());
    }
}
