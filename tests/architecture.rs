//! The layering rules of DESIGN.md and ARCHITECTURE.md, checked on the source: nothing below
//! `cli` imports `cli`, nothing outside `tui` and `cli` imports `tui`, and no two modules
//! import each other.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("tests"))
        {
            out.push(path);
        }
    }
}

/// `src/tui/state/update.rs` is `tui::state::update`; a `mod.rs` names its folder.
fn module_of(path: &Path) -> Vec<String> {
    let rel = path.strip_prefix("src").unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib" || p == "main") {
        parts.pop();
    }
    parts
}

/// The modules a file names through `crate::a::b` or `super::b`, at depth `depth`.
fn references(text: &str, module: &[String], depth: usize) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    // Test modules may reach anywhere; only the code that ships is layered.
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    // Comments (doc links included) are not imports.
    let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let text = code.as_str();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", module[..module.len().saturating_sub(1)].to_vec())] {
        for (i, _) in text.match_indices(prefix) {
            let rest = &text[i + prefix.len()..];
            let path: Vec<String> = rest
                .split("::")
                .map(|seg| seg.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>())
                .take_while(|seg| !seg.is_empty() && seg.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
                .collect();
            let mut full = base.clone();
            full.extend(path);
            if !full.is_empty() {
                full.truncate(depth);
                out.insert(full);
            }
        }
    }
    out
}

fn graph(depth: usize) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    let mut g: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for f in files {
        let module = module_of(&f);
        let text = std::fs::read_to_string(&f).unwrap();
        let mut from = module.clone();
        from.truncate(depth);
        for to in references(&text, &module, depth) {
            if to != from && !from.starts_with(&to) && !to.starts_with(&from) {
                g.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    g
}

#[test]
fn nothing_below_cli_imports_cli_and_only_cli_imports_tui() {
    let mut wrong = Vec::new();
    for (from, tos) in graph(1) {
        let from = from.join("::");
        for to in tos {
            let to = to.join("::");
            if (to == "cli" && from != "cli" && !from.is_empty())
                || (to == "tui" && !matches!(from.as_str(), "tui" | "cli" | ""))
            {
                wrong.push(format!("{from} imports {to}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn no_two_modules_import_each_other() {
    let mut cycles = BTreeSet::new();
    for depth in [1, 2, 3] {
        let g = graph(depth);
        for (a, tos) in &g {
            for b in tos.iter().filter(|b| g.get(*b).is_some_and(|back| back.contains(a))) {
                let (x, y) = if a < b { (a, b) } else { (b, a) };
                cycles.insert(format!("{} <-> {}", x.join("::"), y.join("::")));
            }
        }
    }
    assert!(cycles.is_empty(), "{cycles:#?}");
}

/// A merge left no conflict markers in the documents users and engineers read (one did, in the
/// README's command table, for a whole session).
#[test]
fn documents_hold_no_merge_conflict_markers() {
    for doc in ["README.md", "ARCHITECTURE.md"] {
        let text = std::fs::read_to_string(doc).unwrap();
        for (n, line) in text.lines().enumerate() {
            let marker = line.starts_with("<<<<<<< ") || line.starts_with(">>>>>>> ") || line == "=======";
            assert!(!marker, "{doc}:{}: merge conflict marker {line:?}", n + 1);
        }
    }
}
