//! Opens a bounce message with the MIME walker and sorts its parts into what the dialects read: the
//! human-readable report, the `message/delivery-status` fields, a feedback report, and the
//! returned original (whole, headers only, or pasted inline after a marker line).

use std::sync::LazyLock;

use regex::Regex;

use super::headers::Headers;
use super::mime::Body;

/// The most MIME parts looked at in one message.
const MAX_PARTS: usize = 200;
/// The most text kept from the human-readable parts, in bytes.
const MAX_BODY: usize = 512 * 1024;

/// A bounce laid out for the dialect parsers.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    /// The bounce's own headers (empty for pasted text).
    pub headers: Headers,
    /// The human-readable report, without any returned message pasted after it.
    pub body: String,
    /// The human-readable text whole, returned message included (forwarded bounces sit there).
    pub full_body: String,
    /// The texts of the `message/delivery-status` parts.
    pub dsn: Vec<String>,
    /// The text of a `message/feedback-report` part.
    pub feedback: Option<String>,
    /// The `report-type` of a `multipart/report`, lower-cased.
    pub report_type: Option<String>,
    /// The exact bytes of a returned `message/rfc822` part.
    pub returned_raw: Option<Vec<u8>>,
    /// The headers of the returned message, wherever they came from.
    pub returned_headers: Option<Headers>,
    /// Every message attached whole (a bounce forwarded as an attachment is one of them).
    pub attached: Vec<Vec<u8>>,
    pub warnings: Vec<String>,
}

impl Ctx {
    /// The value of one of the bounce's own headers.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }

    /// The bounce's From and Subject joined, lower-cased: what most dialects detect on.
    pub fn sender_and_subject(&self) -> String {
        format!(
            "{}\n{}",
            self.header("from").unwrap_or(""),
            self.header("subject").unwrap_or("")
        )
        .to_ascii_lowercase()
    }
}

/// Lines that begin a copy of the returned message pasted into the report text, searched in
/// the ASCII-lower-cased text: an ASCII pattern without `(?i)` finds the same places (lower-
/// casing ASCII keeps every byte offset) and compiles in a third of the time.
static RETURNED_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    crate::bounce::pattern(
        r"(?m)^[\s>-]*(?:-+\s*)?(?:this is a copy of the message|below this line is a copy of the message|original message\s*-+|original message follows|unsent message follows|message headers follow|the header of the original message|original message headers:|returned message follows|headers of the original message|the original message was:?\s*$|content-type: message/rfc822|the text you sent follows|original mail:|copy of the original message|included is a copy of the message header|the header of the original message is following)",
    )
});

impl Ctx {
    /// Lays out pasted text: everything is report body.
    pub fn from_text(text: &str) -> Ctx {
        let mut ctx = Ctx::default();
        ctx.set_body(text);
        ctx
    }

    /// Lays out a whole message; `text` is `bytes` decoded (see [`super::lossy`]), `headers`
    /// its header block when the caller has read it already.
    pub fn from_message(bytes: &[u8], text: &str, headers: Option<Headers>) -> Ctx {
        let headers = headers.unwrap_or_else(|| Headers::parse(skip_mbox_line(text)).0);
        let mut ctx = Ctx {
            headers,
            ..Ctx::default()
        };
        let Some(message) = super::mime::walk(bytes, MAX_PARTS) else {
            ctx.warnings
                .push("the message could not be parsed as MIME".into());
            let body = text.split_once("\n\n").map(|(_, b)| b).unwrap_or("");
            ctx.set_body(body);
            return ctx;
        };
        if let Some(ct) = message.content_type()
            && ct.ctype().eq_ignore_ascii_case("multipart")
        {
            ctx.report_type = ct.attribute("report-type").map(|s| s.to_ascii_lowercase());
            // Looked for from the end, where a closing boundary sits.
            if let Some(boundary) = ct.attribute("boundary")
                && text.rfind(&format!("--{boundary}--")).is_none()
            {
                ctx.warnings
                    .push("truncated MIME: the closing boundary of the message is missing".into());
            }
        }
        let mut texts: Vec<String> = Vec::new();
        let mut htmls: Vec<String> = Vec::new();
        for part in &message.parts {
            let (ctype, subtype) = part
                .content_type
                .as_ref()
                .map(|ct| {
                    (
                        ct.ctype().to_ascii_lowercase(),
                        ct.subtype().unwrap_or("").to_ascii_lowercase(),
                    )
                })
                .unwrap_or_else(|| ("text".into(), "plain".into()));
            let full = format!("{ctype}/{subtype}");
            match &part.body {
                Body::Multipart => {}
                Body::Message(raw) => {
                    let raw = raw.to_vec();
                    if full.contains("rfc822-headers") || full.contains("global-headers") {
                        let s = super::lossy(&raw);
                        ctx.returned_headers.get_or_insert(Headers::parse(&s).0);
                    } else {
                        if ctx.returned_raw.is_none() {
                            let s = super::lossy(&raw);
                            ctx.returned_headers = Some(Headers::parse(&s).0);
                            ctx.returned_raw = Some(raw.clone());
                        }
                        ctx.attached.push(raw);
                    }
                }
                Body::Text(s) | Body::Html(s) => {
                    ctx.add_part(&full, s.as_bytes(), part.encoding_problem);
                    if !is_special(&full) {
                        if matches!(part.body, Body::Html(_)) {
                            htmls.push(strip_html(s));
                        } else {
                            texts.push(s.to_string());
                        }
                    }
                }
                Body::Binary(b) => {
                    ctx.add_part(&full, b, part.encoding_problem);
                }
            }
        }
        let mut body = if texts.iter().any(|t| !t.trim().is_empty()) {
            texts.join("\n\n")
        } else {
            htmls.join("\n\n")
        };
        if body.trim().is_empty() && ctx.dsn.is_empty() && ctx.attached.is_empty() {
            // Broken MIME (an unfolded `boundary=` line) hides every part: read the raw body.
            let raw = skip_mbox_line(text)
                .split_once("\n\n")
                .map(|(_, b)| b)
                .unwrap_or("");
            if !raw.trim().is_empty() {
                ctx.warnings
                    .push("no text part could be found; the raw body was read".into());
                body = raw.to_string();
            }
        }
        ctx.set_body(&body);
        ctx
    }

    /// Files a non-body part by its content type.
    fn add_part(&mut self, full: &str, bytes: &[u8], encoding_problem: bool) {
        let text = || {
            let s = super::lossy(bytes);
            if s.contains('\r') {
                s.replace("\r\n", "\n")
            } else {
                s.into_owned()
            }
        };
        if full.ends_with("delivery-status") {
            self.dsn.push(text());
        } else if full == "message/feedback-report" {
            self.feedback.get_or_insert_with(text);
        } else if full.contains("rfc822-headers") || full.ends_with("global-headers") {
            self.returned_headers
                .get_or_insert_with(|| Headers::parse(&text()).0);
        } else if full == "message/rfc822" || full == "message/global" {
            let raw = bytes.to_vec();
            if self.returned_raw.is_none() {
                self.returned_headers = Some(Headers::parse(&text()).0);
                self.returned_raw = Some(raw.clone());
            }
            self.attached.push(raw);
        }
        if encoding_problem {
            self.warnings
                .push(format!("a {full} part could not be decoded"));
        }
    }

    /// Keeps the report text, moving a returned message pasted after a marker line out of it.
    fn set_body(&mut self, body: &str) {
        let body = super::smtp::truncate(body, MAX_BODY);
        self.full_body = body.clone();
        match RETURNED_MARKER.find(&body.to_ascii_lowercase()) {
            Some(m) if m.start() > 0 => {
                let rest = &body[m.end()..];
                let rest = rest.split_once('\n').map(|(_, r)| r).unwrap_or("");
                let rest = rest.trim_start_matches(['\n', ' ', '\t']);
                if self.returned_headers.is_none() {
                    let (h, _) = Headers::parse(rest);
                    if !h.is_empty() {
                        self.returned_headers = Some(h);
                    }
                }
                self.body = body[..m.start()].to_string();
            }
            _ => self.body = body,
        }
    }
}

fn is_special(full: &str) -> bool {
    full.ends_with("delivery-status")
        || full.ends_with("feedback-report")
        || full.contains("rfc822")
        || full.ends_with("global-headers")
}

fn skip_mbox_line(text: &str) -> &str {
    if text.starts_with("From ") {
        text.split_once('\n').map(|(_, r)| r).unwrap_or("")
    } else {
        text
    }
}

static TAG: LazyLock<Regex> = LazyLock::new(|| crate::bounce::pattern(r"(?s)<[^>]*>"));
static BREAK: LazyLock<Regex> = LazyLock::new(|| {
    crate::bounce::pattern(r"(?i)<\s*(?:br|/p|/div|/tr|/li|/h\d|p|div|tr)\b[^>]*>")
});
static DROP: LazyLock<Regex> = LazyLock::new(|| {
    crate::bounce::pattern(r"(?is)<(?:style|script|head)\b.*?</(?:style|script|head)>")
});

/// Text of an HTML part: tags dropped, block ends made line breaks, a few entities decoded.
pub(crate) fn strip_html(html: &str) -> String {
    let s = DROP.replace_all(html, "");
    let s = BREAK.replace_all(&s, "\n");
    let s = TAG.replace_all(&s, "");
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    /// The marker found in lower-cased text is where the case-insensitive pattern finds it.
    #[test]
    fn returned_marker_on_lower_case_text_is_the_case_insensitive_pattern() {
        let insensitive =
            regex::RegexBuilder::new(&format!("(?i){}", super::RETURNED_MARKER.as_str()))
                .unicode(false)
                .build()
                .expect("an ASCII pattern");
        let mut found = 0;
        for bytes in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&bytes);
            let by_lower = super::RETURNED_MARKER
                .find(&text.to_ascii_lowercase())
                .map(|m| m.range());
            assert_eq!(by_lower, insensitive.find(&text).map(|m| m.range()));
            found += usize::from(by_lower.is_some());
        }
        assert!(found > 100, "{found} markers");
    }
}
