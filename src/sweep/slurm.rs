//! The Slurm script of a sweep (`supportsim sweep FILE --slurm-script S --shards N`). One file does
//! everything: `bash S` submits it as an array job of N tasks, each running one shard with `--resume` (so a
//! requeued or restarted task goes on where it stopped), and submits it again as a merge job that starts
//! when every task has succeeded (`--dependency=afterok`). Shards go to `OUT.shards/shard-K-of-N/`, logs to
//! `OUT.shards/logs/`, the merged sweep to `OUT/`. Paths are absolute, so the script runs from anywhere on
//! a cluster that shares the file system.

use super::spec::Sweep;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// What the script runs.
pub struct Job<'a> {
    pub sweep_file: &'a Path,
    pub out: &'a Path,
    pub shards: usize,
    /// CPUs per array task (`--cpus-per-task`, passed on as `--threads`); default 1.
    pub threads: Option<usize>,
    /// Extra `#SBATCH` options, e.g. `--partition=short`; a `--time` or `--mem` here replaces the estimate's.
    pub sbatch: &'a [String],
    /// Each array task's time limit and memory (`--time`, `--mem` in MB), from the dry run's estimate.
    pub time_minutes: u64,
    pub mem_mb: u64,
    /// Options of the command line that change the sweep (`--replicates`, `--points`, `--agents`), passed on
    /// to every task.
    pub overrides: &'a [String],
}

/// Quotes a string for bash.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(|e| Error::Usage(format!("cannot make {} absolute: {e}", p.display())))
}

/// The text of the script.
pub fn script(sweep: &Sweep, job: &Job, script_path: &Path) -> Result<String> {
    let exe = std::env::current_exe().map_err(|e| Error::Usage(format!("cannot find the supportsim binary: {e}")))?;
    let sweep_file = absolute(job.sweep_file)?;
    let out = absolute(job.out)?;
    let script_path = absolute(script_path)?;
    let cpus = job.threads.unwrap_or(1);
    let name: String =
        sweep.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    for o in job.sbatch {
        if o.contains('\n') || !o.starts_with("--") {
            return Err(Error::Usage(format!(
                "--sbatch `{o}`: give one sbatch option, as in --sbatch=--partition=short"
            )));
        }
    }
    let mut extra: String = job.sbatch.iter().map(|o| format!("#SBATCH {o}\n")).collect();
    let given = |flag: &str| job.sbatch.iter().any(|o| o == flag || o.starts_with(&format!("{flag}=")));
    if !given("--time") {
        let t = job.time_minutes.max(1);
        extra.push_str(&format!("#SBATCH --time={}:{:02}:00\n", t / 60, t % 60));
    }
    if !given("--mem") {
        extra.push_str(&format!("#SBATCH --mem={}M\n", job.mem_mb.max(100)));
    }
    let overrides: String = job.overrides.iter().map(|o| format!(" {}", quote(o))).collect();
    Ok(format!(
        r#"#!/usr/bin/env bash
{marker} `{sweep_name}` ({version}).
# Submit with:
#     bash {script_q}
# which submits this file twice: as an array job of {n} tasks (task K runs shard K/{n} of the sweep) and as
# a merge job that runs once every task has succeeded. Shards are written to $SHARDS_DIR, the merged sweep
# (byte-identical to running the sweep on one machine) to $OUT. A task that is requeued or rerun goes on
# from its last finished run (--resume). Written by `supportsim sweep --slurm-script`; edit the #SBATCH
# lines to suit your cluster. --time and --mem are twice the estimate of `supportsim sweep --dry-run` for one
# task on the machine that wrote this file (give --sbatch=--time=… or --sbatch=--mem=… to set them).
#SBATCH --job-name=supportsim-{name}
#SBATCH --cpus-per-task={cpus}
{extra}set -euo pipefail

SUPPORTSIM={exe}
SWEEP={sweep_file}
OUT={out}
SHARDS_DIR={shards_dir}
SHARDS={n}
SCRIPT={script_q}

case "${{1:-submit}}" in
submit)
    mkdir -p "$SHARDS_DIR/logs"
    array=$(sbatch --parsable --array=1-"$SHARDS" --output="$SHARDS_DIR/logs/shard-%a.out" "$SCRIPT" shard)
    array=${{array%%;*}}
    merge=$(sbatch --parsable --dependency=afterok:"$array" --output="$SHARDS_DIR/logs/merge.out" "$SCRIPT" merge)
    echo "submitted array job $array ($SHARDS tasks) and merge job ${{merge%%;*}}; results in $OUT"
    ;;
shard)
    k=${{SLURM_ARRAY_TASK_ID:?run as an array task: bash $SCRIPT submits it}}
    exec "$SUPPORTSIM" sweep "$SWEEP" --shard "$k/$SHARDS" --out "$SHARDS_DIR/shard-$k-of-$SHARDS" \
        --threads "${{SLURM_CPUS_PER_TASK:-{cpus}}}" --resume --quiet{overrides}
    ;;
merge)
    shards=()
    for k in $(seq 1 "$SHARDS"); do shards+=("$SHARDS_DIR/shard-$k-of-$SHARDS"); done
    exec "$SUPPORTSIM" merge "${{shards[@]}}" --out "$OUT"
    ;;
*)
    echo "usage: bash $SCRIPT [submit|shard|merge]" >&2
    exit 2
    ;;
esac
"#,
        marker = MARKER,
        sweep_name = sweep.name,
        version = concat!("supportsim ", env!("CARGO_PKG_VERSION")),
        script_q = quote(&script_path.display().to_string()),
        n = job.shards,
        exe = quote(&exe.display().to_string()),
        sweep_file = quote(&sweep_file.display().to_string()),
        out = quote(&out.display().to_string()),
        shards_dir = quote(&format!("{}.shards", out.display())),
    ))
}

/// The line every script this module writes starts its comment with: how an existing script is recognised as
/// supportsim's.
const MARKER: &str = "# Slurm array job for the supportsim sweep";

/// True when `path` is a regular file whose second line is the marker.
fn written_by_supportsim(path: &Path) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return false };
    meta.is_file()
        && crate::files::read_text(path, 1 << 20).is_ok_and(|t| t.lines().nth(1).is_some_and(|l| l.starts_with(MARKER)))
}

/// Writes the script (executable). An existing file is replaced only if supportsim wrote it, and only with
/// `force`.
pub fn write_script(path: &Path, sweep: &Sweep, job: &Job, force: bool) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok() {
        if !written_by_supportsim(path) {
            return Err(Error::Usage(format!(
                "{} exists and was not written by supportsim; choose another --slurm-script (supportsim never \
                 overwrites a file it did not write)",
                path.display()
            )));
        }
        if !force {
            return Err(Error::Usage(format!("{} exists; pass --force to replace it", path.display())));
        }
    }
    let text = script(sweep, job, path)?;
    std::fs::write(path, text).map_err(|e| Error::write(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
    }
    Ok(())
}
