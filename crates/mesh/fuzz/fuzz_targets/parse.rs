//! Any bytes through the STL reader and the analysis: they must return, never panic, and a
//! successful analysis must give finite, sane metrics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(analysis) = mesh::analyse_stl(data) {
        let m = analysis.metrics();
        assert!(m.volume_cm3.is_finite() && m.surface_area_cm2.is_finite());
        assert!((0.0..=1.0).contains(&m.unit_confidence));
        assert!(m.shells >= 1 && m.shells <= m.triangle_count);
    }
    let _ = mesh::read_stl(data, data.len() as u64);
});
