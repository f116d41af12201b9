//! Rewriting an SPF record as text, term by term, so that a fix changes only what it must and
//! leaves the rest of the user's record exactly as they wrote it.

/// The record's terms (SPF terms are separated by spaces, RFC 7208 §12).
fn terms(record: &str) -> Vec<&str> {
    record.split_ascii_whitespace().collect()
}

fn is_all(term: &str) -> bool {
    let t = term.trim_start_matches(['+', '-', '~', '?']);
    t.eq_ignore_ascii_case("all")
}

fn is_redirect(term: &str) -> bool {
    term.len() > 9 && term[..9].eq_ignore_ascii_case("redirect=")
}

/// `record` with `new_term` added where it takes effect: before `all` (or a `redirect=`), or at
/// the end when the record has neither. A term the record already has is not added twice.
pub fn add_term(record: &str, new_term: &str) -> String {
    let mut terms = terms(record);
    if terms.iter().any(|t| t.eq_ignore_ascii_case(new_term)) {
        return terms.join(" ");
    }
    let at = terms
        .iter()
        .position(|t| is_all(t) || is_redirect(t))
        .unwrap_or(terms.len())
        .max(1.min(terms.len()));
    terms.insert(at, new_term);
    terms.join(" ")
}

/// `record` with the term `old` replaced by `new` (case-insensitive match of the whole term).
pub fn replace_term(record: &str, old: &str, new: &str) -> String {
    terms(record)
        .into_iter()
        .map(|t| if t.eq_ignore_ascii_case(old) { new } else { t })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One record made of several: the mechanisms of all of them in order, each once, ending with
/// the first record's `all` (or `redirect=`), since a domain may publish only one SPF record.
pub fn merge_records(records: &[&str]) -> String {
    let mut merged: Vec<&str> = vec!["v=spf1"];
    let mut ending: Option<&str> = None;
    for record in records {
        for term in terms(record).into_iter().skip(1) {
            if is_all(term) || is_redirect(term) {
                ending.get_or_insert(term);
            } else if !merged.iter().any(|t| t.eq_ignore_ascii_case(term)) {
                merged.push(term);
            }
        }
    }
    if let Some(end) = ending {
        merged.push(end);
    }
    merged.join(" ")
}

/// `record` without the term `term` (case-insensitive match of the whole term).
pub fn remove_term(record: &str, term: &str) -> String {
    terms(record)
        .into_iter()
        .filter(|t| !t.eq_ignore_ascii_case(term))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_goes_before_all() {
        assert_eq!(
            add_term(
                "v=spf1 mx include:_spf.google.com -all",
                "include:sendgrid.net"
            ),
            "v=spf1 mx include:_spf.google.com include:sendgrid.net -all"
        );
        assert_eq!(
            add_term("v=spf1 a redirect=_spf.example.com", "ip4:192.0.2.1"),
            "v=spf1 a ip4:192.0.2.1 redirect=_spf.example.com"
        );
        assert_eq!(add_term("v=spf1 mx", "a"), "v=spf1 mx a");
        assert_eq!(add_term("v=spf1 -all", "mx"), "v=spf1 mx -all");
        assert_eq!(add_term("v=spf1  mx   -all", "MX"), "v=spf1 mx -all");
    }

    #[test]
    fn old_address_is_replaced() {
        assert_eq!(
            replace_term(
                "v=spf1 ip4:192.0.2.1 mx -all",
                "ip4:192.0.2.1",
                "ip4:192.0.2.77"
            ),
            "v=spf1 ip4:192.0.2.77 mx -all"
        );
    }

    #[test]
    fn records_merge_into_one() {
        assert_eq!(
            merge_records(&[
                "v=spf1 include:_spf.google.com ~all",
                "v=spf1 include:sendgrid.net include:_spf.google.com -all"
            ]),
            "v=spf1 include:_spf.google.com include:sendgrid.net ~all"
        );
    }
}
