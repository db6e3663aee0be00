//! Build-time jobs: rebuild when the migrations change, and embed the GraphiQL
//! assets served by `src/http/graphiql.rs` so the playground works offline.

use std::{
    env, fs, io,
    path::{Path, PathBuf},
    process::Command,
};

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
    println!("cargo:rerun-if-changed=graphiql/package-lock.json");
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

/// Sets `cfg(graphiql_assets)` once all assets are in `OUT_DIR/graphiql/`.
/// A missing asset is not an error: the service still builds, and
/// `GET /graphql` explains how to get the playground.
fn graphiql_assets() {
    println!("cargo::rustc-check-cfg=cfg(graphiql_assets)");
    println!("cargo:rerun-if-changed=graphiql/index.html");
    println!("cargo:rerun-if-changed=graphiql/init.js");
    // While these files do not exist Cargo reruns the script on every build,
    // which is what picks up a manual `npm ci` after a build without npm.
    println!("cargo:rerun-if-changed=graphiql/node_modules/graphiql/package.json");
    println!("cargo:rerun-if-changed=graphiql/node_modules/.package-lock.json");

    let dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo")).join("graphiql");
    let all_present = |dir: &Path| GRAPHIQL_FILES.iter().all(|file| dir.join(file).is_file());

    if !all_present(&dir) || stale(&dir) {
        npm_ci(&dir);
    }

    if !all_present(&dir) {
        println!(
            "cargo:warning=GraphiQL assets are missing, so GET /graphql serves a 503 page; \
             run `npm ci --prefix service/graphiql`, then rebuild"
        );
        return;
    }
    if stale(&dir) {
        println!(
            "cargo:warning=service/graphiql/node_modules is older than its package-lock.json; \
             run `npm ci --prefix service/graphiql` to embed the locked GraphiQL versions"
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

/// Best effort: without npm or registry access the build still succeeds,
/// only without the playground (or with the previously installed one).
fn npm_ci(dir: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    // Only prebuilt files are needed, so no dependency gets to run install scripts.
    let result = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(dir)
        .output();
    match result {
        Ok(output) if output.status.success() => {}
        Ok(output) => {
            println!(
                "cargo:warning=`npm ci` in service/graphiql failed ({})",
                output.status
            );
            // npm puts the useful part of the error first, the log file path last.
            let stderr = String::from_utf8_lossy(&output.stderr);
            for line in stderr.lines().filter(|l| !l.trim().is_empty()).take(3) {
                println!("cargo:warning=  {line}");
            }
        }
        // No npm on PATH: the caller's missing-assets warning says what to do.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => println!("cargo:warning=could not run `npm ci` in service/graphiql: {e}"),
    }
}
