//! A vector stored in shared chunks, so that the graph's two copies (see `snapshots.rs`)
//! share every record neither has changed since the copy was made.
//!
//! Cloning a [`ChunkedVec`] clones only its list of chunk pointers. Writing to an item
//! copies that item's chunk first if the other copy still shares it (`Arc::make_mut`), so a
//! write costs at most one chunk; the records of the million articles nobody touches stay
//! in memory once.

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::Arc;

/// Items per chunk.
const CHUNK: usize = 1024;

/// A growable vector of `T` in shared chunks of [`CHUNK`] items.
#[derive(Clone)]
pub struct ChunkedVec<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for ChunkedVec<T> {
    fn default() -> Self {
        ChunkedVec {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> ChunkedVec<T> {
    /// Number of items.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Appends an item.
    pub fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Arc::make_mut(last).push(item),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(item);
                self.chunks.push(Arc::new(chunk));
            }
        }
        self.len += 1;
    }

    /// The item at `index`, if any.
    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// Every item, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }

    /// Heap bytes of the chunks (shared chunks counted in full).
    pub fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * std::mem::size_of::<Arc<Vec<T>>>()
            + self
                .chunks
                .iter()
                .map(|c| c.capacity() * std::mem::size_of::<T>())
                .sum::<usize>()
    }
}

impl<T: Clone> std::ops::Index<usize> for ChunkedVec<T> {
    type Output = T;
    fn index(&self, index: usize) -> &T {
        &self.chunks[index / CHUNK][index % CHUNK]
    }
}

impl<T: Clone> std::ops::IndexMut<usize> for ChunkedVec<T> {
    fn index_mut(&mut self, index: usize) -> &mut T {
        &mut Arc::make_mut(&mut self.chunks[index / CHUNK])[index % CHUNK]
    }
}

impl<T: Clone + std::fmt::Debug> std::fmt::Debug for ChunkedVec<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Clone + Serialize> Serialize for ChunkedVec<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.len))?;
        for item in self.iter() {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

impl<'de, T: Clone + Deserialize<'de>> Deserialize<'de> for ChunkedVec<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Items<T>(std::marker::PhantomData<T>);
        impl<'de, T: Clone + Deserialize<'de>> Visitor<'de> for Items<T> {
            type Value = ChunkedVec<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = ChunkedVec::default();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_seq(Items(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_shares_chunks_until_one_side_writes() {
        let mut a = ChunkedVec::default();
        for n in 0..(3 * CHUNK + 5) {
            a.push(n);
        }
        let mut b = a.clone();
        assert!(Arc::ptr_eq(&a.chunks[0], &b.chunks[0]));
        b[10] = 99;
        b.push(7);
        assert_eq!(a[10], 10, "the other copy is untouched");
        assert_eq!(b[10], 99);
        assert!(
            !Arc::ptr_eq(&a.chunks[0], &b.chunks[0]),
            "the written chunk was copied"
        );
        assert!(
            Arc::ptr_eq(&a.chunks[1], &b.chunks[1]),
            "the others stay shared"
        );
        assert_eq!((a.len(), b.len()), (3 * CHUNK + 5, 3 * CHUNK + 6));
        assert_eq!(b.get(3 * CHUNK + 5), Some(&7));
        assert!(a.get(3 * CHUNK + 5).is_none());
        assert!(a.iter().copied().eq(0..(3 * CHUNK + 5)));
        let bytes = bincode::serialize(&b).expect("encodes");
        let back: ChunkedVec<usize> = bincode::deserialize(&bytes).expect("decodes");
        assert!(back.iter().eq(b.iter()));
    }
}
