//! Flowglad id → external id, learnt from every customer read: subscriptions and checkout
//! sessions name customers by Flowglad id only. Filled for every listed customer (a million
//! on a large account), so each pair is one allocation, not two, and a pair already known is
//! not allocated again; hashed with foldhash, as SipHash was most of the cost of remembering.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

/// A Flowglad id followed by its external id, in one string; `split` is where the external
/// id starts. Hashed and compared by the Flowglad id alone, so the set is looked up by it.
struct Pair {
    text: Box<str>,
    split: usize,
}

impl Pair {
    fn id(&self) -> &str {
        self.text.get(..self.split).unwrap_or_default()
    }

    fn external(&self) -> &str {
        self.text.get(self.split..).unwrap_or_default()
    }
}

impl Borrow<str> for Pair {
    fn borrow(&self) -> &str {
        self.id()
    }
}

impl Hash for Pair {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl PartialEq for Pair {
    fn eq(&self, other: &Pair) -> bool {
        self.id() == other.id()
    }
}

impl Eq for Pair {}

#[derive(Default)]
pub(super) struct ExternalIds(Mutex<HashSet<Pair, foldhash::fast::RandomState>>);

impl ExternalIds {
    pub(super) fn remember(&self, id: &str, external_id: &str) {
        if id.is_empty() {
            return;
        }
        let mut pairs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if pairs.get(id).is_some_and(|p| p.external() == external_id) {
            return;
        }
        // Not `format!`: its machinery was half the cost of remembering.
        let mut text = String::with_capacity(id.len() + external_id.len());
        text.push_str(id);
        text.push_str(external_id);
        let text = text.into_boxed_str();
        pairs.replace(Pair { text, split: id.len() });
    }

    /// The external id for a Flowglad customer id, or the Flowglad id when not yet seen.
    pub(super) fn external_id(&self, flowglad_id: &str) -> String {
        let pairs = self.0.lock().unwrap_or_else(|p| p.into_inner());
        pairs.get(flowglad_id).map_or_else(|| flowglad_id.to_string(), |p| p.external().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_maps_to_its_latest_external_id_and_an_unknown_one_to_itself() {
        let ids = ExternalIds::default();
        ids.remember("cus_1", "till-ada");
        ids.remember("cus_12", "till-bob");
        ids.remember("", "nobody");
        assert_eq!(ids.external_id("cus_1"), "till-ada");
        assert_eq!(ids.external_id("cus_12"), "till-bob");
        assert_eq!(ids.external_id("cus_1till-ada"), "cus_1till-ada", "the pair's text is not an id");
        assert_eq!(ids.external_id(""), "");
        ids.remember("cus_1", "till-ada-renamed");
        assert_eq!(ids.external_id("cus_1"), "till-ada-renamed");
        assert_eq!(ids.external_id("cus_9"), "cus_9");
        // Multi-byte ids split where the id ends, not at a byte count of characters.
        ids.remember("cus_é", "ext_ü");
        assert_eq!(ids.external_id("cus_é"), "ext_ü");
    }
}
