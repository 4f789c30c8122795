//! Print: upload an STL part, watch it being analysed, preview it in 3D, correct its unit.

pub mod print_page;
#[cfg(feature = "hydrate")]
mod upload;
#[cfg(all(feature = "hydrate", target_arch = "wasm32"))]
mod viewer;
