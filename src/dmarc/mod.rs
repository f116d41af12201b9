//! DMARC (RFC 7489): finds the policy record of the From domain (falling back to its
//! organizational domain), parses it, and reports whether the SPF-authenticated domain and each
//! DKIM `d=` align with the From domain, since an unaligned pass is the usual cause of a
//! `5.7.26` bounce. "No record", "DNS failed" and "invalid record" stay apart.

pub mod record;

use serde::Serialize;

pub use record::{AlignmentMode, DmarcRecord, DmarcRecordError, Policy};

use crate::dkim::key::is_valid_dns_name;
use crate::dkim::tags::excerpt;
use crate::dns::{DnsAnswer, Lookup, QType};

/// At most this many DKIM domains are checked for alignment.
const MAX_DKIM_DOMAINS: usize = 10;
/// At most this many TXT records at a `_dmarc` name are looked at.
const MAX_RECORDS: usize = 10;

/// The organizational domain (RFC 7489 §3.2) by the Public Suffix List: `mail.example.co.uk`
/// → `example.co.uk`. A name that is itself a public suffix is its own organizational domain.
pub fn organizational_domain(domain: &str) -> String {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    psl::domain_str(&domain).unwrap_or(&domain).to_string()
}

/// Whether two domains are aligned in a mode (RFC 7489 §3.1): identical for strict, the same
/// organizational domain for relaxed.
pub fn aligned(a: &str, b: &str, mode: AlignmentMode) -> bool {
    let a = a.trim_end_matches('.');
    let b = b.trim_end_matches('.');
    match mode {
        AlignmentMode::Strict => a.eq_ignore_ascii_case(b),
        AlignmentMode::Relaxed => {
            a.eq_ignore_ascii_case(b) || organizational_domain(a) == organizational_domain(b)
        }
    }
}

/// How one authenticated identifier relates to the From domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alignment {
    /// The authenticated domain (SPF MAIL FROM / HELO domain, or a DKIM `d=`).
    pub domain: String,
    /// The record's mode (`aspf` / `adkim`), relaxed when there is no record.
    pub mode: AlignmentMode,
    /// Aligned in that mode.
    pub aligned: bool,
    /// Would it align in relaxed mode (to tell "strict mode is the problem").
    pub relaxed_aligned: bool,
}

/// What the policy lookup found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DmarcOutcome {
    /// A valid record at `name`.
    Record { name: String, record: DmarcRecord },
    /// No DMARC record at the From domain nor at its organizational domain.
    NoRecord,
    /// DNS failed asking `name`: nothing is known.
    DnsFailure { name: String, answer: DnsAnswer },
    /// A record at `name` is invalid (or there are several).
    Invalid {
        name: String,
        text: Option<String>,
        error: DmarcRecordError,
    },
    /// The From domain is not a valid DNS name.
    BadDomain,
}

/// The DMARC check of one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DmarcCheck {
    pub from_domain: String,
    pub organizational_domain: String,
    pub outcome: DmarcOutcome,
    /// The policy that applies to the From domain: `sp=` (or `p=`) when the record came from
    /// the organizational domain for a subdomain, else `p=`.
    pub policy: Option<Policy>,
    /// The SPF-authenticated domain's alignment, when one was given.
    pub spf: Option<Alignment>,
    /// One per DKIM `d=` given, in order.
    pub dkim: Vec<Alignment>,
}

impl DmarcCheck {
    /// True when at least one of the given identifiers aligns.
    pub fn any_aligned(&self) -> bool {
        self.spf.iter().chain(&self.dkim).any(|a| a.aligned)
    }

    /// The record, when a valid one was found.
    pub fn record(&self) -> Option<&DmarcRecord> {
        match &self.outcome {
            DmarcOutcome::Record { record, .. } => Some(record),
            _ => None,
        }
    }
}

enum Fetched {
    Found(DmarcOutcome),
    Nothing,
}

async fn fetch(lookup: &dyn Lookup, domain: &str) -> Fetched {
    let name = format!("_dmarc.{domain}");
    let answer = lookup.query(&name, QType::Txt).await;
    if answer.is_failure() {
        return Fetched::Found(DmarcOutcome::DnsFailure { name, answer });
    }
    let texts: Vec<String> = answer
        .records()
        .iter()
        .filter_map(|r| r.txt_joined())
        .take(MAX_RECORDS)
        .collect();
    let candidates: Vec<&String> = texts
        .iter()
        .filter(|t| record::starts_with_version(t))
        .collect();
    let invalid = |text: &str, error| DmarcOutcome::Invalid {
        name: name.clone(),
        text: Some(excerpt(text)),
        error,
    };
    match candidates.as_slice() {
        [one] => Fetched::Found(match DmarcRecord::parse(one) {
            Ok(record) => DmarcOutcome::Record {
                name: name.clone(),
                record,
            },
            Err(error) => invalid(one, error),
        }),
        [] => {
            // Not a candidate by RFC 7489, but clearly meant as one (e.g. `p=reject; v=DMARC1`):
            // say why it is ignored rather than "no record".
            match texts
                .iter()
                .find(|t| t.to_ascii_uppercase().contains("DMARC1"))
            {
                Some(t) => Fetched::Found(invalid(
                    t,
                    DmarcRecord::parse(t)
                        .err()
                        .unwrap_or(DmarcRecordError::VersionNotFirst),
                )),
                None => Fetched::Nothing,
            }
        }
        many => Fetched::Found(DmarcOutcome::Invalid {
            name: name.clone(),
            text: None,
            error: DmarcRecordError::MultipleRecords { count: many.len() },
        }),
    }
}

fn alignment(domain: &str, from: &str, mode: AlignmentMode) -> Alignment {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    Alignment {
        aligned: aligned(&domain, from, mode),
        relaxed_aligned: aligned(&domain, from, AlignmentMode::Relaxed),
        domain,
        mode,
    }
}

/// Checks DMARC for a From domain, with the SPF-authenticated domain (if any) and the DKIM
/// `d=` domains whose alignment is to be reported.
pub async fn check(
    lookup: &dyn Lookup,
    from_domain: &str,
    spf_domain: Option<&str>,
    dkim_domains: &[String],
) -> DmarcCheck {
    let from = from_domain.trim_end_matches('.').to_ascii_lowercase();
    let org = organizational_domain(&from);
    let mut from_org_record = false;
    let outcome = if !is_valid_dns_name(&from) {
        DmarcOutcome::BadDomain
    } else {
        // RFC 7489 §6.6.3: ask the From domain; if no record, ask the organizational domain.
        match fetch(lookup, &from).await {
            Fetched::Found(o) => o,
            Fetched::Nothing if org != from => match fetch(lookup, &org).await {
                Fetched::Found(o) => {
                    from_org_record = true;
                    o
                }
                Fetched::Nothing => DmarcOutcome::NoRecord,
            },
            Fetched::Nothing => DmarcOutcome::NoRecord,
        }
    };
    let (policy, aspf, adkim) = match &outcome {
        DmarcOutcome::Record { record, .. } => (
            Some(if from_org_record {
                record.sp.unwrap_or(record.p)
            } else {
                record.p
            }),
            record.aspf,
            record.adkim,
        ),
        _ => (None, AlignmentMode::Relaxed, AlignmentMode::Relaxed),
    };
    DmarcCheck {
        spf: spf_domain.map(|d| alignment(d, &from, aspf)),
        dkim: dkim_domains
            .iter()
            .take(MAX_DKIM_DOMAINS)
            .map(|d| alignment(d, &from, adkim))
            .collect(),
        from_domain: from,
        organizational_domain: org,
        outcome,
        policy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dkim::testing::{MemLookup, block_on};

    #[test]
    fn organizational_domains_follow_the_psl() {
        let cases = [
            ("a.b.c.example.org", "example.org"),
            ("example.org", "example.org"),
            ("mail.example.co.uk", "example.co.uk"),
            ("example.co.uk", "example.co.uk"),
            ("co.uk", "co.uk"),
            ("Mail.Example.COM.", "example.com"),
        ];
        for (domain, org) in cases {
            assert_eq!(organizational_domain(domain), org, "{domain}");
        }
    }

    #[test]
    fn alignment_modes() {
        use AlignmentMode::{Relaxed, Strict};
        let cases = [
            ("z.example.org", "a.b.c.example.org", Relaxed, true),
            ("z.example.org", "a.b.c.example.org", Strict, false),
            ("example.org", "example.org", Strict, true),
            ("EXAMPLE.org", "example.org.", Strict, true),
            ("example.co.uk", "other.co.uk", Relaxed, false),
            ("mail.example.co.uk", "example.co.uk", Relaxed, true),
            ("example.org", "example.com", Relaxed, false),
            ("example.org", "notexample.org", Relaxed, false),
        ];
        for (a, b, mode, expected) in cases {
            assert_eq!(aligned(a, b, mode), expected, "{a} {b} {mode:?}");
        }
    }

    #[test]
    fn falls_back_to_the_organizational_domain_and_uses_sp() {
        let lookup = MemLookup::new().txt(
            "_dmarc.example.org",
            "v=DMARC1; p=reject; sp=quarantine; adkim=s",
        );
        let c = block_on(check(
            &lookup,
            "news.example.org",
            Some("bounces.example.org"),
            &["example.org".to_string(), "news.example.org".to_string()],
        ));
        assert!(
            matches!(&c.outcome, DmarcOutcome::Record { name, .. } if name == "_dmarc.example.org")
        );
        assert_eq!(c.policy, Some(Policy::Quarantine));
        assert_eq!(c.spf.as_ref().map(|a| a.aligned), Some(true));
        let dkim: Vec<(bool, bool)> = c
            .dkim
            .iter()
            .map(|a| (a.aligned, a.relaxed_aligned))
            .collect();
        assert_eq!(dkim, [(false, true), (true, true)]);

        let c = block_on(check(&lookup, "example.org", None, &[]));
        assert_eq!(c.policy, Some(Policy::Reject));
    }

    #[test]
    fn no_record_dns_failure_and_invalid_differ() {
        let c = block_on(check(
            &MemLookup::new(),
            "example.net",
            Some("example.net"),
            &[],
        ));
        assert_eq!(c.outcome, DmarcOutcome::NoRecord);
        assert_eq!(c.policy, None);
        assert_eq!(c.spf.map(|a| a.mode), Some(AlignmentMode::Relaxed));

        let lookup = MemLookup::new().answer("_dmarc.example.net", QType::Txt, DnsAnswer::Timeout);
        let c = block_on(check(&lookup, "example.net", None, &[]));
        assert!(matches!(c.outcome, DmarcOutcome::DnsFailure { .. }));

        let lookup = MemLookup::new().txt("_dmarc.example.net", "v=DMARC1; p=blocked");
        let c = block_on(check(&lookup, "example.net", None, &[]));
        assert!(matches!(
            c.outcome,
            DmarcOutcome::Invalid {
                error: DmarcRecordError::BadPolicy { .. },
                ..
            }
        ));

        let lookup = MemLookup::new()
            .txt("_dmarc.example.net", "v=DMARC1; p=none")
            .txt("_dmarc.example.net", "v=DMARC1; p=reject")
            .txt("_dmarc.example.net", "some other text");
        let c = block_on(check(&lookup, "example.net", None, &[]));
        assert!(matches!(
            c.outcome,
            DmarcOutcome::Invalid {
                error: DmarcRecordError::MultipleRecords { count: 2 },
                ..
            }
        ));

        let lookup = MemLookup::new().txt("_dmarc.example.net", "p=reject; v=DMARC1");
        let c = block_on(check(&lookup, "example.net", None, &[]));
        assert!(matches!(
            c.outcome,
            DmarcOutcome::Invalid {
                error: DmarcRecordError::VersionNotFirst,
                ..
            }
        ));
    }

    #[test]
    fn a_subdomain_record_wins_over_the_organizational_one() {
        let lookup = MemLookup::new()
            .txt("_dmarc.example.org", "v=DMARC1; p=reject")
            .txt("_dmarc.news.example.org", "v=DMARC1; p=none");
        let c = block_on(check(&lookup, "news.example.org", None, &[]));
        assert_eq!(c.policy, Some(Policy::None));
    }

    #[test]
    fn a_bad_from_domain_is_not_looked_up() {
        let c = block_on(check(&MemLookup::new(), "exa mple..org", None, &[]));
        assert_eq!(c.outcome, DmarcOutcome::BadDomain);
    }
}
