//! `supportsim serve`: the explorer's options and its start.

use super::args::threads_arg;
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::explorer::{serve, ServeOptions};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The town to start from (a scenario file; its events become the first option). Default: the embedded
    /// default town.
    pub town: Option<PathBuf>,
    /// Address to serve on. Anything but 127.0.0.1 lets other machines run questions here (a warning says so).
    #[arg(long, default_value = "127.0.0.1:8050")]
    pub listen: SocketAddr,
    /// Another host name the page may be reached by (with a non-local --listen). Repeat for more.
    #[arg(long, value_name = "HOST")]
    pub allow_host: Vec<String>,
    /// Open the page in the browser.
    #[arg(long)]
    pub open: bool,
    /// Folder the answers' output folders go into.
    #[arg(long, default_value = "output/explorer")]
    pub out: PathBuf,
    /// Largest town a question may have, in people.
    #[arg(long, default_value_t = 200_000)]
    pub max_agents: u32,
    /// Memory for the burned-in towns kept warm, in MiB.
    #[arg(long, default_value_t = 2048, value_name = "MIB")]
    pub cache_mib: u64,
    /// Worker threads (default: all cores). Results are identical at any thread count.
    #[arg(long, value_parser = threads_arg, allow_negative_numbers = true)]
    pub threads: Option<usize>,
}

pub fn run(args: ServeArgs, cancel: Cancel) -> Result<()> {
    if args.max_agents == 0 {
        return Err(Error::Usage("--max-agents must be at least 1".into()));
    }
    let options = ServeOptions {
        town: args.town,
        listen: args.listen,
        allow_hosts: args.allow_host,
        open: args.open,
        out: args.out,
        max_agents: args.max_agents,
        cache_bytes: args.cache_mib.saturating_mul(1 << 20),
        threads: super::run::threads(args.threads),
    };
    serve(options, cancel)
}
