//! The explorer in a real browser: headless Chromium (Debian's `chromium`, which `.ci/run` installs), driven
//! through the DevTools protocol, works the page as the analyst would, from the keyboard: sets a venue's
//! capacity to 0 and sees the problem next to it, types a venue name that is HTML and sees it as text, moves
//! the north meeting place's budget slider to 0, runs, and checks that the headline and its interval equal
//! `supportsim run` of the scenario file the page offers, to the digit. Saves screenshots to
//! `target/explorer-screenshot.png` and `target/explorer-answer.png` (docs/ copies them). Ignored unless asked
//! for (it needs Chromium); `.ci/run` runs it.

use super::explorer::{run_cli, serve};
use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};
use std::ffi::OsStr;
use std::path::Path;
use std::time::{Duration, Instant};

/// Evaluates `js` in the page and returns its value as JSON.
fn eval(tab: &Tab, js: &str) -> serde_json::Value {
    tab.evaluate(js, true).unwrap_or_else(|e| panic!("{js}: {e}")).value.unwrap_or(serde_json::Value::Null)
}

/// Waits until `js` is true in the page.
fn wait_for(tab: &Tab, js: &str, limit: Duration) {
    let start = Instant::now();
    while eval(tab, js) != serde_json::Value::Bool(true) {
        assert!(
            start.elapsed() < limit,
            "waited {limit:?} for {js}; page says: {}",
            eval(tab, "document.body.innerText")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Replaces the text of the field at `path` from the keyboard, then leaves it with Tab.
fn retype(tab: &Tab, path: &str, text: &str) {
    tab.wait_for_element(&format!(r#"[data-path="{path}"]"#)).unwrap().focus().unwrap();
    eval(tab, "document.activeElement.select()");
    tab.type_str(text).unwrap();
    tab.press_key("Tab").unwrap();
}

#[test]
#[ignore = "needs Chromium (Debian's `chromium`); .ci/run installs it and runs the ignored tests"]
fn the_analyst_closes_the_meeting_place_from_the_keyboard_and_gets_the_command_lines_answer() {
    let browser_path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(Path::new).find(|p| p.exists());
    let browser_path = browser_path.expect("Chromium is not installed (apt-get install chromium)");
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), None, &[]);
    let args: Vec<&OsStr> = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"]
        .iter()
        .map(OsStr::new)
        .collect();
    let options = LaunchOptions::default_builder()
        .path(Some(browser_path.to_path_buf()))
        .sandbox(false)
        .window_size(Some((1400, 1700)))
        .args(args)
        .idle_browser_timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let browser = Browser::new(options).unwrap();
    let tab = browser.new_tab().unwrap();
    tab.set_default_timeout(Duration::from_secs(60));
    tab.navigate_to(&format!("http://{}/", server.addr)).unwrap().wait_until_navigated().unwrap();
    let valid = r#"document.getElementById("town-status").textContent === "The town is valid.""#;
    wait_for(&tab, valid, Duration::from_secs(30));

    // A capacity of 0: the validator's problem shows next to the field, in words.
    retype(&tab, "venues[0].capacity", "0");
    wait_for(
        &tab,
        r#"document.querySelector('[data-path="venues[0].capacity"]').getAttribute("aria-invalid") === "true""#,
        Duration::from_secs(10),
    );
    let message =
        eval(&tab, r#"document.querySelector('[data-path="venues[0].capacity"]').nextElementSibling.textContent"#);
    assert!(message.as_str().is_some_and(|m| m.contains("capacity") || m.contains('1')), "{message}");
    retype(&tab, "venues[0].capacity", "60");
    wait_for(&tab, valid, Duration::from_secs(10));

    // A name that is HTML is shown as text, never run.
    retype(&tab, "venues[1].name", r#"<img src=x onerror="document.title='hacked'">"#);
    wait_for(
        &tab,
        r#"document.querySelector('[data-path="venues[1].name"]').getAttribute("aria-invalid") === "true""#,
        Duration::from_secs(10),
    );
    assert_eq!(eval(&tab, r#"document.querySelectorAll("img[src=x]").length"#), 0);
    assert_eq!(eval(&tab, "document.title"), "supportsim explorer");
    retype(&tab, "venues[1].name", "north_service");
    wait_for(&tab, valid, Duration::from_secs(10));

    // The budget slider, from the keyboard: up one step, then to 0.
    let slider = r#"[data-path="events[0].amount"]"#;
    tab.wait_for_element(slider).unwrap().focus().unwrap();
    tab.press_key("ArrowRight").unwrap();
    wait_for(
        &tab,
        &format!(r#"document.querySelector('{slider}').parentElement.textContent.includes("5% of today")"#),
        Duration::from_secs(5),
    );
    tab.press_key("Home").unwrap();
    wait_for(
        &tab,
        &format!(r#"document.querySelector('{slider}').parentElement.textContent.includes("0% of today")"#),
        Duration::from_secs(5),
    );

    // Run, from the keyboard, and wait for the answer and its files.
    tab.wait_for_element(".option .run").unwrap().focus().unwrap();
    tab.press_key("Enter").unwrap();
    wait_for(
        &tab,
        r#"document.getElementById("progress-text").textContent.startsWith("Done")
        && document.getElementById("headline").textContent.includes("about")"#,
        Duration::from_secs(300),
    );
    let headline = eval(&tab, r#"document.getElementById("headline").textContent"#).as_str().unwrap().to_string();
    let toml = eval(&tab, "fetch(`/api/runs/${state.job}/scenario.toml`).then((r) => r.text())");
    let file = dir.path().join("option.toml");
    std::fs::write(&file, toml.as_str().unwrap()).unwrap();

    // The command line's answer on the downloaded file, same seed: the page's headline, to the digit.
    let cli = dir.path().join("cli");
    run_cli(&file, &cli);
    let effects = std::fs::read_to_string(cli.join("effects.csv")).unwrap();
    let row: Vec<f64> = effects
        .lines()
        .find(|l| l.starts_with("district:north/service_users,lonely_share,"))
        .unwrap()
        .split(',')
        .skip(2)
        .map(|x| x.parse().unwrap())
        .collect();
    let points = |x: f64| format!("{:+.1} points", 100.0 * x);
    let want = format!("({}, 95% interval {} to {})", points(row[2]), points(row[3]), points(row[4]));
    assert!(headline.contains(&want), "page: {headline}\ncommand line: {want}");
    assert!(headline.contains(&format!("{:.1}% → {:.1}%", 100.0 * row[0], 100.0 * row[1])), "{headline}");
    let ranked = eval(&tab, r#"document.getElementById("ranking").innerText"#);
    assert!(ranked.as_str().unwrap().contains(&points(row[2])), "{ranked}");
    wait_for(&tab, r##"document.querySelectorAll("#charts img").length > 3"##, Duration::from_secs(10));

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    eval(&tab, "window.scrollTo(0, 0)");
    let png = tab.capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true).unwrap();
    std::fs::write(shots.join("explorer-screenshot.png"), png).unwrap();
    eval(&tab, r#"document.getElementById("answer-panel").scrollIntoView()"#);
    let png = tab.capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true).unwrap();
    std::fs::write(shots.join("explorer-answer.png"), png).unwrap();
}
