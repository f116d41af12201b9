//! The Sisimai corpus: every email is parsed and classified without a panic, and the results are
//! compared with Sisimai's labels (number of recipients per email; reason, status and reply
//! code per recipient). A table of agreement per reason is printed; mismatches are written to
//! `target/corpus-mismatches.tsv` for study.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use bouncedoc::bounce::{self, Bounce};
use bouncedoc::classify::{self, Classification};
use bouncedoc::input::Input;

/// One labelled recipient row.
#[derive(Debug, Clone)]
pub struct Label {
    pub index: usize,
    pub status: String,
    pub reply_code: String,
    pub reason: String,
}

/// Agreement counts for one reason (or the total).
#[derive(Debug, Default, Clone, Copy)]
pub struct Agreement {
    pub rows: usize,
    pub reason: usize,
    pub status: usize,
    pub reply: usize,
}

/// The comparison of the whole corpus.
#[derive(Debug, Default)]
pub struct CorpusReport {
    /// Labelled emails, and those whose number of recipients agrees.
    pub emails: usize,
    pub recipients_agree: usize,
    pub per_reason: BTreeMap<String, Agreement>,
    pub total: Agreement,
    /// One line per disagreement: file, index, what, expected, got.
    pub mismatches: Vec<String>,
    /// One line per labelled row: file, index, expected and got reason, status, command,
    /// dialect, the rule that decided and the diagnostic (for study, not asserted).
    pub rows: Vec<String>,
}

impl CorpusReport {
    pub fn recipients_pct(&self) -> f64 {
        pct(self.recipients_agree, self.emails)
    }
    pub fn reason_pct(&self) -> f64 {
        pct(self.total.reason, self.total.rows)
    }
    pub fn status_pct(&self) -> f64 {
        pct(self.total.status, self.total.rows)
    }
    pub fn reply_pct(&self) -> f64 {
        pct(self.total.reply, self.total.rows)
    }

    /// The agreement table, one row per labelled reason plus the totals.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<16} {:>5} {:>8} {:>8} {:>8}",
            "reason", "rows", "reason%", "status%", "reply%"
        );
        let total = "TOTAL".to_string();
        let rows = self
            .per_reason
            .iter()
            .chain(std::iter::once((&total, &self.total)));
        for (name, a) in rows {
            let _ = writeln!(
                out,
                "{:<16} {:>5} {:>8.1} {:>8.1} {:>8.1}",
                name,
                a.rows,
                pct(a.reason, a.rows),
                pct(a.status, a.rows),
                pct(a.reply, a.rows)
            );
        }
        let _ = writeln!(
            out,
            "recipients per email: {}/{} = {:.1}%",
            self.recipients_agree,
            self.emails,
            self.recipients_pct()
        );
        out
    }
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 {
        100.0
    } else {
        n as f64 * 100.0 / d as f64
    }
}

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/sisimai")
}

/// labels.tsv, then labels-legacy.tsv for emails labels.tsv does not list.
pub fn load_labels(dir: &Path) -> BTreeMap<String, Vec<Label>> {
    let mut labels: BTreeMap<String, Vec<Label>> = BTreeMap::new();
    for (i, name) in ["labels.tsv", "labels-legacy.tsv"].iter().enumerate() {
        let text = std::fs::read_to_string(dir.join(name)).expect("labels readable");
        let mut these: BTreeMap<String, Vec<Label>> = BTreeMap::new();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 5 {
                continue;
            }
            these.entry(cols[0].to_string()).or_default().push(Label {
                index: cols[1].parse().unwrap_or(0),
                status: cols[2].to_string(),
                reply_code: cols[3].to_string(),
                reason: cols[4].to_string(),
            });
        }
        for (file, rows) in these {
            if i == 0 || !labels.contains_key(&file) {
                labels.insert(file, rows);
            }
        }
    }
    labels
}

/// Parses and classifies one email file.
pub fn parse_file(path: &Path) -> (Bounce, Vec<Classification>) {
    let bytes = std::fs::read(path).expect("email readable");
    // One bounce of the corpus carries a NUL byte; it is mail all the same.
    let input = Input::from_mail_bytes(&path.to_string_lossy(), bytes);
    let bounce = bounce::parse(&input);
    let classes = classify::classify(&bounce);
    (bounce, classes)
}

/// Parses and classifies every email of the corpus and compares with the labels.
pub fn compare_corpus() -> CorpusReport {
    let dir = corpus_dir();
    let labels = load_labels(&dir);
    let mut report = CorpusReport::default();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("eml"))
        .expect("eml folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (bounce, classes) = parse_file(&path);
        let Some(rows) = labels.get(&name) else {
            continue;
        };
        report.emails += 1;
        if bounce.recipients.len() == rows.len() {
            report.recipients_agree += 1;
        } else {
            report.mismatches.push(format!(
                "{name}\t-\trecipients\t{}\t{}\t{:?}/{}",
                rows.len(),
                bounce.recipients.len(),
                bounce.kind,
                bounce.dialect.as_deref().unwrap_or("-")
            ));
        }
        for label in rows {
            let i = label.index.saturating_sub(1);
            let rcpt = bounce.recipients.get(i);
            let got_status = rcpt.and_then(|r| r.status.clone()).unwrap_or_default();
            let got_reply = rcpt
                .and_then(|r| r.reply_code)
                .map(|c| c.to_string())
                .unwrap_or_default();
            let got_reason = classes
                .get(i)
                .map(|c| c.reason.name().to_string())
                .unwrap_or_default();
            let checks = [
                ("reason", &label.reason, &got_reason),
                ("status", &label.status, &got_status),
                ("reply", &label.reply_code, &got_reply),
            ];
            let rule = classes
                .get(i)
                .and_then(|c| c.evidence.first())
                .map(|e| e.rule.as_str())
                .unwrap_or("-");
            report.rows.push(format!(
                "{name}\t{}\t{}\t{got_reason}\t{got_status}\t{}\t{}\t{rule}\t{}",
                label.index,
                label.reason,
                rcpt.and_then(|r| r.command.as_deref()).unwrap_or("-"),
                bounce.dialect.as_deref().unwrap_or("-"),
                rcpt.and_then(|r| r.diagnostic.as_deref())
                    .unwrap_or("")
                    .chars()
                    .take(160)
                    .collect::<String>()
            ));
            let entry = report.per_reason.entry(label.reason.clone()).or_default();
            entry.rows += 1;
            report.total.rows += 1;
            for (what, want, got) in checks {
                if want == got {
                    match what {
                        "reason" => {
                            entry.reason += 1;
                            report.total.reason += 1;
                        }
                        "status" => {
                            entry.status += 1;
                            report.total.status += 1;
                        }
                        _ => {
                            entry.reply += 1;
                            report.total.reply += 1;
                        }
                    }
                } else {
                    let diag = rcpt.and_then(|r| r.diagnostic.as_deref()).unwrap_or("");
                    report.mismatches.push(format!(
                        "{name}\t{}\t{what}\t{want}\t{got}\t{}",
                        label.index,
                        diag.chars().take(160).collect::<String>()
                    ));
                }
            }
        }
    }
    report
}

/// Writes the mismatches where they can be studied, not on stdout.
pub fn write_mismatches(report: &CorpusReport) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/corpus-mismatches.tsv");
    let _ = std::fs::create_dir_all(path.parent().unwrap());
    let mut text = String::from("file\tindex\tfield\texpected\tgot\tdetail\n");
    for m in &report.mismatches {
        text.push_str(m);
        text.push('\n');
    }
    let _ = std::fs::write(&path, text);
    let mut rows =
        String::from("file\tindex\texpected\tgot\tstatus\tcommand\tdialect\trule\tdiagnostic\n");
    for r in &report.rows {
        rows.push_str(r);
        rows.push('\n');
    }
    let _ = std::fs::write(path.with_file_name("corpus-rows.tsv"), rows);
    path
}

#[test]
fn corpus_recipients_agree_with_labels() {
    let report = compare_corpus();
    let path = write_mismatches(&report);
    println!("{}", report.table());
    println!("mismatches written to {}", path.display());
    assert!(
        report.emails > 450,
        "the corpus labels were not found ({} emails)",
        report.emails
    );
    assert!(
        report.recipients_pct() >= 95.0,
        "recipients per email agree for only {:.1}% of the labelled emails",
        report.recipients_pct()
    );
    // Status codes of the form x.9.xxx are Sisimai's own pseudo codes, which a parser cannot
    // read from the bounce; the floors below leave room for them.
    assert!(
        report.reply_pct() >= 85.0,
        "reply codes agree for only {:.1}%",
        report.reply_pct()
    );
    assert!(
        report.status_pct() >= 70.0,
        "statuses agree for only {:.1}%",
        report.status_pct()
    );
    // The reason floor is asserted by `corpus_reasons_agree_with_labels` below.
    println!("reason agreement: {:.1}%", report.reason_pct());
}

/// The classifier's floor on the parsed corpus: a ratchet, raised as parser and rules improve.
/// Most disagreements left are Sisimai's per-MTA or per-receiver choices between `filtered`,
/// `userunknown` and `suspend` for the same text, and reports with no reply in them.
const REASON_FLOOR_PCT: f64 = 90.0;

#[test]
fn corpus_reasons_agree_with_labels() {
    let report = compare_corpus();
    println!("{}", report.table());
    assert!(
        report.total.rows > 500,
        "only {} labelled rows",
        report.total.rows
    );
    assert!(
        report.reason_pct() >= REASON_FLOOR_PCT,
        "reasons agree for only {:.1}% of the labelled recipients (floor {REASON_FLOOR_PCT}%)",
        report.reason_pct()
    );
}

#[test]
fn every_corpus_email_parses_without_panic() {
    let dir = corpus_dir().join("eml");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("eml folder").flatten() {
        let _ = parse_file(&entry.path());
        n += 1;
    }
    assert!(n >= 500, "only {n} emails found");
}
