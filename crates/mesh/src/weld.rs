//! Vertex welding while parsing: identical positions become one vertex.
//!
//! Welding is exact: two corners are the same vertex when their `f32` coordinates are equal
//! (bit patterns compared after turning `-0.0` into `0.0`). STL writers emit the same float
//! for a corner shared by neighbouring triangles, so exact welding recovers the topology without
//! a tolerance that could merge distinct nearby vertices of a fine mesh.
//!
//! The table is open addressing with linear probing over `u32` vertex indices (4 bytes a slot,
//! load ≤ ½). The hash multiplies each coordinate word by its own random odd 64-bit constant
//! (vector multiply-shift), seeded once per table from the standard library's random keys, so
//! a hostile file cannot be crafted to make every vertex collide. Vertices are numbered in the
//! order first seen, which keeps later passes over faces cache-friendly.

use crate::IndexedMesh;
use std::hash::BuildHasher;

const EMPTY: u32 = u32::MAX;

/// Welds triangles into an [`IndexedMesh`] as they arrive.
pub(crate) struct Welder {
    vertices: Vec<[f32; 3]>,
    faces: Vec<[u32; 3]>,
    table: Vec<u32>,
    shift: u32,
    seeds: [u64; 3],
    /// A small direct-mapped cache of recently seen vertices (key, index), indexed by the low
    /// bits of the hash: neighbouring triangles of an STL file are usually near each other in
    /// the file, so most corners hit here (in L1) instead of the large table.
    recent: Vec<([u32; 3], u32)>,
}

const RECENT: usize = 4096;

/// Triangles per [`Welder::push_batch`].
pub(crate) const BATCH: usize = 32;

#[inline]
fn recent_slot(h: u64) -> usize {
    (h as usize >> 7) & (RECENT - 1)
}

impl Welder {
    /// A welder for about `triangles` triangles (the caller bounds this by the input's size).
    pub(crate) fn with_capacity(triangles: usize) -> Self {
        // A closed mesh has about half as many vertices as triangles.
        let expected_vertices = triangles / 2 + 16;
        let slots = (expected_vertices * 2).next_power_of_two().max(64);
        let state = std::collections::hash_map::RandomState::new();
        let seed = |i: u64| state.hash_one(i) | 1;
        Self {
            vertices: Vec::with_capacity(expected_vertices),
            faces: Vec::with_capacity(triangles),
            table: vec![EMPTY; slots],
            shift: 64 - slots.trailing_zeros(),
            seeds: [seed(1), seed(2), seed(3)],
            recent: vec![([0; 3], EMPTY); RECENT],
        }
    }

    /// Adds one triangle (coordinates already checked to be finite).
    #[inline]
    pub(crate) fn push(&mut self, t: [[f32; 3]; 3]) {
        let a = self.vertex(t[0]);
        let b = self.vertex(t[1]);
        let c = self.vertex(t[2]);
        self.faces.push([a, b, c]);
    }

    /// Adds up to [`BATCH`] triangles (coordinates already checked to be finite).
    ///
    /// Two phases, for memory-level parallelism: first every corner's hash is computed and
    /// answered from the recent cache when it can be, and the table slot of every other corner
    /// is loaded (independent loads, so the cache misses overlap instead of queueing); then
    /// the corners are resolved in order against a table that is now in cache. An answer from
    /// the first phase stays right: a key's index never changes once assigned.
    pub(crate) fn push_batch(&mut self, tris: &[[[f32; 3]; 3]]) {
        let n = tris.len().min(BATCH) * 3;
        let mut keys = [[0u32; 3]; BATCH * 3];
        let mut hashes = [0u64; BATCH * 3];
        let mut found = [EMPTY; BATCH * 3];
        let mut slots = [0usize; BATCH * 3];
        let mut misses = 0;
        for (i, p) in tris.iter().flatten().take(n).enumerate() {
            // `+ 0.0` turns -0.0 into 0.0 so both weld; finite values are otherwise unchanged.
            let key = [
                (p[0] + 0.0).to_bits(),
                (p[1] + 0.0).to_bits(),
                (p[2] + 0.0).to_bits(),
            ];
            let h = self.hash(key);
            let r = &self.recent[recent_slot(h)];
            if r.0 == key && r.1 != EMPTY {
                found[i] = r.1;
            } else {
                slots[misses] = (h >> self.shift) as usize;
                misses += 1;
            }
            keys[i] = key;
            hashes[i] = h;
        }
        // Tight loops of independent loads, so that many cache misses are in flight at once:
        // the table slots, then the vertices they hold (compared in the second phase).
        let mut touch = 0u32;
        for &slot in &slots[..misses] {
            touch ^= self.table[slot];
        }
        for &slot in &slots[..misses] {
            if let Some(v) = self.vertices.get(self.table[slot] as usize) {
                touch ^= v[0].to_bits();
            }
        }
        // Keeps the loads above (they are only for their side effect on the cache).
        std::hint::black_box(touch);
        for t in 0..n / 3 {
            let mut face = [0u32; 3];
            for (k, v) in face.iter_mut().enumerate() {
                let i = 3 * t + k;
                *v = if found[i] != EMPTY {
                    found[i]
                } else {
                    self.resolve(keys[i], hashes[i])
                };
            }
            self.faces.push(face);
        }
    }

    /// The number of triangles so far.
    pub(crate) fn triangles(&self) -> usize {
        self.faces.len()
    }

    pub(crate) fn finish(self) -> IndexedMesh {
        IndexedMesh::from_welded(self.vertices, self.faces)
    }

    #[inline]
    fn hash(&self, key: [u32; 3]) -> u64 {
        let h = (key[0] as u64).wrapping_mul(self.seeds[0])
            ^ (key[1] as u64).wrapping_mul(self.seeds[1])
            ^ (key[2] as u64).wrapping_mul(self.seeds[2]);
        // Fold the high half in and mix again so that both ends of the word are well mixed:
        // the table takes the top bits, the cache the low ones.
        (h ^ (h >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    #[inline]
    fn vertex(&mut self, p: [f32; 3]) -> u32 {
        // `+ 0.0` turns -0.0 into 0.0 so both weld; finite values are otherwise unchanged.
        let key = [
            (p[0] + 0.0).to_bits(),
            (p[1] + 0.0).to_bits(),
            (p[2] + 0.0).to_bits(),
        ];
        self.resolve(key, self.hash(key))
    }

    /// The index of the vertex with bit pattern `key` (hash `h`), added when new.
    #[inline]
    fn resolve(&mut self, key: [u32; 3], h: u64) -> u32 {
        let r = recent_slot(h);
        if self.recent[r].0 == key && self.recent[r].1 != EMPTY {
            return self.recent[r].1;
        }
        let mask = self.table.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            let idx = self.table[i];
            if idx == EMPTY {
                break;
            }
            let v = self.vertices[idx as usize];
            if [v[0].to_bits(), v[1].to_bits(), v[2].to_bits()] == key {
                self.recent[r] = (key, idx);
                return idx;
            }
            i = (i + 1) & mask;
        }
        // At most 3 × MAX_TRIANGLES < u32::MAX vertices, so the index fits and is never EMPTY.
        let idx = self.vertices.len() as u32;
        self.vertices.push(key.map(f32::from_bits));
        self.table[i] = idx;
        self.recent[r] = (key, idx);
        if self.vertices.len() * 2 > self.table.len() {
            self.grow();
        }
        idx
    }

    fn grow(&mut self) {
        let slots = self.table.len() * 2;
        self.table = vec![EMPTY; slots];
        self.shift -= 1;
        let mask = slots - 1;
        for (idx, v) in self.vertices.iter().enumerate() {
            let h = self.hash([v[0].to_bits(), v[1].to_bits(), v[2].to_bits()]);
            let mut i = (h >> self.shift) as usize;
            while self.table[i] != EMPTY {
                i = (i + 1) & mask;
            }
            self.table[i] = idx as u32;
        }
    }
}
