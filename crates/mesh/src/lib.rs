//! STL analysis for the Make side of MatterCraft (SPEC §6): parse a binary or ASCII STL, weld
//! its vertices into an indexed mesh, and measure it — bounding box, volume, surface area,
//! watertightness, manifoldness, shells — with the file's unit detected from the part's size.
//!
//! ```
//! # fn cube() -> Vec<u8> {
//! #     let mut b = vec![0u8; 80];
//! #     let v = |x: f32, y: f32, z: f32| [x * 20.0, y * 20.0, z * 20.0];
//! #     let corners = [v(0.,0.,0.), v(1.,0.,0.), v(1.,1.,0.), v(0.,1.,0.), v(0.,0.,1.), v(1.,0.,1.), v(1.,1.,1.), v(0.,1.,1.)];
//! #     let faces = [[0,2,1],[0,3,2],[4,5,6],[4,6,7],[0,1,5],[0,5,4],[1,2,6],[1,6,5],[2,3,7],[2,7,6],[3,0,4],[3,4,7]];
//! #     b.extend_from_slice(&(faces.len() as u32).to_le_bytes());
//! #     for f in faces {
//! #         b.extend_from_slice(&[0u8; 12]);
//! #         for i in f { for c in corners[i] { b.extend_from_slice(&c.to_le_bytes()); } }
//! #         b.extend_from_slice(&[0u8; 2]);
//! #     }
//! #     b
//! # }
//! let bytes = cube(); // a binary STL of a 20 mm cube
//! let analysis = mesh::analyse_stl(&bytes)?;
//! let metrics = analysis.metrics();
//! assert_eq!(metrics.detected_unit, mesh::Unit::Mm);
//! assert!((metrics.volume_cm3 - 8.0).abs() < 1e-12);
//! assert!(metrics.is_watertight && metrics.is_manifold);
//! // Another unit is a rescale of unit-free quantities, not a new analysis.
//! let inches = analysis.metrics_in(mesh::Unit::In);
//! assert!((inches.bbox_mm[0] - 20.0 * 25.4).abs() < 1e-9);
//! # Ok::<(), mesh::MeshError>(())
//! ```
//!
//! Nothing here panics on bad input: every problem is a [`MeshError`], memory stays
//! proportional to the input's size whatever its header claims, and time is `O(n log n)` in the
//! number of triangles whatever their shape (fans, repeated or degenerate triangles, one edge
//! shared by all). The `_within` forms take a [`Budget`] and stop with
//! [`MeshError::OverBudget`] once it is exceeded. Builds for `wasm32-unknown-unknown`, so the
//! browser preview parses with the same code as the server.

mod analysis;
mod budget;
mod error;
mod indexed;
pub mod stl;
mod units;
mod weld;

pub use analysis::{analyse, analyse_within, Analysis, Metrics, RawMetrics, Warning, MAX_AXIS_MM};
pub use budget::Budget;
pub use error::MeshError;
pub use indexed::IndexedMesh;
pub use stl::{detect_format, parse_stl, parse_stl_within, read_stl, read_stl_within, StlFormat};
pub use units::{Unit, UnitPosterior, UnknownUnit, LOG_SIZE_SIGMA, MEDIAN_DIAGONAL_MM, UNIT_PRIOR};

/// The most triangles a mesh may have. Vertex and edge indices are `u32` with one bit kept for
/// an edge's direction, so at most 2³¹ vertex references; a binary STL this large would be
/// 35 GB.
pub const MAX_TRIANGLES: u64 = 700_000_000;

/// Parses an STL (binary or ASCII, detected by [`detect_format`]), welds it and measures it.
pub fn analyse_stl(bytes: &[u8]) -> Result<Analysis, MeshError> {
    Ok(analyse(&parse_stl(bytes)?))
}

/// [`analyse_stl`] within one `budget` for parsing and measuring together.
pub fn analyse_stl_within(bytes: &[u8], budget: &Budget) -> Result<Analysis, MeshError> {
    analyse_within(&parse_stl_within(bytes, budget)?, budget)
}
