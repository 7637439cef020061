//! An ordered set of `(date key, event)` pairs that counts any range in a few microseconds.
//!
//! A `BTreeSet` iterates a range in order but counts it only by walking it, which made a
//! filtered `totalCount` on a hub entity (hundreds of thousands of events) linear. Here the
//! pairs live in sorted blocks of at most [`BLOCK`] items: a position is found by two
//! binary searches, the rank of a position is the lengths of the blocks before it plus the
//! offset (one pass over about n / 700 block lengths), and an insert moves at most one
//! block's items. Ranges never panic: a start past the end is an empty range.

use std::ops::Bound;
use std::sync::Arc;

/// Largest block; a full block splits in two.
const BLOCK: usize = 1024;

/// A sorted set of `T`, in blocks (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DateIndex<T> {
    /// Shared between the graph's two copies until one writes to a block.
    blocks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for DateIndex<T> {
    fn default() -> Self {
        DateIndex {
            blocks: Vec::new(),
            len: 0,
        }
    }
}

/// A position: block and offset in it; `(blocks.len(), 0)` is the end.
type Pos = (usize, usize);

impl<T: Ord + Copy> DateIndex<T> {
    /// An empty set.
    pub const fn new() -> Self {
        DateIndex {
            blocks: Vec::new(),
            len: 0,
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The block that holds (or would hold) `item`: the first whose last item is ≥ `item`,
    /// or the last block.
    fn block_for(&self, item: &T) -> usize {
        let b = self
            .blocks
            .partition_point(|block| block.last().is_some_and(|last| last < item));
        b.min(self.blocks.len().saturating_sub(1))
    }

    /// Inserts `item`; false when it was there.
    pub fn insert(&mut self, item: T) -> bool {
        if self.blocks.is_empty() {
            self.blocks.push(Arc::new(vec![item]));
            self.len = 1;
            return true;
        }
        let b = self.block_for(&item);
        match self.blocks[b].binary_search(&item) {
            Ok(_) => false,
            Err(at) => {
                let block = Arc::make_mut(&mut self.blocks[b]);
                block.insert(at, item);
                if block.len() > BLOCK {
                    let upper = block.split_off(block.len() / 2);
                    self.blocks.insert(b + 1, Arc::new(upper));
                }
                self.len += 1;
                true
            }
        }
    }

    /// Removes `item`; false when it was not there.
    pub fn remove(&mut self, item: &T) -> bool {
        if self.blocks.is_empty() {
            return false;
        }
        let b = self.block_for(item);
        match self.blocks[b].binary_search(item) {
            Ok(at) => {
                let block = Arc::make_mut(&mut self.blocks[b]);
                block.remove(at);
                if block.is_empty() {
                    self.blocks.remove(b);
                }
                self.len -= 1;
                true
            }
            Err(_) => false,
        }
    }

    /// True when `item` is in the set.
    pub fn contains(&self, item: &T) -> bool {
        !self.is_empty()
            && self.blocks[self.block_for(item)]
                .binary_search(item)
                .is_ok()
    }

    /// The first position whose item is ≥ `item` (`strict`: > `item`).
    fn seek(&self, item: &T, strict: bool) -> Pos {
        let b = self.blocks.partition_point(|block| {
            block
                .last()
                .is_some_and(|last| if strict { last <= item } else { last < item })
        });
        match self.blocks.get(b) {
            None => (self.blocks.len(), 0),
            Some(block) => (
                b,
                block.partition_point(|x| if strict { x <= item } else { x < item }),
            ),
        }
    }

    fn start_of(&self, bound: Bound<&T>) -> Pos {
        match bound {
            Bound::Included(x) => self.seek(x, false),
            Bound::Excluded(x) => self.seek(x, true),
            Bound::Unbounded => (0, 0),
        }
    }

    fn end_of(&self, bound: Bound<&T>) -> Pos {
        match bound {
            Bound::Included(x) => self.seek(x, true),
            Bound::Excluded(x) => self.seek(x, false),
            Bound::Unbounded => (self.blocks.len(), 0),
        }
    }

    /// Items before a position.
    fn rank(&self, (block, offset): Pos) -> usize {
        self.blocks[..block].iter().map(|b| b.len()).sum::<usize>() + offset
    }

    /// The items between two bounds, in order (reversible). A start past the end gives an
    /// empty range.
    pub fn range<'a>(
        &'a self,
        lo: Bound<&T>,
        hi: Bound<&T>,
    ) -> impl DoubleEndedIterator<Item = &'a T> + use<'a, T> {
        let (start, end) = (self.start_of(lo), self.end_of(hi));
        let (start, end) = if start < end {
            (start, end)
        } else {
            (end, end)
        };
        let last_block = if end.1 == 0 { end.0 } else { end.0 + 1 };
        let blocks = self.blocks.get(start.0..last_block).unwrap_or(&[]);
        blocks.iter().enumerate().flat_map(move |(i, block)| {
            let b = start.0 + i;
            let from = if b == start.0 { start.1 } else { 0 };
            let to = if b == end.0 { end.1 } else { block.len() };
            block.get(from..to).unwrap_or(&[]).iter()
        })
    }

    /// How many items lie between two bounds, without walking them.
    pub fn count(&self, lo: Bound<&T>, hi: Bound<&T>) -> usize {
        let (start, end) = (self.start_of(lo), self.end_of(hi));
        if start < end {
            self.rank(end) - self.rank(start)
        } else {
            0
        }
    }

    /// Every item, in order (reversible).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.blocks.iter().flat_map(|block| block.iter())
    }

    /// Heap bytes held (for the memory report).
    pub fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * std::mem::size_of::<Arc<Vec<T>>>()
            + self
                .blocks
                .iter()
                .map(|b| b.capacity() * std::mem::size_of::<T>())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The same operations on a `BTreeSet` and a `DateIndex` give the same contents, ranges
    /// and counts, across block splits and emptied blocks.
    #[test]
    fn agrees_with_a_btree_set() {
        let mut index = DateIndex::new();
        let mut reference = BTreeSet::new();
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for step in 0..20_000 {
            let item = ((next() % 3_000) as i32 - 1_000, (next() % 7) as u32);
            if step % 3 == 2 {
                assert_eq!(index.remove(&item), reference.remove(&item));
            } else {
                assert_eq!(index.insert(item), reference.insert(item));
            }
        }
        assert_eq!(index.len(), reference.len());
        assert!(index.blocks.len() > 2, "the test crosses block boundaries");
        assert!(index.iter().eq(reference.iter()));
        assert!(index.iter().rev().eq(reference.iter().rev()));
        for _ in 0..2_000 {
            let a = ((next() % 3_200) as i32 - 1_100, (next() % 8) as u32);
            let b = ((next() % 3_200) as i32 - 1_100, (next() % 8) as u32);
            let bounds = [Bound::Included(&a), Bound::Excluded(&a), Bound::Unbounded];
            let ends = [Bound::Included(&b), Bound::Excluded(&b), Bound::Unbounded];
            for lo in bounds {
                for hi in ends {
                    let expected: Vec<_> = if lo_le_hi(lo, hi) {
                        reference.range((lo, hi)).collect()
                    } else {
                        Vec::new()
                    };
                    let got: Vec<_> = index.range(lo, hi).collect();
                    assert_eq!(got, expected, "{lo:?}..{hi:?}");
                    let back: Vec<_> = index.range(lo, hi).rev().collect();
                    assert!(back.into_iter().eq(expected.iter().rev().copied()));
                    assert_eq!(index.count(lo, hi), expected.len(), "{lo:?}..{hi:?}");
                }
            }
            assert_eq!(index.contains(&a), reference.contains(&a));
        }
    }

    /// Whether `BTreeSet::range` accepts the bounds (it panics on a start past the end).
    fn lo_le_hi<T: Ord>(lo: Bound<&T>, hi: Bound<&T>) -> bool {
        match (lo, hi) {
            (Bound::Included(a), Bound::Included(b)) => a <= b,
            (Bound::Included(a) | Bound::Excluded(a), Bound::Excluded(b))
            | (Bound::Excluded(a), Bound::Included(b)) => a < b,
            _ => true,
        }
    }
}

/// Date indexes per value of an event attribute (kind, status), with entries only for the
/// values present (most entities see a few kinds).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyedIndexes<K, T>(Vec<(K, DateIndex<T>)>);

impl<K, T> Default for KeyedIndexes<K, T> {
    fn default() -> Self {
        KeyedIndexes(Vec::new())
    }
}

impl<K: Copy + Eq + std::fmt::Debug, T: Ord + Copy> KeyedIndexes<K, T> {
    /// Every value present, with its index.
    pub fn iter(&self) -> impl Iterator<Item = (K, &DateIndex<T>)> {
        self.0.iter().map(|(k, index)| (*k, index))
    }

    /// Adds `item` under `key`.
    pub fn insert(&mut self, key: K, item: T) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, index)) => {
                index.insert(item);
            }
            None => {
                let mut index = DateIndex::new();
                index.insert(item);
                self.0.push((key, index));
            }
        }
    }

    /// Removes `item` from under `key`.
    pub fn remove(&mut self, key: K, item: &T) {
        if let Some((_, index)) = self.0.iter_mut().find(|(k, _)| *k == key) {
            index.remove(item);
        }
    }

    /// Every value's items, values in a fixed order (for fingerprints: independent of
    /// insertion order and block layout).
    #[cfg(test)]
    pub fn entries(&self) -> Vec<(String, Vec<T>)> {
        let mut out: Vec<_> = self
            .0
            .iter()
            .filter(|(_, index)| !index.is_empty())
            .map(|(k, index)| (format!("{k:?}"), index.iter().copied().collect()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Heap bytes held (for the memory report).
    pub fn heap_bytes(&self) -> usize {
        self.0.capacity() * std::mem::size_of::<(K, DateIndex<T>)>()
            + self
                .0
                .iter()
                .map(|(_, index)| index.heap_bytes())
                .sum::<usize>()
    }
}
