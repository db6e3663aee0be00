//! Build-time jobs: rebuild when the migrations change, and embed the GraphiQL
//! assets served by `src/http/graphiql.rs` so the playground works offline.
//!
//! The assets come from `npm ci --prefix service/graphiql`, which the just
//! recipes (and the service's Dockerfile) run before building; a build never
//! reaches the network itself.

use std::{
    env, fs,
    path::{Path, PathBuf},
};

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
    graphiql_assets();
}

/// Files embedded into the binary, relative to `graphiql/`. Each is served as
/// `/graphiql/{file name}`.
const GRAPHIQL_FILES: [&str; 6] = [
    "node_modules/react/umd/react.production.min.js",
    "node_modules/react-dom/umd/react-dom.production.min.js",
    "node_modules/graphiql/graphiql.min.js",
    "node_modules/graphiql/graphiql.min.css",
    "index.html",
    "init.js",
];

/// How to get the assets, for the warnings below.
const INSTALL: &str = "npm ci --prefix service/graphiql";

/// Sets `cfg(graphiql_assets)` once all assets are in `OUT_DIR/graphiql/`.
/// A missing asset is not an error: the service still builds, and
/// `GET /graphql` explains how to get the playground.
fn graphiql_assets() {
    println!("cargo::rustc-check-cfg=cfg(graphiql_assets)");
    println!("cargo:rerun-if-changed=graphiql/index.html");
    println!("cargo:rerun-if-changed=graphiql/init.js");
    println!("cargo:rerun-if-changed=graphiql/package-lock.json");
    // While these files do not exist Cargo reruns the script on every build,
    // which is what picks up an `npm ci` run after a build without it.
    println!("cargo:rerun-if-changed=graphiql/node_modules/graphiql/package.json");
    println!("cargo:rerun-if-changed=graphiql/node_modules/.package-lock.json");

    let dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo")).join("graphiql");
    if !GRAPHIQL_FILES.iter().all(|file| dir.join(file).is_file()) {
        println!(
            "cargo:warning=GraphiQL assets are missing, so GET /graphql serves a 503 page; \
             run `{INSTALL}` (the just recipes do), then rebuild"
        );
        return;
    }
    if stale(&dir) {
        println!(
            "cargo:warning=service/graphiql/node_modules is older than its package-lock.json; \
             run `{INSTALL}` to embed the locked GraphiQL versions"
        );
    }

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("graphiql");
    fs::create_dir_all(&out).unwrap_or_else(|e| panic!("creating {}: {e}", out.display()));
    for file in GRAPHIQL_FILES {
        let from = dir.join(file);
        let to = out.join(from.file_name().expect("file paths have a name"));
        fs::copy(&from, &to)
            .unwrap_or_else(|e| panic!("copying {} to {}: {e}", from.display(), to.display()));
    }
    println!("cargo:rustc-cfg=graphiql_assets");
}

/// npm writes `node_modules/.package-lock.json` after `package-lock.json`, so
/// an older one means the lockfile changed since (e.g. a version bump was pulled).
fn stale(dir: &Path) -> bool {
    let mtime = |file: &str| fs::metadata(dir.join(file)).and_then(|m| m.modified()).ok();
    mtime("node_modules/.package-lock.json") < mtime("package-lock.json")
}
