//! The bad-scenario corpus: each file in `tests/bad_scenarios/` holds one kind of mistake, and its
//! `.expected` file pins the exact message, so messages stay good. Every file is also given to the binary's
//! `validate`, which must exit 2, name the file, and not panic. Rewrite the messages on purpose with
//! `UPDATE_GOLDEN=1 cargo test --release bad_inputs`.

use std::path::{Path, PathBuf};
use supportsim::Scenario;

/// The `.toml` files of a corpus folder, sorted.
pub fn corpus(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Compares a message with its pinned `.expected` file (rewriting it under UPDATE_GOLDEN); the difference,
/// if any.
pub fn pinned(path: &Path, message: &str) -> Option<String> {
    let expected = path.with_extension("expected");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&expected, message).unwrap();
    }
    let want = std::fs::read_to_string(&expected).unwrap_or_default();
    (want != message).then(|| format!("{}:\n  got:  {}\n  want: {}", path.display(), message.trim(), want.trim()))
}

#[test]
fn every_bad_scenario_gets_its_pinned_message() {
    let files = corpus("tests/bad_scenarios");
    assert!(files.len() >= 100, "the corpus has at least 100 mistakes");
    let mut stale = Vec::new();
    for path in &files {
        let message = match Scenario::from_file(path) {
            Ok(_) => panic!("{} was accepted", path.display()),
            Err(e) => e.to_string(),
        };
        stale.extend(pinned(path, &message));
    }
    assert!(stale.is_empty(), "messages differ (UPDATE_GOLDEN=1 rewrites):\n{}", stale.join("\n"));
}

#[test]
fn the_binary_refuses_every_bad_scenario_with_exit_2_naming_the_file() {
    let mut wrong = Vec::new();
    for path in corpus("tests/bad_scenarios") {
        let o = crate::common::supportsim(&["validate".as_ref(), path.as_os_str()], 20);
        let err = String::from_utf8_lossy(&o.stderr);
        let named = err.contains(&*path.to_string_lossy()) || err.contains("parents/") || err.contains("/dev/zero");
        if o.status.code() != Some(2) || !named || err.contains("panicked") {
            wrong.push(format!("{}: exit {:?}\n{err}", path.display(), o.status.code()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Runs every file of a corpus through `load` (pinned message) and through the binary (`args` before the
/// file, an `--out` after it): exit 2, the file named, no panic, and nothing written.
fn refused_everywhere(dir: &str, load: impl Fn(&Path) -> Result<(), String>, args: &[&str]) {
    let files = corpus(dir);
    let (mut stale, mut wrong) = (Vec::new(), Vec::new());
    for path in &files {
        match load(path) {
            Ok(()) => wrong.push(format!("{} was accepted", path.display())),
            Err(message) => stale.extend(pinned(path, &message)),
        }
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let mut argv: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        argv.extend([path.as_os_str(), "--out".as_ref(), out.as_os_str()]);
        let o = crate::common::supportsim(&argv, 30);
        let err = String::from_utf8_lossy(&o.stderr);
        if o.status.code() != Some(2) || !err.contains(&*path.to_string_lossy()) || err.contains("panicked") {
            wrong.push(format!("{}: exit {:?}\n{err}", path.display(), o.status.code()));
        }
        if out.exists() {
            wrong.push(format!("{}: wrote {}", path.display(), out.display()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(stale.is_empty(), "messages differ (UPDATE_GOLDEN=1 rewrites):\n{}", stale.join("\n"));
}

#[test]
fn every_bad_sweep_file_is_refused_with_its_pinned_message_before_anything_is_built() {
    assert!(corpus("tests/bad_sweeps").len() >= 30);
    refused_everywhere(
        "tests/bad_sweeps",
        |p| supportsim::sweep::load(p).map(|_| ()).map_err(|e| e.to_string()),
        &["sweep"],
    );
}

#[test]
fn every_bad_targets_file_is_refused_with_its_pinned_message() {
    assert!(corpus("tests/bad_targets").len() >= 20);
    refused_everywhere(
        "tests/bad_targets",
        |p| supportsim::calibrate::targets::load(p).map(|_| ()).map_err(|e| e.to_string()),
        &["calibrate", "--check"],
    );
}
