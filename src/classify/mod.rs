//! The classify stage: gives each recipient of a [`Bounce`] a reason, offline, from the status
//! code, the reply code, the receiver and the text. Rules are data (status-code and receiver
//! tables) and every verdict carries the rule that fired, so a user can see why.

mod engine;
pub mod pattern;
pub mod receivers;
pub mod status;
pub mod text;

use serde::Serialize;

use crate::bounce::Bounce;

pub use engine::classify_recipient;

/// Why a message was not delivered. The vocabulary of the Sisimai bounce parser, so that our
/// verdicts can be measured against its labelled corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reason {
    AuthFailure,
    BadReputation,
    Blocked,
    ContentError,
    Delivered,
    EmailTooLarge,
    Expired,
    FailedStartTls,
    Feedback,
    Filtered,
    HasMoved,
    HostUnknown,
    MailboxFull,
    MailerError,
    NetworkError,
    NoRelaying,
    NotAccept,
    NotCompliantRfc,
    OnHold,
    PolicyViolation,
    RateLimited,
    Rejected,
    RequirePtr,
    SecurityError,
    SpamDetected,
    Suppressed,
    Suspend,
    SyntaxError,
    SystemError,
    SystemFull,
    Undefined,
    UserUnknown,
    Vacation,
    VirusDetected,
}

impl Reason {
    /// Every reason, in the order above.
    pub const ALL: [Reason; 34] = [
        Reason::AuthFailure,
        Reason::BadReputation,
        Reason::Blocked,
        Reason::ContentError,
        Reason::Delivered,
        Reason::EmailTooLarge,
        Reason::Expired,
        Reason::FailedStartTls,
        Reason::Feedback,
        Reason::Filtered,
        Reason::HasMoved,
        Reason::HostUnknown,
        Reason::MailboxFull,
        Reason::MailerError,
        Reason::NetworkError,
        Reason::NoRelaying,
        Reason::NotAccept,
        Reason::NotCompliantRfc,
        Reason::OnHold,
        Reason::PolicyViolation,
        Reason::RateLimited,
        Reason::Rejected,
        Reason::RequirePtr,
        Reason::SecurityError,
        Reason::SpamDetected,
        Reason::Suppressed,
        Reason::Suspend,
        Reason::SyntaxError,
        Reason::SystemError,
        Reason::SystemFull,
        Reason::Undefined,
        Reason::UserUnknown,
        Reason::Vacation,
        Reason::VirusDetected,
    ];

    /// The lower-case name used in JSON and in the corpus labels (`authfailure`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Reason::AuthFailure => "authfailure",
            Reason::BadReputation => "badreputation",
            Reason::Blocked => "blocked",
            Reason::ContentError => "contenterror",
            Reason::Delivered => "delivered",
            Reason::EmailTooLarge => "emailtoolarge",
            Reason::Expired => "expired",
            Reason::FailedStartTls => "failedstarttls",
            Reason::Feedback => "feedback",
            Reason::Filtered => "filtered",
            Reason::HasMoved => "hasmoved",
            Reason::HostUnknown => "hostunknown",
            Reason::MailboxFull => "mailboxfull",
            Reason::MailerError => "mailererror",
            Reason::NetworkError => "networkerror",
            Reason::NoRelaying => "norelaying",
            Reason::NotAccept => "notaccept",
            Reason::NotCompliantRfc => "notcompliantrfc",
            Reason::OnHold => "onhold",
            Reason::PolicyViolation => "policyviolation",
            Reason::RateLimited => "ratelimited",
            Reason::Rejected => "rejected",
            Reason::RequirePtr => "requireptr",
            Reason::SecurityError => "securityerror",
            Reason::SpamDetected => "spamdetected",
            Reason::Suppressed => "suppressed",
            Reason::Suspend => "suspend",
            Reason::SyntaxError => "syntaxerror",
            Reason::SystemError => "systemerror",
            Reason::SystemFull => "systemfull",
            Reason::Undefined => "undefined",
            Reason::UserUnknown => "userunknown",
            Reason::Vacation => "vacation",
            Reason::VirusDetected => "virusdetected",
        }
    }

    /// The reason with this name, if any.
    pub fn from_name(name: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.name() == name)
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Which sender-authentication check the receiver said failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthCheck {
    Spf,
    Dkim,
    Dmarc,
}

/// The rule that decided a verdict and the text it matched: the "why" shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// A stable name of the rule, e.g. `status:5.7.23` or `google:5.7.26-unauthenticated`.
    pub rule: String,
    /// The piece of the bounce that the rule matched.
    pub matched: String,
    /// What this rule points at. The first evidence decided the verdict; later ones fired too
    /// but were outranked (a status code overruled by the receiver's own words).
    pub reason: Reason,
}

/// The offline verdict for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    pub reason: Reason,
    /// For `authfailure`: which checks failed (several when the receiver names several).
    pub auth_failed: Vec<AuthCheck>,
    /// True when retrying the same message to the same address will fail again.
    pub hard_bounce: bool,
    pub evidence: Vec<Evidence>,
}

/// Classifies every recipient of `bounce`, one verdict per recipient, in order. (The parser
/// gives pasted text that names no address one recipient with no address.)
pub fn classify(bounce: &Bounce) -> Vec<Classification> {
    bounce
        .recipients
        .iter()
        .map(|r| classify_recipient(bounce, r))
        .collect()
}

#[cfg(test)]
mod tests;
