//! An in-memory [`Lookup`] for unit tests of the DKIM, DMARC and reverse-DNS checks.

use std::collections::HashMap;

use crate::dns::{DnsAnswer, DnsFuture, Lookup, QType, RData};

/// Answers from a table; names absent from it are NXDOMAIN, present names without the asked
/// type are "no data".
#[derive(Default)]
pub(crate) struct MemLookup {
    answers: HashMap<(String, QType), DnsAnswer>,
}

impl MemLookup {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a TXT record (one string per item of `strings`).
    pub(crate) fn txt(mut self, name: &str, text: &str) -> Self {
        self.add(name, QType::Txt, RData::Txt(vec![text.as_bytes().to_vec()]));
        self
    }

    /// Adds any record.
    pub(crate) fn rec(mut self, name: &str, qtype: QType, data: RData) -> Self {
        self.add(name, qtype, data);
        self
    }

    /// Makes a name answer with a fixed outcome (SERVFAIL, timeout...).
    pub(crate) fn answer(mut self, name: &str, qtype: QType, answer: DnsAnswer) -> Self {
        self.answers
            .insert((name.to_ascii_lowercase(), qtype), answer);
        self
    }

    fn add(&mut self, name: &str, qtype: QType, data: RData) {
        let entry = self
            .answers
            .entry((name.to_ascii_lowercase(), qtype))
            .or_insert(DnsAnswer::Records {
                records: Vec::new(),
                ttl: 300,
            });
        if let DnsAnswer::Records { records, .. } = entry {
            records.push(data);
        }
    }
}

impl Lookup for MemLookup {
    fn query<'a>(&'a self, name: &'a str, qtype: QType) -> DnsFuture<'a> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let answer = match self.answers.get(&(name.clone(), qtype)) {
            Some(a) => a.clone(),
            None if self.answers.keys().any(|(n, _)| *n == name) => DnsAnswer::NoData,
            None => DnsAnswer::NxDomain,
        };
        Box::pin(async move { answer })
    }
}

/// Runs a future to completion on a fresh current-thread runtime.
pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a test runtime")
        .block_on(f)
}
