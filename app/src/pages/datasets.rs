//! Datasets: the account's uploaded tables, an upload form with progress, and each table's
//! preview.

pub mod dataset_page;
pub mod list_page;
