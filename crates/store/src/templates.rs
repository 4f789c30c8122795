//! Custom campaign templates, private to the account that saved them (the built-in ones live
//! in `optimizer::templates`).

use domain::ids::TemplateId;

use crate::{AccountId, Backend, Db, StoreError};

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
    /// Its design variables, for lists (which never read the MDL).
    pub parameters_count: u32,
    /// Its objectives, for lists.
    pub objectives_count: u32,
    /// Its budget, for lists.
    pub default_budget: u32,
}

/// A custom template as lists show it: everything but the MDL document.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSummaryRow {
    /// `tmpl_…`.
    pub id: TemplateId,
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
    /// Design variables.
    pub parameters_count: u32,
    /// Objectives.
    pub objectives_count: u32,
    /// The MDL's budget.
    pub default_budget: u32,
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: TemplateId,
    slug: String,
    name: String,
    domain: String,
    description: String,
    tags: String,
    parameters_count: i64,
    objectives_count: i64,
    default_budget: i64,
}

/// Which custom templates a list shows, and in what order.
#[derive(Debug, Clone, Copy)]
pub struct TemplateQuery<'a> {
    /// Only this materials domain.
    pub domain: Option<&'a str>,
    /// Only templates whose slug, name, description or a tag contains this, compared in
    /// lower case (give it lower-cased).
    pub search: Option<&'a str>,
    /// One of `domain::campaigns::TEMPLATE_LIST`'s sort fields; ties by slug.
    pub sort: &'a str,
    /// Largest first.
    pub descending: bool,
}

const COLUMNS: &str = "id, account_id, slug, name, domain, description, tags, mdl, created_at";
const SUMMARY_COLUMNS: &str = "id, slug, name, domain, description, tags, parameters_count, \
    objectives_count, default_budget";

/// What a search looks in: the fields a search matches, lower-cased, one a line.
fn search_text(new: &NewTemplate<'_>) -> String {
    [new.slug, new.name, new.description]
        .into_iter()
        .chain(new.tags.iter().map(String::as_str))
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` as a `LIKE … ESCAPE '\'` pattern matching it anywhere.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

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
             mdl, created_at, parameters_count, objectives_count, default_budget, search_text) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {COLUMNS}"
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
            .bind(i64::from(new.parameters_count))
            .bind(i64::from(new.objectives_count))
            .bind(i64::from(new.default_budget))
            .bind(search_text(&new))
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
        // No id or slug holds a NUL, and PostgreSQL would refuse the query.
        if id_or_slug.contains('\0') {
            return Err(StoreError::NotFound);
        }
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

    /// One page of `owner`'s templates matching `query`, in its order (text compared byte by
    /// byte, as Rust compares strings), without their MDL; and how many match in all.
    pub async fn summaries(
        &self,
        owner: &AccountId,
        query: TemplateQuery<'_>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<TemplateSummaryRow>, u64), StoreError> {
        let field = *domain::campaigns::TEMPLATE_LIST
            .sort_fields
            .iter()
            .find(|f| **f == query.sort)
            .ok_or_else(|| StoreError::Misuse(format!("unsupported sort field {}", query.sort)))?;
        // PostgreSQL would sort text by the database's locale.
        let bytewise = match self.db.backend() {
            Backend::Postgres => " COLLATE \"C\"",
            Backend::Sqlite => "",
        };
        let collate = |f: &str| {
            if matches!(f, "slug" | "name" | "domain") {
                bytewise
            } else {
                ""
            }
        };
        let direction = if query.descending { "DESC" } else { "ASC" };
        let filter = "account_id = $1 AND ($2 IS NULL OR domain = $2) \
            AND ($3 IS NULL OR search_text LIKE $3 ESCAPE '\\')";
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM custom_templates WHERE {filter} \
             ORDER BY {field}{} {direction}, slug{bytewise} {direction} LIMIT $4 OFFSET $5",
            collate(field)
        );
        let pattern = query.search.map(contains_pattern);
        let rows: Vec<SummaryRow> = sqlx::query_as(&sql)
            .bind(owner.as_str())
            .bind(query.domain)
            .bind(pattern.as_deref())
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&mut *self.db.conn().await?)
            .await?;
        let (total,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM custom_templates WHERE {filter}"
        ))
        .bind(owner.as_str())
        .bind(query.domain)
        .bind(pattern.as_deref())
        .fetch_one(&mut *self.db.conn().await?)
        .await?;
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        let rows = rows
            .into_iter()
            .map(|r| {
                Ok(TemplateSummaryRow {
                    tags: serde_json::from_str(&r.tags)
                        .map_err(|e| StoreError::Corrupt(format!("template {}: {e}", r.id)))?,
                    id: r.id,
                    slug: r.slug,
                    name: r.name,
                    domain: r.domain,
                    description: r.description,
                    parameters_count: count(r.parameters_count),
                    objectives_count: count(r.objectives_count),
                    default_budget: count(r.default_budget),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok((rows, u64::try_from(total).unwrap_or_default()))
    }
}
