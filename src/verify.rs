//! The verify stage: every SPF record a finding proposes is put in the DNS overlay and the
//! evaluation is run again for the same IP and identity, so a fix is offered only with proof
//! that it works (and that it stays within the 10-lookup limit). A proposed DMARC record is
//! put in the overlay the same way and the DMARC check run again: it must find a valid record.

use std::net::IpAddr;

use crate::check::Subject;
use crate::diagnose::{Finding, Verification};
use crate::dmarc::{self, DmarcOutcome};
use crate::dns::{Overlay, Resolver};
use crate::spf::{self, CheckHost, EvalOptions, SpfResult};

/// Verifies every finding whose fix is an SPF record.
pub async fn verify(resolver: &Resolver, subject: &Subject, findings: &mut [Finding]) {
    for finding in findings.iter_mut() {
        let Some(fix) = &finding.fix else { continue };
        let (Some(name), Some(value)) = (&fix.name, &fix.value) else {
            continue;
        };
        if value.starts_with("v=DMARC1") {
            finding.verified = Some(verify_dmarc(resolver, name, value).await);
            continue;
        }
        if !value.to_ascii_lowercase().starts_with("v=spf1") {
            continue;
        }
        let mut overlay = Overlay::new();
        if overlay
            .add_assumption(&format!("{name} TXT \"{value}\""))
            .is_err()
        {
            finding.verified = Some(false);
            continue;
        }
        let fixed = resolver.with_overlay(&overlay);
        let lint = spf::lint_domain(&fixed, name).await;
        let within_limit = lint.lookups <= lint.lookup_limit;
        match subject.ip {
            Some(ip) => {
                let outcome = spf::check_host(
                    &fixed,
                    &check_for(subject, name, ip),
                    &EvalOptions::default(),
                )
                .await;
                finding.verified = Some(outcome.result == SpfResult::Pass && within_limit);
                finding.verification = Some(Verification {
                    result: outcome.result,
                    lookups: lint.lookups,
                    lookup_limit: lint.lookup_limit,
                });
            }
            None => finding.verified = Some(lint.is_ok()),
        }
        if !within_limit {
            finding.summary.push_str(&format!(
                " The fixed record needs {}/{} DNS lookups: remove includes you no longer use first.",
                lint.lookups, lint.lookup_limit
            ));
        }
    }
}

/// Whether the DMARC check of the domain finds a valid record with `value` published at `name`
/// (`_dmarc.<domain>`).
async fn verify_dmarc(resolver: &Resolver, name: &str, value: &str) -> bool {
    let Some(domain) = name.strip_prefix("_dmarc.") else {
        return false;
    };
    let mut overlay = Overlay::new();
    if overlay
        .add_assumption(&format!("{name} TXT \"{value}\""))
        .is_err()
    {
        return false;
    }
    let fixed = resolver.with_overlay(&overlay);
    let check = dmarc::check(&fixed, domain, None, &[]).await;
    matches!(check.outcome, DmarcOutcome::Record { .. })
}

fn check_for(subject: &Subject, domain: &str, ip: IpAddr) -> CheckHost {
    let sender = match (&subject.mail_from, &subject.domain) {
        (Some(address), Some(d)) if d == domain => address.clone(),
        _ => format!("postmaster@{domain}"),
    };
    CheckHost {
        ip,
        domain: domain.to_string(),
        sender,
        helo: subject.helo.clone().unwrap_or_default(),
    }
}
