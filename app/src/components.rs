//! Reusable components.

pub mod charts;
pub mod lab_panel;
pub mod layout;
pub mod log_tail;
pub mod mdl_editor;
pub mod template_gallery;
pub mod theme_toggle;
