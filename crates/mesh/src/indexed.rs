//! The indexed (welded) triangle mesh every analysis works on.

use crate::{MeshError, MAX_TRIANGLES};

/// Triangles as indices into a shared vertex list. Every index is in range and every coordinate
/// is finite (checked by [`IndexedMesh::new`], guaranteed by the STL parser).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexedMesh {
    vertices: Vec<[f32; 3]>,
    faces: Vec<[u32; 3]>,
}

impl IndexedMesh {
    /// A mesh from vertices and faces, checking indices and coordinates. Vertices are used as
    /// given (not welded); faces keep their winding.
    pub fn new(vertices: Vec<[f32; 3]>, faces: Vec<[u32; 3]>) -> Result<Self, MeshError> {
        if faces.len() as u64 > MAX_TRIANGLES {
            return Err(MeshError::TooManyTriangles {
                count: faces.len() as u64,
                max: MAX_TRIANGLES,
            });
        }
        if let Some(vertex) = vertices
            .iter()
            .position(|v| !v.iter().all(|c| c.is_finite()))
        {
            return Err(MeshError::NonFiniteVertex { vertex });
        }
        for (face, f) in faces.iter().enumerate() {
            if let Some(&index) = f.iter().find(|&&i| i as usize >= vertices.len()) {
                return Err(MeshError::IndexOutOfRange {
                    face,
                    index,
                    vertices: vertices.len(),
                });
            }
        }
        Ok(Self { vertices, faces })
    }

    /// Built by the welder, which upholds the invariants itself.
    pub(crate) fn from_welded(vertices: Vec<[f32; 3]>, faces: Vec<[u32; 3]>) -> Self {
        debug_assert!(faces
            .iter()
            .all(|f| f.iter().all(|&i| (i as usize) < vertices.len())));
        Self { vertices, faces }
    }

    /// The vertex positions, in the file's unit.
    pub fn vertices(&self) -> &[[f32; 3]] {
        &self.vertices
    }

    /// The triangles, counter-clockwise seen from outside when the winding is consistent.
    pub fn faces(&self) -> &[[u32; 3]] {
        &self.faces
    }

    /// Takes the mesh apart (e.g. to upload vertex and index buffers without a copy).
    pub fn into_parts(self) -> (Vec<[f32; 3]>, Vec<[u32; 3]>) {
        (self.vertices, self.faces)
    }
}
