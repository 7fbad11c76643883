//! The explorer (`supportsim serve`): a local web page where a policy analyst edits her town, builds options
//! from the events there are, and gets each option's paired effect with its interval as replicates finish,
//! then the report, the output folder and the scenario file that reproduce it. `town` is the town as the page
//! edits it, `warm` the towns kept burned-in, `question` one run, `answer` what the page is sent, `jobs` the
//! run queue, `http` the routes and their guard. docs/explorer.md is the user's guide.

mod answer;
mod http;
mod jobs;
mod question;
pub mod town;
mod warm;

use crate::cancel::Cancel;
use crate::error::{Error, Result};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// How `supportsim serve` was asked to run.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The town file; None serves the embedded default town.
    pub town: Option<PathBuf>,
    pub listen: SocketAddr,
    /// Extra host names the page may be reached by (with a non-local `listen`).
    pub allow_hosts: Vec<String>,
    /// Opens the page in the browser once it is served.
    pub open: bool,
    /// Where answers' folders are written.
    pub out: PathBuf,
    /// The largest town, in people, a question may have.
    pub max_agents: u32,
    /// Memory for burned-in worlds kept warm, in bytes.
    pub cache_bytes: u64,
    /// Worker threads for the runs (None: all cores).
    pub threads: Option<usize>,
}

/// The `Host` values the page may be reached by.
fn hosts(addr: SocketAddr, extra: &[String]) -> Vec<String> {
    let port = addr.port();
    let mut out = vec![addr.to_string()];
    if addr.ip().is_loopback() {
        out.extend([format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")]);
    }
    out.extend(extra.iter().map(|h| {
        if h.contains(':') && !h.starts_with('[') {
            h.clone()
        } else {
            format!("{h}:{port}")
        }
    }));
    out.dedup();
    out
}

/// Serves the explorer until `stop` is set (Ctrl-C); prints its address first.
pub fn serve(options: ServeOptions, stop: Cancel) -> Result<()> {
    let start = town::starting_town(options.town.as_deref())?;
    if !options.listen.ip().is_loopback() {
        eprintln!(
            "supportsim: warning: serving on {}, which other machines can reach; anyone who can reach it can run \
             questions on this machine and read their answers",
            options.listen
        );
    }
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(t) = options.threads {
        pool = pool.num_threads(t);
    }
    let pool = pool.build().map_err(|e| Error::Usage(format!("cannot start the run threads: {e}")))?;
    let worker = jobs::Worker {
        cache: warm::WarmCache::new(options.cache_bytes),
        pool,
        next_folder: AtomicU64::new(jobs::first_free_number(&options.out)),
        out: options.out.clone(),
        stop: stop.clone(),
    };
    let jobs = jobs::Jobs::start(worker);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the web server: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(options.listen).await.map_err(|e| {
            Error::Usage(format!("cannot listen on {}: {e} (choose another address with --listen)", options.listen))
        })?;
        let addr = listener.local_addr().map_err(|e| Error::Usage(format!("cannot listen: {e}")))?;
        let app = Arc::new(http::App {
            jobs: jobs.clone(),
            start,
            max_agents: options.max_agents,
            hosts: hosts(addr, &options.allow_hosts),
        });
        let url = format!("http://{addr}/");
        println!("supportsim explorer: {url}  (answers go to {}; Ctrl-C stops it)", options.out.display());
        let _ = std::io::stdout().flush();
        if options.open {
            open_browser(&url);
        }
        let stopping = {
            let stop = stop.clone();
            async move {
                while !stop.requested() {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                jobs.cancel_all();
            }
        };
        axum::serve(listener, http::router(app))
            .with_graceful_shutdown(stopping)
            .await
            .map_err(|e| Error::Usage(format!("the web server stopped: {e}")))
    })
}

/// Opens `url` in the desktop's browser, saying so when it cannot.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("supportsim: cannot open a browser ({opener}: {e}); open {url} yourself");
    }
}

/// An answer's folder as a zip archive, its files under `name/`.
fn zip_folder(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let fail = |e: &dyn std::fmt::Display| Error::Usage(format!("cannot pack {}: {e}", dir.display()));
    for path in jobs::files_of(dir) {
        let bytes = std::fs::read(dir.join(&path)).map_err(|e| Error::read(dir.join(&path), e))?;
        zip.start_file(format!("{name}/{path}"), options).map_err(|e| fail(&e))?;
        zip.write_all(&bytes).map_err(|e| fail(&e))?;
    }
    Ok(zip.finish().map_err(|e| fail(&e))?.into_inner())
}
