//! STL reading: binary and ASCII, welded into an [`IndexedMesh`] in the same pass.
//!
//! Binary STL is an 80-byte header, a little-endian `u32` triangle count and 50 bytes per
//! triangle (normal, three corners, attribute word). The size must be exactly `84 + 50 × count`:
//! anything else is [`MeshError::SizeMismatch`], so a wrong count or a truncated file is an
//! error and nothing is ever allocated from the count alone. Normals and attribute words are
//! ignored (the winding defines the orientation); corner coordinates must be finite.
//!
//! ASCII STL is `solid name`, then `facet normal nx ny nz / outer loop / vertex x y z` ×3 `/
//! endloop / endfacet` blocks, then `endsolid name`; several solids in one file are read as
//! one mesh. Keywords are case-insensitive, numbers are read as `f32` (what binary STL stores)
//! and a missing `endsolid` (a truncated file) is an error.
//!
//! Reading is linear in the file's size. The `_within` forms also take a [`Budget`], checked
//! every few thousand triangles, and stop with [`MeshError::OverBudget`] once it is exceeded.

use crate::budget::{Budget, CHECK_EVERY};
use crate::weld::{Welder, BATCH};
use crate::{IndexedMesh, MeshError, MAX_TRIANGLES};
use std::io::Read;

/// The two STL encodings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StlFormat {
    /// 80-byte header, `u32` count, 50 bytes per triangle.
    Binary,
    /// The text form starting with `solid`.
    Ascii,
}

/// Decides how to read `bytes`.
///
/// A file whose size is exactly `84 + 50 × count` (count from bytes 80..84) is binary even when
/// its header starts with `solid`, as many exporters write. Otherwise it is ASCII when it starts
/// (after whitespace) with `solid` and its first kilobyte is text; binary in every other case,
/// so a truncated binary file with a `solid` header is reported as a size mismatch.
pub fn detect_format(bytes: &[u8]) -> StlFormat {
    detect(&bytes[..bytes.len().min(HEAD)], bytes.len() as u64)
}

/// How much of the start of a file [`detect_format`] looks at.
const HEAD: usize = 1024;

/// [`detect_format`] from the file's first `HEAD` bytes (all of it when shorter) and its length.
fn detect(head: &[u8], len: u64) -> StlFormat {
    if let Some(count) = binary_count(head) {
        if 84 + 50 * u64::from(count) == len {
            return StlFormat::Binary;
        }
    }
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let rest = &head[start..];
    let is_text = |b: &u8| (*b >= 0x20 && *b != 0x7f) || matches!(*b, b'\t' | b'\n' | b'\r');
    if rest.len() >= 5 && rest[..5].eq_ignore_ascii_case(b"solid") && head.iter().all(is_text) {
        StlFormat::Ascii
    } else {
        StlFormat::Binary
    }
}

/// Parses an STL file and welds identical corners into shared vertices.
pub fn parse_stl(bytes: &[u8]) -> Result<IndexedMesh, MeshError> {
    parse_stl_within(bytes, &Budget::unlimited())
}

/// [`parse_stl`] within `budget` ([`MeshError::OverBudget`] once it is exceeded).
pub fn parse_stl_within(bytes: &[u8], budget: &Budget) -> Result<IndexedMesh, MeshError> {
    if bytes.is_empty() {
        return Err(MeshError::Empty);
    }
    match detect_format(bytes) {
        StlFormat::Binary => parse_binary(bytes, budget),
        StlFormat::Ascii => parse_ascii(bytes, budget),
    }
}

fn binary_count(bytes: &[u8]) -> Option<u32> {
    let word = bytes.get(80..84)?;
    Some(u32::from_le_bytes([word[0], word[1], word[2], word[3]]))
}

/// Reads an STL file of `len` bytes from `reader` (e.g. an open file and its size from its
/// metadata) without holding a binary file in memory: binary STL is decoded through a 50 KB
/// buffer, so memory is the mesh's own. ASCII STL is read whole first. A reader that ends
/// before `len` bytes is reported as [`MeshError::SizeMismatch`] (binary) or
/// [`MeshError::Read`]; bytes after `len` are not read.
pub fn read_stl<R: Read>(reader: R, len: u64) -> Result<IndexedMesh, MeshError> {
    read_stl_within(reader, len, &Budget::unlimited())
}

/// [`read_stl`] within `budget` ([`MeshError::OverBudget`] once it is exceeded; the time spent
/// waiting for the reader counts too).
pub fn read_stl_within<R: Read>(
    reader: R,
    len: u64,
    budget: &Budget,
) -> Result<IndexedMesh, MeshError> {
    if len == 0 {
        return Err(MeshError::Empty);
    }
    let mut reader = reader.take(len);
    let mut head = Vec::with_capacity(HEAD);
    (&mut reader)
        .take(HEAD as u64)
        .read_to_end(&mut head)
        .map_err(read_error)?;
    if (head.len() as u64) < len.min(HEAD as u64) {
        return Err(short_read(head.len() as u64, len));
    }
    match detect(&head, len) {
        StlFormat::Ascii => {
            let mut all = head;
            reader.read_to_end(&mut all).map_err(read_error)?;
            if (all.len() as u64) < len {
                return Err(short_read(all.len() as u64, len));
            }
            parse_ascii(&all, budget)
        }
        StlFormat::Binary => {
            let claimed = check_binary_size(&head, len)?;
            let mut welder = Welder::with_capacity(claimed as usize);
            let mut buf = vec![0u8; 50 * 1024];
            let pending = head.len() - 84;
            buf[..pending].copy_from_slice(&head[84..]);
            let mut filled = pending;
            let mut read = head.len() as u64;
            let mut triangle = 0u64;
            while triangle < u64::from(claimed) {
                let n = reader.read(&mut buf[filled..]).map_err(read_error)?;
                if n == 0 && filled < 50 {
                    let fits = (read - 84) / 50;
                    return Err(MeshError::SizeMismatch {
                        claimed,
                        expected_len: len,
                        len: read,
                        fits,
                    });
                }
                read += n as u64;
                filled += n;
                let whole = filled / 50 * 50;
                decode_records(&mut welder, &buf[..whole], triangle, budget)?;
                triangle += (whole / 50) as u64;
                buf.copy_within(whole..filled, 0);
                filled -= whole;
            }
            Ok(welder.finish())
        }
    }
}

fn read_error(e: std::io::Error) -> MeshError {
    MeshError::Read {
        message: e.to_string(),
    }
}

fn short_read(got: u64, len: u64) -> MeshError {
    MeshError::Read {
        message: format!("the input ended after {got} of its {len} bytes"),
    }
}

/// The triangle count of a binary STL, once the file's size proves it.
fn check_binary_size(head: &[u8], len: u64) -> Result<u32, MeshError> {
    let Some(claimed) = binary_count(head) else {
        return Err(MeshError::TooShort { len });
    };
    let expected_len = 84 + 50 * u64::from(claimed);
    if expected_len != len {
        return Err(MeshError::SizeMismatch {
            claimed,
            expected_len,
            len,
            fits: (len - 84) / 50,
        });
    }
    if claimed == 0 {
        return Err(MeshError::NoTriangles);
    }
    if u64::from(claimed) > MAX_TRIANGLES {
        return Err(MeshError::TooManyTriangles {
            count: claimed.into(),
            max: MAX_TRIANGLES,
        });
    }
    Ok(claimed)
}

fn parse_binary(bytes: &[u8], budget: &Budget) -> Result<IndexedMesh, MeshError> {
    let claimed = check_binary_size(bytes, bytes.len() as u64)?;
    // The count is now proven by the file's size, so it may size the buffers.
    let mut welder = Welder::with_capacity(claimed as usize);
    decode_records(&mut welder, &bytes[84..], 0, budget)?;
    Ok(welder.finish())
}

/// Welds whole 50-byte records; `before` triangles came earlier (for error positions). Checks
/// `budget` before the first batch and every [`CHECK_EVERY`] triangles.
fn decode_records(
    welder: &mut Welder,
    records: &[u8],
    before: u64,
    budget: &Budget,
) -> Result<(), MeshError> {
    let mut batch = [[[0f32; 3]; 3]; BATCH];
    for (b, records) in records.chunks(50 * BATCH).enumerate() {
        if b % (CHECK_EVERY / BATCH) == 0 {
            budget.check()?;
        }
        let mut n = 0;
        for (slot, record) in batch.iter_mut().zip(records.chunks_exact(50)) {
            let (words, _) = record[12..48].as_chunks::<4>();
            let mut finite = true;
            for (c, w) in slot.as_flattened_mut().iter_mut().zip(words) {
                *c = f32::from_le_bytes(*w);
                finite &= c.is_finite();
            }
            if !finite {
                return Err(MeshError::NonFinite {
                    triangle: before + (b * BATCH + n) as u64 + 1,
                });
            }
            n += 1;
        }
        welder.push_batch(&batch[..n]);
    }
    Ok(())
}

/// Whitespace-separated tokens with line numbers.
struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> Lexer<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !b.is_ascii_whitespace() {
                break;
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
        let start = self.pos;
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| !b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
        (self.pos > start).then(|| &self.bytes[start..self.pos])
    }

    /// Skips the rest of the current line (a solid's name).
    fn skip_line(&mut self) {
        match self.bytes[self.pos..].iter().position(|&b| b == b'\n') {
            Some(n) => self.pos += n,
            None => self.pos = self.bytes.len(),
        }
    }

    fn error(&self, expected: &'static str, found: Option<&[u8]>) -> MeshError {
        let found = match found {
            None => "end of file".to_owned(),
            Some(t) => {
                let t = String::from_utf8_lossy(&t[..t.len().min(32)]);
                format!("`{t}`")
            }
        };
        MeshError::Syntax {
            line: self.line,
            expected,
            found,
        }
    }

    fn keyword(&mut self, word: &'static str) -> Result<(), MeshError> {
        match self.next() {
            Some(t) if t.eq_ignore_ascii_case(word.as_bytes()) => Ok(()),
            t => Err(self.error(word, t)),
        }
    }

    fn number(&mut self) -> Result<f32, MeshError> {
        let t = self.next();
        t.and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|s| s.parse::<f32>().ok())
            .ok_or_else(|| self.error("a number", t))
    }

    fn point(&mut self) -> Result<[f32; 3], MeshError> {
        Ok([self.number()?, self.number()?, self.number()?])
    }
}

fn parse_ascii(bytes: &[u8], budget: &Budget) -> Result<IndexedMesh, MeshError> {
    let mut lex = Lexer {
        bytes,
        pos: 0,
        line: 1,
    };
    // No reservation from the text: buffers grow with the triangles actually read, and every
    // triangle takes well over 50 bytes of text.
    let mut welder = Welder::with_capacity(0);
    lex.keyword("solid")?;
    lex.skip_line();
    loop {
        match lex.next() {
            Some(t) if t.eq_ignore_ascii_case(b"facet") => {
                lex.keyword("normal")?;
                lex.point()?;
                lex.keyword("outer")?;
                lex.keyword("loop")?;
                let mut corners = [[0f32; 3]; 3];
                for c in &mut corners {
                    lex.keyword("vertex")?;
                    *c = lex.point()?;
                }
                lex.keyword("endloop")?;
                lex.keyword("endfacet")?;
                let triangle = welder.triangles() as u64 + 1;
                if corners.iter().flatten().any(|x| !x.is_finite()) {
                    return Err(MeshError::NonFinite { triangle });
                }
                if triangle > MAX_TRIANGLES {
                    return Err(MeshError::TooManyTriangles {
                        count: triangle,
                        max: MAX_TRIANGLES,
                    });
                }
                if triangle % CHECK_EVERY as u64 == 1 {
                    budget.check()?;
                }
                welder.push(corners);
            }
            Some(t) if t.eq_ignore_ascii_case(b"endsolid") => {
                lex.skip_line();
                match lex.next() {
                    None => break,
                    Some(t) if t.eq_ignore_ascii_case(b"solid") => lex.skip_line(),
                    t => return Err(lex.error("`solid` or end of file", t)),
                }
            }
            t => return Err(lex.error("`facet` or `endsolid`", t)),
        }
    }
    if welder.triangles() == 0 {
        return Err(MeshError::NoTriangles);
    }
    Ok(welder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binary(count_claim: u32, triangles: &[[[f32; 3]; 3]], header: &[u8]) -> Vec<u8> {
        let mut b = header.to_vec();
        b.resize(80, b' ');
        b.extend_from_slice(&count_claim.to_le_bytes());
        for t in triangles {
            b.extend_from_slice(&[0; 12]);
            for c in t.iter().flatten() {
                b.extend_from_slice(&c.to_le_bytes());
            }
            b.extend_from_slice(&[0; 2]);
        }
        b
    }

    const TRI: [[f32; 3]; 3] = [[0., 0., 0.], [1., 0., 0.], [0., 1., 0.]];

    #[test]
    fn binary_with_solid_header_and_matching_size_is_binary() {
        let b = binary(2, &[TRI, TRI], b"solid exported by a CAD tool");
        assert_eq!(detect_format(&b), StlFormat::Binary);
        let mesh = parse_stl(&b).unwrap();
        assert_eq!(mesh.faces().len(), 2);
        assert_eq!(mesh.vertices().len(), 3);
    }

    #[test]
    fn truncated_binary_with_solid_header_reports_the_size_mismatch() {
        let mut b = binary(2, &[TRI, TRI], b"solid x");
        b.truncate(b.len() - 7);
        assert!(matches!(
            parse_stl(&b),
            Err(MeshError::SizeMismatch {
                claimed: 2,
                fits: 1,
                ..
            })
        ));
    }

    #[test]
    fn negative_zero_welds_with_zero() {
        let t2 = [[-0.0, 0., 0.], [0., 1., -0.0], [1., 0., 0.]];
        let mesh = parse_stl(&binary(2, &[TRI, t2], b"")).unwrap();
        assert_eq!(mesh.vertices().len(), 3);
    }

    #[test]
    fn ascii_keywords_are_case_insensitive_and_several_solids_are_one_mesh() {
        let text = "SOLID a\nFACET NORMAL 0 0 1\nOUTER LOOP\nVERTEX 0 0 0\nVERTEX 1 0 0\n\
                    VERTEX 0 1 0\nENDLOOP\nENDFACET\nENDSOLID a\nsolid b\nfacet normal 0 0 1 \
                    outer loop vertex 0 0 0 vertex 1 0 0 vertex 0 1 1e0 endloop endfacet endsolid";
        let mesh = parse_stl(text.as_bytes()).unwrap();
        assert_eq!(mesh.faces().len(), 2);
        assert_eq!(mesh.vertices().len(), 4);
    }

    #[test]
    fn ascii_error_names_the_line_and_token() {
        let text = "solid a\nfacet normal 0 0 1\nouter loop\nvertex 0 0 zero\n";
        match parse_stl(text.as_bytes()) {
            Err(MeshError::Syntax {
                line: 4,
                expected: "a number",
                found,
            }) => assert_eq!(found, "`zero`"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn ascii_without_endsolid_is_truncated() {
        let text = "solid a\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\n\
                    vertex 0 1 0\nendloop\nendfacet\n";
        assert!(matches!(
            parse_stl(text.as_bytes()),
            Err(MeshError::Syntax { found, .. }) if found == "end of file"
        ));
    }
}
