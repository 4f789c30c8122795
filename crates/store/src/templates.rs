//! Custom campaign templates, private to the account that saved them (the built-in ones live
//! in `optimizer::templates`).

use domain::ids::TemplateId;

use crate::{AccountId, Db, StoreError};

/// A stored custom template.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomTemplate {
    /// `tmpl_…`.
    pub id: TemplateId,
    /// Owner.
    pub account_id: AccountId,
    /// Unique in the account.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Materials domain.
    pub domain: String,
    /// Free text.
    pub description: String,
    /// Labels.
    pub tags: Vec<String>,
    /// The MDL document (JSON).
    pub mdl: serde_json::Value,
    /// Creation (ms).
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct TemplateRow {
    id: TemplateId,
    account_id: AccountId,
    slug: String,
    name: String,
    domain: String,
    description: String,
    tags: String,
    mdl: String,
    created_at: i64,
}

impl TryFrom<TemplateRow> for CustomTemplate {
    type Error = StoreError;

    fn try_from(r: TemplateRow) -> Result<Self, StoreError> {
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("template {}: {e}", r.id));
        Ok(CustomTemplate {
            tags: serde_json::from_str(&r.tags).map_err(corrupt)?,
            mdl: serde_json::from_str(&r.mdl).map_err(corrupt)?,
            id: r.id,
            account_id: r.account_id,
            slug: r.slug,
            name: r.name,
            domain: r.domain,
            description: r.description,
            created_at: r.created_at,
        })
    }
}

/// A custom template to store.
#[derive(Debug, Clone)]
pub struct NewTemplate<'a> {
    /// Unique in the account.
    pub slug: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Materials domain.
    pub domain: &'a str,
    /// Free text.
    pub description: &'a str,
    /// Labels.
    pub tags: &'a [String],
    /// The validated MDL document.
    pub mdl: &'a serde_json::Value,
}

const COLUMNS: &str = "id, account_id, slug, name, domain, description, tags, mdl, created_at";

/// Custom template queries.
#[derive(Debug, Clone)]
pub struct Templates {
    db: Db,
}

impl Db {
    /// The custom templates stored in this database.
    pub fn templates(&self) -> Templates {
        Templates { db: self.clone() }
    }
}

impl Templates {
    /// Stores a template for `owner`; `Conflict` when the slug is taken in the account.
    pub async fn create(
        &self,
        owner: &AccountId,
        new: NewTemplate<'_>,
        now: i64,
    ) -> Result<CustomTemplate, StoreError> {
        let sql = format!(
            "INSERT INTO custom_templates (id, account_id, slug, name, domain, description, tags, \
             mdl, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
        );
        let row: TemplateRow = sqlx::query_as(&sql)
            .bind(TemplateId::generate().as_str())
            .bind(owner.as_str())
            .bind(new.slug)
            .bind(new.name)
            .bind(new.domain)
            .bind(new.description)
            .bind(serde_json::to_string(new.tags).unwrap_or_else(|_| "[]".into()))
            .bind(new.mdl.to_string())
            .bind(now)
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        row.try_into()
    }

    /// One of `owner`'s templates by id or slug; `NotFound` for anyone else's.
    pub async fn get(
        &self,
        owner: &AccountId,
        id_or_slug: &str,
    ) -> Result<CustomTemplate, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM custom_templates WHERE account_id = $1 AND (id = $2 OR slug = $2)"
        );
        let row: TemplateRow = sqlx::query_as(&sql)
            .bind(owner.as_str())
            .bind(id_or_slug)
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        row.try_into()
    }

    /// Every template of `owner`, oldest first.
    pub async fn list(&self, owner: &AccountId) -> Result<Vec<CustomTemplate>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM custom_templates WHERE account_id = $1 ORDER BY created_at, id"
        );
        let rows: Vec<TemplateRow> = sqlx::query_as(&sql)
            .bind(owner.as_str())
            .fetch_all(&mut *self.db.conn().await?)
            .await?;
        rows.into_iter().map(CustomTemplate::try_from).collect()
    }
}
