//! Charts and the offline report, rendered from a saved output folder only (never from a live run), so
//! `supportsim report DIR` reproduces them byte for byte. `data` reads the folder, `charts` draws PNG and SVG
//! with plotters, `html` writes the self-contained `report.html`.

pub mod charts;
pub mod data;
pub mod html;

use crate::error::Result;
use std::path::Path;

/// Renders `charts/` and `report.html` into `dir` from the files already there.
pub fn render(dir: &Path) -> Result<()> {
    let saved = data::Saved::load(dir)?;
    let charts = charts::render(&saved, &dir.join("charts"))?;
    html::write(&saved, &charts, &dir.join("report.html"))
}
