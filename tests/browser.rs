//! The report in a real browser: headless Chromium (Debian's `chromium`, installed by `.ci/run`) loads
//! `report.html` from disk with networking disabled, and the test checks that every chart rendered and the
//! findings are there, then saves a screenshot to `target/report-screenshot.png`. Without Chromium the test
//! says so and passes only outside CI (CI=true makes a missing browser a failure).

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(PathBuf::from).find(|p| p.exists())
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn the_report_renders_in_headless_chromium() {
    let Some(browser) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must install chromium (see .ci/run)");
        eprintln!("chromium not installed: skipping the browser test (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    let text =
        crate::common::TOWN.replace("n_agents = 1500", "n_agents = 400").replace("replicates = 4", "replicates = 2");
    std::fs::write(
        &scenario,
        format!("{text}\n[[events]]\nday = 112\naction = \"close_venue\"\nvenue = \"a_meeting\"\n"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_supportsim"))
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = out.join("report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    let n_charts = html.matches("<figure class=\"chart\">").count();
    assert!(n_charts >= 5);
    let url = format!("file://{}", report.display());

    let profile = dir.path().join("profile");
    let dom =
        headless(&browser, &profile).args(["--virtual-time-budget=10000", "--dump-dom"]).arg(&url).output().unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains(&format!("data-charts-rendered=\"{n_charts}\"")),
        "not every chart rendered:\n{}",
        &dom[..dom.len().min(400)]
    );
    assert!(dom.contains("<h2>Findings</h2>") && dom.contains("district:a/service_users"));

    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("target").join("report-screenshot.png");
    let o = headless(&browser, &profile)
        .args(["--window-size=1200,2400", "--virtual-time-budget=10000"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert!(png.len() > 20_000 && png.starts_with(b"\x89PNG"), "screenshot is a real image");
}
