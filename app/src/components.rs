//! Reusable components.

pub mod charts;
pub mod layout;
pub mod theme_toggle;
