//! The SPF record parser (no DNS): parse, print, re-parse, and expand every macro string
//! with a fixed context.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use bouncedoc::spf::macros::{self, MacroContext};
use bouncedoc::spf::record::{
    MacroString, Mechanism, Modifier, SpfRecord, Term, parse_macro_string,
};
use libfuzzer_sys::fuzz_target;

fn expand_all(s: &MacroString) {
    let ctx = MacroContext {
        sender: "strong-bad@email.example.com",
        local_part: "strong-bad",
        sender_domain: "email.example.com",
        domain: "email.example.com",
        ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)),
        helo: "mx.example.org",
        validated_name: Some("mx.example.org"),
        receiver: "receiver.example.net",
        timestamp: 1_700_000_000,
    };
    for explanation in [false, true] {
        if let Ok(out) = macros::expand(s, &ctx, explanation) {
            let _ = macros::truncate_domain(&out);
        }
    }
    let _ = macros::uses_validated_name(s);
}

fn domains(term: &Term) -> Vec<&MacroString> {
    match term {
        Term::Directive(d) => match &d.mechanism {
            Mechanism::Include { domain } | Mechanism::Exists { domain } => vec![domain],
            Mechanism::A { domain, .. }
            | Mechanism::Mx { domain, .. }
            | Mechanism::Ptr { domain } => domain.iter().collect(),
            Mechanism::All | Mechanism::Ip4 { .. } | Mechanism::Ip6 { .. } => vec![],
        },
        Term::Modifier(m) => match m {
            Modifier::Redirect { domain } | Modifier::Exp { domain } => vec![domain],
            Modifier::Unknown { value, .. } => vec![value],
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ms) = parse_macro_string(text) {
        expand_all(&ms);
        // A parsed macro string prints back to one that parses to the same tokens.
        let printed = ms.to_string();
        let again = parse_macro_string(&printed)
            .unwrap_or_else(|e| panic!("printed macro string {printed:?} does not parse: {e:?}"));
        assert_eq!(ms, again, "macro string round trip through {printed:?}");
    }
    let Ok(record) = text.parse::<SpfRecord>() else {
        return;
    };
    let _ = record.to_string();
    let _ = record.all_position();
    let _ = record.redirect();
    let _ = record.exp();
    for i in 0..record.terms.len() {
        let _ = record.term_text(i);
    }
    for term in &record.terms {
        for d in domains(term) {
            expand_all(d);
        }
    }
    // The canonical print of the terms parses back to the same terms.
    let canonical = SpfRecord::new(record.terms.clone()).to_string();
    let again: SpfRecord = canonical
        .parse()
        .unwrap_or_else(|e| panic!("canonical record {canonical:?} does not parse: {e:?}"));
    assert_eq!(
        record.terms, again.terms,
        "record round trip through {canonical:?}"
    );
    // So does a fix's insertion before `all`.
    let mut fixed = record.clone();
    fixed.insert_before_all("include:_spf.example.com".parse::<Term>().unwrap());
    let _ = fixed.to_string();
});
