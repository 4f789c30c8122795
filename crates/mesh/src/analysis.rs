//! Measuring a mesh: geometry, topology and the metrics of SPEC §6.
//!
//! [`analyse`] makes one pass over the faces for geometry and two for topology, and keeps
//! everything unit-free ([`RawMetrics`], in the file's own numbers); [`Analysis::metrics_in`]
//! then scales by the unit's factor (lengths), its square (area) and its cube (volume), so
//! another unit costs nothing.
//!
//! - **Volume**: the sum of the signed volumes of the tetrahedra each face spans with the origin
//!   (the divergence theorem), in `f64`, reported as its absolute value. Exact for a closed,
//!   consistently wound mesh; for an open mesh it depends on the origin, like every tool's.
//! - **Area**: the sum of the faces' areas.
//! - **Edges**: every face contributes its three directed edges. They are bucketed by their
//!   smaller vertex (a counting sort: vertices are numbered in the order first seen, so the
//!   buckets are written almost sequentially), and each bucket is sorted to group the faces of
//!   each undirected edge and count how many traverse it each way. A bucket usually holds about
//!   six entries and is insertion-sorted; one above [`INSERTION_SORT_MAX`] entries (the centre of
//!   a triangle fan, an edge shared by thousands of faces, a triangle repeated thousands of
//!   times) goes to `sort_unstable`, so no input costs more than `O(n log n)`.
//!   - `is_watertight`: every undirected edge has exactly two faces.
//!   - `is_manifold`: no edge has more than two faces (edge-manifold) **and** the winding is
//!     consistent: the two faces of every two-face edge traverse it in opposite directions.
//!     Independent of watertightness: an open box with outward faces is manifold. Vertex
//!     manifoldness (two cones touching at a tip) is not checked.
//! - **Shells**: connected components of faces that share a vertex (union-find over the
//!   vertices of each edge). Two parts touching at a single corner are one shell.

use crate::budget::{Budget, Meter, CHECK_EVERY};
use crate::units::{Unit, UnitPosterior};
use crate::{IndexedMesh, MeshError};
use serde::{Deserialize, Serialize};

/// The largest size on any axis before the `too_large` warning, in millimetres.
pub const MAX_AXIS_MM: f64 = 440.0;

/// A warning in [`Metrics::warnings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// Some edge does not have exactly two faces.
    NonWatertight,
    /// Some edge has more than two faces, or the winding is inconsistent.
    NonManifold,
    /// Larger than [`MAX_AXIS_MM`] on some axis in the chosen unit.
    TooLarge,
}

/// The unit-free measurements, in the file's own numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RawMetrics {
    /// The smallest coordinate on each axis.
    pub min: [f64; 3],
    /// The largest coordinate on each axis.
    pub max: [f64; 3],
    /// The enclosed volume (absolute), in cubed file units.
    pub volume: f64,
    /// The surface area, in squared file units.
    pub area: f64,
    /// The number of faces.
    pub triangle_count: u64,
    /// Connected components of faces sharing vertices.
    pub shells: u64,
    /// Every undirected edge has exactly two faces.
    pub is_watertight: bool,
    /// No undirected edge has more than two faces.
    pub is_edge_manifold: bool,
    /// Every two-face edge is traversed in opposite directions by its faces (what trimesh calls
    /// `is_winding_consistent`).
    pub is_winding_consistent: bool,
}

impl RawMetrics {
    /// The bounding box's size on each axis, in file units.
    pub fn extent(&self) -> [f64; 3] {
        [0, 1, 2].map(|i| self.max[i] - self.min[i])
    }

    /// Edge-manifold and consistently wound: SPEC §6's `is_manifold`.
    pub fn is_manifold(&self) -> bool {
        self.is_edge_manifold && self.is_winding_consistent
    }
}

/// SPEC §6's `metrics_json`; the JSON field names are exactly the spec's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Bounding-box size `[x, y, z]` in millimetres.
    pub bbox_mm: [f64; 3],
    /// Enclosed volume in cm³.
    pub volume_cm3: f64,
    /// Surface area in cm².
    pub surface_area_cm2: f64,
    /// Every edge shared by exactly two faces.
    pub is_watertight: bool,
    /// No edge with more than two faces, and consistent winding.
    pub is_manifold: bool,
    /// The unit the file's numbers are read in (detected, or chosen).
    pub detected_unit: Unit,
    /// How sure that unit is, 0–1.
    pub unit_confidence: f64,
    /// A subset of `non_watertight`, `non_manifold`, `too_large`, in that order.
    pub warnings: Vec<Warning>,
    /// The number of triangles.
    pub triangle_count: u64,
    /// Connected components (faces sharing vertices).
    pub shells: u64,
}

impl Metrics {
    /// The same part read in another unit, with the given confidence (e.g. 1.0 when a person
    /// confirmed it): lengths, areas and volumes are rescaled from the current unit and
    /// `too_large` is decided again.
    pub fn with_unit(&self, unit: Unit, confidence: f64) -> Metrics {
        let f = unit.mm_per_unit() / self.detected_unit.mm_per_unit();
        let bbox_mm = self.bbox_mm.map(|x| x * f);
        Metrics {
            bbox_mm,
            volume_cm3: self.volume_cm3 * f * f * f,
            surface_area_cm2: self.surface_area_cm2 * f * f,
            detected_unit: unit,
            unit_confidence: confidence,
            warnings: warnings(self.is_watertight, self.is_manifold, bbox_mm),
            ..self.clone()
        }
    }
}

fn warnings(watertight: bool, manifold: bool, bbox_mm: [f64; 3]) -> Vec<Warning> {
    let mut w = Vec::new();
    if !watertight {
        w.push(Warning::NonWatertight);
    }
    if !manifold {
        w.push(Warning::NonManifold);
    }
    if bbox_mm.iter().any(|&x| x > MAX_AXIS_MM) {
        w.push(Warning::TooLarge);
    }
    w
}

/// A measured mesh: its unit-free quantities and the unit posterior.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// The measurements in file units.
    pub raw: RawMetrics,
    /// How likely each unit is, from the part's size.
    pub units: UnitPosterior,
}

impl Analysis {
    /// The metrics in the most probable unit.
    pub fn metrics(&self) -> Metrics {
        let (unit, confidence) = self.units.most_likely();
        self.scaled(unit, confidence)
    }

    /// The metrics in `unit`, with that unit's posterior probability as the confidence.
    pub fn metrics_in(&self, unit: Unit) -> Metrics {
        self.scaled(unit, self.units.probability(unit))
    }

    /// The metrics in a unit a person confirmed: confidence 1.
    pub fn metrics_confirmed(&self, unit: Unit) -> Metrics {
        self.scaled(unit, 1.0)
    }

    fn scaled(&self, unit: Unit, confidence: f64) -> Metrics {
        let f = unit.mm_per_unit();
        let bbox_mm = self.raw.extent().map(|x| x * f);
        let is_manifold = self.raw.is_manifold();
        Metrics {
            bbox_mm,
            volume_cm3: self.raw.volume * f * f * f / 1000.0,
            surface_area_cm2: self.raw.area * f * f / 100.0,
            is_watertight: self.raw.is_watertight,
            is_manifold,
            detected_unit: unit,
            unit_confidence: confidence,
            warnings: warnings(self.raw.is_watertight, is_manifold, bbox_mm),
            triangle_count: self.raw.triangle_count,
            shells: self.raw.shells,
        }
    }
}

/// Measures a mesh.
pub fn analyse(mesh: &IndexedMesh) -> Analysis {
    match analyse_within(mesh, &Budget::unlimited()) {
        Ok(analysis) => analysis,
        Err(_) => unreachable!("an unlimited budget is never exceeded"),
    }
}

/// Measures a mesh within `budget`: [`MeshError::OverBudget`] once it is exceeded (checked
/// every few thousand faces, vertices or edges in each pass), the only error.
pub fn analyse_within(mesh: &IndexedMesh, budget: &Budget) -> Result<Analysis, MeshError> {
    let (min, max, volume, area) = geometry(mesh, budget)?;
    let topo = topology(mesh.vertices().len(), mesh.faces(), budget)?;
    let raw = RawMetrics {
        min,
        max,
        volume,
        area,
        triangle_count: mesh.faces().len() as u64,
        shells: topo.shells,
        is_watertight: topo.watertight,
        is_edge_manifold: topo.edge_manifold,
        is_winding_consistent: topo.winding_consistent,
    };
    let e = raw.extent();
    let diagonal = (e[0] * e[0] + e[1] * e[1] + e[2] * e[2]).sqrt();
    Ok(Analysis {
        raw,
        units: UnitPosterior::from_diagonal(diagonal),
    })
}

/// Bounding box, |volume| and area.
type Geometry = ([f64; 3], [f64; 3], f64, f64);

fn geometry(mesh: &IndexedMesh, budget: &Budget) -> Result<Geometry, MeshError> {
    let v = mesh.vertices();
    let mut lo = [f32::INFINITY; 3];
    let mut hi = [f32::NEG_INFINITY; 3];
    for chunk in v.chunks(CHECK_EVERY) {
        budget.check()?;
        for p in chunk {
            for k in 0..3 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
    }
    if mesh.faces().is_empty() {
        return Ok(([0.0; 3], [0.0; 3], 0.0, 0.0));
    }
    let mut vol6 = 0.0f64;
    let mut area2 = 0.0f64;
    let at = |i: u32| v[i as usize].map(f64::from);
    for chunk in mesh.faces().chunks(CHECK_EVERY) {
        budget.check()?;
        for f in chunk {
            let (a, b, c) = (at(f[0]), at(f[1]), at(f[2]));
            vol6 += dot(a, cross(b, c));
            let n = cross(sub(b, a), sub(c, a));
            area2 += dot(n, n).sqrt();
        }
    }
    Ok((
        lo.map(f64::from),
        hi.map(f64::from),
        (vol6 / 6.0).abs(),
        area2 / 2.0,
    ))
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

struct Topology {
    watertight: bool,
    edge_manifold: bool,
    winding_consistent: bool,
    shells: u64,
}

fn topology(
    vertex_count: usize,
    faces: &[[u32; 3]],
    budget: &Budget,
) -> Result<Topology, MeshError> {
    // Bucket each directed edge a→b under min(a, b) as (max(a, b) << 1 | forward), where
    // forward means a < b. Indices are below 2³¹ (MAX_TRIANGLES), so the shift cannot overflow.
    // `parent` doubles as the "used by a face" mark: UNUSED until a face refers to the vertex.
    const UNUSED: u32 = u32::MAX;
    let mut start = vec![0u32; vertex_count + 1];
    let mut parent = vec![UNUSED; vertex_count];
    for chunk in faces.chunks(CHECK_EVERY) {
        budget.check()?;
        for &[a, b, c] in chunk {
            start[a.min(b) as usize] += 1;
            start[b.min(c) as usize] += 1;
            start[c.min(a) as usize] += 1;
            parent[a as usize] = a;
            parent[b as usize] = b;
            parent[c as usize] = c;
        }
    }
    let mut total = 0u32;
    for chunk in start.chunks_mut(CHECK_EVERY) {
        budget.check()?;
        for s in chunk {
            total += *s;
            *s = total;
        }
    }
    // start[u] is now the end of bucket u; filling backwards leaves it at the bucket's start.
    let mut entries = vec![0u32; total as usize];
    let mut put = |a: u32, b: u32| {
        let u = a.min(b) as usize;
        start[u] -= 1;
        entries[start[u] as usize] = (a.max(b) << 1) | u32::from(a < b);
    };
    for chunk in faces.chunks(CHECK_EVERY) {
        budget.check()?;
        for &[a, b, c] in chunk {
            put(a, b);
            put(b, c);
            put(c, a);
        }
    }

    let mut watertight = true;
    let mut edge_manifold = true;
    let mut winding_consistent = true;
    let mut meter = Meter::new(budget);
    for u in 0..vertex_count {
        let bucket = &mut entries[start[u] as usize..start[u + 1] as usize];
        // Counted before the work: a huge bucket is sorted only while the budget lasts.
        meter.spend(bucket.len() + 1)?;
        if bucket.is_empty() {
            continue;
        }
        if bucket.len() <= INSERTION_SORT_MAX {
            insertion_sort(bucket);
        } else {
            bucket.sort_unstable();
        }
        let mut root = find(&mut parent, u as u32);
        let mut i = 0;
        while i < bucket.len() {
            let w = bucket[i] >> 1;
            let mut j = i + 1;
            let mut forward = bucket[i] & 1;
            while j < bucket.len() && bucket[j] >> 1 == w {
                forward += bucket[j] & 1;
                j += 1;
            }
            match j - i {
                2 => winding_consistent &= forward == 1,
                1 => watertight = false,
                _ => {
                    watertight = false;
                    edge_manifold = false;
                }
            }
            // The smaller root wins: roots stay early vertices and finds stay short.
            let other = find(&mut parent, w);
            if other < root {
                parent[root as usize] = other;
                root = other;
            } else if root < other {
                parent[other as usize] = root;
            }
            i = j;
        }
    }
    budget.check()?;
    let shells = (0..vertex_count as u32)
        .filter(|&v| parent[v as usize] == v)
        .count() as u64;
    Ok(Topology {
        watertight,
        edge_manifold,
        winding_consistent,
        shells,
    })
}

/// The largest bucket sorted by insertion: buckets usually hold about six entries, where
/// insertion sort beats a general sort, but it is quadratic, so a larger bucket (a fan's centre
/// has one entry per triangle) goes to `sort_unstable`. At this size insertion sort costs at most
/// 16 moves an entry.
const INSERTION_SORT_MAX: usize = 32;

/// Sorts a bucket of at most [`INSERTION_SORT_MAX`] entries.
fn insertion_sort(v: &mut [u32]) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && v[j - 1] > x {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let grand = parent[parent[x as usize] as usize];
        parent[x as usize] = grand;
        x = grand;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tetra(flip_last: bool) -> IndexedMesh {
        let v = vec![[0., 0., 0.], [1., 0., 0.], [0., 1., 0.], [0., 0., 1.]];
        let mut f = vec![[0, 2, 1], [0, 1, 3], [1, 2, 3], [0, 3, 2]];
        if flip_last {
            f[3] = [0, 2, 3];
        }
        IndexedMesh::new(v, f).unwrap()
    }

    #[test]
    fn a_tetrahedron_is_closed_and_consistent() {
        let a = analyse(&tetra(false)).raw;
        assert!(a.is_watertight && a.is_manifold());
        assert!((a.volume - 1.0 / 6.0).abs() < 1e-15);
        assert_eq!(a.shells, 1);
    }

    #[test]
    fn one_flipped_face_breaks_winding_not_watertightness() {
        let a = analyse(&tetra(true)).raw;
        assert!(a.is_watertight && a.is_edge_manifold);
        assert!(!a.is_winding_consistent && !a.is_manifold());
    }

    #[test]
    fn a_fin_edge_with_three_faces_is_not_manifold() {
        let mut m = tetra(false).into_parts();
        m.0.push([1., 1., 1.]);
        m.1.push([1, 2, 4]);
        let a = analyse(&IndexedMesh::new(m.0, m.1).unwrap()).raw;
        assert!(!a.is_edge_manifold && !a.is_watertight && !a.is_manifold());
    }

    #[test]
    fn unused_vertices_are_not_shells() {
        let (mut v, f) = tetra(false).into_parts();
        v.push([5., 5., 5.]);
        let a = analyse(&IndexedMesh::new(v, f).unwrap()).raw;
        assert_eq!(a.shells, 1);
    }

    #[test]
    fn metrics_rescale_to_another_unit() {
        let a = analyse(&tetra(false));
        let mm = a.metrics_in(Unit::Mm);
        let inch = mm.with_unit(Unit::In, 1.0);
        let direct = a.metrics_confirmed(Unit::In);
        assert!((inch.volume_cm3 - direct.volume_cm3).abs() < 1e-12 * direct.volume_cm3);
        assert!((inch.surface_area_cm2 - direct.surface_area_cm2).abs() < 1e-12);
        assert_eq!(inch.detected_unit, Unit::In);
        assert_eq!(inch.unit_confidence, 1.0);
    }

    #[test]
    fn json_field_names_are_the_specs() {
        let m = analyse(&tetra(false)).metrics_in(Unit::Mm);
        let v = serde_json::to_value(&m).unwrap();
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "bbox_mm",
                "detected_unit",
                "is_manifold",
                "is_watertight",
                "shells",
                "surface_area_cm2",
                "triangle_count",
                "unit_confidence",
                "volume_cm3",
                "warnings"
            ]
        );
    }
}
