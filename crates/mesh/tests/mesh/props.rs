//! Property tests: arbitrary input never panics, and welding never changes the geometry.

use crate::helpers::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = mesh::analyse_stl(&bytes);
        let _ = mesh::read_stl(&bytes[..], bytes.len() as u64);
    }

    #[test]
    fn random_text_after_solid_never_panics(tail in "[ -~\n]{0,400}") {
        let text = format!("solid {tail}");
        let _ = mesh::analyse_stl(text.as_bytes());
    }

    #[test]
    fn well_sized_binary_with_random_records_never_panics(
        records in proptest::collection::vec(any::<[u8; 50]>(), 1..64),
        header in any::<[u8; 80]>(),
    ) {
        let mut b = header.to_vec();
        b.extend_from_slice(&(records.len() as u32).to_le_bytes());
        for r in &records {
            b.extend_from_slice(r);
        }
        if let Ok(a) = mesh::analyse_stl(&b) {
            let m = a.metrics();
            prop_assert!(m.volume_cm3.is_finite() && m.volume_cm3 >= 0.0);
            prop_assert!((0.0..=1.0).contains(&m.unit_confidence));
            prop_assert_eq!(m.triangle_count, records.len() as u64);
        }
    }

    #[test]
    fn random_triangles_keep_their_volume_through_welding(
        corners in proptest::collection::vec(
            proptest::array::uniform3(proptest::array::uniform3(-4i8..4)), 1..40),
    ) {
        let soup: Soup = corners.iter().map(|t| t.map(|p| p.map(f32::from))).collect();
        let a = mesh::analyse_stl(&binary_stl(&soup)).unwrap();
        prop_assert!((a.raw.volume - soup_volume(&soup)).abs() < 1e-9);
        prop_assert!(a.raw.shells >= 1 && a.raw.shells <= soup.len() as u64);
    }
}
