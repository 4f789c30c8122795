//! The Print page's operations on the signed-in user's parts. The bytes themselves go from the
//! browser straight to the signed `upload_url` (with upload progress); everything else is here.

use domain::files::{FileView, LengthUnit, PresignResponse};
use leptos::prelude::*;

use crate::error::AppError;

/// The account's parts, newest first (the first hundred); `None` for a visitor.
#[server(prefix = "/api/fn", endpoint = "list_parts")]
pub async fn list_parts() -> Result<Option<Vec<FileView>>, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let Some((_, caller)) = signed_in().await? else {
        return Ok(None);
    };
    let list = services()?
        .list_files(&caller, 0, 100)
        .await
        .map_err(from_service)?;
    Ok(Some(list.files))
}

/// One of the account's parts; `None` for a visitor.
#[server(prefix = "/api/fn", endpoint = "get_part")]
pub async fn get_part(id: String) -> Result<Option<FileView>, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let Some((_, caller)) = signed_in().await? else {
        return Ok(None);
    };
    services()?
        .file(&caller, &id)
        .await
        .map(Some)
        .map_err(from_service)
}

/// Registers an STL part of `size_bytes` and returns where to `PUT` its bytes.
#[server(prefix = "/api/fn", endpoint = "presign_part")]
pub async fn presign_part(filename: String, size_bytes: u64) -> Result<PresignResponse, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    services()?
        .presign_file(
            &caller,
            domain::files::PresignRequest {
                filename,
                content_type: STL_CONTENT_TYPE.to_owned(),
                size_bytes,
            },
        )
        .await
        .map_err(from_service)
}

/// Queues the analysis of an uploaded part.
#[server(prefix = "/api/fn", endpoint = "confirm_part")]
pub async fn confirm_part(id: String) -> Result<FileView, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    services()?
        .confirm_file(&caller, &id)
        .await
        .map_err(from_service)
}

/// Saves the unit a person chose for a part; returns the recomputed part.
#[server(prefix = "/api/fn", endpoint = "set_part_unit")]
pub async fn set_part_unit(id: String, unit: LengthUnit) -> Result<FileView, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let caller = require_caller().await?;
    services()?
        .set_file_unit(
            &caller,
            &id,
            domain::files::UnitRequest {
                selected_unit: unit.as_str().to_owned(),
                confirmed_by: domain::files::ConfirmedBy::User.as_str().to_owned(),
            },
        )
        .await
        .map_err(from_service)
}

/// The content type the page declares for every part (and so must send with the bytes).
pub const STL_CONTENT_TYPE: &str = "model/stl";
