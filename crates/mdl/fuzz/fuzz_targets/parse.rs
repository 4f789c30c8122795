//! Any bytes through every MDL entry point: parsing and validation must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mdl::parse_yaml(text);
        let _ = mdl::parse_json(text);
        let _ = mdl::expr::parse(text);
    }
});
