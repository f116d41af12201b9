//! DKIM checks (RFC 6376, RFC 8463, RFC 8301): the key record a signature names, and, when the
//! bounce returned the whole original message, the signature itself. Each result is a plain
//! value that tells apart the causes a fix depends on: a missing or revoked key, a key the
//! signature cannot use, a body changed in transit, an expired signature, a DNS failure.
//!
//! Modules: [`tags`] (the tag=value grammar), [`key`] (key records), [`signature`]
//! (DKIM-Signature), [`canon`] (canonicalization), [`verify`] (putting them together).

pub mod canon;
pub mod key;
pub mod signature;
pub mod tags;
pub mod verify;

use serde::Serialize;

pub use key::{KeyCheck, KeyOutcome, KeyRecord, KeyRecordError, check_key};
pub use signature::{Signature, SignatureError};
pub use verify::{DkimResult, DkimVerification, SignatureCheck, SignatureNote, verify_message};

use crate::bounce::Bounce;
use crate::dns::Lookup;

/// A signing algorithm (`a=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Algorithm {
    /// `rsa-sha256`, the common case.
    #[serde(rename = "rsa-sha256")]
    RsaSha256,
    /// `rsa-sha1`: verified, but RFC 8301 §3.1 says it "MUST NOT be used for signing or
    /// verifying", so a pass is flagged as weak.
    #[serde(rename = "rsa-sha1")]
    RsaSha1,
    /// `ed25519-sha256` (RFC 8463).
    #[serde(rename = "ed25519-sha256")]
    Ed25519Sha256,
}

/// Algorithms by their `a=` name.
const ALGORITHMS: &[(&str, Algorithm)] = &[
    ("rsa-sha256", Algorithm::RsaSha256),
    ("rsa-sha1", Algorithm::RsaSha1),
    ("ed25519-sha256", Algorithm::Ed25519Sha256),
];

impl Algorithm {
    /// Parses an `a=` value (case-insensitively).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        ALGORITHMS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map(|&(_, a)| a)
    }

    /// The `a=` name.
    pub fn name(self) -> &'static str {
        ALGORITHMS
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(n, _)| n)
    }

    /// The key type (`k=`) the algorithm needs.
    pub fn key_type(self) -> KeyType {
        match self {
            Algorithm::RsaSha256 | Algorithm::RsaSha1 => KeyType::Rsa,
            Algorithm::Ed25519Sha256 => KeyType::Ed25519,
        }
    }

    /// The hash's name as key records' `h=` spells it.
    pub fn hash_name(self) -> &'static str {
        match self {
            Algorithm::RsaSha1 => "sha1",
            Algorithm::RsaSha256 | Algorithm::Ed25519Sha256 => "sha256",
        }
    }
}

/// A key type (`k=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    Rsa,
    Ed25519,
}

impl KeyType {
    /// Parses a `k=` value.
    pub fn from_name(name: &str) -> Option<KeyType> {
        match name.to_ascii_lowercase().as_str() {
            "rsa" => Some(KeyType::Rsa),
            "ed25519" => Some(KeyType::Ed25519),
            _ => None,
        }
    }
}

impl std::fmt::Display for KeyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyType::Rsa => "rsa",
            KeyType::Ed25519 => "ed25519",
        })
    }
}

/// At most this many signatures' keys are checked when only their tags are known.
const MAX_KEY_CHECKS: usize = 10;

/// Everything DKIM the checks learned about one bounce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkimCheck {
    /// One per DKIM-Signature the bounce quoted, when the message did not come back whole: only
    /// the key records can be checked then.
    pub keys: Vec<KeyCheck>,
    /// The verification of every signature, when the original message came back whole.
    pub verification: Option<DkimVerification>,
}

/// Checks DKIM for a bounce: verifies the returned message's signatures when it came back
/// whole, otherwise checks the keys of the signatures it names. `now` is the Unix time that
/// `x=` expiry is judged against.
pub async fn check(lookup: &dyn Lookup, bounce: &Bounce, now: u64) -> DkimCheck {
    if let Some(message) = &bounce.returned_message {
        let verification = verify_message(lookup, message, now).await;
        if !verification.signatures.is_empty() {
            return DkimCheck {
                keys: Vec::new(),
                verification: Some(verification),
            };
        }
    }
    let mut keys = Vec::new();
    for sig in bounce.dkim_signatures.iter().take(MAX_KEY_CHECKS) {
        keys.push(check_key(lookup, &sig.domain, &sig.selector, sig.algorithm.as_deref()).await);
    }
    DkimCheck {
        keys,
        verification: None,
    }
}

#[cfg(test)]
pub(crate) mod testing;
