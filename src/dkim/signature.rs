//! The DKIM-Signature header field (RFC 6376 §3.5), parsed with exact errors.

use serde::Serialize;

use super::Algorithm;
use super::canon::Canon;
use super::key::{decode_base64, is_valid_dns_name};
use super::tags::{TagError, colon_list, excerpt, is_fws, parse_tag_list};

/// At most this many names in `h=`.
pub const MAX_SIGNED_HEADERS: usize = 128;

/// A parsed DKIM-Signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// `a=`.
    pub algorithm: Algorithm,
    /// `b=`, decoded.
    pub signature: Vec<u8>,
    /// `bh=`, decoded.
    pub body_hash: Vec<u8>,
    /// `c=` header/body canonicalization; `simple/simple` when absent.
    pub header_canon: Canon,
    pub body_canon: Canon,
    /// `d=`, lower-cased.
    pub domain: String,
    /// `h=`, in order, as written.
    pub signed_headers: Vec<String>,
    /// `i=`, when present.
    pub auid: Option<String>,
    /// `l=`; values too large for 64 bits are kept as `u64::MAX`.
    pub body_length: Option<u64>,
    /// `s=`.
    pub selector: String,
    /// `t=`.
    pub timestamp: Option<u64>,
    /// `x=`.
    pub expiration: Option<u64>,
}

/// Why a DKIM-Signature is malformed (a permanent error, RFC 6376 §6.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SignatureError {
    /// The tag list itself is broken.
    #[error("bad tag list: {0}")]
    Tags(TagError),
    /// A required tag (v, a, b, bh, d, h, s) is absent.
    #[error("required tag {tag}= is missing")]
    MissingTag { tag: String },
    /// `v=` is not `1`.
    #[error("v= is {value:?}, not \"1\"")]
    BadVersion { value: String },
    /// `a=` names an algorithm this verifier does not know.
    #[error("unknown algorithm a={value:?}")]
    UnknownAlgorithm { value: String },
    /// `c=` is not `simple` or `relaxed` (optionally `/simple` or `/relaxed`).
    #[error("unknown canonicalization c={value:?}")]
    BadCanonicalization { value: String },
    /// `b=` or `bh=` is not base64.
    #[error("{tag}= is not valid base64")]
    BadBase64 { tag: String },
    /// `t=`, `x=` or `l=` is not a decimal number.
    #[error("{tag}= is not a number: {value:?}")]
    BadNumber { tag: String, value: String },
    /// `q=` names a query method other than `dns/txt`.
    #[error("unknown query method q={value:?}")]
    BadQueryMethod { value: String },
    /// `d=` or `s=` is not a valid DNS name.
    #[error("{tag}= is not a valid domain name: {value:?}")]
    BadName { tag: String, value: String },
    /// RFC 6376 §5.4: "The From header field MUST be signed".
    #[error("h= does not include From")]
    FromNotSigned,
    /// RFC 6376 §3.5 i=: the domain "MUST be the same as, or a subdomain of, the value of the d=
    /// tag".
    #[error("i= {auid:?} is not in d= {domain:?}")]
    AuidOutsideDomain { auid: String, domain: String },
    /// RFC 6376 §3.5 x=: "the value of the "x=" tag MUST be greater than the value of the "t="
    /// tag".
    #[error("x= {expiration} is not after t= {timestamp}")]
    ExpiresBeforeSigned { timestamp: u64, expiration: u64 },
}

/// Reads a decimal number, saturating at `u64::MAX` (an absurd `l=` must not break anything).
fn number(tag: &str, value: &str) -> Result<u64, SignatureError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::BadNumber {
            tag: tag.to_string(),
            value: excerpt(value),
        });
    }
    Ok(value.bytes().fold(0u64, |acc, d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}

impl Signature {
    /// Parses a DKIM-Signature header field's value (after the colon).
    pub fn parse(value: &str) -> Result<Signature, SignatureError> {
        let tags = parse_tag_list(value).map_err(SignatureError::Tags)?;
        let get = |name: &str| {
            tags.iter()
                .find(|t| t.name == name)
                .map(|t| t.value.as_str())
        };
        let required = |name: &str| {
            get(name).ok_or_else(|| SignatureError::MissingTag {
                tag: name.to_string(),
            })
        };
        let version = required("v")?;
        if version != "1" {
            return Err(SignatureError::BadVersion {
                value: excerpt(version),
            });
        }
        let a = required("a")?;
        let algorithm = Algorithm::from_name(a)
            .ok_or_else(|| SignatureError::UnknownAlgorithm { value: excerpt(a) })?;
        let base64 = |name: &str| {
            decode_base64(required(name)?).ok_or_else(|| SignatureError::BadBase64 {
                tag: name.to_string(),
            })
        };
        let signature = base64("b")?;
        let body_hash = base64("bh")?;
        let (header_canon, body_canon) = match get("c") {
            None => (Canon::Simple, Canon::Simple),
            Some(c) => {
                let bad = || SignatureError::BadCanonicalization { value: excerpt(c) };
                let (h, b) = c.split_once('/').unwrap_or((c, "simple"));
                (
                    Canon::from_name(h).ok_or_else(bad)?,
                    Canon::from_name(b).ok_or_else(bad)?,
                )
            }
        };
        let domain = required("d")?.to_ascii_lowercase();
        if !is_valid_dns_name(&domain) {
            return Err(SignatureError::BadName {
                tag: "d".into(),
                value: excerpt(&domain),
            });
        }
        let selector = required("s")?.to_string();
        if !is_valid_dns_name(&selector) {
            return Err(SignatureError::BadName {
                tag: "s".into(),
                value: excerpt(&selector),
            });
        }
        let signed_headers: Vec<String> = colon_list(required("h")?)
            .into_iter()
            .take(MAX_SIGNED_HEADERS)
            .collect();
        if !signed_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case("from"))
        {
            return Err(SignatureError::FromNotSigned);
        }
        if let Some(q) = get("q") {
            // q= is a colon-separated list; dns/txt is the only method defined.
            if !colon_list(q).iter().any(|m| {
                let m: String = m.chars().filter(|c| !is_fws(*c)).collect();
                m.eq_ignore_ascii_case("dns/txt")
            }) {
                return Err(SignatureError::BadQueryMethod { value: excerpt(q) });
            }
        }
        let auid = get("i").map(str::to_string);
        if let Some(auid) = &auid {
            let auid_domain = auid_domain(auid);
            let inside = auid_domain == domain
                || auid_domain
                    .strip_suffix(&domain)
                    .is_some_and(|p| p.ends_with('.'));
            if !inside {
                return Err(SignatureError::AuidOutsideDomain {
                    auid: excerpt(auid),
                    domain,
                });
            }
        }
        let body_length = get("l").map(|v| number("l", v)).transpose()?;
        let timestamp = get("t").map(|v| number("t", v)).transpose()?;
        let expiration = get("x").map(|v| number("x", v)).transpose()?;
        if let (Some(t), Some(x)) = (timestamp, expiration)
            && x <= t
        {
            return Err(SignatureError::ExpiresBeforeSigned {
                timestamp: t,
                expiration: x,
            });
        }
        Ok(Signature {
            algorithm,
            signature,
            body_hash,
            header_canon,
            body_canon,
            domain,
            signed_headers,
            auid,
            body_length,
            selector,
            timestamp,
            expiration,
        })
    }

    /// The domain part of `i=`, lower-cased.
    pub fn auid_domain(&self) -> Option<String> {
        self.auid.as_deref().map(auid_domain)
    }
}

fn auid_domain(auid: &str) -> String {
    auid.rsplit_once('@')
        .map_or(auid, |(_, d)| d)
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// Removes the value of the `b=` tag from a DKIM-Signature field value (RFC 6376 §3.7: "the
/// value of the "b=" tag (including all surrounding whitespace) is deleted").
pub fn strip_b_value(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    for (i, spec) in value.split(|&b| b == b';').enumerate() {
        if i > 0 {
            out.push(b';');
        }
        let eq = spec.iter().position(|&b| b == b'=');
        match eq {
            Some(eq) if spec[..eq].trim_ascii() == b"b" => out.extend_from_slice(&spec[..=eq]),
            _ => out.extend_from_slice(spec),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str =
        "v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; h=from:to; bh=AAAA; b=AAAA";

    #[test]
    fn parses_the_required_tags() {
        let s = Signature::parse(&format!("{BASE}; i=@mail.example.com; l=10; t=5; x=6")).unwrap();
        assert_eq!(s.algorithm, Algorithm::RsaSha256);
        assert_eq!(
            (s.header_canon, s.body_canon),
            (Canon::Relaxed, Canon::Simple)
        );
        assert_eq!(s.domain, "example.com");
        assert_eq!(s.signed_headers, ["from", "to"]);
        assert_eq!(s.auid_domain().as_deref(), Some("mail.example.com"));
        assert_eq!(
            (s.body_length, s.timestamp, s.expiration),
            (Some(10), Some(5), Some(6))
        );
    }

    #[test]
    fn c_relaxed_alone_means_simple_body() {
        let s = Signature::parse(&BASE.replace("relaxed/simple", "relaxed")).unwrap();
        assert_eq!(
            (s.header_canon, s.body_canon),
            (Canon::Relaxed, Canon::Simple)
        );
    }

    #[test]
    fn absurd_numbers_saturate() {
        let s = Signature::parse(&format!("{BASE}; l={}", "9".repeat(500))).unwrap();
        assert_eq!(s.body_length, Some(u64::MAX));
    }

    #[test]
    fn errors_are_exact() {
        let e = |s: &str| Signature::parse(s).unwrap_err();
        assert_eq!(
            e(&BASE.replace("v=1; ", "")),
            SignatureError::MissingTag { tag: "v".into() }
        );
        assert_eq!(
            e(&BASE.replace("v=1", "v=2")),
            SignatureError::BadVersion { value: "2".into() }
        );
        assert_eq!(
            e(&BASE.replace("rsa-sha256", "rsa-md5")),
            SignatureError::UnknownAlgorithm {
                value: "rsa-md5".into()
            }
        );
        assert_eq!(
            e(&BASE.replace("relaxed/simple", "loose")),
            SignatureError::BadCanonicalization {
                value: "loose".into()
            }
        );
        assert_eq!(
            e(&BASE.replace("bh=AAAA", "bh=A*A")),
            SignatureError::BadBase64 { tag: "bh".into() }
        );
        assert_eq!(
            e(&BASE.replace("from:to", "to")),
            SignatureError::FromNotSigned
        );
        assert_eq!(
            e(&format!("{BASE}; l=12a")),
            SignatureError::BadNumber {
                tag: "l".into(),
                value: "12a".into()
            }
        );
        assert_eq!(
            e(&format!("{BASE}; i=joe@example.org")),
            SignatureError::AuidOutsideDomain {
                auid: "joe@example.org".into(),
                domain: "example.com".into()
            }
        );
        assert_eq!(
            e(&format!("{BASE}; i=joe@notexample.com")),
            SignatureError::AuidOutsideDomain {
                auid: "joe@notexample.com".into(),
                domain: "example.com".into()
            }
        );
        assert_eq!(
            e(&format!("{BASE}; t=10; x=9")),
            SignatureError::ExpiresBeforeSigned {
                timestamp: 10,
                expiration: 9
            }
        );
        assert_eq!(
            e(&format!("{BASE}; q=http")),
            SignatureError::BadQueryMethod {
                value: "http".into()
            }
        );
        assert!(matches!(
            e(&BASE.replace("d=example.com", "d=exa mple.com")),
            SignatureError::BadName { .. }
        ));
    }

    #[test]
    fn strips_only_the_b_value() {
        let v = b" v=1; bh=abc; b=sig\r\n more ; d=x";
        assert_eq!(strip_b_value(v), b" v=1; bh=abc; b=; d=x");
        assert_eq!(strip_b_value(b" a=1;\r\n b=xyz\r\n  "), b" a=1;\r\n b=");
    }
}
