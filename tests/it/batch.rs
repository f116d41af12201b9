//! Many inputs in one run: they are processed on several threads, yet the reports must come
//! out in input order, with unreadable inputs reported in their place, and each report equal
//! to the one a run on that input alone prints.

use crate::cli::run_bouncedoc;

/// The corpus emails, in a fixed order that is not the alphabetical one.
fn corpus_files() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus/sisimai/eml");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path().display().to_string())
        .collect();
    files.sort();
    // Interleave the two halves, so neighbours in the run are unrelated emails.
    let (a, b) = files.split_at(files.len() / 2);
    b.iter()
        .zip(a.iter().rev())
        .flat_map(|(x, y)| [x.clone(), y.clone()])
        .collect()
}

/// The `input` of each JSON report, in the order printed.
fn input_names(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["input"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn batch_reports_come_in_input_order_with_errors_in_place() {
    let mut files: Vec<String> = corpus_files().into_iter().take(90).collect();
    let missing = format!("{}/fixtures/no-such-bounce.eml", env!("CARGO_MANIFEST_DIR"));
    files.insert(37, missing.clone());
    let args: Vec<&str> = ["--json", "--offline"]
        .into_iter()
        .chain(files.iter().map(String::as_str))
        .collect();
    let run = run_bouncedoc(&args, b"");
    assert_eq!(run.code, 2, "an unreadable input makes the run exit 2");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("no-such-bounce.eml"), "{}", run.stderr);
    // A file read as a mailbox reports its messages as `FILE#1`, `FILE#2`, ...
    let mut inputs: Vec<String> = run
        .stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let name = v["input"].as_str().unwrap();
            name.split_once('#')
                .map_or(name, |(file, _)| file)
                .to_string()
        })
        .collect();
    inputs.dedup();
    let expected: Vec<String> = files.into_iter().filter(|f| *f != missing).collect();
    assert_eq!(inputs, expected);
}

#[test]
fn batch_reports_equal_the_reports_of_single_runs() {
    let files: Vec<String> = corpus_files().into_iter().step_by(23).collect();
    assert!(files.len() > 10);
    for json in [true, false] {
        let mode: &[&str] = if json {
            &["--json", "--offline"]
        } else {
            &["--offline", "--color", "never"]
        };
        let args: Vec<&str> = mode
            .iter()
            .copied()
            .chain(files.iter().map(String::as_str))
            .collect();
        let batch = run_bouncedoc(&args, b"");
        let mut one_by_one = String::new();
        for file in &files {
            let args: Vec<&str> = mode.iter().copied().chain([file.as_str()]).collect();
            one_by_one.push_str(&run_bouncedoc(&args, b"").stdout);
        }
        if !json {
            // The text report ends a batch with a summary; a single input has none.
            let end = batch.stdout.rfind("summary:").expect("a batch summary");
            assert_eq!(&batch.stdout[..end], one_by_one);
        } else {
            assert_eq!(batch.stdout, one_by_one);
        }
    }
}

#[test]
fn a_mailbox_among_named_files_is_reported_message_by_message_in_its_place() {
    let mbox = std::env::temp_dir().join(format!("bouncedoc-batch-{}.mbox", std::process::id()));
    let bytes = crate::cli::mbox_of(&[
        "fixtures/bounces/exim-5.7.1-spamhaus-blocked.eml",
        "fixtures/bounces/rfc3834-vacation.eml",
        "fixtures/bounces/office365-5.7.1-relay-denied.eml",
    ]);
    std::fs::write(&mbox, bytes).unwrap();
    let mbox_name = mbox.display().to_string();
    // Corpus emails that are not mailboxes themselves, so each gives one report.
    let files: Vec<String> = corpus_files()
        .into_iter()
        .filter(|f| !std::fs::read(f).unwrap().starts_with(b"From "))
        .take(20)
        .collect();
    let mut args: Vec<&str> = vec!["--json", "--offline"];
    args.extend(files[..10].iter().map(String::as_str));
    args.push(&mbox_name);
    args.extend(files[10..].iter().map(String::as_str));
    let run = run_bouncedoc(&args, b"");
    std::fs::remove_file(&mbox).unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let inputs = input_names(&run.stdout);
    let mut expected: Vec<String> = files[..10].to_vec();
    expected.extend((1..=3).map(|i| format!("{mbox_name}#{i}")));
    expected.extend(files[10..].iter().cloned());
    assert_eq!(inputs, expected);
}

#[test]
fn a_folders_files_are_read_by_the_workers_and_reported_in_order() {
    // The files of a folder are read on the worker threads: a file that fails to read there
    // (over --max-size) is still reported in its place, once, and the rest in name order.
    let dir = std::env::temp_dir().join(format!("bouncedoc-folder-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let small: Vec<String> = corpus_files()
        .into_iter()
        .filter(|f| std::fs::metadata(f).unwrap().len() < 20_000)
        .take(40)
        .collect();
    assert_eq!(small.len(), 40);
    let mut expected = Vec::new();
    for (i, file) in small.iter().enumerate() {
        let path = dir.join(format!("{i:03}.eml"));
        std::fs::copy(file, &path).unwrap();
        expected.push(path.display().to_string());
    }
    let too_large = dir.join("017-too-large.eml");
    std::fs::write(&too_large, "x".repeat(30_000)).unwrap();
    let dir_name = dir.display().to_string();
    let run = run_bouncedoc(
        &["--json", "--offline", "--max-size", "20000", &dir_name],
        b"",
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("017-too-large.eml"), "{}", run.stderr);
    assert!(
        run.stderr.contains("larger than the limit"),
        "{}",
        run.stderr
    );
    let inputs = input_names(&run.stdout);
    assert_eq!(inputs, expected);
}
