//! Parsed policy documents, cached per thread by their text.
//!
//! The catalog stores policies as the JSON the user put (so `get policy` prints it back as
//! written); parsing it on every check would cost more than the rest of the check. A check asks
//! [`parsed`] for the document behind a text; the text itself is the cache key, so a `put policy`
//! that changes the text can never be served a stale document, and no invalidation is needed.

use crate::policy::{PolicyDocument, PolicyKind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Enough for every policy of a large tenant; past it the cache starts over rather than grow
/// without bound in a long-lived shell.
const CAPACITY: usize = 4096;

type Cache = HashMap<String, Option<Rc<PolicyDocument>>>;

thread_local! {
    static PROJECT: RefCell<Cache> = RefCell::new(HashMap::new());
    static ROLE: RefCell<Cache> = RefCell::new(HashMap::new());
    static EXCEPTION: RefCell<Cache> = RefCell::new(HashMap::new());
}

/// The document behind `text`, or `None` when the stored text does not parse (the executor
/// validates on `put`, so that means a hand-edited catalog; such a document grants and denies
/// nothing).
pub fn parsed(text: &str, kind: PolicyKind) -> Option<Rc<PolicyDocument>> {
    let cache = match kind {
        PolicyKind::Project => &PROJECT,
        PolicyKind::Role => &ROLE,
        PolicyKind::Exception => &EXCEPTION,
    };
    cache.with(|cell| {
        let mut map = cell.borrow_mut();
        if let Some(doc) = map.get(text) {
            return doc.clone();
        }
        if map.len() >= CAPACITY {
            map.clear();
        }
        let doc = PolicyDocument::parse(text, kind).ok().map(Rc::new);
        map.insert(text.to_string(), doc.clone());
        doc
    })
}
