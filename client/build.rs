//! graphql_client reads the schema and the operations while compiling, but
//! does not tell Cargo: without this, a changed `schema.graphql` would leave
//! the client built (and checked) against the old one.
//!
//! It also writes each operation's own document (`$OUT_DIR/documents.rs`):
//! the operation and the fragments it uses, minified. graphql_client's
//! `QUERY` is the whole file an operation lives in, which the service would
//! parse in full on every request.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use graphql_parser::query::{
    Definition, Document, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};

const OPERATION_FILES: [&str; 6] = [
    "graphql/operations.graphql",
    "graphql/mail_links.graphql",
    "graphql/admin.graphql",
    "graphql/privacy.graphql",
    "graphql/mfa.graphql",
    "graphql/passkeys.graphql",
];

type Doc = Document<'static, String>;

fn main() {
    println!("cargo:rerun-if-changed=../schema.graphql");
    let mut documents = BTreeMap::new();
    for file in OPERATION_FILES {
        println!("cargo:rerun-if-changed={file}");
        let text = std::fs::read_to_string(file).expect("an operations file");
        let document: Doc = graphql_parser::parse_query::<String>(&text)
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .into_static();
        for (name, own) in split(&document) {
            let minified = graphql_parser::minify_query(own.to_string())
                .unwrap_or_else(|e| panic!("{file}: {name}: {e}"));
            let twice = documents.insert(name.clone(), minified);
            assert!(twice.is_none(), "operation {name} is defined twice");
        }
    }

    let mut out = String::from(
        "/// The document for the operation `name`: it and the fragments it uses.\n\
         pub fn document(name: &str) -> Option<&'static str> {\n    match name {\n",
    );
    for (name, text) in &documents {
        writeln!(out, "        {name:?} => Some({text:?}),").unwrap();
    }
    out.push_str("        _ => None,\n    }\n}\n");
    let path = Path::new(&std::env::var("OUT_DIR").unwrap()).join("documents.rs");
    std::fs::write(path, out).expect("documents.rs written");
}

/// Each named operation of `document`, as a document of its own.
fn split(document: &Doc) -> Vec<(String, Doc)> {
    let fragments: BTreeMap<&str, &FragmentDefinition<'static, String>> = document
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            Definition::Fragment(fragment) => Some((fragment.name.as_str(), fragment)),
            Definition::Operation(_) => None,
        })
        .collect();
    document
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            Definition::Operation(operation) => Some(operation),
            Definition::Fragment(_) => None,
        })
        .map(|operation| {
            let (name, selection) = match operation {
                OperationDefinition::Query(q) => (&q.name, &q.selection_set),
                OperationDefinition::Mutation(m) => (&m.name, &m.selection_set),
                OperationDefinition::Subscription(s) => (&s.name, &s.selection_set),
                OperationDefinition::SelectionSet(_) => panic!("an operation without a name"),
            };
            let name = name.clone().expect("a named operation");
            let mut used = BTreeSet::new();
            spreads(selection, &fragments, &mut used);
            let mut definitions = vec![Definition::Operation(operation.clone())];
            definitions.extend(
                used.iter()
                    .map(|fragment| Definition::Fragment(fragments[fragment].clone())),
            );
            (name, Document { definitions })
        })
        .collect()
}

/// The fragments `selection` spreads, and those they spread in turn.
fn spreads<'d>(
    selection: &'d SelectionSet<'static, String>,
    fragments: &BTreeMap<&'d str, &'d FragmentDefinition<'static, String>>,
    used: &mut BTreeSet<&'d str>,
) {
    for item in &selection.items {
        match item {
            Selection::Field(field) => spreads(&field.selection_set, fragments, used),
            Selection::InlineFragment(inline) => spreads(&inline.selection_set, fragments, used),
            Selection::FragmentSpread(spread) => {
                let (name, fragment) = fragments
                    .get_key_value(spread.fragment_name.as_str())
                    .unwrap_or_else(|| panic!("fragment {} is not defined", spread.fragment_name));
                if used.insert(*name) {
                    spreads(&fragment.selection_set, fragments, used);
                }
            }
        }
    }
}
