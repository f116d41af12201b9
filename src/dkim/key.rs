//! DKIM key records (RFC 6376 §3.6.1) at `<selector>._domainkey.<domain>`: parsing with exact
//! errors, and the check of a record against the signature that wants to use it.
//!
//! ```text
//! key-v-tag = %x76 [FWS] "=" [FWS] %x44.4B.49.4D.31      ; v=DKIM1, first if present
//! key-h-tag = %x68 [FWS] "=" [FWS] key-h-tag-alg *( [FWS] ":" [FWS] key-h-tag-alg )
//! key-k-tag = %x76 [FWS] "=" [FWS] key-k-tag-type          ; rsa (default), ed25519 (RFC 8463)
//! key-p-tag = %x70 [FWS] "=" [ [FWS] base64string ]        ; empty: revoked
//! key-s-tag = %x73 [FWS] "=" [FWS] key-s-tag-type *( [FWS] ":" [FWS] key-s-tag-type )
//! key-t-tag = %x74 [FWS] "=" [FWS] key-t-tag-flag *( [FWS] ":" [FWS] key-t-tag-flag )
//! ```

use base64::Engine;
use rsa::RsaPublicKey;
use rsa::traits::PublicKeyParts;
use serde::Serialize;

use super::tags::{Tag, TagError, colon_list, excerpt, parse_tag_list, strip_fws};
use super::{Algorithm, KeyType};
use crate::dns::{DnsAnswer, Lookup, QType};

/// RFC 8301 §3.2: "Verifiers MUST NOT consider signatures using RSA keys of less than 1024 bits
/// as valid signatures."
pub const MIN_RSA_BITS: usize = 1024;
/// Keys above this size are not parsed (a guard against hostile records; real keys stop at 4096).
pub const MAX_RSA_BITS: usize = 8192;
/// At most this many TXT records at a key name are looked at.
const MAX_RECORDS: usize = 5;

/// A public key ready to verify with.
#[derive(Debug, Clone)]
pub enum PublicKey {
    Rsa(RsaPublicKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl PublicKey {
    /// The key's size in bits (an RSA modulus; 256 for Ed25519).
    pub fn bits(&self) -> usize {
        match self {
            PublicKey::Rsa(k) => k.n().bits(),
            PublicKey::Ed25519(_) => 256,
        }
    }
}

/// A parsed key record. `key` is `None` when `p=` is empty: the key was revoked.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    /// `v=`, when present (always `DKIM1` once parsed).
    pub version: Option<String>,
    /// `h=`: the hash algorithms the key may be used with; `None` allows all.
    pub hashes: Option<Vec<String>>,
    /// `k=`, `rsa` when absent.
    pub key_type: KeyType,
    /// `n=`, notes for humans.
    pub notes: Option<String>,
    /// `s=`: service types, `*` when absent.
    pub services: Vec<String>,
    /// `t=`: flags (`y` testing, `s` strict identity).
    pub flags: Vec<String>,
    pub key: Option<PublicKey>,
}

/// Why a key record is unusable as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyRecordError {
    /// The tag list itself is broken.
    #[error("bad tag list: {0}")]
    Tags(TagError),
    /// `v=` is present with a value other than `DKIM1`.
    #[error("v= is {value:?}, not \"DKIM1\"")]
    BadVersion { value: String },
    /// RFC 6376 §3.6.1: v= "MUST be the first tag in the record".
    #[error("v= is not the first tag")]
    VersionNotFirst,
    /// The required `p=` tag is absent.
    #[error("no p= tag")]
    MissingKey,
    /// `k=` names a key type this verifier does not know (RFC 6376 knows `rsa`, RFC 8463
    /// `ed25519`).
    #[error("unknown key type k={k:?}")]
    UnknownKeyType { k: String },
    /// `p=` is not valid base64.
    #[error("p= is not valid base64")]
    BadBase64,
    /// `p=` decodes, but not to a key of the stated type.
    #[error("p= does not hold a usable {key_type} public key")]
    UnparsableKey { key_type: KeyType },
}

/// Decodes base64 with folding whitespace removed; padding is required, as RFC 2045 has it.
pub(crate) fn decode_base64(value: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(strip_fws(value))
        .ok()
}

fn parse_rsa(der: &[u8]) -> Option<RsaPublicKey> {
    use rsa::pkcs8::der::Decode;
    // Usually a SubjectPublicKeyInfo; some signers publish the bare PKCS#1 RSAPublicKey.
    let pkcs1_bytes = match rsa::pkcs8::SubjectPublicKeyInfoRef::from_der(der) {
        Ok(spki) => {
            if spki.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
                return None;
            }
            spki.subject_public_key.as_bytes()?.to_vec()
        }
        Err(_) => der.to_vec(),
    };
    let pkcs1 = rsa::pkcs1::RsaPublicKey::from_der(&pkcs1_bytes).ok()?;
    let n = rsa::BigUint::from_bytes_be(pkcs1.modulus.as_bytes());
    let e = rsa::BigUint::from_bytes_be(pkcs1.public_exponent.as_bytes());
    RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS).ok()
}

fn tag<'a>(tags: &'a [Tag], name: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.name == name)
        .map(|t| t.value.as_str())
}

impl KeyRecord {
    /// Parses a key record's text (TXT strings already joined).
    pub fn parse(text: &str) -> Result<KeyRecord, KeyRecordError> {
        let tags = parse_tag_list(text).map_err(KeyRecordError::Tags)?;
        let version = tag(&tags, "v").map(str::to_string);
        if let Some(v) = &version {
            // RFC 6376 §3.6.1: "Records beginning with a "v=" tag with any other value MUST be
            // discarded."
            if v != "DKIM1" {
                return Err(KeyRecordError::BadVersion { value: excerpt(v) });
            }
            if tags[0].name != "v" {
                return Err(KeyRecordError::VersionNotFirst);
            }
        }
        let p = tag(&tags, "p").ok_or(KeyRecordError::MissingKey)?;
        let key_type = match tag(&tags, "k") {
            None => KeyType::Rsa,
            Some(k) => KeyType::from_name(k)
                .ok_or_else(|| KeyRecordError::UnknownKeyType { k: excerpt(k) })?,
        };
        let p = strip_fws(p);
        let key = if p.is_empty() {
            None
        } else {
            let der = decode_base64(&p).ok_or(KeyRecordError::BadBase64)?;
            let key = match key_type {
                KeyType::Rsa => parse_rsa(&der).map(PublicKey::Rsa),
                KeyType::Ed25519 => <[u8; 32]>::try_from(der.as_slice())
                    .ok()
                    .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b).ok())
                    .map(PublicKey::Ed25519),
            };
            Some(key.ok_or(KeyRecordError::UnparsableKey { key_type })?)
        };
        Ok(KeyRecord {
            version,
            hashes: tag(&tags, "h").map(colon_list),
            key_type,
            notes: tag(&tags, "n").map(excerpt),
            services: tag(&tags, "s")
                .map(colon_list)
                .unwrap_or_else(|| vec!["*".to_string()]),
            flags: tag(&tags, "t").map(colon_list).unwrap_or_default(),
            key,
        })
    }

    /// `t=y`: "This domain is testing DKIM"; receivers should not treat failures differently.
    pub fn testing(&self) -> bool {
        self.flags.iter().any(|f| f == "y")
    }

    /// `t=s`: the `i=` domain must equal `d=`, not be a subdomain of it.
    pub fn strict(&self) -> bool {
        self.flags.iter().any(|f| f == "s")
    }

    /// Whether `h=` allows a hash algorithm (`sha256`, `sha1`).
    pub fn allows_hash(&self, hash: &str) -> bool {
        self.hashes
            .as_ref()
            .is_none_or(|h| h.iter().any(|x| x.eq_ignore_ascii_case(hash)))
    }

    /// Whether `s=` allows email (`*` or `email`).
    pub fn allows_email(&self) -> bool {
        self.services
            .iter()
            .any(|s| s == "*" || s.eq_ignore_ascii_case("email"))
    }
}

/// What the key check concluded. Every variant but `Usable` makes a signature fail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyOutcome {
    /// A key record was found and fits the signature.
    Usable,
    /// No key record: NXDOMAIN (`nxdomain`) or the name exists with no TXT (or no DKIM) record.
    Missing { nxdomain: bool },
    /// DNS failed (SERVFAIL, timeout, ...): nothing is known, try again later.
    DnsFailure { answer: DnsAnswer },
    /// The selector or domain does not make a valid DNS name.
    BadName,
    /// `p=` is empty: RFC 6376 §3.6.1 "An empty value means that this public key has been
    /// revoked."
    Revoked,
    /// The record cannot be used as written (bad tags, bad `v=`, bad base64, unparsable key).
    Malformed { error: KeyRecordError },
    /// `k=` names a key type nobody knows.
    UnknownKeyType { k: String },
    /// The key is of another type than the signature's algorithm (e.g. `k=ed25519`, a=rsa-sha256).
    KeyTypeMismatch {
        key_type: KeyType,
        algorithm: Algorithm,
    },
    /// An RSA key under 1024 bits (RFC 8301).
    TooShort { bits: usize },
    /// `h=` does not list the signature's hash.
    HashNotAllowed { hash: String, allowed: Vec<String> },
    /// `s=` does not include `email` or `*`.
    ServiceExcluded { services: Vec<String> },
    /// `t=s`, but the signature's `i=` is in a subdomain of `d=`.
    StrictIdentityMismatch { auid_domain: String, domain: String },
}

/// The result of looking up and checking one DKIM key, with the facts a fix needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyCheck {
    /// The DNS name asked: `<selector>._domainkey.<domain>`.
    pub name: String,
    /// The TXT records found there (strings joined), at most a few.
    pub records: Vec<String>,
    pub key_type: Option<KeyType>,
    /// The key's size in bits when it could be parsed.
    pub bits: Option<usize>,
    /// `t=y`: the domain says it is testing DKIM.
    pub testing: bool,
    /// `t=s`.
    pub strict: bool,
    /// `h=`, when present.
    pub hashes: Option<Vec<String>>,
    pub outcome: KeyOutcome,
}

impl KeyCheck {
    /// True when the key can be used.
    pub fn is_usable(&self) -> bool {
        self.outcome == KeyOutcome::Usable
    }
}

/// What the signature that wants a key brings to the check.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyUse<'a> {
    /// The signature's `a=` algorithm.
    pub algorithm: Option<Algorithm>,
    /// The domain part of `i=`, lower-cased.
    pub auid_domain: Option<&'a str>,
}

/// A key record as fetched, before it is checked against a signature; shared between
/// signatures that name the same key.
#[derive(Debug, Clone)]
pub(crate) struct FetchedKey {
    name: String,
    domain: String,
    records: Vec<String>,
    parsed: Result<KeyRecord, KeyOutcome>,
}

/// True when `name` can be asked for in DNS: 1–253 octets, labels 1–63 octets of letters,
/// digits, `-` and `_`.
pub(crate) fn is_valid_dns_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Asks DNS for the key record of `selector` at `domain` and parses it.
pub(crate) async fn fetch_key(lookup: &dyn Lookup, domain: &str, selector: &str) -> FetchedKey {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let name = format!("{selector}._domainkey.{domain}");
    let mut fetched = FetchedKey {
        name: name.clone(),
        domain,
        records: Vec::new(),
        parsed: Err(KeyOutcome::BadName),
    };
    if !is_valid_dns_name(&name) {
        fetched.name = excerpt(&name);
        return fetched;
    }
    let answer = lookup.query(&name, QType::Txt).await;
    let parsed = match &answer {
        DnsAnswer::NxDomain => Err(KeyOutcome::Missing { nxdomain: true }),
        DnsAnswer::NoData => Err(KeyOutcome::Missing { nxdomain: false }),
        a if a.is_failure() => Err(KeyOutcome::DnsFailure { answer: a.clone() }),
        a => {
            fetched.records = a
                .records()
                .iter()
                .filter_map(|r| r.txt_joined())
                .take(MAX_RECORDS)
                .collect();
            // RFC 6376 §3.6.2.2: with several records, a verifier may pick any; the first one
            // that parses is used, else the first one's error is reported.
            let mut first_err = None;
            let mut found = None;
            for text in &fetched.records {
                match KeyRecord::parse(text) {
                    Ok(r) => {
                        found = Some(r);
                        break;
                    }
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
            match (found, first_err) {
                (Some(r), _) => Ok(r),
                (None, Some(KeyRecordError::UnknownKeyType { k })) => {
                    Err(KeyOutcome::UnknownKeyType { k })
                }
                (None, Some(error)) => Err(KeyOutcome::Malformed { error }),
                (None, None) => Err(KeyOutcome::Missing { nxdomain: false }),
            }
        }
    };
    fetched.parsed = parsed;
    fetched
}

impl FetchedKey {
    /// Checks the fetched record against one signature's use of it.
    pub(crate) fn check(&self, usage: KeyUse<'_>) -> (KeyCheck, Option<&PublicKey>) {
        let mut check = KeyCheck {
            name: self.name.clone(),
            records: self.records.clone(),
            key_type: None,
            bits: None,
            testing: false,
            strict: false,
            hashes: None,
            outcome: KeyOutcome::Usable,
        };
        let record = match &self.parsed {
            Ok(r) => r,
            Err(outcome) => {
                check.outcome = outcome.clone();
                return (check, None);
            }
        };
        check.key_type = Some(record.key_type);
        check.bits = record.key.as_ref().map(PublicKey::bits);
        check.testing = record.testing();
        check.strict = record.strict();
        check.hashes = record.hashes.clone();
        check.outcome = self.outcome(record, usage);
        let key = match check.outcome {
            KeyOutcome::Usable => record.key.as_ref(),
            _ => None,
        };
        (check, key)
    }

    fn outcome(&self, record: &KeyRecord, usage: KeyUse<'_>) -> KeyOutcome {
        let Some(key) = &record.key else {
            return KeyOutcome::Revoked;
        };
        if let Some(alg) = usage.algorithm
            && alg.key_type() != record.key_type
        {
            return KeyOutcome::KeyTypeMismatch {
                key_type: record.key_type,
                algorithm: alg,
            };
        }
        if let PublicKey::Rsa(_) = key
            && key.bits() < MIN_RSA_BITS
        {
            return KeyOutcome::TooShort { bits: key.bits() };
        }
        if let Some(alg) = usage.algorithm
            && !record.allows_hash(alg.hash_name())
        {
            return KeyOutcome::HashNotAllowed {
                hash: alg.hash_name().to_string(),
                allowed: record.hashes.clone().unwrap_or_default(),
            };
        }
        if !record.allows_email() {
            return KeyOutcome::ServiceExcluded {
                services: record.services.clone(),
            };
        }
        if let Some(auid_domain) = usage.auid_domain {
            // RFC 6376 §3.6.1 t=s: "the "i=" domain MUST NOT be a subdomain of "d=""
            if record.strict() && !auid_domain.eq_ignore_ascii_case(&self.domain) {
                return KeyOutcome::StrictIdentityMismatch {
                    auid_domain: auid_domain.to_string(),
                    domain: self.domain.clone(),
                };
            }
        }
        KeyOutcome::Usable
    }
}

/// Looks up and checks the key a signature names, without the message: what a bounce that
/// quotes only the DKIM-Signature header allows. `algorithm` is the signature's `a=` if known.
pub async fn check_key(
    lookup: &dyn Lookup,
    domain: &str,
    selector: &str,
    algorithm: Option<&str>,
) -> KeyCheck {
    let fetched = fetch_key(lookup, domain, selector).await;
    let usage = KeyUse {
        algorithm: algorithm.and_then(Algorithm::from_name),
        auid_domain: None,
    };
    fetched.check(usage).0
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_1024: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

    #[test]
    fn parses_a_plain_rsa_record() {
        let r =
            KeyRecord::parse(&format!("v=DKIM1; k=rsa; t=y:s; h=sha256; p={RSA_1024}")).unwrap();
        assert_eq!(r.key_type, KeyType::Rsa);
        assert_eq!(r.key.as_ref().map(PublicKey::bits), Some(1024));
        assert!(r.testing() && r.strict());
        assert!(r.allows_hash("sha256") && !r.allows_hash("sha1"));
        assert!(r.allows_email());
    }

    #[test]
    fn record_errors_are_exact() {
        let cases: Vec<(String, KeyRecordError)> = vec![
            (
                format!("v=DKIM2; p={RSA_1024}"),
                KeyRecordError::BadVersion {
                    value: "DKIM2".into(),
                },
            ),
            (
                format!("k=rsa; v=DKIM1; p={RSA_1024}"),
                KeyRecordError::VersionNotFirst,
            ),
            ("v=DKIM1; k=rsa".into(), KeyRecordError::MissingKey),
            (
                format!("k=dsa; p={RSA_1024}"),
                KeyRecordError::UnknownKeyType { k: "dsa".into() },
            ),
            ("p=!!!notbase64".into(), KeyRecordError::BadBase64),
            (
                "p=AAAA".into(),
                KeyRecordError::UnparsableKey {
                    key_type: KeyType::Rsa,
                },
            ),
            (
                format!("k=ed25519; p={RSA_1024}"),
                KeyRecordError::UnparsableKey {
                    key_type: KeyType::Ed25519,
                },
            ),
            (
                "v=DKIM1; p=x; p=y".into(),
                KeyRecordError::Tags(TagError::Duplicate { name: "p".into() }),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(KeyRecord::parse(&input).err(), Some(expected), "{input}");
        }
    }

    #[test]
    fn empty_p_is_revoked_not_malformed() {
        let r = KeyRecord::parse("v=DKIM1; p=").unwrap();
        assert!(r.key.is_none());
    }

    #[test]
    fn services_restrict_email() {
        let r = KeyRecord::parse(&format!("s=other; p={RSA_1024}")).unwrap();
        assert!(!r.allows_email());
        let r = KeyRecord::parse(&format!("s=email:other; p={RSA_1024}")).unwrap();
        assert!(r.allows_email());
    }

    #[test]
    fn dns_names_are_checked() {
        assert!(is_valid_dns_name("s1._domainkey.example.com"));
        assert!(!is_valid_dns_name("s 1._domainkey.example.com"));
        assert!(!is_valid_dns_name("a..b"));
        assert!(!is_valid_dns_name(&"a".repeat(64)));
    }

    mod lookups {
        use super::*;
        use crate::dkim::testing::{MemLookup, block_on};

        const RSA_512: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANKwK9mm3eeUIPeaV5DMyS7Iq8xHJ9+HPSMVVswysRk+H8gjou8LNcA2z2WcGzNaH8iz19jzPc9nluy7T0GmJT0CAwEAAQ==";
        const NAME: &str = "sel._domainkey.example.com";

        fn outcome(lookup: &MemLookup, alg: Option<&str>) -> KeyCheck {
            block_on(check_key(lookup, "Example.COM.", "sel", alg))
        }

        #[test]
        fn key_outcomes() {
            let ed = "k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
            let cases: Vec<(String, Option<&str>, KeyOutcome)> = vec![
                (
                    format!("v=DKIM1; p={RSA_1024}"),
                    Some("rsa-sha256"),
                    KeyOutcome::Usable,
                ),
                (
                    "v=DKIM1; p=".into(),
                    Some("rsa-sha256"),
                    KeyOutcome::Revoked,
                ),
                (
                    format!("v=DKIM1; p={RSA_512}"),
                    Some("rsa-sha256"),
                    KeyOutcome::TooShort { bits: 512 },
                ),
                (
                    ed.into(),
                    Some("rsa-sha256"),
                    KeyOutcome::KeyTypeMismatch {
                        key_type: KeyType::Ed25519,
                        algorithm: Algorithm::RsaSha256,
                    },
                ),
                (ed.into(), Some("ed25519-sha256"), KeyOutcome::Usable),
                (
                    format!("h=sha1; p={RSA_1024}"),
                    Some("rsa-sha256"),
                    KeyOutcome::HashNotAllowed {
                        hash: "sha256".into(),
                        allowed: vec!["sha1".into()],
                    },
                ),
                (
                    format!("s=other; p={RSA_1024}"),
                    None,
                    KeyOutcome::ServiceExcluded {
                        services: vec!["other".into()],
                    },
                ),
                (
                    format!("k=dsa; p={RSA_1024}"),
                    None,
                    KeyOutcome::UnknownKeyType { k: "dsa".into() },
                ),
                (
                    "v=DKIM1; p=AAAA".into(),
                    None,
                    KeyOutcome::Malformed {
                        error: KeyRecordError::UnparsableKey {
                            key_type: KeyType::Rsa,
                        },
                    },
                ),
            ];
            for (record, alg, expected) in cases {
                let lookup = MemLookup::new().txt(NAME, &record);
                let check = outcome(&lookup, alg);
                assert_eq!(check.outcome, expected, "{record}");
                assert_eq!(check.name, NAME);
            }
        }

        #[test]
        fn testing_flag_and_bits_are_reported() {
            let lookup = MemLookup::new().txt(NAME, &format!("v=DKIM1; t=y; p={RSA_1024}"));
            let check = outcome(&lookup, Some("rsa-sha256"));
            assert!(check.testing && !check.strict);
            assert_eq!(
                (check.bits, check.key_type),
                (Some(1024), Some(KeyType::Rsa))
            );
        }

        #[test]
        fn missing_and_dns_failure_differ() {
            let check = outcome(&MemLookup::new(), None);
            assert_eq!(check.outcome, KeyOutcome::Missing { nxdomain: true });
            let lookup = MemLookup::new().txt("example.com", "v=spf1 -all").answer(
                NAME,
                QType::Txt,
                DnsAnswer::NoData,
            );
            assert_eq!(
                outcome(&lookup, None).outcome,
                KeyOutcome::Missing { nxdomain: false }
            );
            let lookup = MemLookup::new().answer(NAME, QType::Txt, DnsAnswer::ServFail);
            assert_eq!(
                outcome(&lookup, None).outcome,
                KeyOutcome::DnsFailure {
                    answer: DnsAnswer::ServFail
                }
            );
            let check = block_on(check_key(&MemLookup::new(), "example.com", "bad sel", None));
            assert_eq!(check.outcome, KeyOutcome::BadName);
        }

        #[test]
        fn the_first_parsable_of_several_records_is_used() {
            let lookup = MemLookup::new()
                .txt(NAME, "v=DKIM2; p=x")
                .txt(NAME, &format!("v=DKIM1; p={RSA_1024}"));
            assert_eq!(outcome(&lookup, None).outcome, KeyOutcome::Usable);
            assert_eq!(outcome(&lookup, None).records.len(), 2);
        }

        #[test]
        fn strict_keys_refuse_subdomain_identities() {
            let lookup = MemLookup::new().txt(NAME, &format!("t=s; p={RSA_1024}"));
            let fetched = block_on(fetch_key(&lookup, "example.com", "sel"));
            let usage = |auid| KeyUse {
                algorithm: Some(Algorithm::RsaSha256),
                auid_domain: Some(auid),
            };
            assert_eq!(
                fetched.check(usage("example.com")).0.outcome,
                KeyOutcome::Usable
            );
            assert_eq!(
                fetched.check(usage("mail.example.com")).0.outcome,
                KeyOutcome::StrictIdentityMismatch {
                    auid_domain: "mail.example.com".into(),
                    domain: "example.com".into()
                }
            );
        }
    }
}
