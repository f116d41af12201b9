//! Macro expansion (RFC 7208 §7): the values a macro string is filled with, and the bounded
//! expansion itself. Pure: the `%{p}` name, which needs DNS, is looked up by the evaluator first.

use std::net::IpAddr;

use serde::Serialize;

use super::record::{Macro, MacroLetter, MacroString, MacroToken};

/// Longest expansion produced (bytes); beyond this expansion stops with an error. Domain names
/// are further cut to 253 bytes (§7.3), explanations to [`MAX_EXPLANATION_LEN`].
pub const MAX_EXPANSION_LEN: usize = 8 * 1024;
/// Longest explanation kept (bytes).
pub const MAX_EXPLANATION_LEN: usize = 1024;
/// Longest domain name (RFC 7208 §7.3, RFC 1035).
pub const MAX_DOMAIN_LEN: usize = 253;

/// Why a macro string could not be expanded (each is a permerror).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum MacroError {
    /// `c`, `r` or `t` outside an explanation (§7.3).
    #[error("macro letter `{0}` is only allowed in explanations")]
    ExplanationOnly(char),
    /// A digit transformer of zero (§7.3: "If a DIGIT is specified, the value MUST be nonzero").
    #[error("macro digit transformer is zero")]
    ZeroDigits,
    /// The expansion grew past [`MAX_EXPANSION_LEN`].
    #[error("macro expansion too long")]
    TooLong,
}

/// The values macros expand to during one check_host() call.
#[derive(Debug, Clone)]
pub struct MacroContext<'a> {
    /// `s`: the sender (`local-part@domain`).
    pub sender: &'a str,
    /// `l`: the sender's local part.
    pub local_part: &'a str,
    /// `o`: the sender's domain.
    pub sender_domain: &'a str,
    /// `d`: the domain being checked (changes with include/redirect).
    pub domain: &'a str,
    /// `i`, `c`, `v`: the client address (IPv4-mapped addresses already unmapped).
    pub ip: IpAddr,
    /// `h`: the HELO/EHLO name.
    pub helo: &'a str,
    /// `p`: the validated name, looked up beforehand when the string uses `p`.
    pub validated_name: Option<&'a str>,
    /// `r`: the receiving host's name.
    pub receiver: &'a str,
    /// `t`: seconds since the epoch.
    pub timestamp: u64,
}

/// True when the string uses `%{p}` (which needs a DNS lookup before expansion).
pub fn uses_validated_name(string: &MacroString) -> bool {
    string
        .tokens
        .iter()
        .any(|t| matches!(t, MacroToken::Macro(m) if m.letter == MacroLetter::ValidatedName))
}

/// Expands `string`; `explanation` allows `c`, `r`, `t` (§7.3).
pub fn expand(
    string: &MacroString,
    ctx: &MacroContext<'_>,
    explanation: bool,
) -> Result<String, MacroError> {
    let mut out = String::new();
    for token in &string.tokens {
        match token {
            MacroToken::Literal { text } => out.push_str(text),
            MacroToken::Percent => out.push('%'),
            MacroToken::Space => out.push(' '),
            MacroToken::UrlSpace => out.push_str("%20"),
            MacroToken::Macro(m) => {
                if m.letter.explanation_only() && !explanation {
                    return Err(MacroError::ExplanationOnly(m.letter.letter()));
                }
                expand_macro(m, ctx, &mut out)?;
            }
        }
        if out.len() > MAX_EXPANSION_LEN {
            return Err(MacroError::TooLong);
        }
    }
    Ok(out)
}

/// Cuts an expanded domain name to 253 bytes by removing labels from the left (§7.3).
pub fn truncate_domain(name: &str) -> &str {
    let mut name = name;
    while name.trim_end_matches('.').len() > MAX_DOMAIN_LEN {
        match name.split_once('.') {
            Some((_, rest)) => name = rest,
            None => break,
        }
    }
    name
}

fn letter_value(letter: MacroLetter, ctx: &MacroContext<'_>) -> String {
    match letter {
        MacroLetter::Sender => ctx.sender.to_string(),
        MacroLetter::LocalPart => ctx.local_part.to_string(),
        MacroLetter::SenderDomain => ctx.sender_domain.to_string(),
        MacroLetter::Domain => ctx.domain.to_string(),
        MacroLetter::Ip => dotted_ip(ctx.ip),
        MacroLetter::ValidatedName => ctx.validated_name.unwrap_or("unknown").to_string(),
        MacroLetter::Helo => ctx.helo.to_string(),
        MacroLetter::ClientIp => ctx.ip.to_string(),
        MacroLetter::Receiver => ctx.receiver.to_string(),
        MacroLetter::Timestamp => ctx.timestamp.to_string(),
        MacroLetter::Version => match ctx.ip {
            IpAddr::V4(_) => "in-addr".to_string(),
            IpAddr::V6(_) => "ip6".to_string(),
        },
    }
}

/// `%{i}`: dotted quad for IPv4, dot-separated nibbles for IPv6 (§7.3).
pub fn dotted_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let mut parts = Vec::with_capacity(32);
            for byte in v6.octets() {
                parts.push(format!("{:x}", byte >> 4));
                parts.push(format!("{:x}", byte & 0xf));
            }
            parts.join(".")
        }
    }
}

/// The reverse-lookup name of an address (`4.3.2.1.in-addr.arpa`, nibbles `.ip6.arpa`).
pub fn reverse_name(ip: IpAddr) -> String {
    let dotted = dotted_ip(ip);
    let mut parts: Vec<&str> = dotted.split('.').collect();
    parts.reverse();
    let suffix = match ip {
        IpAddr::V4(_) => "in-addr.arpa",
        IpAddr::V6(_) => "ip6.arpa",
    };
    format!("{}.{suffix}", parts.join("."))
}

fn expand_macro(m: &Macro, ctx: &MacroContext<'_>, out: &mut String) -> Result<(), MacroError> {
    let value = letter_value(m.letter, ctx);
    let delimiters = if m.delimiters.is_empty() {
        "."
    } else {
        m.delimiters.as_str()
    };
    let mut parts: Vec<&str> = value.split(|c| delimiters.contains(c)).collect();
    if m.reverse {
        parts.reverse();
    }
    if let Some(n) = m.digits {
        if n == 0 {
            return Err(MacroError::ZeroDigits);
        }
        let keep = (n as usize).min(parts.len());
        parts.drain(..parts.len() - keep);
    }
    let joined = parts.join(".");
    if m.url_escape {
        url_escape(&joined, out);
    } else {
        out.push_str(&joined);
    }
    Ok(())
}

/// Percent-encodes every byte outside RFC 3986 "unreserved" (§7.3).
fn url_escape(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spf::record::parse_macro_string;

    fn ctx(ip: &str) -> MacroContext<'static> {
        MacroContext {
            sender: "strong-bad@email.example.com",
            local_part: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: ip.parse().unwrap(),
            helo: "mx.example.org",
            validated_name: None,
            receiver: "unknown",
            timestamp: 1_700_000_000,
        }
    }

    /// The examples of RFC 7208 §7.4.
    #[test]
    fn rfc7208_section_7_4_examples() {
        let v4: &[(&str, &str)] = &[
            ("%{s}", "strong-bad@email.example.com"),
            ("%{o}", "email.example.com"),
            ("%{d}", "email.example.com"),
            ("%{d4}", "email.example.com"),
            ("%{d3}", "email.example.com"),
            ("%{d2}", "example.com"),
            ("%{d1}", "com"),
            ("%{dr}", "com.example.email"),
            ("%{d2r}", "example.email"),
            ("%{l}", "strong-bad"),
            ("%{l-}", "strong.bad"),
            ("%{lr}", "strong-bad"),
            ("%{lr-}", "bad.strong"),
            ("%{l1r-}", "strong"),
            (
                "%{ir}.%{v}._spf.%{d2}",
                "3.2.0.192.in-addr._spf.example.com",
            ),
            ("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"),
            (
                "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
                "bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
            ),
            (
                "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
                "3.2.0.192.in-addr.strong.lp._spf.example.com",
            ),
            (
                "%{d2}.trusted-domains.example.net",
                "example.com.trusted-domains.example.net",
            ),
            ("%%%_%-", "% %20"),
        ];
        for (input, expected) in v4 {
            let ms = parse_macro_string(input).unwrap();
            assert_eq!(
                expand(&ms, &ctx("192.0.2.3"), false).unwrap(),
                *expected,
                "{input}"
            );
        }
        let ms = parse_macro_string("%{ir}.%{v}._spf.%{d2}").unwrap();
        assert_eq!(
            expand(&ms, &ctx("2001:db8::cb01"), false).unwrap(),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
    }

    #[test]
    fn url_escaping_and_explanation_letters() {
        let mut c = ctx("192.0.2.3");
        c.local_part = "~jack&jill=up-a_b3.c";
        let ms = parse_macro_string("l=%{L} from %{c} at %{r}").unwrap();
        assert_eq!(
            expand(&ms, &c, true).unwrap(),
            "l=~jack%26jill%3Dup-a_b3.c from 192.0.2.3 at unknown"
        );
        assert_eq!(
            expand(&ms, &c, false),
            Err(MacroError::ExplanationOnly('c'))
        );
        let zero = parse_macro_string("%{d0}").unwrap();
        assert_eq!(expand(&zero, &c, false), Err(MacroError::ZeroDigits));
    }

    #[test]
    fn expansion_is_bounded() {
        let mut c = ctx("192.0.2.3");
        let long = "x".repeat(2000);
        c.sender = &long;
        let ms = parse_macro_string(&"%{s}".repeat(10)).unwrap();
        assert_eq!(expand(&ms, &c, false), Err(MacroError::TooLong));
        let name = format!("{}.example.com", "a.".repeat(200));
        let cut = truncate_domain(&name);
        assert!(cut.len() <= MAX_DOMAIN_LEN && cut.ends_with(".example.com"));
    }

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("192.0.2.3".parse().unwrap()),
            "3.2.0.192.in-addr.arpa"
        );
        assert!(
            reverse_name("2001:db8::1".parse().unwrap()).ends_with(".8.b.d.0.1.0.0.2.ip6.arpa")
        );
    }
}
