//! Scenario files: every shipped scenario validates; mistakes are all reported at once with file, line and
//! dotted path; `extends` merges and detects cycles.

use std::path::Path;
use supportsim::scenario::Action;
use supportsim::{Error, Scenario};

fn problems(text: &str) -> Vec<String> {
    match Scenario::from_toml_str("bad.toml", text) {
        Ok(_) => panic!("expected problems"),
        Err(Error::Scenario(p)) => p.0.iter().map(|x| x.to_string()).collect(),
        Err(e) => panic!("unexpected error {e}"),
    }
}

#[test]
fn shipped_scenarios_validate() {
    let mut n = 0;
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            Scenario::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            n += 1;
        }
    }
    assert!(n >= 7);
}

#[test]
fn every_problem_is_reported_at_once_with_lines() {
    let text = r#"name = "x"
[run]
dayz = 10
replicates = 0
[population]
n_agents = 100
diagnosis_shares = { depression = 0.5, anxiety = 0.2 }
[[districts]]
name = "a"
population_share = 0.7
[[venues]]
name = "v"
district = "b"
kind = "cafe"
open_days = ["mon", "fry"]
[params]
lonely_treshold = 0.4
individualism = 3
[[events]]
day = 50
action = "close_venu"
[[events]]
day = 60
action = "close_venue"
venue = "w"
"#;
    let p = problems(text);
    let expect = [
        "bad.toml:3: run.dayz: unknown key (did you mean `days`?)",
        "bad.toml:4: run.replicates: must be between 1 and 100000, got 0",
        "bad.toml:7: population.diagnosis_shares: shares must sum to 1, got 0.7000",
        "bad.toml:8: districts: population_share values must sum to 1, got 0.7000",
        "bad.toml:13: venues[0].district: unknown district `b`",
        "bad.toml:14: venues[0].kind: unknown kind `cafe`",
        "bad.toml:15: venues[0].open_days[1]: unknown weekday `fry` (did you mean `fri`?)",
        "bad.toml:17: params.lonely_treshold: unknown parameter (did you mean `lonely_threshold`?)",
        "bad.toml:18: params.individualism: must be between 0 and 1 (score), got 3",
        "bad.toml:21: events[0].action: unknown action `close_venu` (did you mean `close_venue`?)",
        "bad.toml:25: events[1].venue: unknown venue `w`",
    ];
    for e in expect {
        assert!(p.iter().any(|x| x.starts_with(e)), "missing {e:?} in\n{}", p.join("\n"));
    }
    assert_eq!(p.len(), expect.len(), "{}", p.join("\n"));
}

#[test]
fn event_rules_are_checked() {
    let base = std::fs::read_to_string("scenarios/baseline.toml").unwrap();
    let p = problems(&format!(
        "{base}\n[[events]]\nday = 800\naction = \"lockdown\"\nduration_days = 3\n\
         [[events]]\nday = 10\naction = \"close_venue\"\nvenue = \"north_cafe\"\n\
         [[events]]\nday = 20\naction = \"close_venue\"\nvenue = \"north_cafe\"\n\
         [[events]]\nday = 30\naction = \"set_budget\"\nvenue = \"north_cafe\"\nfactor = 0.5\n\
         [[events]]\nday = 40\naction = \"set_budget\"\nvenue = \"north_service\"\n"
    ));
    let joined = p.join("\n");
    assert!(joined.contains("events[0].day: must be between 0 and 727, got 800"), "{joined}");
    assert!(joined.contains("events[2].venue: venue `north_cafe` is already closed on day 20"), "{joined}");
    assert!(joined.contains("events[3].venue: venue `north_cafe` has no budget"), "{joined}");
    assert!(joined.contains("events[4]: set_budget needs exactly one of `factor` or `amount`"), "{joined}");
}

#[test]
fn syntax_errors_name_the_line() {
    let p = problems("name = \"x\"\n[run\ndays = 3\n");
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("bad.toml:2: TOML syntax error"), "{}", p[0]);
}

#[test]
fn type_errors_name_the_key() {
    let p = problems("[run]\ndays = \"many\"\n");
    assert!(p[0].contains("run.days: wrong type"), "{}", p[0]);
    assert!(p[0].starts_with("bad.toml:2:"), "{}", p[0]);
}

#[test]
fn extends_merges_venues_by_name_and_appends_events() {
    let s = Scenario::from_file(Path::new("scenarios/venue_closure.toml")).unwrap();
    let base = Scenario::from_file(Path::new("scenarios/baseline.toml")).unwrap();
    assert_eq!(s.venues.len(), base.venues.len());
    assert_eq!(s.events.len(), 1);
    assert!(matches!(s.events[0].action, Action::SetVenueBudget { .. }));

    let dir = tempfile::tempdir().unwrap();
    let base_path = Path::new("scenarios/baseline.toml").canonicalize().unwrap();
    let child = dir.path().join("child.toml");
    std::fs::write(
        &child,
        format!(
            "extends = {:?}\n[[venues]]\nname = \"north_cafe\"\ncost_nok = 10\n[[venues]]\nname = \"new_place\"\ndistrict = \"south\"\nkind = \"peer_cafe\"\ncapacity = 5\n",
            base_path.display().to_string()
        ),
    )
    .unwrap();
    let s = Scenario::from_file(&child).unwrap();
    let cafe = &s.venues[s.venue_index("north_cafe").unwrap()];
    assert_eq!(cafe.cost_nok, 10.0);
    assert_eq!(cafe.capacity, base.venues[base.venue_index("north_cafe").unwrap()].capacity, "other keys inherited");
    assert_eq!(cafe.kind, supportsim::types::VenueKind::Commercial);
    assert_eq!(s.venues.len(), base.venues.len() + 1);

    // A mistake in the child is reported against the child's file and line.
    std::fs::write(
        &child,
        format!("extends = {:?}\n[[venues]]\nname = \"north_cafe\"\nopenness = 2\n", base_path.display().to_string()),
    )
    .unwrap();
    let err = Scenario::from_file(&child).unwrap_err().to_string();
    assert!(err.contains("child.toml:4: venues[2].openness: must be between 0 and 1, got 2"), "{err}");
}

#[test]
fn extends_cycles_and_missing_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(&a, "extends = \"b.toml\"\n").unwrap();
    std::fs::write(&b, "extends = \"a.toml\"\n").unwrap();
    let err = Scenario::from_file(&a).unwrap_err().to_string();
    assert!(err.contains("`extends` cycle"), "{err}");
    std::fs::write(&a, "\nextends = \"missing.toml\"\n").unwrap();
    let err = Scenario::from_file(&a).unwrap_err().to_string();
    assert!(err.contains("a.toml:2: extends: cannot read") && err.contains("missing.toml"), "{err}");
}

#[test]
fn known_keys_table_matches_the_raw_types() {
    // Every key listed for "did you mean" must be accepted (no unknown-key problem).
    for (section, keys) in supportsim::scenario::validate::KNOWN_KEYS {
        for key in *keys {
            let text = match *section {
                "" => format!("{key} = 1\n"),
                "districts" | "venues" | "events" => format!("[[{section}]]\n{key} = 1\n"),
                s => format!("[{s}]\n{key} = 1\n"),
            };
            if let Err(Error::Scenario(p)) = Scenario::from_toml_str("k.toml", &text) {
                assert!(!p.0.iter().any(|x| x.message.starts_with("unknown key")), "{section}.{key}: {p}");
            }
        }
    }
}

#[test]
fn odd_parameter_table_is_current() {
    let odd = std::fs::read_to_string("docs/ODD.md").unwrap();
    let start = odd.find("<!-- params:start").expect("start marker");
    let body_start = odd[start..].find('\n').unwrap() + start + 1;
    let end = odd.find("<!-- params:end -->").expect("end marker");
    assert!(
        odd[body_start..end] == supportsim::params::markdown_table(),
        "docs/ODD.md's parameter table is stale: regenerate it with `supportsim params --markdown`"
    );
}

#[test]
fn population_must_hold_the_staff() {
    let base = std::fs::read_to_string("scenarios/baseline.toml").unwrap().replace("n_agents = 20000", "n_agents = 60");
    let p = problems(&base);
    assert!(p.iter().any(|x| x.contains("population.n_agents: must be at least twice the venues' staff")), "{p:?}");
}
