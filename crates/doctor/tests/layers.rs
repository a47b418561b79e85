//! The library's layers, checked from its source: each module imports only the layers below it
//! (model <- observe, judge <- render <- check), `observe` and `judge` never import each other, and
//! no import circle exists between the source files. CI runs this with the other tests, so a
//! change that tangles the layers fails there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers a layer may import (besides itself).
fn allowed(layer: &str) -> &'static [&'static str] {
    match layer {
        "model" => &[],
        "observe" => &["model"],
        "judge" => &["model"],
        "render" => &["model", "judge"],
        "check" => &["model", "observe", "judge", "render"],
        _ => &[],
    }
}

const LAYERS: [&str; 5] = ["model", "observe", "judge", "render", "check"];

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            source_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/judge/cert.rs` -> `judge::cert`; `src/check/mod.rs` -> `check`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without comments, string literals and `#[cfg(test)]` modules.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    let mut in_test = false;
    let mut depth = 0i32;
    for line in text.lines() {
        let t = line.trim_start();
        if !in_test && t.starts_with("#[cfg(test)]") {
            in_test = true;
            depth = 0;
            continue;
        }
        if in_test {
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            if depth <= 0 && line.contains('}') {
                in_test = false;
            }
            continue;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push_str(line.split(" // ").next().unwrap_or(""));
        out.push('\n');
    }
    // Drop string literals (roughly: text between unescaped double quotes on a line).
    let mut cleaned = String::new();
    let mut in_str = false;
    let mut prev = ' ';
    for c in out.chars() {
        if c == '"' && prev != '\\' {
            in_str = !in_str;
        } else if !in_str {
            cleaned.push(c);
        }
        if c == '\n' {
            in_str = false;
        }
        prev = c;
    }
    cleaned
}

/// Every `crate::a::b` path in the code, as the longest known module prefix.
fn imports(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut add = |path: &str| {
        let segs: Vec<&str> = path.split("::").collect();
        for n in (1..=segs.len()).rev() {
            let m = segs[..n].join("::");
            if modules.contains(&m) {
                found.insert(m);
                return;
            }
        }
    };
    // Paths written out, and grouped imports `use crate::{a::b, c}` / `use crate::a::{b::C, d}`.
    let bytes = code;
    let mut rest = bytes;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + 7..];
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(after.len());
        let path = after[..end].trim_end_matches(':');
        if after[end..].starts_with('{') {
            let close = after[end..]
                .find('}')
                .map(|c| end + c)
                .unwrap_or(after.len());
            for item in after[end + 1..close].split(',') {
                let item = item.trim().split(" as ").next().unwrap_or("").trim();
                let item = item.trim_start_matches('{');
                if !item.is_empty() {
                    add(format!("{path}::{item}").trim_start_matches("::"));
                }
            }
        }
        add(path);
        rest = &after[end..];
    }
    found
}

fn layer(m: &str) -> &str {
    m.split("::").next().unwrap_or("")
}

#[test]
fn layers_import_only_downwards_and_without_circles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for f in &files {
        let m = module_of(&src, f);
        if m == "lib" {
            continue;
        }
        let l = layer(&m).to_string();
        assert!(
            LAYERS.contains(&l.as_str()),
            "{}: every source file lives in one of the layers {LAYERS:?}",
            f.display()
        );
        let text = std::fs::read_to_string(f).expect("readable source");
        let deps: BTreeSet<String> = imports(&code_of(&text), &modules)
            .into_iter()
            .filter(|d| d != &m && d != "lib")
            .collect();
        for d in &deps {
            let dl = layer(d);
            if dl != l && !allowed(&l).contains(&dl) {
                wrong.push(format!(
                    "{m} imports {d} ({l} may import only {:?})",
                    allowed(&l)
                ));
            }
        }
        graph.insert(m, deps);
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );

    // No circle among the modules (a module's parent `mod.rs` only declares it: skip that edge).
    let mut state: BTreeMap<&str, u8> = BTreeMap::new();
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(2) => return None,
            Some(1) => {
                let from = stack.iter().position(|s| *s == m).unwrap_or(0);
                let mut c: Vec<String> = stack[from..].iter().map(|s| s.to_string()).collect();
                c.push(m.to_string());
                return Some(c);
            }
            _ => {}
        }
        state.insert(m, 1);
        stack.push(m);
        for d in graph.get(m).into_iter().flatten() {
            if m.split("::").count() == 1 && d.starts_with(&format!("{m}::")) {
                continue;
            }
            if d.starts_with(&format!("{m}::")) || m.starts_with(&format!("{d}::")) {
                continue;
            }
            if let Some(c) = visit(d, graph, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(m, 2);
        None
    }
    for m in graph.keys() {
        let mut stack = Vec::new();
        if let Some(c) = visit(m, &graph, &mut state, &mut stack) {
            panic!("an import circle: {}", c.join(" -> "));
        }
    }
}
