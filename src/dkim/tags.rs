//! The `tag=value` list shared by DKIM-Signature headers and DKIM key records (RFC 6376 §3.2).
//! DMARC records use the same shape and reuse it.
//!
//! ```text
//! tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
//! tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//! tag-name  =  ALPHA *ALNUMPUNC
//! tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
//! tval      =  1*VALCHAR        ; VALCHAR = %x21-3A / %x3C-7E
//! ```

use serde::Serialize;

/// At most this many tags in one list; real records have a dozen.
pub const MAX_TAGS: usize = 64;

/// One `name=value` pair, the value with its surrounding whitespace removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    pub value: String,
}

/// Why a tag list could not be read; each variant names the offending text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TagError {
    /// A `;`-separated part has no `=`.
    #[error("tag without '=': {spec:?}")]
    MissingEquals { spec: String },
    /// A tag name is empty or has characters other than letters, digits and `_`.
    #[error("invalid tag name {name:?}")]
    BadName { name: String },
    /// A tag value holds a character outside VALCHAR (controls, 8-bit).
    #[error("invalid character in the value of tag {name:?}")]
    BadValue { name: String },
    /// RFC 6376 §3.2: "if a tag name does occur more than once, the entire tag-list is invalid".
    #[error("duplicate tag {name:?}")]
    Duplicate { name: String },
    /// More than [`MAX_TAGS`] tags.
    #[error("more than {MAX_TAGS} tags")]
    TooMany,
}

/// True for folding white space characters (WSP and line breaks of FWS).
pub(crate) fn is_fws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Keeps a value short enough to show in an error.
pub(crate) fn excerpt(s: &str) -> String {
    const MAX: usize = 80;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// Parses a tag list. Tag names are compared case-sensitively, as RFC 6376 §3.2 says; callers
/// that want DMARC's case-insensitivity lower-case first.
pub fn parse_tag_list(input: &str) -> Result<Vec<Tag>, TagError> {
    let mut tags: Vec<Tag> = Vec::new();
    let parts: Vec<&str> = input.split(';').collect();
    let last = parts.len() - 1;
    for (i, spec) in parts.into_iter().enumerate() {
        // A trailing ";" (or only whitespace after it) is allowed.
        if spec.trim_matches(is_fws).is_empty() && (i == last || i == 0 && last == 0) {
            continue;
        }
        if tags.len() >= MAX_TAGS {
            return Err(TagError::TooMany);
        }
        let Some((name, value)) = spec.split_once('=') else {
            return Err(TagError::MissingEquals {
                spec: excerpt(spec.trim_matches(is_fws)),
            });
        };
        let name = name.trim_matches(is_fws);
        let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            return Err(TagError::BadName {
                name: excerpt(name),
            });
        }
        let value = value.trim_matches(is_fws);
        if value
            .chars()
            .any(|c| !(is_fws(c) || ('\x21'..='\x7e').contains(&c)))
        {
            return Err(TagError::BadValue {
                name: name.to_string(),
            });
        }
        if tags.iter().any(|t| t.name == name) {
            return Err(TagError::Duplicate {
                name: name.to_string(),
            });
        }
        tags.push(Tag {
            name: name.to_string(),
            value: value.to_string(),
        });
    }
    Ok(tags)
}

/// Removes all folding white space (for base64 values, which may be folded anywhere).
pub(crate) fn strip_fws(s: &str) -> String {
    s.chars().filter(|c| !is_fws(*c)).collect()
}

/// Splits a colon-separated list (`h=`, `s=`, `t=`), trimming whitespace, dropping empty items.
pub(crate) fn colon_list(s: &str) -> Vec<String> {
    s.split(':')
        .map(|x| x.trim_matches(is_fws))
        .filter(|x| !x.is_empty())
        .take(MAX_TAGS)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_folding_and_trailing_semicolon() {
        let tags = parse_tag_list("v=1; a=rsa-sha256;\r\n\t d = example.com ;").unwrap();
        let pairs: Vec<(&str, &str)> = tags
            .iter()
            .map(|t| (t.name.as_str(), t.value.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("v", "1"), ("a", "rsa-sha256"), ("d", "example.com")]
        );
    }

    #[test]
    fn errors_name_the_offending_text() {
        let cases: &[(&str, TagError)] = &[
            (
                "v=1; bogus; d=x",
                TagError::MissingEquals {
                    spec: "bogus".into(),
                },
            ),
            ("v=1; 9a=x", TagError::BadName { name: "9a".into() }),
            ("v=1; =x", TagError::BadName { name: "".into() }),
            ("d=a; d=b", TagError::Duplicate { name: "d".into() }),
            ("d=a\u{7}b", TagError::BadValue { name: "d".into() }),
            ("v=1;; d=x", TagError::MissingEquals { spec: "".into() }),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_tag_list(input).as_ref(), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn bounds_the_number_of_tags() {
        let many: String = (0..100).map(|i| format!("t{i}=x;")).collect();
        assert_eq!(parse_tag_list(&many), Err(TagError::TooMany));
    }

    #[test]
    fn empty_input_is_an_empty_list() {
        assert_eq!(parse_tag_list(""), Ok(vec![]));
        assert_eq!(parse_tag_list("  "), Ok(vec![]));
    }
}
