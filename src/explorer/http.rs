//! The explorer's HTTP interface (axum on tokio): the page and its assets, compiled into the binary; the
//! town, checks and runs as JSON; progress as server-sent events; an answer's files, its folder as a zip and
//! its scenario file. Every request passes [`guard`]: the `Host` must be an address the explorer serves
//! (against DNS rebinding) and a request that changes anything must come from the explorer's own page (its
//! `Origin`; against cross-site requests). No CORS headers are sent, so no other site can read an answer.

use super::jobs::{files_of, Job, Jobs, Question};
use super::town;
use crate::error::Problem;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};
use std::sync::Arc;

/// Largest request body accepted (a town of thousands of venues fits).
pub const BODY_LIMIT: usize = 4 << 20;

/// What every handler shares.
pub struct App {
    pub jobs: Arc<Jobs>,
    pub start: town::StartingTown,
    pub max_agents: u32,
    /// `Host` values the explorer answers to (`127.0.0.1:8050`, `localhost:8050`, …).
    pub hosts: Vec<String>,
}

type Shared = State<Arc<App>>;

/// The page's files, compiled in: (path, content type, text). The scripts load in this order.
const ASSETS: [(&str, &str, &str); 7] = [
    ("/", "text/html; charset=utf-8", include_str!("assets/index.html")),
    ("/app.css", "text/css; charset=utf-8", include_str!("assets/app.css")),
    ("/common.js", "text/javascript; charset=utf-8", include_str!("assets/common.js")),
    ("/town.js", "text/javascript; charset=utf-8", include_str!("assets/town.js")),
    ("/options.js", "text/javascript; charset=utf-8", include_str!("assets/options.js")),
    ("/answer.js", "text/javascript; charset=utf-8", include_str!("assets/answer.js")),
    ("/app.js", "text/javascript; charset=utf-8", include_str!("assets/app.js")),
];

/// The router with every route and the guard.
pub fn router(app: Arc<App>) -> Router {
    let mut router = Router::new();
    for (path, kind, body) in ASSETS {
        router = router.route(path, get(move || async move { asset(body, kind) }));
    }
    router
        .route("/api/town", get(start_town))
        .route("/api/blank", get(|| async { Json(json!({"town": town::to_json(&town::blank_town())})) }))
        .route("/api/check", post(check))
        .route("/api/scenario", post(scenario_file))
        .route("/api/runs", post(submit))
        .route("/api/runs/{id}/events", get(events))
        .route("/api/runs/{id}/cancel", post(cancel))
        .route("/api/runs/{id}/scenario.toml", get(run_scenario_file))
        .route("/api/runs/{id}/folder.zip", get(zip))
        .route("/api/runs/{id}/files/{*path}", get(file))
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app)
}

fn asset(body: &'static str, kind: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

fn refuse(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "message": message }))).into_response()
}

/// Refuses requests for another host or, if they change anything, from another origin; adds the headers
/// that keep the page to itself.
async fn guard(State(app): Shared, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if !app.hosts.iter().any(|h| h == host) {
        return refuse(
            StatusCode::FORBIDDEN,
            format!("this explorer answers only at http://{}/ (the request was for `{host}`)", app.hosts[0]),
        );
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let origin = req.headers().get(header::ORIGIN).and_then(|h| h.to_str().ok()).unwrap_or("");
        if !app.hosts.iter().any(|h| origin == format!("http://{h}")) {
            return refuse(
                StatusCode::FORBIDDEN,
                format!("requests that change anything must come from the explorer's own page (origin was `{origin}`)"),
            );
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The page's vocabulary: what its selects offer.
fn vocabulary() -> JsonValue {
    use crate::types::{VenueKind, WEEKDAYS};
    json!({
        "kinds": VenueKind::ALL.iter().map(|k| k.name()).collect::<Vec<_>>(),
        "rituals": ["none", "meal", "quiz"],
        "weekdays": WEEKDAYS,
        "actions": crate::scenario::ACTIONS,
        "roles": ["peer_worker", "professional", "volunteer"],
        "metrics": super::answer::SHOWN_METRICS.iter()
            .map(|m| json!({"name": m, "words": crate::metric_names::metric_words(m)})).collect::<Vec<_>>(),
    })
}

async fn start_town(State(app): Shared) -> Json<JsonValue> {
    let s = &app.start;
    let options: Vec<JsonValue> = if s.events.is_empty() {
        Vec::new()
    } else {
        let name = s.town.get("name").and_then(|v| v.as_str()).unwrap_or("option");
        vec![json!({"title": format!("{name} (as in the file)"), "events": s.events})]
    };
    Json(json!({
        "source": s.source,
        "town": town::to_json(&s.town),
        "options": options,
        "max_agents": app.max_agents,
        "vocabulary": vocabulary(),
    }))
}

/// A town and an option as the page sends them.
#[derive(Deserialize)]
struct Ask {
    town: JsonValue,
    #[serde(default)]
    events: Vec<JsonValue>,
    /// The scenario's (and the answer folder's) name.
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    headline_group: Option<String>,
    #[serde(default)]
    headline_metric: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

fn problem_json(p: &Problem) -> JsonValue {
    json!({"path": p.path, "message": p.message})
}

/// Checks what the page sent; the scenario, its file's text and its groups, or the problems.
fn checked(app: &App, ask: &Ask) -> Result<(crate::scenario::Scenario, String), Vec<JsonValue>> {
    let one = |path: &str, message: String| vec![json!({"path": path, "message": message})];
    let mut town = town::from_json(&ask.town, "the town").map_err(|m| one("", m))?;
    let mut events = Vec::new();
    for (i, e) in ask.events.iter().enumerate() {
        events.push(town::from_json(e, &format!("event {}", i + 1)).map_err(|m| one(&format!("events[{i}]"), m))?);
    }
    if ask.headline_group.is_some() || ask.headline_metric.is_some() {
        let analysis = town.entry("analysis").or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let Some(t) = analysis.as_table_mut() {
            if let Some(g) = &ask.headline_group {
                t.insert("headline_group".into(), toml::Value::String(g.clone()));
            }
            if let Some(m) = &ask.headline_metric {
                t.insert("headline_metric".into(), toml::Value::String(m.clone()));
            }
        }
    }
    if let Some(title) = ask.title.as_ref().filter(|_| !ask.events.is_empty()) {
        town.insert("description".into(), toml::Value::String(title.clone()));
    }
    let name = ask.name.clone().or_else(|| town.get("name").and_then(|v| v.as_str()).map(String::from));
    let name = name.unwrap_or_else(|| "town".into());
    town::check(&town, &events, &name, app.max_agents).map_err(|ps| ps.iter().map(problem_json).collect())
}

async fn check(State(app): Shared, Json(ask): Json<Ask>) -> Json<JsonValue> {
    match checked(&app, &ask) {
        Ok((s, _)) => {
            let groups: Vec<JsonValue> = s
                .groups()
                .into_iter()
                .map(|g| json!({"name": g.name, "words": crate::groups::describe(&g.name)}))
                .collect();
            let levels: Vec<JsonValue> = s
                .venues
                .iter()
                .map(|v| {
                    let level = if v.kind.is_funded() && v.budget_full_nok > 0.0 {
                        (v.budget_nok / v.budget_full_nok).clamp(0.0, 1.0)
                    } else {
                        1.0
                    };
                    json!({"name": v.name, "service_level": level})
                })
                .collect();
            Json(json!({"problems": [], "groups": groups, "venues": levels, "headline": s.headline()}))
        }
        Err(problems) => Json(json!({ "problems": problems })),
    }
}

fn toml_response(name: &str, text: String) -> Response {
    let disposition = format!("attachment; filename=\"{name}.toml\"");
    let mut res = ([(header::CONTENT_TYPE, "application/toml; charset=utf-8")], text).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

async fn scenario_file(State(app): Shared, Json(ask): Json<Ask>) -> Response {
    match checked(&app, &ask) {
        Ok((s, text)) => toml_response(&s.name, text),
        Err(problems) => (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "problems": problems }))).into_response(),
    }
}

async fn submit(State(app): Shared, Json(ask): Json<Ask>) -> Response {
    let (scenario, text) = match checked(&app, &ask) {
        Ok(x) => x,
        Err(problems) => {
            return (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "problems": problems }))).into_response()
        }
    };
    let title = ask.title.clone().unwrap_or_else(|| scenario.name.clone());
    let page = ask.page.clone().unwrap_or_default();
    let job = app.jobs.submit(&page, Question { scenario, text, title });
    Json(json!({"id": job.id})).into_response()
}

fn job_of(app: &App, id: &str) -> Result<Arc<Job>, Response> {
    id.parse::<u64>()
        .ok()
        .and_then(|id| app.jobs.get(id))
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, format!("no run `{id}` (the explorer keeps the latest runs)")))
}

async fn events(State(app): Shared, UrlPath(id): UrlPath<String>) -> Response {
    let job = match job_of(&app, &id) {
        Ok(j) => j,
        Err(r) => return r,
    };
    let rx = job.subscribe();
    let stream = futures_util::stream::unfold((job, rx, 0usize), |(job, mut rx, i)| async move {
        loop {
            rx.borrow_and_update();
            // Done is read first: a job is marked done only after its last event is in.
            let done = job.is_done();
            if let Some((name, data)) = job.event(i) {
                let event = Event::default().event(name).data(data);
                return Some((Ok::<_, std::convert::Infallible>(event), (job, rx, i + 1)));
            }
            if done || rx.changed().await.is_err() {
                return None;
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}

async fn cancel(State(app): Shared, UrlPath(id): UrlPath<String>) -> Response {
    match job_of(&app, &id) {
        Ok(job) => {
            job.cancel.request();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => r,
    }
}

async fn run_scenario_file(State(app): Shared, UrlPath(id): UrlPath<String>) -> Response {
    match job_of(&app, &id) {
        Ok(job) => toml_response(&job.question.scenario.name, job.question.text.clone()),
        Err(r) => r,
    }
}

/// The answer's folder, once written; a 404 before.
fn folder_of(app: &App, id: &str) -> Result<std::path::PathBuf, Response> {
    job_of(app, id)?
        .folder()
        .ok_or_else(|| refuse(StatusCode::NOT_FOUND, "the answer's files are not written yet".into()))
}

async fn file(State(app): Shared, UrlPath((id, path)): UrlPath<(String, String)>) -> Response {
    let dir = match folder_of(&app, &id) {
        Ok(d) => d,
        Err(r) => return r,
    };
    // Only the files the folder holds, named as listed: no other path is ever opened.
    if !files_of(&dir).contains(&path) {
        return refuse(StatusCode::NOT_FOUND, format!("the answer has no file `{path}`"));
    }
    let kind = match path.rsplit('.').next() {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("html") => "text/html; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    // report.html is supportsim's own page, with its style and chart check inline and its charts as data.
    let policy = if path == "report.html" {
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    } else {
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    };
    match tokio::fs::read(dir.join(&path)).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, kind), (header::CONTENT_SECURITY_POLICY, policy)], bytes).into_response(),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot read {path}: {e}")),
    }
}

async fn zip(State(app): Shared, UrlPath(id): UrlPath<String>) -> Response {
    let dir = match folder_of(&app, &id) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("answer").to_string();
    let inner = name.clone();
    let made = tokio::task::spawn_blocking(move || super::zip_folder(&dir, &inner)).await;
    match made {
        Ok(Ok(bytes)) => {
            let mut res = ([(header::CONTENT_TYPE, "application/zip")], bytes).into_response();
            let disposition = format!("attachment; filename=\"{name}.zip\"");
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Ok(Err(e)) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}
