//! What to do about a bounce that is not about sender authentication: one row per reason, the
//! usual remedy in a few steps. These need no DNS check, so they carry none.

use crate::classify::Reason;

/// The finding for one reason.
#[derive(Debug, Clone, Copy)]
pub struct Remedy {
    pub reason: Reason,
    /// The stable cause id (`recipient_unknown`, ...).
    pub cause: &'static str,
    pub summary: &'static str,
    pub steps: &'static [&'static str],
}

/// The remedies, by reason. `authfailure` is not here: it is diagnosed from live DNS checks.
pub const REMEDIES: &[Remedy] = &[
    Remedy {
        reason: Reason::UserUnknown,
        cause: "recipient_unknown",
        summary: "The recipient address does not exist at the receiving server.",
        steps: &[
            "Check the address for typos (the domain and the part before @).",
            "Ask the recipient for a working address; remove the address from mailing lists.",
        ],
    },
    Remedy {
        reason: Reason::MailboxFull,
        cause: "recipient_mailbox_full",
        summary: "The recipient's mailbox is over its quota.",
        steps: &[
            "Nothing to change on your side; the recipient must free space.",
            "Retry later, or reach the recipient another way.",
        ],
    },
    Remedy {
        reason: Reason::HostUnknown,
        cause: "recipient_domain_unknown",
        summary: "The recipient's domain does not exist or has no mail server.",
        steps: &["Check the domain part of the recipient address for typos."],
    },
    Remedy {
        reason: Reason::Blocked,
        cause: "sending_ip_blocked",
        summary: "The receiver blocks the sending IP address or host (often a DNS blocklist).",
        steps: &[
            "Look the sending IP up on the blocklist the receiver names (e.g. Spamhaus) and follow its delisting procedure.",
            "Find out why it was listed (a compromised account, an open relay, a spam run) and stop it first.",
            "If you send through a provider, ask them to move you to another IP.",
        ],
    },
    Remedy {
        reason: Reason::BadReputation,
        cause: "sending_reputation",
        summary: "The receiver rates the sending IP or domain's reputation too low.",
        steps: &[
            "Authenticate fully (SPF, DKIM and DMARC aligned).",
            "Lower the volume, remove unengaged and bouncing addresses, and watch complaint rates (e.g. Google Postmaster Tools, Microsoft SNDS).",
        ],
    },
    Remedy {
        reason: Reason::RateLimited,
        cause: "rate_limited",
        summary: "The receiver throttled the sender: too many messages or connections.",
        steps: &[
            "Slow down: fewer connections and messages per minute to this receiver.",
            "Let the queue retry; temporary refusals usually clear by themselves.",
        ],
    },
    Remedy {
        reason: Reason::SpamDetected,
        cause: "content_flagged_spam",
        summary: "The receiver judged the message to be spam.",
        steps: &[
            "Review the content and links (URL shorteners, blocklisted domains) and the list's consent.",
            "Make sure SPF, DKIM and DMARC pass and align.",
        ],
    },
    Remedy {
        reason: Reason::VirusDetected,
        cause: "virus_detected",
        summary: "The receiver found malware in the message or an attachment.",
        steps: &["Scan the sending machine and the attachment; send the file another way."],
    },
    Remedy {
        reason: Reason::EmailTooLarge,
        cause: "message_too_large",
        summary: "The message is larger than the receiver accepts.",
        steps: &["Send large files as a link, or compress them; keep messages under 10-25 MB."],
    },
    Remedy {
        reason: Reason::Expired,
        cause: "delivery_expired",
        summary: "The sending server gave up after retrying for too long.",
        steps: &[
            "Check that the recipient domain's MX hosts are reachable from the sending server.",
            "Look at the earlier temporary errors in the queue log for the real cause.",
        ],
    },
    Remedy {
        reason: Reason::NetworkError,
        cause: "receiver_unreachable",
        summary: "The sending server could not reach the receiver (DNS or network failure).",
        steps: &[
            "Check the recipient domain's MX records and that its servers accept connections.",
        ],
    },
    Remedy {
        reason: Reason::NoRelaying,
        cause: "relay_denied",
        summary: "The server refused to relay: it is not the recipient's mail server, or you did not authenticate.",
        steps: &[
            "Send through your own provider's submission server with SMTP authentication.",
            "If you are the receiver, add the recipient domain to the accepted domains.",
        ],
    },
    Remedy {
        reason: Reason::RequirePtr,
        cause: "reverse_dns_required",
        summary: "The receiver requires reverse DNS (a PTR record that resolves back) for the sending IP.",
        steps: &[
            "Ask the owner of the IP (your hosting or access provider) to set a PTR record to a name of yours.",
            "Make that name resolve (A/AAAA) back to the same IP.",
        ],
    },
    Remedy {
        reason: Reason::Rejected,
        cause: "sender_rejected",
        summary: "The receiver refused the envelope sender address or its domain.",
        steps: &[
            "Check that the sender domain resolves (MX/A and an SOA) and is not on a blocklist.",
            "Check that the sender address is not blocked by the recipient.",
        ],
    },
    Remedy {
        reason: Reason::PolicyViolation,
        cause: "receiver_policy",
        summary: "The receiver's local policy refused the message.",
        steps: &["Read the receiver's text for the policy; ask the recipient's administrator."],
    },
    Remedy {
        reason: Reason::Filtered,
        cause: "recipient_filter",
        summary: "A recipient-side filter or rule refused the message.",
        steps: &["Ask the recipient to allow the sender, or reach them another way."],
    },
    Remedy {
        reason: Reason::ContentError,
        cause: "content_refused",
        summary: "The receiver refused the message's content or headers.",
        steps: &["Check for malformed headers, disallowed attachments or encodings."],
    },
    Remedy {
        reason: Reason::NotCompliantRfc,
        cause: "message_not_rfc_compliant",
        summary: "The message breaks the RFC 5322 rules (e.g. duplicated or missing headers).",
        steps: &[
            "Fix the program that builds the message: one From, one Date, one Message-ID, valid syntax.",
        ],
    },
    Remedy {
        reason: Reason::Suspend,
        cause: "recipient_suspended",
        summary: "The recipient's mailbox is suspended or disabled.",
        steps: &["Reach the recipient another way; remove the address if it stays disabled."],
    },
    Remedy {
        reason: Reason::HasMoved,
        cause: "recipient_moved",
        summary: "The recipient has moved and mail is not forwarded.",
        steps: &["Use the new address the bounce gives, if any."],
    },
    Remedy {
        reason: Reason::NotAccept,
        cause: "domain_accepts_no_mail",
        summary: "The recipient domain accepts no mail (a null MX, or no mail servers).",
        steps: &["Check the recipient address; the domain does not receive email."],
    },
    Remedy {
        reason: Reason::Suppressed,
        cause: "address_suppressed",
        summary: "Your sending service did not send: the address is on its suppression list.",
        steps: &[
            "Remove the address from the service's suppression list only if you know it works again.",
        ],
    },
    Remedy {
        reason: Reason::FailedStartTls,
        cause: "tls_failed",
        summary: "The TLS (STARTTLS) connection between the servers failed or was required.",
        steps: &["Check the certificates and TLS settings (MTA-STS, DANE) on both servers."],
    },
    Remedy {
        reason: Reason::SecurityError,
        cause: "security_refusal",
        summary: "A security or authentication rule refused the message.",
        steps: &["Check SMTP authentication and the sender's SPF, DKIM and DMARC."],
    },
    Remedy {
        reason: Reason::SystemError,
        cause: "receiver_system_error",
        summary: "The receiving system failed.",
        steps: &["Retry later; the problem is at the receiver."],
    },
    Remedy {
        reason: Reason::SystemFull,
        cause: "receiver_out_of_space",
        summary: "The receiving system is out of space.",
        steps: &["Retry later; the problem is at the receiver."],
    },
    Remedy {
        reason: Reason::MailerError,
        cause: "receiver_delivery_program_failed",
        summary: "A delivery program (a filter, a forward) failed at the receiver.",
        steps: &["Tell the recipient's administrator; the error is on their side."],
    },
    Remedy {
        reason: Reason::SyntaxError,
        cause: "smtp_syntax_error",
        summary: "The receiver did not understand an SMTP command.",
        steps: &["Check the sending software's SMTP client; an address may be malformed."],
    },
];

/// The remedy for `reason`, if it has one.
pub fn for_reason(reason: Reason) -> Option<&'static Remedy> {
    REMEDIES.iter().find(|r| r.reason == reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_reason_and_unique_causes() {
        let mut reasons: Vec<Reason> = REMEDIES.iter().map(|r| r.reason).collect();
        reasons.sort();
        reasons.dedup();
        assert_eq!(reasons.len(), REMEDIES.len());
        let mut causes: Vec<&str> = REMEDIES.iter().map(|r| r.cause).collect();
        causes.sort();
        causes.dedup();
        assert_eq!(causes.len(), REMEDIES.len());
        assert!(for_reason(Reason::AuthFailure).is_none());
        assert_eq!(
            for_reason(Reason::UserUnknown).unwrap().cause,
            "recipient_unknown"
        );
    }
}
