//! Parse + classify throughput on the bundled Sisimai corpus, in process (no I/O in the timed
//! loop): `cargo bench --bench corpus`. Prints emails per second and MB/s, the median of several
//! rounds. The side-by-side with the Perl Sisimai parser is `bench/compare-sisimai.sh`.

use std::path::Path;
use std::time::Instant;

use bouncedoc::input::Input;

/// The binary's allocator, so that the figures are the tool's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // BENCH_CORPUS=DIR runs another folder of emails (e.g. part of the corpus, to train a
    // profile-guided build on one half and measure it on the other).
    let dir = std::env::var_os("BENCH_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/sisimai/eml"),
        std::path::PathBuf::from,
    );
    let mut named: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    named.sort();
    if std::env::var_os("BENCH_PER_EMAIL").is_some() {
        per_email(&named);
        return;
    }
    let emails: Vec<Vec<u8>> = named.into_iter().map(|(_, bytes)| bytes).collect();
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
            if let Ok(input) = Input::from_slice("bench", email) {
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

/// `BENCH_PER_EMAIL=1`: the costliest emails, each timed alone (best of 20 after a warm-up round
/// over the whole corpus), to show where a round's time goes.
fn per_email(named: &[(String, Vec<u8>)]) {
    let run = |email: &[u8]| {
        if let Ok(input) = Input::from_slice("bench", email) {
            let bounce = bouncedoc::bounce::parse(&input);
            std::hint::black_box(bouncedoc::classify::classify(&bounce));
        }
    };
    for (_, email) in named {
        run(email);
    }
    let mut costs: Vec<(f64, &str, usize)> = named
        .iter()
        .map(|(name, email)| {
            let best = (0..20)
                .map(|_| {
                    let start = Instant::now();
                    run(email);
                    start.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min);
            (best, name.as_str(), email.len())
        })
        .collect();
    let total: f64 = costs.iter().map(|c| c.0).sum();
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("sum of best times {:.2} ms", total * 1e3);
    for (time, name, len) in costs.iter().take(600) {
        println!(
            "{:8.1} us {:6.1}%  {len:7} B  {name}",
            time * 1e6,
            time / total * 100.0
        );
    }
}
