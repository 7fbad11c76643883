//! The house's layers: every module of `src/` uses only modules of lower layers, as ARCHITECTURE.md's layer
//! table gives them, and the files inside each module use each other without a cycle. Reads the `use` lines
//! and `crate::`/`super::` paths of the source as text, so a new upward import or import cycle fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer of each top-level module, from ARCHITECTURE.md's table (`| N | \`a\`, \`b\` | … |`).
fn layer_table() -> BTreeMap<String, u32> {
    let text = std::fs::read_to_string("ARCHITECTURE.md").unwrap();
    let mut layers = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 4 {
            continue;
        }
        let Ok(layer) = cells[1].parse::<u32>() else { continue };
        for module in cells[2].split(',') {
            let module = module.trim().trim_matches('`');
            assert!(layers.insert(module.to_string(), layer).is_none(), "{module} is in the layer table twice");
        }
    }
    assert!(layers.len() > 10, "ARCHITECTURE.md has a layer table");
    layers
}

/// Every `.rs` file under `src/`, sorted.
fn sources() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![PathBuf::from("src")];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The module path of a file: `src/sweep/format.rs` → [sweep, format]; `src/world/mod.rs` → [world].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix("src").unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib" || p == "main") {
        parts.pop();
    }
    parts
}

/// The source without comments (line comments and doc comments), so a module named in prose is no import.
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a file names: each `use` tree expanded (`a::{b, c::d}` → `a::b`, `a::c::d`), and every other
/// `crate::…` or `super::…` path in the code.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    // A `use` item starts a line (after `pub`, `pub(crate)` or `pub(super)`) and ends at its `;`.
    while let Some(i) = rest.find("use ") {
        let line_start = rest[..i].rfind('\n').map_or(0, |n| n + 1);
        let lead = rest[line_start..i].trim();
        let tail = &rest[i + 4..];
        let Some(end) = tail.find(';') else { break };
        if lead.is_empty() || lead == "pub" || (lead.starts_with("pub(") && lead.ends_with(')')) {
            expand("", tail[..end].trim(), &mut out);
        }
        rest = &tail[end..];
    }
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            let mut end = at;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_' || bytes[end] == b':')
            {
                end += 1;
            }
            out.push(code[at..end].trim_end_matches(':').to_string());
            from = end.max(at + start.len());
        }
    }
    out
}

/// Expands one `use` tree under `prefix`.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    match tree.find('{').filter(|&open| tree.rfind('}').is_some_and(|close| close > open)) {
        None => {
            let item = tree.split(" as ").next().unwrap_or("").trim();
            out.push(format!("{prefix}{item}"));
        }
        Some(open) => {
            let head = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let (mut depth, mut last) = (0, 0);
            let mut items = Vec::new();
            for (k, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(&inner[last..k]);
                        last = k + 1;
                    }
                    _ => {}
                }
            }
            items.push(&inner[last..]);
            for item in items.into_iter().map(str::trim).filter(|i| !i.is_empty()) {
                expand(&format!("{prefix}{head}"), item, out);
            }
        }
    }
}

/// The file a path names, from the file that names it: the longest prefix of the module path that is a file.
fn resolve(from: &[String], path: &str) -> Option<Vec<String>> {
    let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    let mut module: Vec<String> = match parts.first() {
        Some(&"crate") => Vec::new(),
        Some(&"super") => from[..from.len().saturating_sub(1)].to_vec(),
        Some(&"self") => from.to_vec(),
        _ => return None,
    };
    parts.remove(0);
    while parts.first() == Some(&"super") {
        module.pop();
        parts.remove(0);
    }
    let mut best = module.clone();
    for p in parts {
        module.push(p.to_string());
        let base = PathBuf::from("src").join(module.join("/"));
        if base.with_extension("rs").is_file() || base.join("mod.rs").is_file() {
            best = module.clone();
        } else {
            break;
        }
    }
    Some(best)
}

#[test]
fn every_module_uses_only_lower_layers_and_files_form_no_cycle() {
    let layers = layer_table();
    let files = sources();
    let mut wrong = Vec::new();
    let mut tops: BTreeSet<String> = BTreeSet::new();
    // Edges between files of the same top-level module, for the cycle check.
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let module = module_of(file);
        let Some(top) = module.first().cloned() else { continue }; // lib.rs, main.rs
        tops.insert(top.clone());
        let Some(&own) = layers.get(&top) else {
            wrong.push(format!("{}: module `{top}` is not in ARCHITECTURE.md's layer table", file.display()));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for path in paths(&code(&text)) {
            let Some(target) = resolve(&module, &path) else { continue };
            let Some(other) = target.first() else { continue };
            if *other == top {
                // A mod.rs declares and re-exports its own files: that is no use of them.
                let is_front_door = file.ends_with("mod.rs") && target.starts_with(&module) && target != module;
                if target != module && !is_front_door {
                    edges.entry(module.clone()).or_default().insert(target);
                }
                continue;
            }
            match layers.get(other) {
                Some(&l) if l < own => {}
                Some(&l) => wrong.push(format!(
                    "{}: uses `{path}`, of module `{other}` (layer {l}), not below its own `{top}` (layer {own})",
                    file.display()
                )),
                None => wrong.push(format!("{}: uses `{path}`, of a module not in the layer table", file.display())),
            }
        }
    }
    for m in layers.keys().filter(|m| !tops.contains(*m)) {
        wrong.push(format!("ARCHITECTURE.md's layer table names `{m}`, which src/ does not have"));
    }
    // Cycles among the files of one module, by depth-first search.
    fn visit(
        at: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
        cycles: &mut Vec<String>,
    ) {
        if let Some(i) = stack.iter().position(|s| s == at) {
            let cycle: Vec<String> = stack[i..].iter().chain([at]).map(|m| m.join("::")).collect();
            cycles.push(cycle.join(" → "));
            return;
        }
        if done.contains(at) {
            return;
        }
        stack.push(at.clone());
        for next in edges.get(at).into_iter().flatten() {
            visit(next, edges, stack, done, cycles);
        }
        stack.pop();
        done.insert(at.clone());
    }
    let mut cycles = Vec::new();
    let mut done = BTreeSet::new();
    for start in edges.keys() {
        visit(start, &edges, &mut Vec::new(), &mut done, &mut cycles);
    }
    wrong.extend(cycles.into_iter().map(|c| format!("import cycle: {c}")));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_checker_reads_use_trees_and_sees_an_upward_import() {
    let mut out = Vec::new();
    expand("", "crate::world::{view::view, Agent as A, network::{Network, Tie}}", &mut out);
    assert_eq!(
        out,
        [
            "crate::world::view::view",
            "crate::world::Agent",
            "crate::world::network::Network",
            "crate::world::network::Tie"
        ]
    );
    let from: Vec<String> = ["sweep", "store"].map(String::from).to_vec();
    assert_eq!(resolve(&from, "super::format::Info"), Some(["sweep", "format"].map(String::from).to_vec()));
    assert_eq!(
        resolve(&from, "crate::world::network::prefetch"),
        Some(["world", "network"].map(String::from).to_vec())
    );
    assert_eq!(code("use crate::a; // crate::b\n/// crate::c\nlet s = \"//\";"), "use crate::a; \n\nlet s = \"//\";");
    // An upward import in a made-up file is found.
    let found = paths(&code("use crate::cli::progress_bar;\nfn f() { crate::sweep::run_sweep(); }"));
    assert!(
        found.contains(&"crate::cli::progress_bar".to_string())
            && found.contains(&"crate::sweep::run_sweep".to_string())
    );
}
