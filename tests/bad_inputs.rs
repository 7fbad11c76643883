//! The bad-scenario corpus: each file in `tests/bad_scenarios/` holds one kind of mistake, and its
//! `.expected` file pins the exact message, so messages stay good. Rewrite on purpose with
//! `UPDATE_GOLDEN=1 cargo test --release bad_inputs`.

use std::path::Path;
use supportsim::Scenario;

#[test]
fn every_bad_scenario_gets_its_pinned_message() {
    let dir = Path::new("tests/bad_scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "the corpus has at least 30 mistakes");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut stale = Vec::new();
    for path in &files {
        let message = match Scenario::from_file(path) {
            Ok(_) => panic!("{} was accepted", path.display()),
            Err(e) => e.to_string(),
        };
        let expected = path.with_extension("expected");
        if update {
            std::fs::write(&expected, &message).unwrap();
        }
        let want = std::fs::read_to_string(&expected).unwrap_or_default();
        if want != message {
            stale.push(format!("{}:\n  got:  {}\n  want: {}", path.display(), message.trim(), want.trim()));
        }
    }
    assert!(stale.is_empty(), "messages differ (UPDATE_GOLDEN=1 rewrites):\n{}", stale.join("\n"));
}
