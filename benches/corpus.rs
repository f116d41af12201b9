//! Parse + classify throughput on the bundled Sisimai corpus, in process (no I/O in the timed
//! loop): `cargo bench --bench corpus`. Prints emails per second and MB/s, the median of several
//! rounds. The side-by-side with the Perl Sisimai parser is `bench/compare-sisimai.sh`.

use std::path::Path;
use std::time::Instant;

use bouncedoc::input::Input;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/sisimai/eml");
    let mut emails: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .flatten()
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    emails.sort();
    let bytes: usize = emails.iter().map(Vec::len).sum();
    // BENCH_ROUNDS=1 for a profiler run (callgrind counts instructions; one round is enough).
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r: &usize| r > 0)
        .unwrap_or(15);
    let mut times = Vec::with_capacity(rounds);
    let mut recipients = 0usize;
    for _ in 0..rounds {
        let start = Instant::now();
        recipients = 0;
        for email in &emails {
            if let Ok(input) = Input::from_bytes("bench", email.clone()) {
                let bounce = bouncedoc::bounce::parse(&input);
                recipients += bouncedoc::classify::classify(&bounce).len();
            }
        }
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[rounds / 2];
    println!(
        "corpus: {} emails, {:.2} MB, {} recipients; median of {rounds} rounds {:.1} ms",
        emails.len(),
        bytes as f64 / 1e6,
        recipients,
        median * 1e3
    );
    println!(
        "parse + classify: {:.0} emails/s, {:.1} MB/s",
        emails.len() as f64 / median,
        bytes as f64 / 1e6 / median
    );
}
