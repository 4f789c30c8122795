//! Integration tests of the mesh crate: known solids generated here, hostile inputs, and
//! property tests that arbitrary bytes never panic.

mod helpers;
mod hostile;
mod props;
mod solids;
