//! No import circles inside the window (`src/ui/`) nor the engine's
//! pipeline (`pipeline/`): a file's imports are the `crate::`, `super::`
//! and `self::` paths it names outside its tests (in `use` trees and in
//! code), each leading to the deepest module file it reaches; a circle is a
//! group of files each reaching all the others (Tarjan's strongly
//! connected components). Declaring a child module (`mod x;`) is no import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module's path: `["ui", "app", "compare"]`.
type Module = Vec<String>;

/// The module files under `src/<top>`, each with its text outside tests.
fn modules(src: &Path, top: &str) -> BTreeMap<Module, String> {
    let mut found = BTreeMap::new();
    for path in crate::util::files_in(&src.join(top)) {
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path
            .strip_prefix(src)
            .expect("under src")
            .with_extension("");
        let mut module: Module = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        let code: Vec<&str> = code
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect();
        found.insert(module, without_visibility(&code.join("\n")));
    }
    found
}

/// `code` without `pub(in crate::ui)` and the like: a visibility names a
/// module but imports nothing from it.
fn without_visibility(code: &str) -> String {
    let mut rest = code;
    let mut kept = String::new();
    while let Some(at) = rest.find("pub(in ") {
        kept.push_str(&rest[..at]);
        rest = rest[at..].split_once(')').map_or("", |(_, after)| after);
    }
    kept.push_str(rest);
    kept
}

/// A `use` tree without spaces and `as` names: `a::{b as c, d}` gives
/// `a::{b,d}`.
fn without_aliases(tree: &str) -> String {
    let mut kept = String::new();
    let mut tokens = tree.split_whitespace();
    while let Some(token) = tokens.next() {
        if token == "as" {
            let alias = tokens.next().unwrap_or("");
            kept.extend(alias.chars().filter(|c| matches!(c, ',' | '}')));
        } else {
            kept.push_str(token);
        }
    }
    kept
}

/// The paths of a `use` tree without spaces: `a::{b, c::{d, e}}` gives
/// `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let Some((prefix, rest)) = tree.split_once("::{") else {
        return vec![tree.to_owned()];
    };
    let inner = rest.strip_suffix('}').unwrap_or(rest);
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    let nonempty = parts.into_iter().filter(|p| !p.is_empty());
    nonempty
        .flat_map(expand)
        .map(|p| match p.as_str() {
            "self" => prefix.to_owned(),
            _ => format!("{prefix}::{p}"),
        })
        .collect()
}

/// The module file `path` (named in `from`) leads to, if it is one of `known`.
fn target(known: &BTreeMap<Module, String>, from: &Module, path: &str) -> Option<Module> {
    let mut segments = path.split("::");
    let mut full: Module = match segments.next()? {
        "crate" => Vec::new(),
        "self" => from.clone(),
        "super" => from[..from.len().saturating_sub(1)].to_vec(),
        _ => return None,
    };
    for segment in segments {
        match segment {
            "super" => {
                full.pop();
            }
            s => full.push(s.to_owned()),
        }
    }
    (1..=full.len())
        .rev()
        .map(|n| full[..n].to_vec())
        .find(|m| known.contains_key(m))
}

/// Each module's imports of the others.
fn imports(known: &BTreeMap<Module, String>) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut edges = BTreeMap::new();
    for (module, code) in known {
        let mut paths: Vec<String> = Vec::new();
        for statement in code.split(';') {
            if let Some((_, tree)) = statement.split_once("use ") {
                paths.extend(expand(&without_aliases(tree)));
            }
        }
        let words = code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
        // A `use` tree's prefix (`crate::ui::{`) is expanded above.
        let named = words.filter(|w| w.contains("::") && !w.ends_with("::"));
        paths.extend(named.map(str::to_owned));
        let reached = paths
            .iter()
            .filter_map(|p| target(known, module, p))
            .filter(|t| t != module)
            .collect();
        edges.insert(module.clone(), reached);
    }
    edges
}

/// The groups of two or more modules that import each other, round.
fn circles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, (usize, usize)>,
        stack: Vec<&'a Module>,
        found: Vec<Vec<Module>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a Module) {
            let n = self.index.len();
            self.index.insert(v, (n, n));
            self.stack.push(v);
            for w in &self.edges[v] {
                let low = match self.index.get(w) {
                    None => {
                        self.visit(w);
                        self.index[w].1
                    }
                    Some(&(i, _)) if self.stack.contains(&w) => i,
                    Some(_) => continue,
                };
                let entry = self.index.get_mut(v).expect("visited");
                entry.1 = entry.1.min(low);
            }
            let (i, low) = self.index[v];
            if i == low {
                let at = self
                    .stack
                    .iter()
                    .rposition(|m| *m == v)
                    .expect("on the stack");
                let group: Vec<Module> = self.stack.drain(at..).cloned().collect();
                if group.len() > 1 {
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn the_window_and_the_pipeline_have_no_import_circle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (src, top) in [
        (root.join("src"), "ui"),
        (root.join("crates/vidprism-engine/src"), "pipeline"),
    ] {
        let known = modules(&src, top);
        assert!(known.len() > 10, "{top}: only {} files", known.len());
        let found = circles(&imports(&known));
        assert!(found.is_empty(), "{top}: import circles: {found:#?}");
    }
}

#[test]
fn the_circle_check_finds_what_it_must() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let src = dir.path();
    std::fs::create_dir_all(src.join("ui/app")).expect("folders");
    let write = |path: &str, text: &str| std::fs::write(src.join(path), text).expect("written");
    write("ui/mod.rs", "pub mod app;\npub mod row;\npub mod view;\n");
    write(
        "ui/app/mod.rs",
        "mod parts;\nuse crate::ui::{row::Row, view};\n",
    );
    write("ui/app/parts.rs", "use super::super::row;\n");
    write(
        "ui/row.rs",
        "pub(in crate::ui::app) fn f() { crate::ui::view::draw(); }\n",
    );
    write(
        "ui/view.rs",
        "// use crate::ui::app;\n#[cfg(test)]\nmod tests { use crate::ui::app; }\n",
    );
    let known = modules(src, "ui");
    let module = |m: &str| -> Module { m.split('/').map(str::to_owned).collect() };
    assert!(circles(&imports(&known)).is_empty());
    assert_eq!(
        imports(&known)[&module("ui/app")],
        BTreeSet::from([module("ui/row"), module("ui/view")])
    );
    assert_eq!(
        imports(&known)[&module("ui/row")],
        BTreeSet::from([module("ui/view")])
    );
    write("ui/view.rs", "use super::{app::parts as p, row};\n");
    write("ui/app/parts.rs", "use super::super::{row, view::*};\n");
    let found = circles(&imports(&modules(src, "ui")));
    assert_eq!(found.len(), 1, "{found:?}");
    let group: BTreeSet<Module> = found[0].iter().cloned().collect();
    assert_eq!(
        group,
        BTreeSet::from([module("ui/app/parts"), module("ui/row"), module("ui/view")])
    );
}
