//! Hostile and broken inputs: each is a typed error, never a panic.

use crate::helpers::*;
use mesh::{
    analyse_stl_within, analyse_within, parse_stl, parse_stl_within, read_stl_within, Budget,
    MeshError, Unit,
};
use std::time::{Duration, Instant};

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

// Shapes that once cost quadratic time (issue 13, review H5) and the time budget. The budgets
// below are generous sanity bounds for an unoptimised test build on a loaded machine; the
// speed itself is measured by the benchmark (`bench/run.sh`, README). Before the fix the
// 200,000-triangle fan took 70 s in a release build.

/// Generous: every case here takes well under a second in a release build.
const GENEROUS: Duration = Duration::from_secs(20);

/// A triangle fan: the centre first, then `n` triangles (centre, v_i, v_i+1) around a circle of
/// radius 50, so the centre is in every triangle and its edge bucket holds 2n entries.
fn fan(n: usize) -> Soup {
    let rim = |i: usize| {
        let a = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
        [(50.0 * a.cos()) as f32, (50.0 * a.sin()) as f32, 0.0]
    };
    (0..n)
        .map(|i| [[0.0; 3], rim(i), rim((i + 1) % n)])
        .collect()
}

#[test]
fn a_200000_triangle_fan_is_measured_in_seconds_not_minutes() {
    let stl = binary_stl(&fan(200_000));
    let started = Instant::now();
    let a = analyse_stl_within(&stl, &Budget::within(GENEROUS))
        .unwrap_or_else(|e| panic!("after {:?}: {e}", started.elapsed()));
    let m = a.metrics();
    assert_eq!(m.triangle_count, 200_000);
    assert_eq!(m.shells, 1);
    // A closed disc: every rim edge has one face, every spoke two, wound the same way.
    assert!(!m.is_watertight && m.is_manifold, "{m:?}");
    let disc = std::f64::consts::PI * 50.0 * 50.0 / 100.0;
    assert!((m.surface_area_cm2 - disc).abs() < 1e-3 * disc, "{m:?}");
}

#[test]
fn a_million_tiny_triangles_are_measured_within_the_budget() {
    // A 1000 × 500 grid of 0.01 mm squares, two triangles each: a flat sheet 10 × 5 mm.
    let (nx, ny, h) = (1000usize, 500usize, 0.01f64);
    let p = |i: usize, j: usize| [(i as f64 * h) as f32, (j as f64 * h) as f32, 0.0];
    let mut soup = Soup::with_capacity(2 * nx * ny);
    for i in 0..nx {
        for j in 0..ny {
            soup.push([p(i, j), p(i + 1, j), p(i + 1, j + 1)]);
            soup.push([p(i, j), p(i + 1, j + 1), p(i, j + 1)]);
        }
    }
    let stl = binary_stl(&soup);
    drop(soup);
    let a = analyse_stl_within(&stl, &Budget::within(GENEROUS)).unwrap();
    let m = a.metrics_in(Unit::Mm);
    assert_eq!(m.triangle_count, 1_000_000);
    assert_eq!(m.shells, 1);
    assert!(!m.is_watertight && m.is_manifold);
    assert!((m.surface_area_cm2 - 0.5).abs() < 1e-3, "{m:?}");
}

#[test]
fn zero_area_triangles_are_measured_not_refused() {
    let mut soup = cube(10.0, [0.0; 3]);
    // A point (all corners equal), a sliver (collinear corners) and a repeated corner.
    soup.push([[1.0; 3]; 3]);
    soup.push([[0.0; 3], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]);
    soup.push([[0.0; 3], [0.0; 3], [10.0, 0.0, 0.0]]);
    let m = mesh::analyse_stl(&binary_stl(&soup)).unwrap().metrics();
    assert_eq!(m.triangle_count, 15);
    assert!((m.volume_cm3 - 1.0).abs() < 1e-12, "{m:?}");
    assert!((m.surface_area_cm2 - 6.0).abs() < 1e-12, "{m:?}");
    assert!(!m.is_watertight && !m.is_manifold, "{m:?}");
}

#[test]
fn a_100000_times_repeated_degenerate_triangle_is_measured_within_the_budget() {
    let soup: Soup = vec![[[0.0; 3], [0.0; 3], [1.0, 0.0, 0.0]]; 100_000];
    let m = analyse_stl_within(&binary_stl(&soup), &Budget::within(GENEROUS))
        .unwrap()
        .metrics();
    assert_eq!((m.triangle_count, m.shells), (100_000, 1));
    assert_eq!((m.volume_cm3, m.surface_area_cm2), (0.0, 0.0));
    assert!(!m.is_watertight && !m.is_manifold);
}

#[test]
fn a_100000_times_repeated_triangle_is_non_manifold_within_the_budget() {
    let soup: Soup = vec![[[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]; 100_000];
    let m = analyse_stl_within(&binary_stl(&soup), &Budget::within(GENEROUS))
        .unwrap()
        .metrics_in(Unit::Mm);
    assert_eq!((m.triangle_count, m.shells), (100_000, 1));
    assert!(!m.is_watertight && !m.is_manifold);
    assert!((m.surface_area_cm2 - 100_000.0 * 0.5 / 100.0).abs() < 1e-6);
}

#[test]
fn one_edge_shared_by_100000_triangles_is_non_manifold_within_the_budget() {
    // A book: every page is a triangle on the spine from (0,0,0) to (0,0,1).
    let n = 100_000;
    let soup: Soup = (0..n)
        .map(|i| {
            let a = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            [
                [0.0; 3],
                [0.0, 0.0, 1.0],
                [a.cos() as f32, a.sin() as f32, 0.5],
            ]
        })
        .collect();
    let m = analyse_stl_within(&binary_stl(&soup), &Budget::within(GENEROUS))
        .unwrap()
        .metrics();
    assert_eq!((m.triangle_count, m.shells), (100_000, 1));
    assert!(!m.is_watertight && !m.is_manifold);
}

#[test]
fn an_exceeded_budget_is_a_typed_error_in_every_pass() {
    let over = Budget::within(Duration::ZERO);
    let expected = Err(MeshError::OverBudget {
        limit: Duration::ZERO,
    });
    let soup = icosphere(10.0, 3);
    let binary = binary_stl(&soup);
    let ascii = ascii_stl(&soup);
    assert_eq!(parse_stl_within(&binary, &over), expected);
    assert_eq!(parse_stl_within(&ascii, &over), expected);
    assert_eq!(
        read_stl_within(&binary[..], binary.len() as u64, &over),
        expected
    );
    assert_eq!(
        read_stl_within(&ascii[..], ascii.len() as u64, &over),
        expected
    );
    let mesh = parse_stl(&binary).unwrap();
    assert_eq!(
        analyse_within(&mesh, &over).map(|a| a.raw),
        Err(MeshError::OverBudget {
            limit: Duration::ZERO
        })
    );
    // Bad input is still reported as what it is, not as a timeout.
    assert_eq!(parse_stl_within(b"", &over), Err(MeshError::Empty));
}

#[test]
fn a_budget_that_is_not_exceeded_changes_nothing() {
    let binary = binary_stl(&icosphere(10.0, 3));
    let plain = mesh::analyse_stl(&binary).unwrap();
    let budgeted = analyse_stl_within(&binary, &Budget::within(GENEROUS)).unwrap();
    assert_eq!(plain, budgeted);
    let unlimited = analyse_stl_within(&binary, &Budget::unlimited()).unwrap();
    assert_eq!(plain, unlimited);
}

#[test]
fn the_over_budget_message_says_what_happened_in_plain_words() {
    let e = MeshError::OverBudget {
        limit: Duration::from_secs(60),
    };
    assert_eq!(
        e.to_string(),
        "analysis took longer than 60 s; the file may be too complex"
    );
    assert_eq!(
        Budget::within(Duration::from_secs(60)).limit(),
        Some(Duration::from_secs(60))
    );
    assert_eq!(Budget::unlimited().limit(), None);
}
