//! Hostile and broken inputs: each is a typed error, never a panic.

use crate::helpers::*;
use mesh::{parse_stl, MeshError};

fn valid() -> Vec<u8> {
    binary_stl(&cube(10.0, [0.0; 3]))
}

#[test]
fn an_empty_file_is_empty() {
    assert_eq!(parse_stl(b""), Err(MeshError::Empty));
}

#[test]
fn a_truncated_binary_file_is_a_size_mismatch() {
    let mut b = valid();
    b.truncate(b.len() - 20);
    assert!(matches!(
        parse_stl(&b),
        Err(MeshError::SizeMismatch {
            claimed: 12,
            fits: 11,
            ..
        })
    ));
    b.truncate(50);
    assert!(matches!(
        parse_stl(&b),
        Err(MeshError::TooShort { len: 50 })
    ));
}

#[test]
fn a_count_larger_than_the_file_is_refused_without_allocating() {
    let mut b = valid();
    b[80..84].copy_from_slice(&u32::MAX.to_le_bytes());
    match parse_stl(&b) {
        Err(MeshError::SizeMismatch {
            claimed,
            expected_len,
            fits,
            ..
        }) => {
            assert_eq!(claimed, u32::MAX);
            assert_eq!(expected_len, 84 + 50 * u64::from(u32::MAX));
            assert_eq!(fits, 12);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_count_smaller_than_the_file_is_refused() {
    let mut b = valid();
    b[80..84].copy_from_slice(&5u32.to_le_bytes());
    assert!(matches!(
        parse_stl(&b),
        Err(MeshError::SizeMismatch { claimed: 5, .. })
    ));
}

#[test]
fn nan_and_infinite_coordinates_are_refused_with_their_triangle() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut soup = cube(10.0, [0.0; 3]);
        soup[6][1][2] = bad;
        assert_eq!(
            parse_stl(&binary_stl(&soup)),
            Err(MeshError::NonFinite { triangle: 7 })
        );
        let ascii = ascii_stl(&soup);
        assert_eq!(parse_stl(&ascii), Err(MeshError::NonFinite { triangle: 7 }));
    }
}

#[test]
fn nan_in_a_normal_is_ignored() {
    let mut b = valid();
    b[84..88].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(parse_stl(&b).is_ok());
}

#[test]
fn a_header_without_triangles_is_no_triangles() {
    let mut b = vec![0u8; 84];
    assert_eq!(parse_stl(&b), Err(MeshError::NoTriangles));
    b = b"solid empty\nendsolid empty\n".to_vec();
    assert_eq!(parse_stl(&b), Err(MeshError::NoTriangles));
}

#[test]
fn garbage_is_an_error() {
    for g in [
        &b"hello"[..],
        b"\x00\x01\x02",
        b"solid",
        b"solid x\nfacet normal a b c\n",
        b"solid x\nvertex 1 2 3\nendsolid",
        "solid ☃\nfacet normal 0 0 1 outer loop vertex 0 0 0 vertex 1 0 0 vertex 0 1 0 endloop endfacet \u{1F600}"
            .as_bytes(),
        &[0xffu8; 200],
    ] {
        assert!(parse_stl(g).is_err(), "{g:?}");
    }
}

#[test]
fn a_truncated_ascii_file_is_a_syntax_error_at_the_end() {
    let text = ascii_stl(&cube(10.0, [0.0; 3]));
    for cut in [10, text.len() / 2, text.len() - 20] {
        match parse_stl(&text[..cut]) {
            Err(MeshError::Syntax { found, .. }) => {
                assert!(found == "end of file" || found.starts_with('`'), "{found}")
            }
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

#[test]
fn a_reader_shorter_than_announced_is_an_error() {
    // Longer than the 1 KiB head, so the streaming loop sees the early end.
    let b = binary_stl(&icosphere(10.0, 2));
    let short = &b[..b.len() - 10];
    assert!(matches!(
        mesh::read_stl(short, b.len() as u64),
        Err(MeshError::SizeMismatch { .. })
    ));
    let tiny = valid();
    assert!(matches!(
        mesh::read_stl(&tiny[..100], tiny.len() as u64),
        Err(MeshError::Read { .. })
    ));
    let ascii = ascii_stl(&cube(10.0, [0.0; 3]));
    assert!(matches!(
        mesh::read_stl(&ascii[..ascii.len() - 5], ascii.len() as u64),
        Err(MeshError::Read { .. })
    ));
}

#[test]
fn an_indexed_mesh_with_a_bad_index_or_coordinate_is_refused() {
    assert!(matches!(
        mesh::IndexedMesh::new(vec![[0.0; 3]; 3], vec![[0, 1, 3]]),
        Err(MeshError::IndexOutOfRange { index: 3, .. })
    ));
    assert!(matches!(
        mesh::IndexedMesh::new(vec![[0.0, f32::NAN, 0.0]], vec![]),
        Err(MeshError::NonFiniteVertex { vertex: 0 })
    ));
}

#[test]
fn huge_coordinates_stay_finite_in_the_metrics() {
    let big = cube(3.0e38, [-3.3e38; 3]);
    let m = mesh::analyse_stl(&binary_stl(&big)).unwrap().metrics();
    let json = serde_json::to_string(&m).unwrap();
    assert!(
        m.volume_cm3.is_finite() && m.surface_area_cm2.is_finite(),
        "{json}"
    );
    assert!(m.bbox_mm.iter().all(|x| x.is_finite()));
}
