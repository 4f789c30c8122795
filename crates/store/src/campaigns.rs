//! Campaigns. Every query takes the owner's [`AccountId`], so another account's campaign is
//! never found.

use domain::campaigns::CampaignStatus;
use domain::ids::{CampaignId, DatasetId};

use crate::{AccountId, Db, StoreError};

/// A stored campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// `camp_…`.
    pub id: CampaignId,
    /// Owner.
    pub account_id: AccountId,
    /// Unique in the account.
    pub name: String,
    /// Materials domain.
    pub domain: String,
    /// Where it is in its life.
    pub status: CampaignStatus,
    /// The MDL document (JSON).
    pub mdl: serde_json::Value,
    /// MDL warnings found at creation (`ErrorDetail`s as JSON).
    pub warnings: serde_json::Value,
    /// The template it started from.
    pub template_id: Option<String>,
    /// The dataset it warm-starts from.
    pub dataset_id: Option<DatasetId>,
    /// Evaluations the optimizer may spend.
    pub budget: i64,
    /// Design variables.
    pub parameters_count: i64,
    /// Objectives.
    pub objectives_count: i64,
    /// Evaluations done.
    pub evaluations_completed: i64,
    /// Iterations done.
    pub current_iteration: i64,
    /// Hypervolume so far.
    pub hypervolume: Option<f64>,
    /// Points on the Pareto front.
    pub pareto_size: i64,
    /// Best value per objective (JSON object).
    pub best_objectives: Option<serde_json::Value>,
    /// Creation (ms).
    pub created_at: i64,
    /// Start (ms).
    pub started_at: Option<i64>,
    /// End (ms).
    pub finished_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct CampaignRow {
    id: CampaignId,
    account_id: AccountId,
    name: String,
    domain: String,
    status: CampaignStatus,
    mdl: String,
    warnings: String,
    template_id: Option<String>,
    dataset_id: Option<DatasetId>,
    budget: i64,
    parameters_count: i64,
    objectives_count: i64,
    evaluations_completed: i64,
    current_iteration: i64,
    hypervolume: Option<f64>,
    pareto_size: i64,
    best_objectives: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

impl TryFrom<CampaignRow> for Campaign {
    type Error = StoreError;

    fn try_from(row: CampaignRow) -> Result<Self, StoreError> {
        let json = |text: &str, what: &str| -> Result<serde_json::Value, StoreError> {
            serde_json::from_str(text)
                .map_err(|e| StoreError::Corrupt(format!("campaign {} {what}: {e}", row.id)))
        };
        Ok(Campaign {
            mdl: json(&row.mdl, "mdl")?,
            warnings: json(&row.warnings, "warnings")?,
            best_objectives: row
                .best_objectives
                .as_deref()
                .map(|t| json(t, "best_objectives"))
                .transpose()?,
            id: row.id,
            account_id: row.account_id,
            name: row.name,
            domain: row.domain,
            status: row.status,
            template_id: row.template_id,
            dataset_id: row.dataset_id,
            budget: row.budget,
            parameters_count: row.parameters_count,
            objectives_count: row.objectives_count,
            evaluations_completed: row.evaluations_completed,
            current_iteration: row.current_iteration,
            hypervolume: row.hypervolume,
            pareto_size: row.pareto_size,
            created_at: row.created_at,
            started_at: row.started_at,
            finished_at: row.finished_at,
        })
    }
}

/// A campaign to store.
#[derive(Debug, Clone)]
pub struct NewCampaign<'a> {
    /// Unique in the account.
    pub name: &'a str,
    /// Materials domain.
    pub domain: &'a str,
    /// The validated MDL document.
    pub mdl: &'a serde_json::Value,
    /// Its warnings.
    pub warnings: &'a serde_json::Value,
    /// The template it came from.
    pub template_id: Option<&'a str>,
    /// The dataset to warm-start from.
    pub dataset_id: Option<&'a DatasetId>,
    /// Evaluation budget.
    pub budget: i64,
    /// Design variables.
    pub parameters_count: i64,
    /// Objectives.
    pub objectives_count: i64,
}

/// Filters a campaign list accepts.
#[derive(Debug, Clone, Default)]
pub struct CampaignFilter<'a> {
    /// Only this status.
    pub status: Option<CampaignStatus>,
    /// Only this domain.
    pub domain: Option<&'a str>,
}

const COLUMNS: &str = "id, account_id, name, domain, status, mdl, warnings, template_id, \
    dataset_id, budget, parameters_count, objectives_count, evaluations_completed, \
    current_iteration, hypervolume, pareto_size, best_objectives, created_at, started_at, \
    finished_at";

/// Campaign queries.
#[derive(Debug, Clone)]
pub struct Campaigns {
    db: Db,
}

impl Db {
    /// The campaigns stored in this database.
    pub fn campaigns(&self) -> Campaigns {
        Campaigns { db: self.clone() }
    }
}

impl Campaigns {
    /// Stores a new campaign for `owner`; `Conflict` when the name is taken in the account.
    pub async fn create(
        &self,
        owner: &AccountId,
        new: NewCampaign<'_>,
        now: i64,
    ) -> Result<Campaign, StoreError> {
        let id = CampaignId::generate();
        let sql = format!(
            "INSERT INTO campaigns (id, account_id, name, domain, mdl, warnings, template_id, \
             dataset_id, budget, parameters_count, objectives_count, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING {COLUMNS}"
        );
        let row: CampaignRow = sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(owner.as_str())
            .bind(new.name)
            .bind(new.domain)
            .bind(new.mdl.to_string())
            .bind(new.warnings.to_string())
            .bind(new.template_id)
            .bind(new.dataset_id.map(DatasetId::as_str))
            .bind(new.budget)
            .bind(new.parameters_count)
            .bind(new.objectives_count)
            .bind(now)
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        row.try_into()
    }

    /// One of `owner`'s campaigns; `NotFound` for anyone else's.
    pub async fn get(&self, owner: &AccountId, id: &CampaignId) -> Result<Campaign, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1 AND account_id = $2");
        let row: CampaignRow = sqlx::query_as(&sql)
            .bind(id.as_str())
            .bind(owner.as_str())
            .fetch_one(&mut *self.db.conn().await?)
            .await?;
        row.try_into()
    }

    /// A page of `owner`'s campaigns matching `filter`, and the total. `sort` must be one of
    /// the list spec's `sort_fields`.
    pub async fn list(
        &self,
        owner: &AccountId,
        filter: &CampaignFilter<'_>,
        sort: &str,
        descending: bool,
        offset: u64,
        limit: u32,
    ) -> Result<(Vec<Campaign>, u64), StoreError> {
        let order = crate::error::order_by(
            domain::campaigns::CAMPAIGN_LIST.sort_fields,
            sort,
            descending,
        )?;
        // A NULL filter matches everything, so one statement serves every combination.
        let condition = "account_id = $1 AND ($2 IS NULL OR status = $2) \
                         AND ($3 IS NULL OR domain = $3)";
        let sql = format!(
            "SELECT {COLUMNS} FROM campaigns WHERE {condition} \
             {order} LIMIT $4 OFFSET $5"
        );
        let rows: Vec<CampaignRow> = sqlx::query_as(&sql)
            .bind(owner.as_str())
            .bind(filter.status)
            .bind(filter.domain)
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&mut *self.db.conn().await?)
            .await?;
        let (total,): (i64,) =
            sqlx::query_as(&format!("SELECT COUNT(*) FROM campaigns WHERE {condition}"))
                .bind(owner.as_str())
                .bind(filter.status)
                .bind(filter.domain)
                .fetch_one(&mut *self.db.conn().await?)
                .await?;
        let campaigns = rows
            .into_iter()
            .map(Campaign::try_from)
            .collect::<Result<_, _>>()?;
        Ok((campaigns, u64::try_from(total).unwrap_or_default()))
    }

    /// Deletes one of `owner`'s campaigns; `NotFound` for anyone else's.
    pub async fn delete(&self, owner: &AccountId, id: &CampaignId) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM campaigns WHERE id = $1 AND account_id = $2")
            .bind(id.as_str())
            .bind(owner.as_str())
            .execute(&mut *self.db.conn().await?)
            .await?;
        crate::error::one_row(&done)
    }
}
