//! Receiver tables: what a given mail provider means by its replies. Consulted before the
//! generic text rules and the status table, because providers reuse codes with their own
//! meanings (Gmail's 5.7.27 is SPF, not RFC 7505's null MX; GoDaddy puts an SPF failure under
//! 5.1.0 and a rate limit under 5.1.1). A receiver is recognised by the remote MTA's host name
//! or by a marker in its text; each rule sits under the text it was written for.

use super::pattern::Pattern::{self, Has};
use super::pattern::{NeedleInterner, Present, SCANNED};
use super::status::StatusCode;
use super::{AuthCheck, Reason};

/// A range of enhanced status codes: `class` 0 means 4 or 5.
#[derive(Debug, Clone, Copy)]
pub struct Codes {
    pub class: u8,
    pub subject: u16,
    pub lo: u16,
    pub hi: u16,
}

/// `class.subject.detail`, class 0 for "either 4 or 5".
const fn c(class: u8, subject: u16, detail: u16) -> Codes {
    Codes {
        class,
        subject,
        lo: detail,
        hi: detail,
    }
}

/// A range `class.subject.lo` ..= `class.subject.hi`.
const fn range(class: u8, subject: u16, lo: u16, hi: u16) -> Codes {
    Codes {
        class,
        subject,
        lo,
        hi,
    }
}

impl Codes {
    fn contains(&self, code: StatusCode) -> bool {
        (self.class == 0 || self.class == code.class)
            && self.subject == code.subject
            && (self.lo..=self.hi).contains(&code.detail)
    }
}

/// One provider rule. Every condition given must hold; an empty list is no condition.
#[derive(Debug, Clone, Copy)]
pub struct ReceiverRule {
    /// Stable name, shown as `<receiver>:<id>` in the evidence.
    pub id: &'static str,
    pub codes: &'static [Codes],
    pub patterns: &'static [Pattern],
    pub reason: Reason,
    /// For `authfailure`: the checks this reply names; empty lets the text decide.
    pub auth: &'static [AuthCheck],
}

/// A provider and its rules, in order.
#[derive(Debug, Clone, Copy)]
pub struct Receiver {
    pub name: &'static str,
    /// Suffixes of the remote MTA host name (`google.com` matches `aspmx.l.google.com`).
    pub hosts: &'static [&'static str],
    /// Lower-case markers that identify the provider in its own text.
    pub markers: &'static [&'static str],
    /// Domains of recipient addresses hosted by the provider (Google Groups' lists).
    pub recipient_domains: &'static [&'static str],
    pub rules: &'static [ReceiverRule],
}

use AuthCheck::{Dkim, Dmarc, Spf};
use Reason as R;

const fn rule(
    id: &'static str,
    codes: &'static [Codes],
    patterns: &'static [Pattern],
    reason: Reason,
    auth: &'static [AuthCheck],
) -> ReceiverRule {
    ReceiverRule {
        id,
        codes,
        patterns,
        reason,
        auth,
    }
}

/// Google (Gmail, Google Workspace). Its X.7.2x/X.7.3x numbers do not follow the IANA registry.
const GOOGLE: Receiver = Receiver {
    name: "google",
    hosts: &["google.com", "googlemail.com", "gmail.com"],
    recipient_domains: &[],
    markers: &["gsmtp", "support.google.com", ".google.com["],
    rules: &[
        // 550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's
        // DMARC policy. (451 4.7.26 adds "but temporary DNS failures prevent authentication")
        rule(
            "5.7.26-dmarc",
            &[c(0, 7, 26)],
            &[Has("dmarc policy")],
            R::AuthFailure,
            &[Dmarc],
        ),
        // 550-5.7.26 The MAIL FROM domain [d] has an SPF record with a hard fail policy (-all)
        // but it fails to pass SPF checks with the ip: [ip]
        rule(
            "5.7.26-spf-hardfail",
            &[c(0, 7, 26)],
            &[Has("hard fail policy")],
            R::AuthFailure,
            &[Spf],
        ),
        // 550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail
        // requires all senders to authenticate with either SPF or DKIM. Authentication
        // results: DKIM = did not pass SPF [d] with ip: [ip] = did not pass
        rule(
            "5.7.26-unauthenticated",
            &[c(0, 7, 26)],
            &[],
            R::AuthFailure,
            &[],
        ),
        // 550-5.7.27 ... SPF authentication didn't pass. Gmail requires all bulk email senders
        // to authenticate their email with SPF. (421 4.7.27 is the temporary form)
        rule("5.7.27-spf", &[c(0, 7, 27)], &[], R::AuthFailure, &[Spf]),
        // 550-5.7.30 ... DKIM authentication didn't pass. Authentication results: DKIM = Did
        // not pass
        rule("5.7.30-dkim", &[c(0, 7, 30)], &[], R::AuthFailure, &[Dkim]),
        // 550-5.7.32 ... the From: header (RFC5322) isn't aligned with either the authenticated
        // SPF or DKIM organizational domain.
        rule(
            "5.7.32-dmarc-alignment",
            &[c(0, 7, 32)],
            &[],
            R::AuthFailure,
            &[Dmarc],
        ),
        // 550-5.7.40 ... the sending domain doesn't have a DMARC record, or the DMARC record
        // doesn't specify a DMARC policy.
        rule(
            "5.7.40-dmarc-missing",
            &[c(0, 7, 40)],
            &[],
            R::AuthFailure,
            &[Dmarc],
        ),
        // 451-4.7.24 The SPF record of the sending domain has one or more suspicious entries.
        rule(
            "x.7.24-spf-suspicious",
            &[c(0, 7, 24)],
            &[],
            R::AuthFailure,
            &[Spf],
        ),
        // 421-4.7.23 / 550-5.7.25 The sending IP address for this message doesn't have a PTR
        // record, or the PTR record's forward DNS entry doesn't match the sending IP.
        rule(
            "4.7.23-ptr",
            &[c(4, 7, 23), c(0, 7, 25)],
            &[],
            R::RequirePtr,
            &[],
        ),
        // 421-4.7.0 The IP address sending this message does not have a PTR record setup
        rule(
            "4.7.0-ptr",
            &[c(4, 7, 0)],
            &[Has("ptr record")],
            R::RequirePtr,
            &[],
        ),
        // 550-5.7.1 ... does not meet IPv6 sending guidelines regarding PTR records and
        // authentication.
        rule(
            "5.7.1-ipv6-guidelines",
            &[],
            &[Has("ipv6 sending guidelines")],
            R::RequirePtr,
            &[],
        ),
        // 421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from
        // your IP address.
        rule("x.7.28-rate", &[c(0, 7, 28)], &[], R::RateLimited, &[]),
        // 421-4.7.29 ... this message wasn't sent over a TLS connection.
        rule("x.7.29-tls", &[c(0, 7, 29)], &[], R::FailedStartTls, &[]),
        // 550-5.7.1 ... very low reputation of the sending IP address.
        rule(
            "5.7.1-reputation",
            &[],
            &[Has("low reputation")],
            R::BadReputation,
            &[],
        ),
        // 550-5.7.1 ... this message has been identified as likely unsolicited mail.
        rule(
            "5.7.1-unsolicited",
            &[],
            &[Has("likely unsolicited mail")],
            R::SpamDetected,
            &[],
        ),
        // 552-5.2.2 The recipient's inbox is out of storage space.
        rule(
            "5.2.2-storage",
            &[],
            &[Has("out of storage space")],
            R::MailboxFull,
            &[],
        ),
    ],
};

/// Microsoft (Exchange Online / Microsoft 365, Outlook.com).
const MICROSOFT: Receiver = Receiver {
    name: "microsoft",
    hosts: &[
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "office365.com",
    ],
    recipient_domains: &[],
    markers: &[
        "protection.outlook.com",
        "prod.outlook.com",
        "postmaster.live.com",
        "sender.office.com",
    ],
    rules: &[
        // 550 5.7.23 The message was rejected because of Sender Policy Framework violation
        rule("5.7.23-spf", &[c(5, 7, 23)], &[], R::AuthFailure, &[Spf]),
        // 550 5.7.509 Access denied, sending domain [d] does not pass DMARC verification and
        // has a DMARC policy of reject.
        rule(
            "5.7.509-dmarc",
            &[c(5, 7, 509)],
            &[],
            R::AuthFailure,
            &[Dmarc],
        ),
        // 550 5.7.515 Access denied, sending domain [d] doesn't meet the required
        // authentication level. (SPF and DKIM must pass, DMARC must exist and align.)
        rule(
            "5.7.515-auth-level",
            &[c(5, 7, 515)],
            &[],
            R::AuthFailure,
            &[Spf, Dkim, Dmarc],
        ),
        // 4.7.26 Access denied, a message sent over IPv6 [addr] must pass either SPF or DKIM
        // validation, this message is not signed.
        rule(
            "4.7.26-ipv6-auth",
            &[c(0, 7, 26)],
            &[],
            R::AuthFailure,
            &[Spf, Dkim],
        ),
        // 5.7.25 Access denied, the sending IPv6 address [addr] must have a reverse DNS record
        rule("x.7.25-ptr", &[c(0, 7, 25)], &[], R::RequirePtr, &[]),
        // 550 5.7.606-649 Access denied, banned sending IP [ip].
        rule(
            "5.7.606-banned-ip",
            &[range(5, 7, 606, 649)],
            &[],
            R::Blocked,
            &[],
        ),
        // 550 5.7.700-749 Access denied, tenant has exceeded threshold / traffic not accepted
        // from this IP.
        rule(
            "5.7.7xx-tenant",
            &[range(5, 7, 700, 749)],
            &[],
            R::Blocked,
            &[],
        ),
        // 451 4.7.650 The mail server [ip] has been temporarily rate limited due to IP
        // reputation.
        rule(
            "4.7.650-reputation",
            &[range(4, 7, 650, 699)],
            &[],
            R::BadReputation,
            &[],
        ),
        // 4.7.500-699 Access denied, please try again later.
        rule(
            "4.7.5xx-try-later",
            &[range(4, 7, 500, 699), range(4, 7, 850, 899)],
            &[],
            R::Blocked,
            &[],
        ),
        // 550 5.7.506 Access denied, bad HELO
        rule("5.7.506-helo", &[c(5, 7, 506)], &[], R::Blocked, &[]),
        // 550 5.7.510 Access denied, [domain] does not accept email over IPv6
        rule("5.7.510-ipv6", &[c(5, 7, 510)], &[], R::NotAccept, &[]),
        // 550 5.7.511 Access denied, banned sender
        rule(
            "5.7.511-banned-sender",
            &[c(5, 7, 511)],
            &[],
            R::Rejected,
            &[],
        ),
        // 550 5.7.513 Service unavailable, Client host [ip] blocked by [d] using Customer Block
        // list
        rule(
            "5.7.513-customer-block",
            &[c(5, 7, 513)],
            &[],
            R::Blocked,
            &[],
        ),
        // 550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup
        rule("5.1.10-not-found", &[c(5, 1, 10)], &[], R::UserUnknown, &[]),
        // 4.4.8 / 5.4.8 failed MTA-STS validation; 5.7.321-325 certificate-expired,
        // tlsa-invalid (DANE), dnssec-invalid ...
        rule(
            "tls-policy",
            &[c(0, 4, 8), range(5, 7, 321, 325)],
            &[],
            R::FailedStartTls,
            &[],
        ),
    ],
};

/// Yahoo Inc. (Yahoo, AOL).
const YAHOO: Receiver = Receiver {
    name: "yahoo",
    hosts: &["yahoodns.net", "yahoo.com", "yahoo.net", "aol.com"],
    recipient_domains: &[],
    markers: &[
        "yahooinc.com",
        "postmaster.verizonmedia.com",
        "postmaster.yahoo",
        "[tss0",
    ],
    rules: &[
        // 550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo
        // requires all senders to authenticate with either SPF or DKIM.
        rule(
            "5.7.9-unauthenticated",
            &[],
            &[Has("sender is unauthenticated")],
            R::AuthFailure,
            &[Spf, Dkim],
        ),
        // 554 5.7.9 Message not accepted for policy reasons. See
        // https://senders.yahooinc.com/error-codes
        rule(
            "5.7.9-policy",
            &[],
            &[Has("not accepted for policy reasons")],
            R::PolicyViolation,
            &[],
        ),
        // 421 4.7.0 [TSS04] Messages from [ip] temporarily deferred due to unexpected volume or
        // user complaints
        rule("tss04", &[], &[Has("[tss04]")], R::Rejected, &[]),
        // 553 5.7.2 [TSS09] All messages from [ip] will be permanently deferred; Retrying will
        // NOT succeed.
        rule(
            "tss09-tss11",
            &[],
            &[Has("[tss09]"), Has("[tss11]")],
            R::Blocked,
            &[],
        ),
        // 421 4.7.0 [TS01] / [TSS02] Messages from [ip] temporarily deferred
        rule(
            "ts0x",
            &[],
            &[Has("[ts01]"), Has("[ts02]"), Has("[ts03]"), Has("[tss02]")],
            R::RateLimited,
            &[],
        ),
        // 553 5.7.1 [BL21] Connections will not be accepted from [ip], because the ip is in
        // Spamhaus's list
        rule(
            "bl2x",
            &[],
            &[Has("[bl21]"), Has("[bl22]"), Has("[bl23]")],
            R::Blocked,
            &[],
        ),
        // 554 delivery error: dd This user doesn't have a yahoo.com account (a@yahoo.com) [0]
        rule(
            "dd-no-account",
            &[],
            &[Has("this user doesn't have a")],
            R::UserUnknown,
            &[],
        ),
        // 451 / 554 Message temporarily deferred due to unresolvable RFC.5321 from domain
        rule(
            "unresolvable-from",
            &[],
            &[Has("unresolvable rfc.5321")],
            R::Rejected,
            &[],
        ),
    ],
};

/// Apple iCloud Mail.
const APPLE: Receiver = Receiver {
    name: "apple",
    hosts: &[
        "icloud.com",
        "apple.com",
        "me.com",
        "mac.com",
        "appleid.com",
    ],
    recipient_domains: &[],
    markers: &["support.apple.com", "mail.icloud.com"],
    rules: &[
        // 554 5.7.1 Your message was rejected due to [d]'s DMARC policy. See
        // https://support.apple.com/en-us/HT204137
        rule(
            "5.7.1-dmarc",
            &[],
            &[Has("dmarc policy")],
            R::AuthFailure,
            &[Dmarc],
        ),
        // 554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM
        // authentication checks.
        rule(
            "hme1-spf-dkim",
            &[],
            &[Has("[hme1]"), Has("failing both spf and dkim")],
            R::AuthFailure,
            &[Spf, Dkim],
        ),
        // 550 5.1.1 <a>: inactive email address
        rule(
            "inactive",
            &[],
            &[Has("inactive email address")],
            R::Suspend,
            &[],
        ),
        // 550 5.1.6 recipient no longer on server: a
        rule(
            "no-longer-on-server",
            &[],
            &[Has("no longer on server")],
            R::HasMoved,
            &[],
        ),
    ],
};

/// GoDaddy (secureserver.net), often relayed inside an Office 365 report.
const GODADDY: Receiver = Receiver {
    name: "godaddy",
    hosts: &["secureserver.net"],
    recipient_domains: &[],
    markers: &["secureserver.net", "x.co/rlbounce", "x.co/srbounce"],
    rules: &[
        // 550 5.1.0 [ip] is not allowed to send from <[d]> per it's SPF Record. Please inspect
        // your SPF settings, and try again. IB508
        rule(
            "ib508-spf",
            &[],
            &[Has("per it's spf record"), Has("ib508")],
            R::AuthFailure,
            &[Spf],
        ),
        // 550 5.1.1 <a> - [ip] has sent to too many recipients this hour. IB607
        rule(
            "ib607-rate",
            &[],
            &[Has("too many recipients this hour"), Has("ib607")],
            R::RateLimited,
            &[],
        ),
        // 421 Temporarily rejected. Reverse DNS for this IP failed. IB108
        rule(
            "ib108-ptr",
            &[],
            &[Has("reverse dns for this ip failed"), Has("ib108")],
            R::RequirePtr,
            &[],
        ),
        // 554 [ip] has been blocked for spam. IB101 / IB103 / IB104 (Spamhaus, other RBLs)
        rule(
            "ib10x-blocked",
            &[],
            &[Has("ib101"), Has("ib103"), Has("ib104"), Has("spamhaus")],
            R::Blocked,
            &[],
        ),
    ],
};

/// Mimecast.
const MIMECAST: Receiver = Receiver {
    name: "mimecast",
    hosts: &["mimecast.com", "mimecast.co.za", "mimecast-offshore.com"],
    recipient_domains: &[],
    markers: &["mimecast"],
    rules: &[
        // 550 SPF Sender Invalid - envelope rejected
        rule(
            "spf-invalid",
            &[],
            &[Has("spf sender invalid")],
            R::AuthFailure,
            &[Spf],
        ),
        // 550 DKIM Sender Invalid - envelope rejected
        rule(
            "dkim-invalid",
            &[],
            &[Has("dkim sender invalid")],
            R::AuthFailure,
            &[Dkim],
        ),
        // 550 DMARC Sender Invalid - envelope rejected
        rule(
            "dmarc-invalid",
            &[],
            &[Has("dmarc sender invalid")],
            R::AuthFailure,
            &[Dmarc],
        ),
        // 554 Host network not allowed - https://community.mimecast.com/docs/DOC-1369#554
        rule(
            "host-network-not-allowed",
            &[],
            &[Has("host network not allowed")],
            R::PolicyViolation,
            &[],
        ),
        // 554 email rejected due to security policies - MCSpamSignature.sa.2.2
        rule(
            "spam-signature",
            &[],
            &[Has("mcspamsignature"), Has("spam signature")],
            R::SpamDetected,
            &[],
        ),
        // 550 Administrative prohibition envelope blocked
        rule(
            "envelope-blocked",
            &[],
            &[Has("envelope blocked")],
            R::Rejected,
            &[],
        ),
    ],
};

/// Orange and La Poste (France); each reply ends with an `OFR`/`LPN` code naming the reason.
const ORANGE: Receiver = Receiver {
    name: "orange",
    hosts: &["orange.fr", "wanadoo.fr", "laposte.net"],
    recipient_domains: &[],
    markers: &["ofr_", "ofr0", "lpn0"],
    rules: &[
        // 550 5.5.0 SPF: [ip] is not allowed to send mail. LPN004_401
        rule(
            "401-spf",
            &[],
            &[Has("_401"), Has("spf check failed")],
            R::AuthFailure,
            &[Spf],
        ),
        // 571 5.7.1 Message refused, DMARC verification Failed. LPN007_517
        rule(
            "517-dmarc",
            &[],
            &[Has("_517"), Has("dmarc verification")],
            R::AuthFailure,
            &[Dmarc],
        ),
        // 550 5.1.1 Adresse d au moins un destinataire invalide. Invalid recipient. OFR_416
        rule(
            "416-418-recipient",
            &[],
            &[Has("_416"), Has("_418")],
            R::UserUnknown,
            &[],
        ),
        // 550 5.5.0 Le compte du destinataire est bloque. The recipient account is blocked.
        // LPN007_426
        rule("426-blocked-account", &[], &[Has("_426")], R::Suspend, &[]),
        // 550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]
        rule("506-spam", &[], &[Has("_506")], R::SpamDetected, &[]),
        // 421 4.2.0 Service refuse. Veuillez essayer plus tard. OFR005_505 [505]
        rule("505-system", &[], &[Has("_505")], R::SystemError, &[]),
        // 421 ... Service refuse. Veuillez essayer plus tard. LPN006_107
        rule("107-ptr", &[], &[Has("_107")], R::RequirePtr, &[]),
        // 550 ... Client host blocked for spamming issues. OFR006_102 / LPN001_108
        rule(
            "102-108-blocked",
            &[],
            &[Has("_102"), Has("_108"), Has("_103"), Has("_510")],
            R::Blocked,
            &[],
        ),
        // 421 ... Service refused, please try later. OFR_999 [999]
        rule("999-rate", &[], &[Has("_999")], R::RateLimited, &[]),
        // 554 5.7.1 <host>: Client host rejected: #216 lpn LPN000_630
        rule("630-policy", &[], &[Has("_630")], R::PolicyViolation, &[]),
    ],
};

/// Cox Communications.
const COX: Receiver = Receiver {
    name: "cox",
    hosts: &["cox.net"],
    recipient_domains: &[],
    markers: &["cox.com/", "cxsndr", "cxdns", "cxblk"],
    rules: &[
        // 550 5.7.1 CXSNDR ... failed SPF / DomainKeys / DKIM checks
        rule("cxsndr-auth", &[], &[Has("cxsndr")], R::AuthFailure, &[]),
        // 554 CXDNS / rejected - no rDNS
        rule(
            "cxdns-ptr",
            &[],
            &[Has("cxdns"), Has("no rdns")],
            R::RequirePtr,
            &[],
        ),
        // 550 5.1.0 <a> sender rejected. Refer to Error Codes section at
        // https://www.cox.com/residential/support/email-error-codes.html ... AUP#CDRBL
        rule(
            "sender-rejected-aup",
            &[],
            &[Has("aup#"), Has("cxblk")],
            R::Blocked,
            &[],
        ),
    ],
};

/// Charter / Spectrum.
const SPECTRUM: Receiver = Receiver {
    name: "spectrum",
    hosts: &["charter.net", "spectrum.net", "rr.com"],
    recipient_domains: &[],
    markers: &["spectrum.net/", "charter.net/"],
    rules: &[
        // 550 ... error codes 1100 / 1150: full circle DNS required
        rule(
            "1100-fcrdns",
            &[],
            &[Has("full circle"), Has("aup#1100"), Has("aup#1150")],
            R::RequirePtr,
            &[],
        ),
        // 550 5.1.0 <a> sender rejected. Please see
        // https://www.spectrum.net/support/internet/understanding-email-error-codes AUP#In-1310
        rule("in-1310", &[], &[Has("aup#in-13")], R::RateLimited, &[]),
    ],
};

/// Broadcom / Symantec MessageLabs.
const MESSAGELABS: Receiver = Receiver {
    name: "messagelabs",
    hosts: &["messagelabs.com"],
    recipient_domains: &[],
    markers: &["messagelabs"],
    rules: &[
        // 553-SPF (Sender Policy Framework) domain authentication fail (#5.7.1)
        rule(
            "spf",
            &[],
            &[Has("spf (sender policy framework)")],
            R::AuthFailure,
            &[Spf],
        ),
        // 550-Please turn on SMTP Authentication in your mail client.
        rule(
            "smtp-auth",
            &[],
            &[Has("smtp authentication")],
            R::SecurityError,
            &[],
        ),
    ],
};

/// Tencent QQ Mail.
const TENCENT: Receiver = Receiver {
    name: "tencent",
    hosts: &["qq.com"],
    recipient_domains: &[],
    markers: &["mail.qq.com"],
    rules: &[
        // 550 Ip frequency limited / Connection frequency limited
        rule(
            "frequency",
            &[],
            &[Has("frequency limited")],
            R::RateLimited,
            &[],
        ),
        // 550 DMARC check failed.
        rule(
            "dmarc",
            &[],
            &[Has("dmarc check failed")],
            R::AuthFailure,
            &[Dmarc],
        ),
        // 550 spf check failed
        rule(
            "spf",
            &[],
            &[Has("spf check failed")],
            R::AuthFailure,
            &[Spf],
        ),
    ],
};

/// Zoho Mail.
const ZOHO: Receiver = Receiver {
    name: "zoho",
    hosts: &["zoho.com", "zoho.eu", "zohomail.com"],
    recipient_domains: &[],
    markers: &[],
    rules: &[
        // 554 5.7.1 Email cannot be delivered. Reason: Email flagged as Spam.
        rule(
            "flagged-spam",
            &[],
            &[Has("email cannot be delivered. reason:")],
            R::Rejected,
            &[],
        ),
        // 541 5.4.1 Mail rejected by destination domain
        rule(
            "rejected-by-domain",
            &[],
            &[Has("mail rejected by destination domain")],
            R::Rejected,
            &[],
        ),
    ],
};

/// Google Groups: a post refused by a mailing list, reported in the poster's language.
const GOOGLE_GROUPS: Receiver = Receiver {
    name: "googlegroups",
    hosts: &[],
    recipient_domains: &["googlegroups.com"],
    markers: &[],
    rules: &[
        // 550 5.1.1 ... Address not found ... libsisimai-2@googlegroups.com
        rule("no-such-group", &[c(5, 1, 1)], &[], R::UserUnknown, &[]),
        // We're writing to let you know that the group you tried to contact (g) may not exist,
        // or you may not have permission to post messages to the group.
        rule("post-refused", &[], &[], R::Rejected, &[]),
    ],
};

/// Every receiver, tried in order.
pub const RECEIVERS: &[Receiver] = &[
    GOOGLE,
    MICROSOFT,
    YAHOO,
    APPLE,
    GODADDY,
    MIMECAST,
    ORANGE,
    COX,
    SPECTRUM,
    MESSAGELABS,
    TENCENT,
    ZOHO,
    GOOGLE_GROUPS,
];

impl Receiver {
    /// Whether the reply came from this receiver: its host, or one of its markers in the text.
    /// The reference [`Recognition`] is tested against.
    #[cfg(test)]
    pub fn recognises(
        &self,
        host: Option<&str>,
        recipient_domain: Option<&str>,
        lower_text: &str,
    ) -> bool {
        host.is_some_and(|h| is_under(h, self.hosts))
            || recipient_domain.is_some_and(|d| is_under(d, self.recipient_domains))
            || self.markers.iter().any(|m| lower_text.contains(m))
            || self.hosts.iter().any(|s| mentions_host(lower_text, s))
    }
}

/// A receiver's needle ids in the classifier's needle index, parallel to its markers, hosts
/// and rules' patterns: lets a receiver that the text cannot concern be skipped cheaply.
pub struct ReceiverNeedles {
    markers: Vec<u32>,
    hosts: Vec<u32>,
    rules: Vec<Vec<Vec<u32>>>,
}

impl Receiver {
    /// Registers this receiver's needles.
    pub fn needles(&self, interner: &mut NeedleInterner) -> ReceiverNeedles {
        ReceiverNeedles {
            markers: interner.all(self.markers),
            hosts: interner.all(self.hosts),
            rules: self
                .rules
                .iter()
                .map(|r| r.patterns.iter().map(|p| interner.pattern(p)).collect())
                .collect(),
        }
    }

    /// [`Receiver::recognises`], skipping the text searches for needles the text lacks.
    #[cfg(test)]
    pub fn recognises_indexed(
        &self,
        needles: &ReceiverNeedles,
        present: &Present,
        host: Option<&str>,
        recipient_domain: Option<&str>,
        lower_text: &str,
    ) -> bool {
        host.is_some_and(|h| is_under(h, self.hosts))
            || recipient_domain.is_some_and(|d| is_under(d, self.recipient_domains))
            || present.any(&needles.markers)
            || self
                .hosts
                .iter()
                .zip(&needles.hosts)
                .any(|(s, &id)| present.has(id) && mentions_host(lower_text, s))
    }

    /// The rules with their needle ids.
    pub fn indexed_rules<'a>(
        &'a self,
        needles: &'a ReceiverNeedles,
    ) -> impl Iterator<Item = (&'a ReceiverRule, &'a [Vec<u32>])> {
        self.rules
            .iter()
            .zip(needles.rules.iter().map(Vec::as_slice))
    }
}

/// Which receivers a recipient's facts name, found for all receivers at once (the same answer
/// as the test-only reference `Receiver::recognises` gives for each): a host or recipient domain is looked up by each of
/// its dot-suffixes, and only the markers and hosts whose needles the text holds are visited.
/// Asking each receiver in turn cost a dozen suffix comparisons and needle tests per receiver.
pub struct Recognition {
    /// Every receiver's host suffixes.
    hosts: Suffixes,
    /// Every receiver's recipient domains.
    recipient_domains: Suffixes,
    /// Per needle id (the last entry for the empty needle): the receivers it marks.
    markers: Vec<u64>,
    /// Per needle id (the last entry for the empty needle): the receivers with a host suffix
    /// of that needle, each mentioned in a text only where the needle is.
    mentions: Vec<Vec<(usize, &'static str)>>,
    /// Markers and host suffixes shorter than [`SCANNED`], which [`Present::ids`] does not
    /// list: `(id, receiver, host suffix or none for a marker)`. None in the tables now.
    short: Vec<(u32, usize, Option<&'static str>)>,
    /// One bit per needle id: set for those with an entry in `markers` or `mentions`.
    listed: Vec<u64>,
}

/// FNV-1a over a name's bytes read from its end, one step: the hash of `b` followed by the
/// bytes hashed so far.
fn hash_step(hash: u64, b: u8) -> u64 {
    (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
}

/// The hash of the empty name.
const HASH_START: u64 = 0xcbf2_9ce4_8422_2325;

/// The hash of a whole name, as [`hash_step`] builds it from the end.
fn name_hash(name: &str) -> u64 {
    name.bytes().rev().fold(HASH_START, hash_step)
}

impl Recognition {
    /// The index of `receivers`, whose needle ids `needles` hold (`count` ids in all).
    pub fn new(receivers: &[Receiver], needles: &[ReceiverNeedles], count: usize) -> Recognition {
        assert!(receivers.len() <= 64, "one bit per receiver");
        let slot = |id: u32| (id as usize).min(count);
        let mut hosts = Vec::new();
        let mut recipient_domains = Vec::new();
        let mut out = Recognition {
            hosts: Suffixes::default(),
            recipient_domains: Suffixes::default(),
            markers: vec![0; count + 1],
            mentions: vec![Vec::new(); count + 1],
            short: Vec::new(),
            listed: vec![0; count.div_ceil(64).max(1)],
        };
        for (n, (r, ids)) in receivers.iter().zip(needles).enumerate() {
            let bit = 1u64 << n;
            hosts.extend(r.hosts.iter().map(|s| (*s, bit)));
            recipient_domains.extend(r.recipient_domains.iter().map(|s| (*s, bit)));
            for (m, &id) in r.markers.iter().zip(&ids.markers) {
                if (1..SCANNED).contains(&m.len()) {
                    out.short.push((id, n, None));
                } else {
                    out.markers[slot(id)] |= bit;
                }
            }
            for (s, &id) in r.hosts.iter().zip(&ids.hosts) {
                if (1..SCANNED).contains(&s.len()) {
                    out.short.push((id, n, Some(s)));
                } else {
                    out.mentions[slot(id)].push((n, s));
                }
            }
        }
        for id in 0..count {
            if out.markers[id] != 0 || !out.mentions[id].is_empty() {
                out.listed[id / 64] |= 1 << (id % 64);
            }
        }
        out.hosts = Suffixes::new(&hosts);
        out.recipient_domains = Suffixes::new(&recipient_domains);
        out
    }

    /// One bit per receiver, in the order given to [`Recognition::new`]: set for those the
    /// facts name. `host` and `recipient_domain` may be in any case (compared as lower-cased).
    pub fn recognised(
        &self,
        present: &Present,
        host: Option<&str>,
        recipient_domain: Option<&str>,
        lower_text: &str,
    ) -> u64 {
        let mut found = host.map_or(0, |h| self.hosts.under(h))
            | recipient_domain.map_or(0, |d| self.recipient_domains.under(d));
        let always = self.markers.len() - 1;
        let ids = present
            .ids_among(&self.listed)
            .map(|id| (id as usize).min(always))
            .chain([always]);
        for id in ids {
            found |= self.markers[id];
            for &(n, s) in &self.mentions[id] {
                if found & (1 << n) == 0 && mentions_host(lower_text, s) {
                    found |= 1 << n;
                }
            }
        }
        for &(id, n, host) in &self.short {
            if found & (1 << n) == 0
                && present.has(id)
                && host.is_none_or(|s| mentions_host(lower_text, s))
            {
                found |= 1 << n;
            }
        }
        found
    }
}

/// Host or domain suffixes by hash, each with the receivers it names: an open-addressing table
/// with room for four times its suffixes, so that a look-up reads one slot, mostly empty (a
/// binary search over the sorted suffixes branched either way at each of its steps).
#[derive(Default)]
struct Suffixes {
    /// Per slot: a suffix's hash and its receivers, the receivers 0 for an empty slot.
    slots: Vec<(u64, u64)>,
    /// Parallel to `slots`: the suffix, compared only when the hash is the same.
    names: Vec<&'static str>,
    /// The length of the longest suffix: a name's bytes before the dot that starts a suffix
    /// this long are not read.
    longest: usize,
}

impl Suffixes {
    /// From `(lower-case suffix, receivers)`; a suffix listed twice names the receivers of both.
    fn new(suffixes: &[(&'static str, u64)]) -> Suffixes {
        let size = (suffixes.len() * 4).next_power_of_two().max(16);
        let mut table = Suffixes {
            slots: vec![(0, 0); size],
            names: vec![""; size],
            longest: suffixes.iter().map(|(s, _)| s.len()).max().unwrap_or(0),
        };
        for &(name, receivers) in suffixes {
            // An empty slot is one with no receivers; lookups fold the name to lower case.
            debug_assert!(receivers != 0, "suffix {name} names no receiver");
            debug_assert!(
                !name.bytes().any(|b| b.is_ascii_uppercase()),
                "suffix {name}"
            );
            let hash = name_hash(name);
            let mut at = hash as usize & (size - 1);
            while table.slots[at].1 != 0 && table.names[at] != name {
                at = (at + 1) & (size - 1);
            }
            table.slots[at] = (hash, table.slots[at].1 | receivers);
            table.names[at] = name;
        }
        table
    }

    /// The receivers of the suffix `hash` and `lower(suffix)` are.
    fn get(&self, hash: u64, suffix: &[u8]) -> u64 {
        let size = self.slots.len();
        let mut at = hash as usize & size.wrapping_sub(1);
        // Bounded: the table is at most a quarter full.
        while let Some(&(h, receivers)) = self.slots.get(at) {
            if receivers == 0 {
                break;
            }
            if h == hash
                && self
                    .names
                    .get(at)
                    .is_some_and(|n| suffix.eq_ignore_ascii_case(n.as_bytes()))
            {
                return receivers;
            }
            at = (at + 1) & (size - 1);
        }
        0
    }

    /// The receivers with a suffix that `name`, lower-cased, is or is under: each dot-suffix
    /// of the name (the whole name, and what follows each dot) looked up by hash.
    fn under(&self, name: &str) -> u64 {
        if self.slots.is_empty() {
            return 0;
        }
        let bytes = name.as_bytes();
        // The last `longest` bytes and the one before, where a dot may start the longest.
        let from = bytes.len().saturating_sub(self.longest + 1);
        let mut found = 0;
        let mut hash = HASH_START;
        // From the end, `hash` being that of the lower-cased bytes after `k`.
        for (k, &b) in bytes.iter().enumerate().skip(from).rev() {
            if b == b'.' {
                found |= self.get(hash, &bytes[k + 1..]);
            }
            hash = hash_step(hash, b.to_ascii_lowercase());
        }
        if from > 0 {
            // The whole name is longer than every suffix.
            return found;
        }
        found | self.get(hash, bytes)
    }
}

/// The receivers of `table` (see [`Recognition`]) with a suffix that `name` is or is under:
/// what [`Suffixes::under`] replaced, for a table of `(hash, suffix, receivers)` sorted by hash
/// and a lower-case name.
#[cfg(test)]
fn under_mask(table: &[(u64, &'static str, u64)], name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut found = 0;
    let mut hash = HASH_START;
    let mut look = |hash: u64, suffix: &[u8]| {
        let from = table.partition_point(|e| e.0 < hash);
        for e in table[from..].iter().take_while(|e| e.0 == hash) {
            if e.1.as_bytes() == suffix {
                found |= e.2;
            }
        }
    };
    // From the end, `hash` being that of the bytes after `k`.
    for (k, &b) in bytes.iter().enumerate().rev() {
        if b == b'.' {
            look(hash, &bytes[k + 1..]);
        }
        hash = hash_step(hash, b);
    }
    look(hash, bytes);
    found
}

/// Whether `name` is one of `suffixes` or a name under one (`mx.example.com` under
/// `example.com`): what [`under_mask`] answers for all receivers at once.
#[cfg(test)]
fn is_under(name: &str, suffixes: &[&str]) -> bool {
    suffixes
        .iter()
        .any(|s| name == *s || name.strip_suffix(s).is_some_and(|p| p.ends_with('.')))
}

/// Whether the text names a host under `suffix`, as in `host mx.example.com[192.0.2.1] said:`.
fn mentions_host(lower_text: &str, suffix: &str) -> bool {
    let mut from = 0;
    // Bounded: each step moves past one occurrence.
    while let Some(at) = lower_text.get(from..).and_then(|t| t.find(suffix)) {
        let start = from + at;
        let end = start + suffix.len();
        let before = lower_text[..start].chars().next_back();
        let after = lower_text[end..].chars().next();
        let host_before = before == Some('.');
        let host_after = !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if host_before && host_after {
            return true;
        }
        from = end;
    }
    false
}

impl ReceiverRule {
    /// Whether the rule holds for this status and text: the reference
    /// [`ReceiverRule::holds_indexed`] is tested against.
    #[cfg(test)]
    pub fn holds(&self, status: Option<StatusCode>, lower_text: &str) -> Option<(usize, usize)> {
        if !self.codes.is_empty()
            && !status.is_some_and(|s| self.codes.iter().any(|c| c.contains(s)))
        {
            return None;
        }
        if self.patterns.is_empty() {
            return Some((0, 0));
        }
        self.patterns.iter().find_map(|p| p.find(lower_text))
    }
}

impl ReceiverRule {
    /// What the test-only reference `ReceiverRule::holds` answers, skipping patterns whose
    /// needles the text lacks.
    pub fn holds_indexed(
        &self,
        ids: &[Vec<u32>],
        present: &Present,
        status: Option<StatusCode>,
        lower_text: &str,
    ) -> Option<(usize, usize)> {
        if !self.codes.is_empty()
            && !status.is_some_and(|s| self.codes.iter().any(|c| c.contains(s)))
        {
            return None;
        }
        if self.patterns.is_empty() {
            return Some((0, 0));
        }
        self.patterns
            .iter()
            .zip(ids)
            .filter(|(_, ids)| present.all(ids))
            .find_map(|(p, _)| p.find(lower_text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names at, under and beside every receiver's host and recipient-domain suffixes.
    fn names_around_suffixes() -> Vec<String> {
        let mut names = Vec::new();
        for r in RECEIVERS {
            for s in r.hosts.iter().chain(r.recipient_domains) {
                for prefix in ["", ".", "a.", "a", "-", "\u{e9}.", "mx.a."] {
                    names.push(format!("{prefix}{s}"));
                    names.push(format!("{prefix}{s}."));
                    names.push(format!("{prefix}{}", &s[1..]));
                }
            }
        }
        names
    }

    /// [`under_mask`] agrees with the suffix comparison [`Receiver::recognises`] makes
    /// ([`is_under`]), for every receiver's hosts and recipient domains, on the names of the
    /// corpus and made-up ones.
    #[test]
    fn under_mask_is_the_suffix_comparison() {
        let mut names: Vec<String> = [
            "",
            ".",
            "com",
            ".google.com",
            "xgoogle.com",
            "a..google.com",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        names.extend(names_around_suffixes());
        for text in crate::bounce::corpus_texts() {
            let lower = text.to_ascii_lowercase();
            names.extend(
                lower
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                    .filter(|w| w.contains('.'))
                    .map(str::to_string),
            );
        }
        let mut under = 0;
        for r in RECEIVERS {
            for suffixes in [r.hosts, r.recipient_domains] {
                let mut table: Vec<_> = suffixes.iter().map(|s| (name_hash(s), *s, 1)).collect();
                table.sort_by_key(|e| e.0);
                let listed: Vec<_> = suffixes.iter().map(|s| (*s, 1)).collect();
                let hashed = Suffixes::new(&listed);
                for n in &names {
                    let want = is_under(n, suffixes);
                    under += usize::from(want);
                    assert_eq!(under_mask(&table, n) != 0, want, "{n:?} {suffixes:?}");
                    assert_eq!(hashed.under(n), under_mask(&table, n), "{n:?}");
                    let upper = n.to_ascii_uppercase();
                    assert_eq!(hashed.under(&upper), under_mask(&table, n), "{upper:?}");
                }
            }
        }
        assert!(under > 1000, "{under} names under a suffix");
        // All receivers in one table, each its own bit, one suffix listed twice.
        let mut listed = Vec::new();
        for (n, r) in RECEIVERS.iter().enumerate() {
            listed.extend(
                r.hosts
                    .iter()
                    .chain(r.recipient_domains)
                    .map(|s| (*s, 1u64 << n)),
            );
        }
        listed.push(("google.com", 1 << 63));
        let mut table: Vec<_> = listed.iter().map(|(s, b)| (name_hash(s), *s, *b)).collect();
        table.sort_by_key(|e| e.0);
        let hashed = Suffixes::new(&listed);
        let mut hits = 0;
        for n in &names {
            let want = under_mask(&table, n);
            hits += usize::from(want != 0);
            assert_eq!(hashed.under(n), want, "{n:?}");
            assert_eq!(hashed.under(&n.to_ascii_uppercase()), want, "{n:?}");
        }
        assert!(hits > 1000, "{hits} names under a suffix");
        assert_eq!(Suffixes::default().under("google.com"), 0);
    }

    /// [`Recognition::recognised`] sets the bit of each receiver that
    /// [`Receiver::recognises_indexed`] and [`Receiver::recognises`] recognise, on every corpus
    /// text and on names at, under and beside every suffix.
    #[test]
    fn recognition_is_each_receiver_asked() {
        // With one more receiver whose marker and host are shorter than the index scans for.
        let short = Receiver {
            name: "short",
            hosts: &["x.y"],
            markers: &["zq"],
            recipient_domains: &[],
            rules: &[],
        };
        let receivers: Vec<Receiver> = RECEIVERS.iter().copied().chain([short]).collect();
        let mut interner = NeedleInterner::default();
        let needles: Vec<_> = receivers.iter().map(|r| r.needles(&mut interner)).collect();
        let count = interner.count();
        let recognition = Recognition::new(&receivers, &needles, count);
        let index = interner.build();
        let mut names: Vec<String> = ["", ".", "com", "a..google.com", "google.com.", "a.x.y"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        names.extend(names_around_suffixes());
        let mut texts: Vec<String> = crate::bounce::corpus_texts();
        texts.extend(["zq", "a zq b", "x.y", "host a.x.y[192.0.2.1] said"].map(String::from));
        texts.extend(names.iter().map(|n| format!("host {n}[192.0.2.1] said")));
        let mut recognised = 0;
        let mut check = |host: Option<&str>, domain: Option<&str>, lower: &str| {
            let present = index.scan(lower.to_string());
            let found = recognition.recognised(&present, host, domain, lower);
            for (n, (r, ids)) in receivers.iter().zip(&needles).enumerate() {
                let want = r.recognises_indexed(ids, &present, host, domain, lower);
                assert_eq!(want, r.recognises(host, domain, lower), "{lower:?}");
                assert_eq!(
                    found & (1 << n) != 0,
                    want,
                    "{} {host:?} {domain:?} {lower:?}",
                    r.name
                );
                recognised += usize::from(want);
            }
        };
        for text in &texts {
            check(None, None, &text.to_ascii_lowercase());
        }
        for n in &names {
            check(Some(n), None, "");
            check(None, Some(n), "");
            check(Some(n), Some(n), "gsmtp");
            // Names in any case, as the classifier passes them.
            let upper = n.to_ascii_uppercase();
            let present = index.scan(String::new());
            let want = recognition.recognised(&present, Some(n), Some(n), "");
            let found = recognition.recognised(&present, Some(&upper), Some(&upper), "");
            assert_eq!(found, want, "{upper:?}");
        }
        assert!(recognised > 1000, "{recognised} recognised");
    }

    /// [`ReceiverRule::holds_indexed`] answers as [`ReceiverRule::holds`] for every rule of
    /// every receiver, on every corpus text and each rule's own needles, under the rule's codes
    /// and none.
    #[test]
    fn holds_indexed_is_holds() {
        let mut interner = NeedleInterner::default();
        let needles: Vec<_> = RECEIVERS.iter().map(|r| r.needles(&mut interner)).collect();
        let index = interner.build();
        let mut texts: Vec<String> = crate::bounce::corpus_texts()
            .iter()
            .map(|t| t.to_ascii_lowercase())
            .collect();
        for r in RECEIVERS {
            for rule in r.rules {
                texts.extend(rule.patterns.iter().map(|p| p.needles().join(" ")));
            }
        }
        let mut held = 0;
        for lower in &texts {
            let present = index.scan(lower.to_string());
            for (r, ids) in RECEIVERS.iter().zip(&needles) {
                for (rule, rule_ids) in r.indexed_rules(ids) {
                    let own = rule.codes.iter().flat_map(|c| {
                        [4, 5].map(|class| {
                            Some(StatusCode {
                                class,
                                subject: c.subject,
                                detail: c.hi,
                            })
                        })
                    });
                    for status in std::iter::once(None).chain(own) {
                        let want = rule.holds(status, lower);
                        held += usize::from(want.is_some());
                        let got = rule.holds_indexed(rule_ids, &present, status, lower);
                        assert_eq!(got, want, "{}:{} {lower:?}", r.name, rule.id);
                    }
                }
            }
        }
        assert!(held > 1000, "{held} rules held");
    }

    #[test]
    fn hosts_match_on_label_boundaries() {
        assert!(GOOGLE.recognises(Some("aspmx.l.google.com"), None, ""));
        assert!(GOOGLE.recognises(Some("google.com"), None, ""));
        assert!(!GOOGLE.recognises(Some("notgoogle.com"), None, ""));
        assert!(GOOGLE.recognises(
            None,
            None,
            "host gmail-smtp-in.l.google.com[192.0.2.1] said:"
        ));
        assert!(!GOOGLE.recognises(None, None, "see google.com.example.net for details"));
    }

    #[test]
    fn rule_ids_are_unique_per_receiver() {
        for r in RECEIVERS {
            let mut seen = std::collections::HashSet::new();
            for rule in r.rules {
                assert!(seen.insert(rule.id), "{}:{} twice", r.name, rule.id);
            }
        }
    }
}
