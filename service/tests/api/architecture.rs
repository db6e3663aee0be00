//! The layers run one way (ARCHITECTURE.md): http -> graphql -> auth ->
//! storage, with domain shared by all; auth writes mail with `mail`, whose
//! worker reads the outbox in storage. A `use` that points back up fails here.

use std::path::Path;

/// Each layer, and the parts of the crate it must not name.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "domain",
        &["config", "storage", "mail", "auth", "graphql", "http"],
    ),
    ("storage", &["config", "mail", "auth", "graphql", "http"]),
    ("mail", &["auth", "graphql", "http"]),
    ("auth", &["graphql", "http"]),
    ("graphql", &["storage", "mail", "http"]),
];

#[test]
fn layers_import_only_downwards() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    for (layer, forbidden) in FORBIDDEN {
        let files = rust_files(&src.join(layer));
        assert!(!files.is_empty(), "no sources in {layer}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for module in *forbidden {
                if text.contains(&format!("crate::{module}")) {
                    wrong.push(format!("{} names crate::{module}", file.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}
