//! Parsed documents, kept by their text. Clients send the same few documents
//! again and again (the web client's are one per operation), so each is
//! parsed once per process rather than once per request.
//!
//! Not a schema extension (`errors.rs` says why): the request gets its parse
//! before it runs, and async-graphql uses that parse instead of its own.

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;

/// What the cache may hold, in bytes of parsed documents as estimated below:
/// room for hundreds of the web client's documents, and a bound on what
/// clients sending documents of their own can make the service keep.
const MAX_BYTES: u64 = 32 * 1024 * 1024;
/// A parse's size per byte of its text, at most, with room to spare. Counted
/// with async-graphql 7.2.1's parser and a counting allocator: 106 bytes per
/// byte for a document of one-letter fields (the worst case: a field is two
/// bytes of text), 42 for the web client's `me`. The weight counts this, not
/// the text, so that documents of tiny fields cannot fill memory past the
/// bound.
const PARSED_BYTES_PER_BYTE: u64 = 256;
/// A longer document (GraphiQL's introspection query is 2 KB) is parsed
/// each time, so that a few huge ones cannot push out everyone's.
const MAX_DOCUMENT_BYTES: usize = 8 * 1024;

#[derive(Clone)]
pub struct Documents {
    parsed: moka::sync::Cache<String, ExecutableDocument>,
}

impl Documents {
    pub fn new() -> Self {
        Self::with_capacity(MAX_BYTES)
    }

    fn with_capacity(max_bytes: u64) -> Self {
        let parsed = moka::sync::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|text: &String, _| {
                u32::try_from(text.len() as u64 * PARSED_BYTES_PER_BYTE).unwrap_or(u32::MAX)
            })
            .build();
        Self { parsed }
    }

    /// Gives `request` its parsed document, from the cache when it is there.
    /// A document that does not parse is left to the schema, which reports
    /// the syntax error, and is not kept.
    pub fn prepare(&self, request: &mut Request) {
        if request.query.len() > MAX_DOCUMENT_BYTES {
            return;
        }
        if let Some(document) = self.parsed.get(request.query.as_str()) {
            request.set_parsed_query(document);
            return;
        }
        let text = request.query.clone();
        if let Ok(document) = request.parsed_query() {
            self.parsed.insert(text, document.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_parsed_once_and_then_comes_from_the_cache() {
        let documents = Documents::new();
        documents.prepare(&mut Request::new("query Me { me { id } }"));
        // moka counts its entries once its pending work is done.
        documents.parsed.run_pending_tasks();
        assert_eq!(documents.parsed.entry_count(), 1);

        // Seen again, its parse is the cached one: here, planted to tell.
        let planted = async_graphql::parser::parse_query("query Planted { me { id } }").unwrap();
        documents
            .parsed
            .insert("query Me { me { id } }".into(), planted);
        let mut again = Request::new("query Me { me { id } }");
        documents.prepare(&mut again);
        let held = again.parsed_query().expect("parsed");
        let names: Vec<_> = held
            .operations
            .iter()
            .map(|(name, _)| name.map(|n| n.to_string()))
            .collect();
        assert_eq!(names, [Some("Planted".to_owned())]);
    }

    #[test]
    fn what_does_not_parse_or_is_too_long_is_not_kept() {
        let documents = Documents::new();
        documents.prepare(&mut Request::new("query {"));
        let long = format!("{{ me {{ id }} }} #{}", "x".repeat(MAX_DOCUMENT_BYTES));
        documents.prepare(&mut Request::new(long));
        documents.parsed.run_pending_tasks();
        assert_eq!(documents.parsed.entry_count(), 0);
    }

    #[test]
    fn the_cache_stays_within_its_bound() {
        let bound = 4 * 1024 * 1024;
        let documents = Documents::with_capacity(bound);
        // Ten times the bound of distinct documents, as a client making up
        // new ones would send.
        let mut weight = 0;
        for n in 0.. {
            let text = format!("query Q{n} {{ me {{ id email username }} }}");
            weight += text.len() as u64 * PARSED_BYTES_PER_BYTE;
            documents.prepare(&mut Request::new(text));
            if weight > 10 * bound {
                break;
            }
        }
        documents.parsed.run_pending_tasks();
        assert!(
            documents.parsed.weighted_size() <= bound,
            "{} bytes kept",
            documents.parsed.weighted_size()
        );
        assert!(documents.parsed.entry_count() > 0);
    }
}
