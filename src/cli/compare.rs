//! `supportsim compare`: several what-ifs on one baseline and the same seeds, ranked by their effect on all
//! service users' lonely share; a side-by-side table, `comparison.csv` and charts.

use super::run::{apply_overrides, fmt_diff, threads as capped_threads, HEADLINE_METRICS};
use super::CommonRunArgs;
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::experiment::{self, Experiment};
use crate::output::{self, Commit, Kind};
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// Reads the option files of `compare`: every problem of every file at once; the same file twice, or two
/// options of the same name, is refused (their rows would be indistinguishable).
pub(super) fn load_options(paths: &[PathBuf]) -> Result<Vec<Scenario>> {
    let mut loaded: Vec<(PathBuf, Scenario)> = Vec::new();
    let mut problems = Vec::new();
    let mut seen: Vec<(PathBuf, &Path)> = Vec::new();
    for path in paths {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            problems.push(format!(
                "{} is given twice (also as {}); each option is compared once\n",
                path.display(),
                first.display()
            ));
            continue;
        }
        seen.push((key, path));
        match Scenario::from_file(path) {
            Ok(s) => {
                if let Some((other, _)) = loaded.iter().find(|(_, o)| o.name == s.name) {
                    problems.push(format!(
                        "{} and {} are both named `{}`; give each option its own `name`\n",
                        other.display(),
                        path.display(),
                        s.name
                    ));
                }
                loaded.push((path.clone(), s));
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Usage(problems.concat()));
    }
    Ok(loaded.into_iter().map(|(_, s)| s).collect())
}

/// The default folder of a comparison: `output/compare_A_B…`, shortened when the names would make a folder
/// name longer than file systems allow.
fn default_dir(names: &[String]) -> PathBuf {
    let joined = format!("compare_{}", names.join("_"));
    let name = if joined.len() <= 120 { joined } else { format!("compare_{}_and_{}_more", names[0], names.len() - 1) };
    Path::new("output").join(name)
}

/// Runs `compare`: options on one baseline, a side-by-side table, `comparison.csv` and a chart.
pub(super) fn compare_scenarios(
    mut scenarios: Vec<Scenario>,
    args: &CommonRunArgs,
    command_line: &[String],
    cancel: Cancel,
) -> Result<PathBuf> {
    if args.record_agents || args.record_every.is_some() || args.gzip {
        return Err(Error::Usage("--record-agents is not available with compare; run each option alone".into()));
    }
    if let Some(s) = scenarios.iter().find(|s| s.events.is_empty()) {
        return Err(Error::Usage(format!("`{}` has no events, so there is nothing to compare", s.name)));
    }
    for s in &mut scenarios {
        apply_overrides(s, args)?;
    }
    let threads = capped_threads(args.threads);
    crate::sim::check_memory(&scenarios[0], threads, args.force)?;
    let names: Vec<String> = scenarios.iter().map(|s| s.name.clone()).collect();
    let target = args.out.clone().unwrap_or_else(|| default_dir(&names));
    let names = ["comparison.csv", "report.html", "charts/"];
    let (mut folder, stage, _) = output::begin(&target, Kind::Comparison, args.force, &names)?;
    let options = experiment::Options {
        threads,
        progress: Some(super::progress_bar(0, "runs", args.quiet)),
        cancel: cancel.clone(),
    };
    eprintln!(
        "supportsim: comparing {} options on one baseline, {} replicates",
        names.len(),
        scenarios[0].run.replicates
    );
    let exps = experiment::compare(&scenarios, &options)?;
    let manifest = crate::report::compare::write_data(stage.dir(), &exps, command_line)?;
    output::write_draft_manifest(&stage, Kind::Comparison, &manifest)?;
    crate::report::compare::render(stage.dir(), stage.dir(), &cancel)?;
    cancel.check()?;
    folder.commit(stage, Kind::Comparison, manifest, Commit::Replace, &cancel)?;
    print_comparison(&exps);
    eprintln!(
        "wrote {} (report.html: the ranking, side by side, with costs where the options state them)",
        target.display()
    );
    Ok(target)
}

/// Headline groups of a comparison: all service users and those of every district an option touches.
fn comparison_groups(exps: &[Experiment]) -> Vec<String> {
    let mut groups = vec!["service_users".to_string()];
    for e in exps {
        for d in e.scenario.affected_districts() {
            let g = format!("district:{d}/service_users");
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    groups
}

/// Side-by-side effects, options ranked by their effect on the lonely share of all service users.
fn print_comparison(exps: &[Experiment]) {
    let groups = comparison_groups(exps);
    // Rank on a group every option can touch: all service users.
    let key = "service_users".to_string();
    let find = |exp: &Experiment, g: &str, m: &str| {
        exp.effects.as_deref().unwrap_or_default().iter().find(|e| e.group == g && e.metric == m).cloned()
    };
    let mut order: Vec<usize> = (0..exps.len()).collect();
    order.sort_by(|&a, &b| {
        let da = find(&exps[a], &key, "lonely_share").map_or(f64::NAN, |e| e.difference);
        let db = find(&exps[b], &key, "lonely_share").map_or(f64::NAN, |e| e.difference);
        da.total_cmp(&db)
    });
    println!(
        "\nOptions ranked by their effect on the lonely share of {} (lowest first; paired, same seeds):\n",
        crate::groups::describe(&key)
    );
    for (rank, &i) in order.iter().enumerate() {
        let e = find(&exps[i], &key, "lonely_share");
        println!(
            "  {}. {:<28} {}",
            rank + 1,
            exps[i].scenario.name,
            e.map_or("–".into(), |e| format!(
                "{} (95% interval {} to {})",
                fmt_diff("lonely_share", e.difference),
                fmt_diff("lonely_share", e.ci_low),
                fmt_diff("lonely_share", e.ci_high)
            ))
        );
    }
    print!("\n{:<34} {:<18}", "group", "metric");
    for &i in &order {
        print!(" {:>26}", exps[i].scenario.name);
    }
    println!();
    for g in &groups {
        for m in HEADLINE_METRICS {
            print!("{:<34} {:<18}", crate::groups::describe(g), m);
            for &i in &order {
                let cell = find(&exps[i], g, m).map_or("–".into(), |e| {
                    let sig = if crate::metric_names::excludes_zero_as_shown(e.ci_low, e.ci_high) { "*" } else { " " };
                    format!("{}{sig}", fmt_diff(m, e.difference))
                });
                print!(" {cell:>26}");
            }
            println!();
        }
    }
    println!("\n* 95% interval excludes zero as shown. All groups and metrics: comparison.csv; costs: report.html.");
}
