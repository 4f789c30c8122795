//! Known solids: exact or analytic metrics, topology flags, shells and unit detection.

use crate::helpers::*;
use mesh::{analyse_stl, Metrics, Unit, Warning};

fn metrics(soup: &Soup) -> Metrics {
    analyse_stl(&binary_stl(soup)).expect("valid STL").metrics()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn a_20_mm_cube_has_exact_volume_area_and_is_closed() {
    let m = metrics(&cube(20.0, [5.0, -3.0, 100.0]));
    assert_eq!(m.bbox_mm, [20.0, 20.0, 20.0]);
    assert!(close(m.volume_cm3, 8.0, 1e-12), "{}", m.volume_cm3);
    assert!(
        close(m.surface_area_cm2, 24.0, 1e-12),
        "{}",
        m.surface_area_cm2
    );
    assert!(m.is_watertight && m.is_manifold);
    assert_eq!((m.triangle_count, m.shells), (12, 1));
    assert_eq!(m.detected_unit, Unit::Mm);
    assert!(m.unit_confidence > 0.9, "{}", m.unit_confidence);
    assert!(m.warnings.is_empty());
}

#[test]
fn an_icosphere_has_about_the_volume_and_area_of_its_sphere() {
    let r = 25.0;
    let soup = icosphere(r, 5);
    let m = metrics(&soup);
    let sphere_cm3 = 4.0 / 3.0 * std::f64::consts::PI * r * r * r / 1000.0;
    let sphere_cm2 = 4.0 * std::f64::consts::PI * r * r / 100.0;
    // Inscribed polyhedron: a little less than the sphere, within 0.2 % at 20,480 faces.
    assert!(m.volume_cm3 < sphere_cm3 && close(m.volume_cm3, sphere_cm3, 2e-3));
    assert!(m.surface_area_cm2 < sphere_cm2 && close(m.surface_area_cm2, sphere_cm2, 2e-3));
    assert!(close(m.volume_cm3, soup_volume(&soup) / 1000.0, 1e-12));
    assert!(m.is_watertight && m.is_manifold);
    assert_eq!((m.triangle_count, m.shells), (20 * 4u64.pow(5), 1));
    assert!(
        m.bbox_mm.iter().all(|&x| close(x, 2.0 * r, 1e-6)),
        "{:?}",
        m.bbox_mm
    );
}

#[test]
fn a_torus_modelled_in_inches_is_detected_as_inches() {
    // A 2-inch ring (outer diameter 2 in, tube 0.5 in): sizes in inch numbers.
    let soup = torus(0.75, 0.25, 96, 48);
    let m = metrics(&soup);
    assert_eq!(m.detected_unit, Unit::In, "{m:?}");
    assert!(m.unit_confidence > 0.5, "{}", m.unit_confidence);
    assert!(close(m.bbox_mm[0], 2.0 * 25.4, 1e-6), "{:?}", m.bbox_mm);
    let analytic_in3 = 2.0 * std::f64::consts::PI.powi(2) * 0.75 * 0.25 * 0.25;
    let cm3 = analytic_in3 * 2.54f64.powi(3);
    assert!(close(m.volume_cm3, cm3, 5e-3), "{} vs {cm3}", m.volume_cm3);
    assert!(close(
        m.volume_cm3,
        soup_volume(&soup) * 2.54f64.powi(3),
        1e-9
    ));
    assert!(m.is_watertight && m.is_manifold);
    assert_eq!(m.shells, 1);
}

#[test]
fn an_open_box_is_not_watertight_but_still_manifold() {
    let mut soup = cube(30.0, [0.0; 3]);
    soup.drain(2..4); // the top (z = s) face
    let m = metrics(&soup);
    assert!(!m.is_watertight);
    assert!(
        m.is_manifold,
        "consistent winding on an open surface is manifold"
    );
    assert_eq!(m.warnings, [Warning::NonWatertight]);
    assert_eq!(m.triangle_count, 10);
}

#[test]
fn two_separate_cubes_are_two_shells() {
    let mut soup = cube(10.0, [0.0; 3]);
    soup.extend(cube(10.0, [30.0, 0.0, 0.0]));
    let m = metrics(&soup);
    assert_eq!(m.shells, 2);
    assert!(m.is_watertight && m.is_manifold);
    assert!(close(m.volume_cm3, 2.0, 1e-12));
    assert_eq!(m.bbox_mm, [40.0, 10.0, 10.0]);
}

#[test]
fn a_cube_with_one_flipped_face_is_watertight_but_not_manifold() {
    let mut soup = cube(20.0, [0.0; 3]);
    soup[5].swap(1, 2);
    let m = metrics(&soup);
    assert!(m.is_watertight);
    assert!(!m.is_manifold);
    assert_eq!(m.warnings, [Warning::NonManifold]);
}

#[test]
fn binary_and_ascii_of_the_same_mesh_give_identical_metrics() {
    for soup in [
        icosphere(12.5, 3),
        torus(1.5, 0.4, 40, 20),
        cube(7.25, [1.0; 3]),
    ] {
        let b = analyse_stl(&binary_stl(&soup)).unwrap();
        let a = analyse_stl(&ascii_stl(&soup)).unwrap();
        assert_eq!(
            mesh::detect_format(&ascii_stl(&soup)),
            mesh::StlFormat::Ascii
        );
        assert_eq!(a, b);
        assert_eq!(a.metrics(), b.metrics());
    }
}

#[test]
fn streaming_and_in_memory_reading_agree() {
    let bytes = binary_stl(&icosphere(10.0, 4));
    let from_slice = mesh::parse_stl(&bytes).unwrap();
    // A reader that hands out 7 bytes at a time exercises records split across reads.
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(7).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let streamed = mesh::read_stl(Trickle(&bytes), bytes.len() as u64).unwrap();
    assert_eq!(from_slice, streamed);
    let ascii = ascii_stl(&icosphere(10.0, 2));
    let a = mesh::read_stl(Trickle(&ascii), ascii.len() as u64).unwrap();
    assert_eq!(a, mesh::parse_stl(&ascii).unwrap());
}

#[test]
fn welding_joins_identical_corners_only() {
    let soup = icosphere(25.0, 3);
    let mesh = mesh::parse_stl(&binary_stl(&soup)).unwrap();
    // Euler: V − E + F = 2 for a sphere, E = 3F/2.
    let f = mesh.faces().len() as i64;
    assert_eq!(mesh.vertices().len() as i64 - 3 * f / 2 + f, 2);
}

#[test]
fn a_large_part_warns_too_large_and_a_unit_change_rescales() {
    let analysis = analyse_stl(&binary_stl(&cube(20.0, [0.0; 3]))).unwrap();
    let mm = analysis.metrics_in(Unit::Mm);
    let inch = analysis.metrics_confirmed(Unit::In);
    assert_eq!(inch.unit_confidence, 1.0);
    assert!(close(inch.bbox_mm[0], 508.0, 1e-12));
    assert!(close(
        inch.volume_cm3,
        mm.volume_cm3 * 25.4f64.powi(3),
        1e-12
    ));
    assert!(close(
        inch.surface_area_cm2,
        mm.surface_area_cm2 * 25.4f64.powi(2),
        1e-12
    ));
    assert_eq!(inch.warnings, [Warning::TooLarge]);
    let rescaled = mm.with_unit(Unit::In, 1.0);
    assert!(close(rescaled.volume_cm3, inch.volume_cm3, 1e-12));
    assert_eq!(rescaled.warnings, inch.warnings);
    assert_eq!(rescaled.detected_unit, Unit::In);
    let json = serde_json::to_value(&inch).unwrap();
    assert_eq!(json["detected_unit"], "in");
    assert_eq!(json["warnings"], serde_json::json!(["too_large"]));
}
