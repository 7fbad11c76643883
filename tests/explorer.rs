//! The explorer's server without a browser: its guard (hosts, origins, body size, malformed requests, file
//! paths, the population cap) and its answers, warm or cold, which must equal `supportsim run` of the
//! scenario file it offers, byte for byte. The browser test is `explorer_browser`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running `supportsim serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub addr: String,
    pub out: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the explorer on a free port with `town` (None: the embedded default), answers under `dir/out`.
pub fn serve(dir: &Path, town: Option<&Path>, extra: &[&str]) -> Server {
    let out = dir.join("out");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_supportsim"));
    cmd.arg("serve").args(town).args(["--listen", "127.0.0.1:0", "--out"]).arg(&out).args(extra);
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|s| s.split('/').next()).expect(&line).to_string();
    Server { child, addr, out }
}

/// One HTTP/1.1 request with the given extra headers; (status, headers, body).
pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(b"\r\n").unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// A request from the explorer's own page (its Origin).
pub fn post(server: &Server, path: &str, body: &str) -> (u16, String, String) {
    let origin = format!("http://{}", server.addr);
    request(&server.addr, "POST", path, &[("Origin", &origin)], body)
}

/// The town the explorer serves, as the page gets it.
pub fn town_json(server: &Server) -> serde_json::Value {
    let (status, _, body) = request(&server.addr, "GET", "/api/town", &[], "");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Asks a question and waits for its end; the run's id and its events' text.
pub fn ask(server: &Server, town: &serde_json::Value, events: serde_json::Value, name: &str) -> (u64, String) {
    let body = serde_json::json!({"town": town, "events": events, "name": name, "title": name, "page": name});
    let (status, _, reply) = post(server, "/api/runs", &body.to_string());
    assert_eq!(status, 200, "{reply}");
    let id = serde_json::from_str::<serde_json::Value>(&reply).unwrap()["id"].as_u64().unwrap();
    let (_, _, events) = request(&server.addr, "GET", &format!("/api/runs/{id}/events"), &[], "");
    (id, events)
}

/// `supportsim run FILE --out OUT`, which must succeed.
pub fn run_cli(file: &Path, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_supportsim"))
        .args(["run", "-q", "--out"])
        .arg(out)
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "supportsim run {}", file.display());
}

/// A small town for quick answers.
pub fn small_town(dir: &Path) -> PathBuf {
    let path = dir.join("small.toml");
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
    std::fs::write(
        &path,
        format!(
            "extends = {:?}\nname = \"small\"\n[run]\ndays = 168\nburn_in_days = 56\nreplicates = 3\n[analysis]\n\
             window_days = 56\n[population]\nn_agents = 2000\n[[events]]\nday = 56\naction = \"set_budget\"\n\
             venue = \"north_meeting_place\"\namount = 0\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    path
}

#[test]
fn the_guard_refuses_other_hosts_other_origins_and_bad_requests() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), Some(&small_town(dir.path())), &["--max-agents", "5000"]);
    let a = server.addr.clone();
    // DNS rebinding: another Host is refused, even for the page.
    let (status, _, body) = request(&a, "GET", "/", &[("Host", "evil.example:80")], "");
    assert_eq!(status, 403, "{body}");
    let (status, head, body) = request(&a, "GET", "/", &[], "");
    assert_eq!(status, 200);
    assert!(body.contains("supportsim explorer") && head.to_lowercase().contains("content-security-policy"));
    assert!(!head.to_lowercase().contains("access-control-allow-origin"), "no CORS headers: {head}");
    // Cross-site requests: a run from another origin, or with none, is refused.
    let town = town_json(&server);
    let ask = serde_json::json!({"town": town["town"], "events": [], "page": "x"}).to_string();
    for origin in [Some("http://evil.example"), None] {
        let headers: Vec<(&str, &str)> = origin.map(|o| vec![("Origin", o)]).unwrap_or_default();
        let (status, _, body) = request(&a, "POST", "/api/runs", &headers, &ask);
        assert_eq!(status, 403, "{origin:?}: {body}");
        assert!(body.contains("own page"), "{body}");
    }
    // Malformed bodies get a 4xx with a message; an oversized one a 413.
    let (status, _, body) = post(&server, "/api/check", "{not json");
    assert!((400..500).contains(&status) && !body.is_empty(), "{status} {body}");
    let (status, _, _) = post(&server, "/api/check", &format!("{{\"town\": \"{}\"}}", "x".repeat(5 << 20)));
    assert_eq!(status, 413);
    let (status, _, body) = post(&server, "/api/check", r#"{"town": 5}"#);
    assert_eq!(status, 200);
    assert!(body.contains("is not a table"), "{body}");
    // The page never names a file: `extends` is refused, and only an answer's own files are served.
    let mut t = town["town"].clone();
    t["extends"] = "/etc/passwd".into();
    let (_, _, body) = post(&server, "/api/check", &serde_json::json!({"town": t}).to_string());
    assert!(body.contains("\"path\":\"extends\""), "{body}");
    let (status, _, _) = request(&a, "GET", "/api/runs/99/folder.zip", &[], "");
    assert_eq!(status, 404, "an unknown run");
    // The population cap.
    let mut t = town["town"].clone();
    t["population"]["n_agents"] = 6000.into();
    let (status, _, body) = post(&server, "/api/runs", &serde_json::json!({"town": t, "events": []}).to_string());
    assert_eq!(status, 422);
    assert!(body.contains("population.n_agents") && body.contains("at most 5000"), "{body}");
    // A problem names its field; a name is checked, not trusted.
    let mut t = town["town"].clone();
    t["venues"][0]["capacity"] = 0.into();
    t["venues"][1]["name"] = "<script>alert(1)</script>".into();
    let (_, _, body) = post(&server, "/api/check", &serde_json::json!({"town": t}).to_string());
    assert!(body.contains("venues[0].capacity") && body.contains("venues[1].name"), "{body}");
}

#[test]
fn warm_answers_equal_cold_ones_and_the_command_lines() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), Some(&small_town(dir.path())), &[]);
    let start = town_json(&server);
    let town = &start["town"];
    let closure = start["options"][0]["events"].clone();
    let half =
        serde_json::json!([{"day": 56, "action": "set_budget", "venue": "north_meeting_place", "amount": 1200000}]);
    let later = serde_json::json!([{"day": 84, "action": "close_venue", "venue": "north_meeting_place"}]);
    let mut adaptive = town.clone();
    adaptive["analysis"]["target_interval_width"] = 0.0001.into();
    adaptive["analysis"]["max_replicates"] = 5.into();
    let none = serde_json::json!([]);
    // The town alone with its first venue too small for who comes: the answer warns that it is full.
    let mut crowded = town.clone();
    crowded["venues"][0]["capacity"] = 2.into();
    let mut answers = Vec::new();
    let mut warned = 0;
    // Cold, then warm on the same town; another option on the warm town; one that starts later (a kept world
    // advanced to its day); the town alone; and a town whose interval target adds replicates.
    let questions = [
        ("closure", town, &closure),
        ("closure_again", town, &closure),
        ("half", town, &half),
        ("later", town, &later),
        ("alone", town, &none),
        ("crowded", &crowded, &none),
        ("adaptive", &adaptive, &closure),
    ];
    for (name, town, events) in questions {
        let (id, log) = ask(&server, town, events.clone(), name);
        assert!(log.contains("event: progress") && log.contains("event: answer"), "{log}");
        assert!(log.contains("event: files"), "{log}");
        // The files event carries the run's steady-state warnings, the ones its report.html shows.
        let data = log.split("event: files\n").nth(1).and_then(|r| r.lines().find(|l| l.starts_with("data: ")));
        let files: serde_json::Value = serde_json::from_str(&data.expect("the files event's data")[6..]).unwrap();
        let report = std::fs::read_to_string(Path::new(files["folder"].as_str().unwrap()).join("report.html")).unwrap();
        let said: Vec<&str> =
            files["warnings"].as_array().expect("the warnings").iter().filter_map(|w| w.as_str()).collect();
        // The report's warning boxes: these, and the headline's own trend warning (it says "had not settled").
        let boxes: Vec<&str> = report
            .split("<p class=\"warn\">")
            .skip(1)
            .filter_map(|b| b.split("</p>").next())
            .filter(|b| !b.contains("had not settled"))
            .collect();
        assert_eq!(boxes, said, "{name}");
        warned += said.len();
        answers.push((name, id));
    }
    assert!(warned > 0, "no answer warned (the crowded town's first venue is full)");
    let folder = |name: &str, id: u64| {
        std::fs::read_dir(&server.out)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(&format!("{name}-")))
            .unwrap_or_else(|| panic!("no folder for {name} ({id})"))
    };
    for (name, id) in &answers {
        let (status, _, text) = request(&server.addr, "GET", &format!("/api/runs/{id}/scenario.toml"), &[], "");
        assert_eq!(status, 200);
        let file = dir.path().join(format!("{name}.toml"));
        std::fs::write(&file, text).unwrap();
        let cli = dir.path().join(format!("cli_{name}"));
        run_cli(&file, &cli);
        let files = if *name == "alone" || *name == "crowded" {
            &["timeseries.csv", "venues.csv"][..]
        } else {
            &["effects.csv", "timeseries.csv", "venues.csv"][..]
        };
        for f in files {
            let (a, b) = (std::fs::read(cli.join(f)).unwrap(), std::fs::read(folder(name, *id).join(f)).unwrap());
            assert!(a == b, "{name}: {f} differs from `supportsim run` of its scenario file");
        }
        // Only the answer's own files are served.
        for path in ["../../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "charts/../manifest.json", "/etc/passwd"] {
            let (status, _, _) = request(&server.addr, "GET", &format!("/api/runs/{id}/files/{path}"), &[], "");
            assert_eq!(status, 404, "{path}");
        }
        let (status, head, zip) = request(&server.addr, "GET", &format!("/api/runs/{id}/folder.zip"), &[], "");
        assert_eq!(status, 200);
        assert!(head.contains("application/zip") && zip.starts_with("PK"), "{head}");
    }
    let manifest = std::fs::read_to_string(folder("adaptive", 0).join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest["replicates"], 5, "the interval target added replicates up to max_replicates");
}

#[test]
fn a_pages_new_question_cancels_the_one_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), Some(&small_town(dir.path())), &[]);
    let town = town_json(&server)["town"].clone();
    let body = |events: serde_json::Value| serde_json::json!({"town": town, "events": events, "page": "p"}).to_string();
    let closure = serde_json::json!([{"day": 56, "action": "close_venue", "venue": "north_meeting_place"}]);
    let (_, _, first) = post(&server, "/api/runs", &body(closure.clone()));
    let (_, _, second) = post(&server, "/api/runs", &body(closure));
    let id = |reply: &str| serde_json::from_str::<serde_json::Value>(reply).unwrap()["id"].as_u64().unwrap();
    let (_, _, log) = request(&server.addr, "GET", &format!("/api/runs/{}/events", id(&first)), &[], "");
    assert!(log.contains("event: cancelled") && !log.contains("event: answer"), "{log}");
    let (_, _, log) = request(&server.addr, "GET", &format!("/api/runs/{}/events", id(&second)), &[], "");
    assert!(log.contains("event: answer") && log.contains("event: files"), "{log}");
    // While a question runs, the page still answers, and Stop stops it.
    let (_, _, third) = post(&server, "/api/runs", &body(serde_json::json!([])));
    let (status, _, _) = request(&server.addr, "GET", "/", &[], "");
    assert_eq!(status, 200);
    let (status, _, _) = post(&server, &format!("/api/runs/{}/cancel", id(&third)), "");
    assert_eq!(status, 204);
    let (_, _, log) = request(&server.addr, "GET", &format!("/api/runs/{}/events", id(&third)), &[], "");
    assert!(log.contains("event: cancelled") || log.contains("event: files"), "{log}");
}

#[test]
fn with_nothing_kept_warm_an_answer_is_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), Some(&small_town(dir.path())), &["--cache-mib", "0"]);
    let start = town_json(&server);
    let events = start["options"][0]["events"].clone();
    ask(&server, &start["town"], events.clone(), "first");
    ask(&server, &start["town"], events, "second");
    let effects = |name: &str| {
        let found = std::fs::read_dir(&server.out)
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().starts_with(name));
        std::fs::read(found.unwrap().path().join("effects.csv")).unwrap()
    };
    assert!(effects("first-") == effects("second-"));
}
