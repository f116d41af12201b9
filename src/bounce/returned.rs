//! Facts read from the headers of the returned original message: who sent it (Return-Path,
//! From), the DKIM signatures it carried, and the addresses in its Received trail.

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

use super::DkimSignatureRef;
use super::headers::Headers;
use super::smtp::{clean_domain, is_usable_ip, parse_ip};

/// The most DKIM-Signature fields read from one message.
const MAX_SIGNATURES: usize = 10;
/// The most Received fields looked at.
const MAX_RECEIVED: usize = 50;

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    crate::bounce::pattern(
        r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+",
    )
});

/// The first e-mail address in `s`, lower-cased domain, or `None` (`<>` has none).
pub(crate) fn first_address(s: &str) -> Option<String> {
    let m = ADDRESS.find(s)?;
    Some(normalise_address(m.as_str()))
}

/// Every e-mail address in `s`, in order, at most `max`.
pub(crate) fn addresses(s: &str, max: usize) -> Vec<String> {
    ADDRESS
        .find_iter(s)
        .take(max)
        .map(|m| normalise_address(m.as_str()))
        .collect()
}

/// `Local@Example.COM.` → `Local@example.com`.
pub(crate) fn normalise_address(a: &str) -> String {
    let a = a.trim().trim_matches(['<', '>', '.', '\'', '"']);
    match a.rsplit_once('@') {
        Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
        None => a.to_string(),
    }
}

/// The domain of an address.
pub(crate) fn domain_of(address: &str) -> Option<String> {
    clean_domain(address.rsplit_once('@')?.1)
}

/// What the returned headers tell.
#[derive(Debug, Default, Clone)]
pub(crate) struct Returned {
    pub return_path: Option<String>,
    pub from: Option<String>,
    pub dkim: Vec<DkimSignatureRef>,
    /// The first usable address in a Received field's `from` clause, top (latest) first.
    pub received_ip: Option<IpAddr>,
}

static RECEIVED_IP: LazyLock<Regex> = LazyLock::new(|| {
    crate::bounce::pattern(
        r"(?i)[\[(]\s*((?:IPv6:)?[0-9a-f:.]*[0-9a-f])\s*[\])]|\b(\d{1,3}(?:\.\d{1,3}){3})\b",
    )
});

/// Reads the returned headers.
pub(crate) fn read(headers: &Headers) -> Returned {
    let mut out = Returned {
        return_path: headers.get("return-path").and_then(first_address),
        from: headers.get("from").and_then(first_address),
        ..Returned::default()
    };
    for value in headers.get_all("dkim-signature").take(MAX_SIGNATURES) {
        if let Some(sig) = dkim_tags(value) {
            out.dkim.push(sig);
        }
    }
    for value in headers.get_all("received").take(MAX_RECEIVED) {
        // Only the `from` clause: the `by` clause names the receiving host.
        let lower = value.to_ascii_lowercase();
        let from_clause = match lower.find(" by ") {
            Some(i) if lower.trim_start().starts_with("from") => &value[..i],
            _ if lower.trim_start().starts_with("from") => value,
            _ => continue,
        };
        let ip = RECEIVED_IP.captures_iter(from_clause).find_map(|c| {
            let s = c.get(1).or(c.get(2))?.as_str();
            parse_ip(s).filter(is_usable_ip)
        });
        if ip.is_some() {
            out.received_ip = ip;
            break;
        }
    }
    out
}

/// The `d=`, `s=` and `a=` tags of a DKIM-Signature value (RFC 6376 §3.5).
pub(crate) fn dkim_tags(value: &str) -> Option<DkimSignatureRef> {
    let mut domain = None;
    let mut selector = None;
    let mut algorithm = None;
    for tag in value.split(';').take(64) {
        let Some((name, val)) = tag.split_once('=') else {
            continue;
        };
        let val: String = val.chars().filter(|c| !c.is_whitespace()).collect();
        match name.trim() {
            "d" => domain = Some(val.trim_end_matches('.').to_ascii_lowercase()),
            "s" => selector = Some(val),
            "a" => algorithm = Some(val.to_ascii_lowercase()),
            _ => {}
        }
    }
    Some(DkimSignatureRef {
        domain: domain.filter(|d| !d.is_empty())?,
        selector: selector.filter(|s| !s.is_empty())?,
        algorithm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dkim_tags_read() {
        let sig =
            dkim_tags("v=1; a=rsa-sha256; c=relaxed/relaxed;\n d=Example.COM; s=sel1; bh=x; b=y")
                .unwrap();
        assert_eq!(sig.domain, "example.com");
        assert_eq!(sig.selector, "sel1");
        assert_eq!(sig.algorithm.as_deref(), Some("rsa-sha256"));
    }

    #[test]
    fn received_skips_private() {
        let (h, _) = Headers::parse(
            "Received: from a (a [10.0.0.1]) by b; x\nReceived: from c (c.example [203.0.113.7]) by d with SMTP\n\n",
        );
        assert_eq!(read(&h).received_ip, Some("203.0.113.7".parse().unwrap()));
    }
}
