//! Any bytes through the STL reader and the analysis: they must return, never panic, and a
//! successful analysis must give finite, sane metrics. A budget that is not exceeded must not
//! change the answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let plain = mesh::analyse_stl(data);
    if let Ok(analysis) = &plain {
        let m = analysis.metrics();
        assert!(m.volume_cm3.is_finite() && m.surface_area_cm2.is_finite());
        assert!((0.0..=1.0).contains(&m.unit_confidence));
        assert!(m.shells >= 1 && m.shells <= m.triangle_count);
    }
    let budgeted = mesh::analyse_stl_within(data, &mesh::Budget::within(Duration::from_secs(60)));
    // Compared as text so that a NaN (which is never equal to itself) compares equal.
    assert_eq!(format!("{plain:?}"), format!("{budgeted:?}"));
    let _ = mesh::read_stl(data, data.len() as u64);
});
