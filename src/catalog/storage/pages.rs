//! The pages of the sled store and the bounded cache that holds the ones in use.
//!
//! The catalog's sorted key space is cut into *pages*: page `lo` holds every key from its lower
//! bound `lo` up to the next page's lower bound, and the first page's bound is the empty key, so
//! every key has exactly one page. A page is one small sled value under [`PAGE`] + `lo` naming
//! where its *body*, the page's entries, is: a record in a segment file (see [`super::segments`]
//! for why bodies are not sled values). So the page of key `k` is the greatest sled key at or
//! below [`PAGE`] + `k` — sled's own index finds it, and nothing lists the pages in memory.
//! Reading `U·prj·RAM$bob` reads that one page (a few kilobytes), however many users `prj` has.
//!
//! Catalogs written by earlier releases hold a page's entries in the page value itself (in
//! overflow chunks when big), or in a sled value under [`BODY`] + a number; such pages are read
//! as they are, and their next rewrite moves them into a segment and deletes the sled values.
//!
//! [`PageCache`] keeps the pages read so far, each with its upper bound, up to a byte budget;
//! past it the least recently used pages leave memory (they are clean: the writes not yet in
//! them live in the store's overlay, never in a cached page). A compaction rewrites exactly the
//! pages the overlay touches ([`split`] cuts one that grew too big into several), so its cost
//! follows what was written, not the size of the tenant.

use super::segments::Extent;
use serde_bytes::ByteBuf;
use std::collections::BTreeMap;
use std::ops::Bound;

/// The sled key prefix of pages: [`PAGE`] + lower bound.
pub(super) const PAGE: &[u8] = b"q";
/// The sled key prefix of page bodies: [`BODY`] + body number (u64 BE).
pub(super) const BODY: &[u8] = b"b";
/// The sled key prefix of the chunks of a page too big for one sled value:
/// [`OVERFLOW`] + lower bound length (u32 BE) + lower bound + chunk number (u32 BE).
pub(super) const OVERFLOW: &[u8] = b"o";
/// A page's value (and an earlier release's sled body) starts with one of these: the entries
/// follow, or the number of overflow chunks holding them, or (in a page value only) the sled
/// body's number, or the body's [`Extent`] in a segment file.
const INLINE: u8 = 0;
const CHUNKED: u8 = 1;
const ELSEWHERE: u8 = 2;
const IN_SEGMENT: u8 = 3;
/// Bytes counted per cached entry on top of its key and value: two vectors' headers and the
/// allocator's rounding.
const ENTRY_OVERHEAD: usize = 64;

pub(super) type Entries = Vec<(Vec<u8>, Vec<u8>)>;

pub(super) fn page_key(lower: &[u8]) -> Vec<u8> {
    let mut k = PAGE.to_vec();
    k.extend_from_slice(lower);
    k
}

pub(super) fn body_key(body: u64) -> Vec<u8> {
    let mut k = BODY.to_vec();
    k.extend_from_slice(&body.to_be_bytes());
    k
}

/// The page value naming the body at `extent`.
pub(super) fn reference(extent: Extent) -> Vec<u8> {
    let mut v = Vec::with_capacity(17);
    v.push(IN_SEGMENT);
    extent.encode(&mut v);
    v
}

pub(super) fn overflow_key(lower: &[u8], chunk: u32) -> Vec<u8> {
    let mut k = OVERFLOW.to_vec();
    k.extend_from_slice(&(lower.len() as u32).to_be_bytes());
    k.extend_from_slice(lower);
    k.extend_from_slice(&chunk.to_be_bytes());
    k
}

/// Where a page's entries are stored, which its rewrite replaces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Origin {
    /// Nowhere yet: the empty first page of a new catalog.
    #[default]
    New,
    /// In the page value, or in `chunks` overflow chunks (earlier releases).
    Value { chunks: u32 },
    /// In the sled body `number`, or in `chunks` overflow chunks (earlier releases).
    Body { number: u64, chunks: u32 },
    /// A record in a segment file.
    Segment(Extent),
}

/// A page as read: its upper bound, its entries in key order, and where they are stored.
#[derive(Debug, Clone, Default)]
pub(super) struct Page {
    pub upper: Option<Vec<u8>>,
    pub entries: Entries,
    pub origin: Origin,
    bytes: usize,
    used: u64,
}

impl Page {
    pub fn new(upper: Option<Vec<u8>>, entries: Entries, origin: Origin) -> Page {
        let bytes = entries
            .iter()
            .map(|(k, v)| k.len() + v.len() + ENTRY_OVERHEAD)
            .sum::<usize>()
            + ENTRY_OVERHEAD;
        Page {
            upper,
            entries,
            origin,
            bytes,
            used: 0,
        }
    }

    pub fn get(&self, key: &[u8]) -> Option<&Vec<u8>> {
        self.entries
            .binary_search_by(|(k, _)| k.as_slice().cmp(key))
            .ok()
            .map(|i| &self.entries[i].1)
    }

    /// The entries whose key starts with `prefix`.
    pub fn with_prefix<'p>(
        &'p self,
        prefix: &'p [u8],
    ) -> impl Iterator<Item = &'p (Vec<u8>, Vec<u8>)> {
        let start = self.entries.partition_point(|(k, _)| k.as_slice() < prefix);
        self.entries[start..]
            .iter()
            .take_while(move |(k, _)| k.starts_with(prefix))
    }

    pub fn covers(&self, key: &[u8]) -> bool {
        self.upper.as_deref().is_none_or(|upper| key < upper)
    }
}

/// What a page value or a body in sled says: its entries inline, or the number of overflow
/// chunks, or (a page value) the number of the sled body or the extent of the segment record.
#[derive(Debug)]
pub(super) enum Stored {
    Inline(Entries),
    Chunked(u32),
    Elsewhere(u64),
    InSegment(Extent),
}

pub(super) fn decode_page(value: &[u8]) -> Result<Stored, String> {
    match value.split_first() {
        Some((&INLINE, rest)) => decode_entries(rest).map(Stored::Inline),
        Some((&CHUNKED, rest)) => match <[u8; 4]>::try_from(rest) {
            Ok(count) => Ok(Stored::Chunked(u32::from_be_bytes(count))),
            Err(_) => Err(format!("{} bytes where a chunk count belongs", rest.len())),
        },
        Some((&ELSEWHERE, rest)) => match <[u8; 8]>::try_from(rest) {
            Ok(body) => Ok(Stored::Elsewhere(u64::from_be_bytes(body))),
            Err(_) => Err(format!("{} bytes where a body number belongs", rest.len())),
        },
        Some((&IN_SEGMENT, rest)) => match Extent::decode(rest) {
            Some(extent) => Ok(Stored::InSegment(extent)),
            None => Err(format!("{} bytes where a body's place belongs", rest.len())),
        },
        Some((tag, _)) => Err(format!("page tag {tag} is not one mcsec writes")),
        None => Err("an empty page value".into()),
    }
}

// Keys and values are decoded as byte strings (`serde_bytes`): postcard reads a byte string as
// a varint length and the bytes, one copy instead of one deserializer call per byte.
pub(super) fn decode_entries(bytes: &[u8]) -> Result<Entries, String> {
    match postcard::take_from_bytes::<Vec<(ByteBuf, ByteBuf)>>(bytes) {
        Ok((entries, [])) => {
            let entries: Entries = entries
                .into_iter()
                .map(|(k, v)| (k.into_vec(), v.into_vec()))
                .collect();
            if entries.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err("keys out of order".into());
            }
            Ok(entries)
        }
        Ok((_, rest)) => Err(format!("{} bytes after the page", rest.len())),
        Err(e) => Err(e.to_string()),
    }
}

/// The postcard encoding of `entries` as a sequence of byte-string pairs, appended to `out`:
/// the count as a varint, then each key and value as a varint length and its bytes. Written by
/// hand rather than through serde: a compaction encodes every page it rewrites, and serde's
/// field-at-a-time growth of the output was about a twentieth of a batch apply's instructions. The encoding is postcard's
/// (a test checks it against `postcard::to_stdvec`), so [`decode_entries`] reads it.
pub(super) fn encode_entries_into<K: AsRef<[u8]>, V: AsRef<[u8]>>(entries: &[(K, V)], out: &mut Vec<u8>) {
    let bytes: usize = entries.iter().map(|(k, v)| entry_bytes(k, v)).sum();
    out.reserve(bytes + VARINT_MAX);
    push_varint(out, entries.len());
    for (k, v) in entries {
        for field in [k.as_ref(), v.as_ref()] {
            push_varint(out, field.len());
            out.extend_from_slice(field);
        }
    }
}

/// The longest varint of a `usize`.
const VARINT_MAX: usize = 10;

/// `n` as postcard writes a length: seven bits a byte, least significant first, the high bit
/// set on every byte but the last.
fn push_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

pub(super) fn encode_entries<K: AsRef<[u8]>, V: AsRef<[u8]>>(entries: &[(K, V)]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_entries_into(entries, &mut out);
    out
}

/// Keys and values to insert into sled.
pub(super) type SledWrites = Vec<(Vec<u8>, Vec<u8>)>;

/// How full [`split`] makes the pages it cuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fill {
    /// Equal pieces at three quarters of a page: they leave room for the inserts that land
    /// among their keys before the next split, and one small remainder never becomes a page of
    /// its own.
    Spare,
    /// Pieces filled to the page size in key order, the remainder last: for a range written only
    /// by appending (see [`super::Tuning::log`]), where nothing lands among the older keys
    /// again and the next appends go to the last piece.
    Whole,
}

/// Cuts the entries of page `lower` into pages of about `page_bytes` each (encoded): the first
/// keeps `lower`, each other starts at its first key. One entry bigger than a page is a page of
/// its own. An empty page gives no piece. The entries are owned or
/// borrowed (a compaction borrows the writes it stores).
pub(super) fn split<K: AsRef<[u8]>, V: AsRef<[u8]>>(
    lower: &[u8],
    entries: Vec<(K, V)>,
    page_bytes: usize,
    fill: Fill,
) -> Vec<(Vec<u8>, Vec<(K, V)>)> {
    let total: usize = entries.iter().map(|(k, v)| entry_bytes(k, v)).sum();
    if entries.is_empty() {
        return Vec::new();
    }
    if total <= page_bytes {
        return vec![(lower.to_vec(), entries)];
    }
    let (pieces, target) = match fill {
        Fill::Spare => {
            let pieces = total.div_ceil(page_bytes * 3 / 4).max(2);
            (pieces, total.div_ceil(pieces))
        }
        Fill::Whole => (usize::MAX, page_bytes),
    };
    let mut out: Vec<(Vec<u8>, Vec<(K, V)>)> = Vec::new();
    let mut current: Vec<(K, V)> = Vec::new();
    let mut size = 0;
    for (k, v) in entries {
        let len = entry_bytes(&k, &v);
        if !current.is_empty() && size + len > target && out.len() + 1 < pieces {
            let first = if out.is_empty() {
                lower.to_vec()
            } else {
                current[0].0.as_ref().to_vec()
            };
            out.push((first, std::mem::take(&mut current)));
            size = 0;
        }
        size += len;
        current.push((k, v));
    }
    let first = if out.is_empty() {
        lower.to_vec()
    } else {
        current[0].0.as_ref().to_vec()
    };
    out.push((first, current));
    out
}

/// What [`split`] counts for one entry: no less than its encoding in a page (two varint
/// lengths of at most two bytes each for entries under 16 KB, and the bytes).
fn entry_bytes(key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> usize {
    key.as_ref().len() + value.as_ref().len() + 4
}

/// The pages read so far, by lower bound, within a byte budget.
#[derive(Debug)]
pub(super) struct PageCache {
    pages: BTreeMap<Vec<u8>, Page>,
    bytes: usize,
    budget: usize,
    clock: u64,
}

impl PageCache {
    pub fn new(budget: usize) -> PageCache {
        PageCache {
            pages: BTreeMap::new(),
            bytes: 0,
            budget,
            clock: 0,
        }
    }

    /// Removes the cached page holding `key`, if that page is cached, with its lower bound.
    pub fn take(&mut self, key: &[u8]) -> Option<(Vec<u8>, Page)> {
        let (lower, page) = self
            .pages
            .range::<[u8], _>((Bound::Unbounded, Bound::Included(key)))
            .next_back()?;
        let lower = page.covers(key).then(|| lower.clone())?;
        self.remove(&lower).map(|page| (lower, page))
    }

    /// The cached page holding `key`, marked as just used.
    pub fn get(&mut self, key: &[u8]) -> Option<&Page> {
        self.clock += 1;
        let clock = self.clock;
        let (_, page) = self
            .pages
            .range_mut::<[u8], _>((Bound::Unbounded, Bound::Included(key)))
            .next_back()?;
        if !page.covers(key) {
            return None;
        }
        page.used = clock;
        Some(page)
    }

    pub fn insert(&mut self, lower: Vec<u8>, mut page: Page) {
        self.clock += 1;
        page.used = self.clock;
        self.bytes += page.bytes;
        if let Some(old) = self.pages.insert(lower.clone(), page) {
            self.bytes -= old.bytes;
        }
        if self.bytes > self.budget {
            self.evict(&lower);
        }
    }

    /// Page `lower`, if cached, is now stored at `extent`.
    pub fn relocate(&mut self, lower: &[u8], extent: Extent) {
        if let Some(page) = self.pages.get_mut(lower) {
            page.origin = Origin::Segment(extent);
        }
    }

    pub fn remove(&mut self, lower: &[u8]) -> Option<Page> {
        let page = self.pages.remove(lower)?;
        self.bytes -= page.bytes;
        Some(page)
    }

    /// After page `lower` was deleted, the page before it reaches up to `upper`.
    pub fn extend_predecessor(&mut self, lower: &[u8], upper: Option<Vec<u8>>) {
        if let Some((_, before)) = self
            .pages
            .range_mut::<[u8], _>((Bound::Unbounded, Bound::Excluded(lower)))
            .next_back()
        {
            if before.upper.as_deref() == Some(lower) {
                before.upper = upper;
            }
        }
    }

    /// Drops the least recently used pages until a quarter of the budget is free, keeping
    /// `keep` (the page just read, which its reader is about to use).
    fn evict(&mut self, keep: &[u8]) {
        let mut by_age: Vec<(u64, Vec<u8>)> = self
            .pages
            .iter()
            .filter(|(lower, _)| lower.as_slice() != keep)
            .map(|(lower, page)| (page.used, lower.clone()))
            .collect();
        by_age.sort_unstable();
        let goal = self.budget / 4 * 3;
        for (_, lower) in by_age {
            if self.bytes <= goal {
                break;
            }
            self.remove(&lower);
        }
    }

    #[cfg(test)]
    pub fn cached(&self) -> Vec<Vec<u8>> {
        self.pages.keys().cloned().collect()
    }

    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize, value_len: usize) -> Entries {
        (0..n)
            .map(|i| (format!("k{i:05}").into_bytes(), vec![b'v'; value_len]))
            .collect()
    }

    #[test]
    fn a_small_page_stays_whole_and_a_big_one_is_cut_into_ordered_pieces() {
        assert_eq!(split(b"a", entries(3, 10), 1000, Fill::Spare).len(), 1);
        assert!(split(b"a", Entries::new(), 1000, Fill::Spare).is_empty());
        let pieces = split(b"", entries(100, 100), 1000, Fill::Spare);
        assert!(pieces.len() >= 14, "{} pieces", pieces.len());
        assert_eq!(pieces[0].0, b"");
        for w in pieces.windows(2) {
            assert_eq!(w[1].0, w[1].1[0].0, "a later piece starts at its first key");
            assert!(w[0].1.last().unwrap().0 < w[1].1[0].0);
        }
        let back: Entries = pieces.into_iter().flat_map(|(_, e)| e).collect();
        assert_eq!(back, entries(100, 100));
        // One entry bigger than a page is a page of its own.
        let big = vec![(b"x".to_vec(), vec![0u8; 5000])];
        assert_eq!(split(b"x", big, 1000, Fill::Spare).len(), 1);
    }

    #[test]
    fn whole_pieces_are_filled_in_key_order_with_the_remainder_last() {
        // 100 entries of 110 counted bytes: nine to a 1,000-byte page.
        let pieces = split(b"", entries(100, 100), 1000, Fill::Whole);
        let sizes: Vec<usize> = pieces.iter().map(|(_, e)| e.len()).collect();
        assert_eq!(sizes, [vec![9; 11], vec![1]].concat());
        for (_, piece) in &pieces {
            let bytes: usize = piece.iter().map(|(k, v)| entry_bytes(k, v)).sum();
            let encoded = encode_entries(piece).len();
            assert!(encoded <= bytes && bytes <= 1000, "{encoded} <= {bytes} <= 1000");
        }
        let back: Entries = pieces.into_iter().flat_map(|(_, e)| e).collect();
        assert_eq!(back, entries(100, 100));
        // Spare pieces of the same entries: more of them, all but the last at most six.
        let spare = split(b"", entries(100, 100), 1000, Fill::Spare);
        assert_eq!(spare.len(), 15);
        assert!(spare[..14].iter().all(|(_, e)| e.len() <= 6));
    }

    proptest::proptest! {
        /// The hand-written encoder writes exactly what postcard writes for the same pairs, so
        /// pages written by either read back through postcard.
        #[test]
        fn the_page_encoding_is_postcards(
            entries in proptest::collection::vec(
                (
                    proptest::collection::vec(proptest::num::u8::ANY, 0..200),
                    proptest::collection::vec(proptest::num::u8::ANY, 0..20_000),
                ),
                0..140,
            )
        ) {
            let borrowed: Vec<(&serde_bytes::Bytes, &serde_bytes::Bytes)> = entries
                .iter()
                .map(|(k, v)| (serde_bytes::Bytes::new(k), serde_bytes::Bytes::new(v)))
                .collect();
            proptest::prop_assert_eq!(encode_entries(&entries), postcard::to_stdvec(&borrowed).unwrap());
        }
    }

    #[test]
    fn page_values_decode_every_form_mcsec_has_written() {
        let small = entries(3, 10);
        let mut value = vec![INLINE];
        value.extend_from_slice(&encode_entries(&small));
        match decode_page(&value).unwrap() {
            Stored::Inline(e) => assert_eq!(e, small),
            other => panic!("inline expected, got {other:?}"),
        }
        assert!(matches!(decode_page(&[CHUNKED, 0, 0, 0, 4]), Ok(Stored::Chunked(4))));
        let mut numbered = vec![ELSEWHERE];
        numbered.extend_from_slice(&(u64::MAX - 1).to_be_bytes());
        assert!(matches!(decode_page(&numbered), Ok(Stored::Elsewhere(n)) if n == u64::MAX - 1));
        let extent = Extent {
            segment: 7,
            offset: 1 << 40,
            len: 2_100,
        };
        assert!(matches!(decode_page(&reference(extent)), Ok(Stored::InSegment(e)) if e == extent));
        assert!(decode_page(&reference(extent)[..9]).is_err());
        assert!(decode_page(&numbered[..8]).is_err());
        assert!(decode_page(&[7]).is_err());
        assert!(decode_page(&[]).is_err());
    }

    #[test]
    fn the_cache_keeps_to_its_budget_dropping_the_least_recently_used() {
        let mut cache = PageCache::new(10_000);
        for i in 0..20u8 {
            let lower = vec![b'a' + i];
            let upper = Some(vec![b'a' + i + 1]);
            cache.insert(lower, Page::new(upper, entries(10, 20), Origin::New));
            cache.get(b"a");
        }
        assert!(cache.bytes() <= 10_000);
        let cached = cache.cached();
        assert!(cached.contains(&b"a".to_vec()), "used all along");
        assert!(cached.contains(&vec![b'a' + 19]), "the newest");
        assert!(!cached.contains(&b"b".to_vec()), "the oldest unused");
        assert!(cache.get(b"a5").is_some());
        assert!(cache.get(b"b5").is_none());
        assert_eq!(
            cache.take(b"a5").map(|(lower, _)| lower),
            Some(b"a".to_vec())
        );
        assert!(cache.get(b"a5").is_none());
    }
}
