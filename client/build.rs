//! graphql_client reads the schema and the operations while compiling, but
//! does not tell Cargo: without this, a changed `schema.graphql` would leave
//! the client built (and checked) against the old one.

fn main() {
    println!("cargo:rerun-if-changed=../schema.graphql");
    println!("cargo:rerun-if-changed=graphql/operations.graphql");
    println!("cargo:rerun-if-changed=graphql/mail_links.graphql");
    println!("cargo:rerun-if-changed=graphql/admin.graphql");
    println!("cargo:rerun-if-changed=graphql/privacy.graphql");
    println!("cargo:rerun-if-changed=graphql/mfa.graphql");
    println!("cargo:rerun-if-changed=graphql/passkeys.graphql");
}
