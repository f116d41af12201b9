//! Records that answer before the network: `--assume` strings, `--zone` files, and the fixes
//! the diagnosis proposes and then re-checks. Layering is by (name, type): a record set in the
//! overlay replaces whatever the network holds for that pair, and nothing else.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use super::zone::{self, ZoneRecord};
use super::{DnsAnswer, DnsError, QType, RData, normalize_name};

/// How many bytes of zone file are read at most.
const MAX_ZONE_FILE: u64 = zone::MAX_ZONE_BYTES as u64;

/// A set of records by (name, type). Cheap to clone (shared, copy on write).
#[derive(Debug, Clone, Default)]
pub struct Overlay {
    sets: Arc<BTreeMap<(String, QType), RecordSet>>,
    /// Every owner name and all its ancestors: a name here "exists" (an ancestor with no
    /// records of its own is an empty non-terminal, RFC 8020).
    names: Arc<BTreeSet<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RecordSet {
    ttl: u32,
    records: Vec<RData>,
}

impl Overlay {
    /// An empty overlay: every question goes to the network.
    pub fn new() -> Overlay {
        Overlay::default()
    }

    /// True when no record was added.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// The number of records held.
    pub fn len(&self) -> usize {
        self.sets.values().map(|s| s.records.len()).sum()
    }

    /// Adds one record; records for the same (name, type) accumulate (two `MX` assumptions make
    /// a set of two), an identical record is kept once.
    pub fn insert(&mut self, record: ZoneRecord) {
        let name = normalize_name(&record.name);
        let names = Arc::make_mut(&mut self.names);
        let mut ancestor = name.as_str();
        loop {
            if !names.insert(ancestor.to_string()) {
                break;
            }
            match ancestor.split_once('.') {
                Some((_, parent)) => ancestor = parent,
                None if !ancestor.is_empty() => ancestor = "",
                None => break,
            }
        }
        let set = Arc::make_mut(&mut self.sets)
            .entry((name, record.qtype))
            .or_insert_with(|| RecordSet {
                ttl: record.ttl,
                records: Vec::new(),
            });
        set.ttl = set.ttl.min(record.ttl);
        if !set.records.contains(&record.rdata) {
            set.records.push(record.rdata);
        }
    }

    /// Adds the record of one `--assume 'NAME TYPE VALUE'` string.
    pub fn add_assumption(&mut self, text: &str) -> Result<(), DnsError> {
        let record = zone::parse_assumption(text).map_err(|error| DnsError::Assume {
            input: text.to_string(),
            error,
        })?;
        self.insert(record);
        Ok(())
    }

    /// Adds every record of a zone file (origin: the root unless the file sets `$ORIGIN`);
    /// returns how many were read.
    pub fn add_zone_file(&mut self, path: &Path) -> Result<usize, DnsError> {
        use std::io::Read;
        let io = |source| DnsError::ZoneIo {
            path: path.to_path_buf(),
            source,
        };
        let mut text = Vec::new();
        std::fs::File::open(path)
            .map_err(io)?
            .take(MAX_ZONE_FILE + 1)
            .read_to_end(&mut text)
            .map_err(io)?;
        let records = zone::parse_zone(&text, "").map_err(|error| DnsError::Zone {
            path: path.to_path_buf(),
            error,
        })?;
        let count = records.len();
        for record in records {
            self.insert(record);
        }
        Ok(count)
    }

    /// This overlay with `top` laid over it: each (name, type) that `top` holds replaces this
    /// overlay's set for the pair.
    pub fn layered(&self, top: &Overlay) -> Overlay {
        let mut merged = self.clone();
        let sets = Arc::make_mut(&mut merged.sets);
        for (key, set) in top.sets.iter() {
            sets.insert(key.clone(), set.clone());
        }
        Arc::make_mut(&mut merged.names).extend(top.names.iter().cloned());
        merged
    }

    /// The records held for (name, type), if any.
    pub fn get(&self, name: &str, qtype: QType) -> Option<&[RData]> {
        self.sets
            .get(&(normalize_name(name), qtype))
            .map(|s| s.records.as_slice())
    }

    /// True when the overlay holds records of (name, type), i.e. it answers that question.
    pub fn covers(&self, name: &str, qtype: QType) -> bool {
        self.sets.contains_key(&(normalize_name(name), qtype))
    }

    /// True when the name owns records or is an ancestor of a name that does.
    pub fn name_exists(&self, name: &str) -> bool {
        self.names.contains(&normalize_name(name))
    }

    /// The overlay's answer for (name, type), when it holds that set.
    pub(crate) fn answer(&self, name: &str, qtype: QType) -> Option<DnsAnswer> {
        self.sets
            .get(&(normalize_name(name), qtype))
            .map(|set| DnsAnswer::Records {
                records: set.records.clone(),
                ttl: set.ttl,
            })
    }

    /// The answer when the overlay is all there is (zone-only mode): a name it does not know
    /// does not exist, a known name without the type has no data.
    pub(crate) fn negative_answer(&self, name: &str) -> DnsAnswer {
        if self.name_exists(name) {
            DnsAnswer::NoData
        } else {
            DnsAnswer::NxDomain
        }
    }

    /// The CNAME target held for `name`, if any.
    pub(crate) fn cname(&self, name: &str) -> Option<String> {
        match self.get(name, QType::Cname)?.first()? {
            RData::Cname(target) => Some(normalize_name(target)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_layer_by_name_and_type() {
        let mut base = Overlay::new();
        base.add_assumption("example.com MX 10 mx1.example.com")
            .unwrap();
        base.add_assumption("example.com MX 20 mx2.example.com")
            .unwrap();
        base.add_assumption("example.com TXT \"v=spf1 -all\"")
            .unwrap();
        assert_eq!(base.get("Example.COM.", QType::Mx).unwrap().len(), 2);

        let mut top = Overlay::new();
        top.add_assumption("example.com TXT \"v=spf1 mx -all\"")
            .unwrap();
        let merged = base.layered(&top);
        assert_eq!(
            merged.get("example.com", QType::Txt).unwrap()[0].txt_joined(),
            Some("v=spf1 mx -all".to_string())
        );
        assert_eq!(merged.get("example.com", QType::Mx).unwrap().len(), 2);
        // The base is untouched.
        assert_eq!(
            base.get("example.com", QType::Txt).unwrap()[0].txt_joined(),
            Some("v=spf1 -all".to_string())
        );
    }

    #[test]
    fn empty_non_terminals_exist() {
        let mut o = Overlay::new();
        o.add_assumption("sel._domainkey.example.com TXT \"v=DKIM1; p=\"")
            .unwrap();
        assert_eq!(
            o.negative_answer("_domainkey.example.com"),
            DnsAnswer::NoData
        );
        assert_eq!(o.negative_answer("example.com"), DnsAnswer::NoData);
        assert_eq!(o.negative_answer("other.example.com"), DnsAnswer::NxDomain);
        assert_eq!(
            o.negative_answer("sel._domainkey.example.com"),
            DnsAnswer::NoData
        );
    }

    #[test]
    fn bad_assumption_is_an_error_with_the_input() {
        let mut o = Overlay::new();
        let err = o.add_assumption("example.com TXTX x").unwrap_err();
        assert!(
            matches!(err, DnsError::Assume { ref input, ref error } if input == "example.com TXTX x" && error.column == 13)
        );
    }
}
