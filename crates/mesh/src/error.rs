//! The crate's one error type.

/// Why a file or mesh could not be read. Positions are data, so callers can point at them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MeshError {
    /// Zero bytes.
    #[error("the file is empty")]
    Empty,
    /// Fewer bytes than a binary STL header, and not ASCII STL either.
    #[error(
        "not an STL file: {len} bytes is shorter than a binary STL header (84 bytes) \
         and it does not start with `solid`"
    )]
    TooShort {
        /// The file's length in bytes.
        len: u64,
    },
    /// A binary STL whose size is not `84 + 50 × claimed` (truncated, padded or a wrong count).
    #[error(
        "binary STL claims {claimed} triangles ({expected_len} bytes) but the file has {len} bytes \
         (room for {fits} triangles): truncated or a wrong triangle count"
    )]
    SizeMismatch {
        /// The triangle count in the header.
        claimed: u32,
        /// The size that count implies.
        expected_len: u64,
        /// The actual size.
        len: u64,
        /// Whole triangles the actual size holds.
        fits: u64,
    },
    /// A vertex coordinate is NaN or infinite.
    #[error("triangle {triangle} has a coordinate that is not a finite number")]
    NonFinite {
        /// 1-based triangle number.
        triangle: u64,
    },
    /// ASCII STL that does not follow the grammar (including a truncated file).
    #[error("ASCII STL line {line}: expected {expected}, found {found}")]
    Syntax {
        /// 1-based line number.
        line: u64,
        /// What the grammar wanted there.
        expected: &'static str,
        /// What was there (shortened), or `end of file`.
        found: String,
    },
    /// A well-formed file without a single triangle.
    #[error("the file has no triangles")]
    NoTriangles,
    /// More than [`crate::MAX_TRIANGLES`].
    #[error("too many triangles: {count} (at most {max})")]
    TooManyTriangles {
        /// How many the input has (or claims).
        count: u64,
        /// The limit.
        max: u64,
    },
    /// An indexed mesh refers to a vertex it does not have.
    #[error("face {face} refers to vertex {index}, but there are only {vertices} vertices")]
    IndexOutOfRange {
        /// 0-based face index.
        face: usize,
        /// The bad vertex index.
        index: u32,
        /// The number of vertices.
        vertices: usize,
    },
    /// The input could not be read (an I/O error, or fewer bytes than announced).
    #[error("cannot read the input: {message}")]
    Read {
        /// What went wrong.
        message: String,
    },
    /// An indexed mesh has a NaN or infinite coordinate.
    #[error("vertex {vertex} has a coordinate that is not a finite number")]
    NonFiniteVertex {
        /// 0-based vertex index.
        vertex: usize,
    },
    /// Reading and measuring took longer than the [`crate::Budget`] allowed. Permanent for this
    /// file and limit: trying again takes as long.
    #[error(
        "analysis took longer than {} s; the file may be too complex",
        .limit.as_secs_f64()
    )]
    OverBudget {
        /// The limit that was exceeded.
        limit: std::time::Duration,
    },
}
