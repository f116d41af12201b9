//! The DMARC policy record (RFC 7489 §6.3, §6.4), parsed with exact errors.
//!
//! ```text
//! dmarc-record = dmarc-version dmarc-sep [dmarc-request] [dmarc-sep dmarc-srequest]
//!                [dmarc-sep dmarc-auri] [dmarc-sep dmarc-furi] [dmarc-sep dmarc-adkim]
//!                [dmarc-sep dmarc-aspf] [dmarc-sep dmarc-ainterval] [dmarc-sep dmarc-fo]
//!                [dmarc-sep dmarc-rfmt] [dmarc-sep dmarc-percent] [dmarc-sep]
//! dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41 %x52 %x43 %x31   ; "DMARC1", first
//! dmarc-request = "p" *WSP "=" *WSP ( "none" / "quarantine" / "reject" )
//! dmarc-adkim   = "adkim" *WSP "=" *WSP ( "r" / "s" )
//! dmarc-percent = "pct" *WSP "=" *WSP 1*3DIGIT                         ; 0-100
//! ```

use serde::Serialize;

use crate::dkim::tags::{TagError, excerpt, parse_tag_list};

/// At most this many URIs are kept from `rua=` / `ruf=`.
const MAX_URIS: usize = 20;

/// A requested policy (`p=`, `sp=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    None,
    Quarantine,
    Reject,
}

impl Policy {
    fn from_name(s: &str) -> Option<Policy> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Some(Policy::None),
            "quarantine" => Some(Policy::Quarantine),
            "reject" => Some(Policy::Reject),
            _ => None,
        }
    }
}

/// An identifier alignment mode (`adkim=`, `aspf=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlignmentMode {
    /// `r`: the same organizational domain is enough.
    Relaxed,
    /// `s`: the domains must be identical.
    Strict,
}

/// A parsed DMARC record; tag fields carry RFC 7489's names and its defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DmarcRecord {
    pub p: Policy,
    /// `sp=`; `p` applies to subdomains when absent.
    pub sp: Option<Policy>,
    /// `pct=`, 100 when absent.
    pub pct: u8,
    pub adkim: AlignmentMode,
    pub aspf: AlignmentMode,
    pub rua: Vec<String>,
    pub ruf: Vec<String>,
    /// `fo=` options, `["0"]` when absent.
    pub fo: Vec<String>,
    /// `rf=`, `["afrf"]` when absent.
    pub rf: Vec<String>,
    /// `ri=` seconds, 86400 when absent.
    pub ri: u32,
    /// Tags RFC 7489 does not define; tolerated ("MUST be ignored"), listed for a lint.
    pub unknown_tags: Vec<String>,
}

/// Why a DMARC record is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DmarcRecordError {
    /// The tag list itself is broken.
    #[error("bad tag list: {0}")]
    Tags(TagError),
    /// The record does not start with `v=DMARC1`.
    #[error("the record does not start with v=DMARC1")]
    VersionNotFirst,
    /// `v=` has another value than `DMARC1`.
    #[error("v= is {value:?}, not \"DMARC1\"")]
    BadVersion { value: String },
    /// The required `p=` tag is absent.
    #[error("no p= tag")]
    MissingPolicy,
    /// `p=` or `sp=` is not none, quarantine or reject.
    #[error("{tag}= is {value:?}, not none, quarantine or reject")]
    BadPolicy { tag: String, value: String },
    /// `adkim=` or `aspf=` is not r or s.
    #[error("{tag}= is {value:?}, not r or s")]
    BadAlignment { tag: String, value: String },
    /// `pct=` is not a number from 0 to 100.
    #[error("pct= is {value:?}, not 0-100")]
    BadPercent { value: String },
    /// `ri=` is not a number of seconds.
    #[error("ri= is {value:?}, not a number")]
    BadInterval { value: String },
    /// Several DMARC records at one name (RFC 7489 §6.6.3: then no DMARC processing applies).
    #[error("{count} DMARC records at one name")]
    MultipleRecords { count: usize },
}

/// The tag names RFC 7489 defines.
const KNOWN_TAGS: &[&str] = &[
    "v", "p", "sp", "pct", "adkim", "aspf", "rua", "ruf", "fo", "rf", "ri",
];

fn list(value: &str, sep: char) -> Vec<String> {
    value
        .split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(MAX_URIS)
        .map(str::to_string)
        .collect()
}

impl DmarcRecord {
    /// Parses a record's text (TXT strings already joined). Tag names are matched
    /// case-insensitively; `DMARC1` must be written as such.
    pub fn parse(text: &str) -> Result<DmarcRecord, DmarcRecordError> {
        let mut tags = parse_tag_list(text).map_err(DmarcRecordError::Tags)?;
        for t in &mut tags {
            t.name.make_ascii_lowercase();
        }
        // Lower-casing may have made two names equal ("P=" and "p=").
        for (i, t) in tags.iter().enumerate() {
            if tags[..i].iter().any(|u| u.name == t.name) {
                return Err(DmarcRecordError::Tags(TagError::Duplicate {
                    name: t.name.clone(),
                }));
            }
        }
        // RFC 7489 §6.3: "v: ... MUST be the first tag in the record."
        match tags.first() {
            Some(t) if t.name == "v" => {
                if t.value != "DMARC1" {
                    return Err(DmarcRecordError::BadVersion {
                        value: excerpt(&t.value),
                    });
                }
            }
            _ => return Err(DmarcRecordError::VersionNotFirst),
        }
        let get = |n: &str| tags.iter().find(|t| t.name == n).map(|t| t.value.as_str());
        let policy = |tag: &str, value: &str| {
            Policy::from_name(value).ok_or_else(|| DmarcRecordError::BadPolicy {
                tag: tag.to_string(),
                value: excerpt(value),
            })
        };
        let alignment = |tag: &str| match get(tag).map(str::to_ascii_lowercase).as_deref() {
            None | Some("r") => Ok(AlignmentMode::Relaxed),
            Some("s") => Ok(AlignmentMode::Strict),
            Some(v) => Err(DmarcRecordError::BadAlignment {
                tag: tag.to_string(),
                value: excerpt(v),
            }),
        };
        let p = policy("p", get("p").ok_or(DmarcRecordError::MissingPolicy)?)?;
        let sp = get("sp").map(|v| policy("sp", v)).transpose()?;
        let pct = match get("pct") {
            None => 100,
            Some(v) => v
                .parse::<u8>()
                .ok()
                .filter(|&n| n <= 100 && v.len() <= 3)
                .ok_or_else(|| DmarcRecordError::BadPercent { value: excerpt(v) })?,
        };
        let ri = match get("ri") {
            None => 86400,
            Some(v) => v
                .parse::<u32>()
                .map_err(|_| DmarcRecordError::BadInterval { value: excerpt(v) })?,
        };
        Ok(DmarcRecord {
            p,
            sp,
            pct,
            adkim: alignment("adkim")?,
            aspf: alignment("aspf")?,
            rua: get("rua").map(|v| list(v, ',')).unwrap_or_default(),
            ruf: get("ruf").map(|v| list(v, ',')).unwrap_or_default(),
            fo: get("fo")
                .map(|v| list(v, ':'))
                .unwrap_or_else(|| vec!["0".to_string()]),
            rf: get("rf")
                .map(|v| list(v, ':'))
                .unwrap_or_else(|| vec!["afrf".to_string()]),
            ri,
            unknown_tags: tags
                .iter()
                .filter(|t| !KNOWN_TAGS.contains(&t.name.as_str()))
                .map(|t| t.name.clone())
                .collect(),
        })
    }
}

/// True when a TXT record is a DMARC record candidate: it starts with `v=DMARC1` (RFC 7489
/// §6.6.3: "Records that do not start with a "v=" tag that identifies the current version of
/// DMARC are discarded").
impl DmarcRecordError {
    /// Where in the record `text` the error is: the 1-based character column of the offending
    /// tag (its value for a bad value), so a report can point at it. `None` when the error is
    /// about the record as a whole (no `p=`, several records) or cannot be located.
    pub fn position(&self, text: &str) -> Option<usize> {
        use TagError as T;
        // (tag name, which occurrence, point at the value rather than the name)
        let (name, nth, at_value): (&str, usize, bool) = match self {
            DmarcRecordError::Tags(T::MissingEquals { spec }) => {
                return specs(text)
                    .find(|(_, s)| s.trim() == spec.trim_end_matches("..."))
                    .or_else(|| {
                        specs(text)
                            .find(|(_, s)| s.trim().starts_with(spec.trim_end_matches("...")))
                    })
                    .map(|(at, s)| column(text, at + leading_ws(s)));
            }
            DmarcRecordError::Tags(T::BadName { name }) => (name, 0, false),
            DmarcRecordError::Tags(T::BadValue { name }) => (name, 0, true),
            DmarcRecordError::Tags(T::Duplicate { name }) => (name, 1, false),
            DmarcRecordError::Tags(T::TooMany) => return None,
            DmarcRecordError::VersionNotFirst => {
                return specs(text)
                    .find(|(_, s)| !s.trim().is_empty())
                    .map(|(at, s)| column(text, at + leading_ws(s)));
            }
            DmarcRecordError::BadVersion { .. } => ("v", 0, true),
            DmarcRecordError::BadPolicy { tag, .. }
            | DmarcRecordError::BadAlignment { tag, .. } => (tag, 0, true),
            DmarcRecordError::BadPercent { .. } => ("pct", 0, true),
            DmarcRecordError::BadInterval { .. } => ("ri", 0, true),
            DmarcRecordError::MissingPolicy | DmarcRecordError::MultipleRecords { .. } => {
                return None;
            }
        };
        let (at, spec) = specs(text)
            .filter(|(_, s)| {
                s.split_once('=')
                    .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            })
            .nth(nth)?;
        let offset = match (at_value, spec.split_once('=')) {
            (true, Some((n, v))) => n.len() + 1 + leading_ws(v),
            _ => leading_ws(spec),
        };
        Some(column(text, at + offset))
    }
}

/// The `;`-separated parts of a record with their byte offsets (bounded by the text's length).
fn specs(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(';').scan(0, |at, spec| {
        let start = *at;
        *at += spec.len() + 1;
        Some((start, spec))
    })
}

fn leading_ws(s: &str) -> usize {
    s.len() - s.trim_start().len()
}

/// The 1-based character column of a byte offset.
fn column(text: &str, byte: usize) -> usize {
    text.char_indices().take_while(|(i, _)| *i < byte).count() + 1
}

pub(crate) fn starts_with_version(text: &str) -> bool {
    let t = text.trim_start();
    t.strip_prefix('v')
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('='))
        .map(str::trim_start)
        .is_some_and(|r| {
            r.strip_prefix("DMARC1")
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([';', ' ', '\t']))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_defaults() {
        let r = DmarcRecord::parse("v=DMARC1; p=reject").unwrap();
        assert_eq!(r.p, Policy::Reject);
        assert_eq!(r.sp, None);
        assert_eq!(r.pct, 100);
        assert_eq!(
            (r.adkim, r.aspf),
            (AlignmentMode::Relaxed, AlignmentMode::Relaxed)
        );
        assert_eq!(r.fo, ["0"]);
        assert_eq!(r.ri, 86400);
    }

    #[test]
    fn parses_every_tag() {
        let r = DmarcRecord::parse(
            "v=DMARC1; p=quarantine; sp=none; pct=25; adkim=s; aspf=r; \
             rua=mailto:a@example.com,mailto:b@example.net; ruf=mailto:f@example.com; \
             fo=1:d; rf=afrf; ri=3600; np=reject",
        )
        .unwrap();
        assert_eq!((r.p, r.sp), (Policy::Quarantine, Some(Policy::None)));
        assert_eq!(r.pct, 25);
        assert_eq!(r.adkim, AlignmentMode::Strict);
        assert_eq!(r.rua, ["mailto:a@example.com", "mailto:b@example.net"]);
        assert_eq!(r.fo, ["1", "d"]);
        assert_eq!(r.ri, 3600);
        assert_eq!(r.unknown_tags, ["np"]);
    }

    #[test]
    fn errors_are_exact() {
        let cases: &[(&str, DmarcRecordError)] = &[
            ("p=reject; v=DMARC1", DmarcRecordError::VersionNotFirst),
            (
                "v=DMARC2; p=reject",
                DmarcRecordError::BadVersion {
                    value: "DMARC2".into(),
                },
            ),
            ("v=DMARC1; rua=mailto:a@b", DmarcRecordError::MissingPolicy),
            (
                "v=DMARC1; p=block",
                DmarcRecordError::BadPolicy {
                    tag: "p".into(),
                    value: "block".into(),
                },
            ),
            (
                "v=DMARC1; p=none; sp=all",
                DmarcRecordError::BadPolicy {
                    tag: "sp".into(),
                    value: "all".into(),
                },
            ),
            (
                "v=DMARC1; p=none; pct=101",
                DmarcRecordError::BadPercent {
                    value: "101".into(),
                },
            ),
            (
                "v=DMARC1; p=none; pct=-1",
                DmarcRecordError::BadPercent { value: "-1".into() },
            ),
            (
                "v=DMARC1; p=none; adkim=x",
                DmarcRecordError::BadAlignment {
                    tag: "adkim".into(),
                    value: "x".into(),
                },
            ),
            (
                "v=DMARC1; p=none; ri=soon",
                DmarcRecordError::BadInterval {
                    value: "soon".into(),
                },
            ),
            (
                "v=DMARC1; p=none; P=reject",
                DmarcRecordError::Tags(TagError::Duplicate { name: "p".into() }),
            ),
            (
                "v=DMARC1; p=none; junk",
                DmarcRecordError::Tags(TagError::MissingEquals {
                    spec: "junk".into(),
                }),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(DmarcRecord::parse(input).as_ref(), Err(expected), "{input}");
        }
    }

    #[test]
    fn candidates_start_with_the_version() {
        assert!(starts_with_version("v=DMARC1; p=none"));
        assert!(starts_with_version(" v = DMARC1;p=none"));
        assert!(starts_with_version("v=DMARC1"));
        assert!(!starts_with_version("v=DMARC10; p=none"));
        assert!(!starts_with_version("v=spf1 -all"));
        assert!(!starts_with_version("p=none; v=DMARC1"));
    }

    #[test]
    fn errors_point_at_their_position() {
        let cases = [
            ("v=DMARC1; p=blocked", Some(13)),
            ("v=DMARC1; p=none; adkim=x", Some(25)),
            ("v=DMARC1; p=none;  pct=200", Some(24)),
            ("v=DMARC2; p=none", Some(3)),
            ("p=reject; v=DMARC1", Some(1)),
            ("v=DMARC1; p=none; p=reject", Some(19)),
            ("v=DMARC1; p=none; junk", Some(19)),
            ("v=DMARC1; rua=mailto:a@example.com", None),
        ];
        for (text, expected) in cases {
            let error = DmarcRecord::parse(text).expect_err(text);
            assert_eq!(error.position(text), expected, "{text}: {error}");
        }
    }
}
