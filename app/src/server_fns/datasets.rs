//! The datasets pages' operations, for the signed-in user. Uploads go straight to
//! `POST /v1/datasets` from the browser (with the session cookie), so the page can show
//! upload progress.

use domain::datasets::{DatasetDetail, DatasetSummary};
use leptos::prelude::*;

use crate::error::AppError;

/// The account's datasets, newest first (the first hundred); `None` for a visitor.
#[server(prefix = "/api/fn", endpoint = "list_datasets")]
pub async fn list_datasets() -> Result<Option<Vec<DatasetSummary>>, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let Some((_, caller)) = signed_in().await? else {
        return Ok(None);
    };
    let params = first_page(&domain::datasets::DATASET_LIST, &[])?;
    let (datasets, _) = services()?
        .list_datasets(&caller, &params)
        .await
        .map_err(from_service)?;
    Ok(Some(datasets))
}

/// One dataset with its columns and first rows.
#[server(prefix = "/api/fn", endpoint = "get_dataset")]
pub async fn get_dataset(id: String) -> Result<DatasetDetail, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    services()?
        .dataset(&caller, &id)
        .await
        .map_err(from_service)
}

/// Deletes one of the account's datasets, then shows the list.
#[server(prefix = "/api/fn", endpoint = "delete_dataset")]
pub async fn delete_dataset(id: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    services()?
        .delete_dataset(&caller, &id)
        .await
        .map_err(from_service)?;
    redirect("/datasets")
}
