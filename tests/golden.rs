//! Golden file: a small fixed-seed run's effects, so silent changes in behaviour show up in review.
//! Rewrite on purpose with `UPDATE_GOLDEN=1 cargo test --release golden`.

use crate::common::*;
use supportsim::output;

#[test]
fn small_what_if_matches_golden_effects() {
    let mut s = town("[[events]]\nday = 112\naction = \"close_venue\"\nvenue = \"a_meeting\"\n");
    s.run.replicates = 3;
    let exp = run(&s);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("effects.csv");
    output::write_effects(&path, exp.effects.as_ref().unwrap()).unwrap();
    let got = std::fs::read_to_string(&path).unwrap();
    let golden = std::path::Path::new("tests/golden/small_closure_effects.csv");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(golden, &got).unwrap();
    }
    let want = std::fs::read_to_string(golden).expect("golden file exists (UPDATE_GOLDEN=1 writes it)");
    assert!(
        got == want,
        "effects differ from {}; if the change is intended, rerun with UPDATE_GOLDEN=1",
        golden.display()
    );
}
