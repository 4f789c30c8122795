//! Discover: templates and campaigns (SPEC §4.3). Creating a campaign validates its MDL with
//! `crates/mdl` and reports every problem with its path.

use domain::auth::Scope;
use domain::campaigns::{
    CampaignDetail, CampaignStatus, CampaignSummary, CreateCampaignRequest, CreateTemplateRequest,
    TemplateDetail, TemplateSummary,
};
use domain::error::{ErrorCode, ErrorDetail, IssueLevel};
use domain::ids::{CampaignId, DatasetId, TemplateId};
use domain::listing::{Direction, ListParams};
use domain::time::rfc3339_from_millis;
use optimizer::templates::{Template, TEMPLATES};
use serde_json::Value;
use store::campaigns::{Campaign, CampaignFilter, NewCampaign};
use store::evaluations::StoredEvaluation;
use store::now_ms;
use store::templates::{CustomTemplate, NewTemplate, TemplateSummaryRow};

use crate::error::{Found, Resource};
use crate::{quotas, Caller, ServiceError, Services};

/// Why a campaign could not be created from an MDL document.
const MDL_INVALID: &str = "The MDL document has errors; see details.";

impl Services {
    /// `GET /v1/templates`: one page of the built-in templates and the account's own,
    /// optionally of one `domain` and matching `search` (case-insensitive, in the slug, name,
    /// description and tags), in the order `params` asks for (ties by slug, built-ins first);
    /// and the total. The built-ins are a dozen and filtered here; the account's own are
    /// paged in SQL from their summary columns, never loading an MDL document (review L11).
    pub async fn list_templates(
        &self,
        caller: &Caller,
        params: &ListParams,
    ) -> Result<(Vec<TemplateSummary>, u64), ServiceError> {
        caller.require(Scope::TemplatesRead)?;
        let domain = params.filter("domain");
        let needle = params.filter("search").map(str::to_lowercase);
        let field = params.sort().field();
        let descending = params.sort().direction() == Direction::Descending;
        let order = |a: &TemplateSummary, b: &TemplateSummary| {
            let by_field = match field {
                "name" => a.name.cmp(&b.name),
                "domain" => a.domain.cmp(&b.domain),
                "parameters_count" => a.parameters_count.cmp(&b.parameters_count),
                "objectives_count" => a.objectives_count.cmp(&b.objectives_count),
                "default_budget" => a.default_budget.cmp(&b.default_budget),
                _ => std::cmp::Ordering::Equal,
            };
            let ordering = by_field.then_with(|| a.slug.cmp(&b.slug));
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        };
        let mut built_in: Vec<TemplateSummary> = TEMPLATES
            .iter()
            .map(|t| template_detail(t).summary)
            .filter(|t| domain.is_none_or(|d| t.domain == d))
            .filter(|t| {
                needle.as_deref().is_none_or(|n| {
                    [&t.slug, &t.name, &t.description]
                        .iter()
                        .any(|field| field.to_lowercase().contains(n))
                        || t.tags.iter().any(|tag| tag.to_lowercase().contains(n))
                })
            })
            .collect();
        built_in.sort_by(order);

        // In the merged order a custom template's place is its place among the custom ones
        // plus the built-ins before it (0 to all of them), so this page can only hold custom
        // templates from `offset - built-ins` to `offset + per_page`.
        let offset = params.offset();
        let per_page = u64::from(params.per_page());
        let built_ins = built_in.len() as u64;
        let from = offset.saturating_sub(built_ins);
        let (custom, custom_total) = self
            .db
            .templates()
            .summaries(
                caller.account(),
                store::templates::TemplateQuery {
                    domain,
                    search: needle.as_deref(),
                    sort: field,
                    descending,
                },
                from,
                offset + per_page - from,
            )
            .await?;
        let total = built_ins + custom_total;
        let first_custom = custom.first().map(custom_summary);
        if from > 0 && first_custom.is_none() {
            return Ok((Vec::new(), total));
        }
        // Merge, built-ins first on ties. When `from > 0`, the built-ins before the first
        // custom template fetched are all on earlier pages.
        let mut merged = Vec::with_capacity(built_in.len() + custom.len());
        let mut built_in = built_in.into_iter().peekable();
        let mut skipped = 0u64;
        if let Some(first) = first_custom.as_ref().filter(|_| from > 0) {
            while built_in
                .next_if(|b| order(b, first) != std::cmp::Ordering::Greater)
                .is_some()
            {
                skipped += 1;
            }
        }
        for c in custom.iter().map(custom_summary) {
            while let Some(b) = built_in.next_if(|b| order(b, &c) != std::cmp::Ordering::Greater) {
                merged.push(b);
            }
            merged.push(c);
        }
        merged.extend(built_in);
        // `merged[0]` is at position `from + skipped` of the whole list.
        let page = merged
            .into_iter()
            .skip(usize::try_from(offset - from - skipped).unwrap_or(usize::MAX))
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .collect();
        Ok((page, total))
    }

    /// `GET /v1/templates/{id}`: one template (built-in by `tmpl_…` id or slug, or one of the
    /// account's `tmpl_…`) with its MDL.
    pub async fn template(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<TemplateDetail, ServiceError> {
        caller.require(Scope::TemplatesRead)?;
        if let Some(t) = find_template(id) {
            return Ok(template_detail(t));
        }
        Ok(custom_detail(
            self.db
                .templates()
                .get(caller.account(), id)
                .await
                .found(Resource::Template)?,
        ))
    }

    /// `GET /v1/templates/{id}/download`: the template's file name and YAML text.
    pub async fn template_yaml(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(String, String), ServiceError> {
        caller.require(Scope::TemplatesRead)?;
        if let Some(t) = find_template(id) {
            return Ok((
                format!("{}.yaml", t.id.replace('/', "-")),
                t.yaml.to_owned(),
            ));
        }
        let t = self
            .db
            .templates()
            .get(caller.account(), id)
            .await
            .found(Resource::Template)?;
        let yaml = mdl::value_to_yaml(&t.mdl)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("template {}: {e}", t.id)))?;
        Ok((format!("{}.yaml", t.slug.replace('/', "-")), yaml))
    }

    /// `POST /v1/templates`: saves a valid MDL document as a template only this account sees.
    pub async fn create_template(
        &self,
        caller: &Caller,
        mut req: CreateTemplateRequest,
    ) -> Result<TemplateDetail, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let (document, parsed, _) =
            parse_mdl(MdlSource::Value(std::mem::take(&mut req.mdl)), None).await?;
        req.mdl = document;
        let slug = req
            .slug
            .clone()
            .unwrap_or_else(|| format!("{}/{}", parsed.domain, parsed.name).to_lowercase());
        let name = req.name.clone().unwrap_or_else(|| parsed.name.clone());
        let description = req
            .description
            .clone()
            .or_else(|| parsed.description.clone())
            .unwrap_or_default();
        let mut problems = Vec::new();
        let slug_ok = (1..=128).contains(&slug.len())
            && slug.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '/')
            });
        if !slug_ok {
            problems.push(
                ErrorDetail::new(
                    "slug",
                    "must be 1 to 128 characters of a-z, 0-9, '-', '_' and '/'",
                )
                .with_value(slug.clone()),
            );
        }
        if find_template(&slug).is_some() {
            problems.push(
                ErrorDetail::new("slug", "a built-in template has this slug")
                    .with_value(slug.clone()),
            );
        }
        if name.trim().is_empty() || name.chars().count() > 128 {
            problems.push(ErrorDetail::new("name", "must be 1 to 128 characters"));
        }
        if description.chars().count() > 1024 {
            problems.push(ErrorDetail::new(
                "description",
                "must be at most 1024 characters",
            ));
        }
        if req.tags.len() > 20 || req.tags.iter().any(|t| t.is_empty() || t.len() > 64) {
            problems.push(ErrorDetail::new(
                "tags",
                "at most 20 tags of 1 to 64 characters",
            ));
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let tx = self.db.begin().await?;
        self.reserve(&tx, caller, &[(quotas::CUSTOM_TEMPLATES, 1)])
            .await?;
        let stored = tx
            .templates()
            .create(
                caller.account(),
                NewTemplate {
                    slug: &slug,
                    name: name.trim(),
                    domain: &parsed.domain,
                    description: &description,
                    tags: &req.tags,
                    mdl: &req.mdl,
                    parameters_count: mdl_count(&req.mdl, "parameters"),
                    objectives_count: mdl_count(&req.mdl, "objectives"),
                    default_budget: mdl_budget(&req.mdl),
                },
                now_ms(),
            )
            .await
            .map_err(|e| match e {
                store::StoreError::Conflict(_) => ServiceError::Conflict(format!(
                    "A template with the slug '{slug}' already exists in this account."
                )),
                other => other.into(),
            })?;
        tx.commit().await?;
        Ok(custom_detail(stored))
    }

    /// The MDL document and id of a template the caller can see (built-in or their own);
    /// `None` when there is no such template.
    async fn template_source(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<Option<(Value, String)>, ServiceError> {
        if let Some(t) = find_template(id) {
            let document = mdl::yaml_to_value(t.yaml).map_err(|_| {
                ServiceError::Internal(anyhow::anyhow!("template {} is not YAML", t.id))
            })?;
            return Ok(Some((document, template_id_of(t).to_string())));
        }
        match self.db.templates().get(caller.account(), id).await {
            Ok(t) => Ok(Some((t.mdl, t.id.to_string()))),
            Err(store::StoreError::NotFound) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    /// The MDL document of a template the caller can see; `NotFound` otherwise.
    pub(crate) async fn template_document(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<Value, ServiceError> {
        self.template_source(caller, id)
            .await?
            .map(|(document, _)| document)
            .ok_or_else(|| {
                ServiceError::invalid(
                    ErrorDetail::new("template_id", "no template has this id or slug")
                        .with_value(id),
                )
            })
    }

    /// `POST /v1/campaigns` with a JSON body: from an MDL document, or from a template with
    /// overrides.
    pub async fn create_campaign(
        &self,
        caller: &Caller,
        req: CreateCampaignRequest,
    ) -> Result<CampaignDetail, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let (document, template_id) = match (req.mdl, req.template_id) {
            (Some(_), Some(_)) => {
                return Err(ServiceError::invalid(ErrorDetail::new(
                    "template_id",
                    "give either mdl or template_id, not both",
                )))
            }
            (None, None) => {
                return Err(ServiceError::invalid(ErrorDetail::new(
                    "mdl",
                    "give an MDL document (mdl), or a template (template_id) with overrides",
                )))
            }
            (Some(mdl), None) => {
                if req.overrides.is_some() {
                    return Err(ServiceError::invalid(ErrorDetail::new(
                        "overrides",
                        "overrides apply to a template; edit the mdl document instead",
                    )));
                }
                (mdl, None)
            }
            (None, Some(id)) => {
                let (mut document, template_id) =
                    self.template_source(caller, &id).await?.ok_or_else(|| {
                        ServiceError::invalid(
                            ErrorDetail::new("template_id", "no template has this id or slug")
                                .with_value(id.clone()),
                        )
                    })?;
                if let Some(patch) = &req.overrides {
                    if !patch.is_object() {
                        return Err(ServiceError::invalid(ErrorDetail::new(
                            "overrides",
                            "must be an object merged into the template's document",
                        )));
                    }
                    merge_patch(&mut document, patch);
                }
                (document, Some(template_id))
            }
        };
        self.store_campaign(
            caller,
            MdlSource::Value(document),
            req.name.as_deref(),
            req.domain.as_deref(),
            template_id.as_deref(),
            req.dataset_id.as_deref(),
        )
        .await
    }

    /// `POST /v1/campaigns` with a multipart `mdl_file`: a YAML (or JSON) MDL document,
    /// optionally warm-started from `dataset_id`.
    pub async fn create_campaign_from_yaml(
        &self,
        caller: &Caller,
        yaml: &str,
        name: Option<&str>,
        domain: Option<&str>,
        dataset_id: Option<&str>,
    ) -> Result<CampaignDetail, ServiceError> {
        caller.require(Scope::CampaignsWrite)?;
        let source = MdlSource::Yaml(yaml.to_owned());
        self.store_campaign(caller, source, name, domain, None, dataset_id)
            .await
    }

    async fn store_campaign(
        &self,
        caller: &Caller,
        source: MdlSource,
        name: Option<&str>,
        domain: Option<&str>,
        template_id: Option<&str>,
        dataset_id: Option<&str>,
    ) -> Result<CampaignDetail, ServiceError> {
        // An explicit name renames the document; an explicit domain must agree with it.
        let (document, parsed, warnings) = parse_mdl(source, name).await?;
        if let Some(domain) = domain {
            if domain != parsed.domain {
                return Err(ServiceError::invalid(
                    ErrorDetail::new(
                        "domain",
                        format!("the MDL document's domain is '{}'", parsed.domain),
                    )
                    .with_value(domain),
                ));
            }
        }
        let mut notes: Vec<ErrorDetail> = warnings
            .iter()
            .map(|w| {
                ErrorDetail::new(w.path.clone(), w.message.clone()).with_level(IssueLevel::Warning)
            })
            .collect();
        let mut data_rows = optimizer::memory::DataRows::default();
        // A pool-based campaign's dataset must fit the document before the campaign exists.
        if let mdl::Evaluator::Dataset { dataset_id: pool } = &parsed.evaluator {
            let (pool_rows, flagged) = self
                .dataset_rows_for(caller.account(), pool, &parsed, "evaluator.dataset_id")
                .await?;
            data_rows.pool = pool_rows.len();
            notes.extend(flagged);
        }
        // A warm start: the dataset's usable rows become the campaign's prior evaluations.
        let dataset_id = dataset_id.map(|id| {
            DatasetId::parse(id).ok_or_else(|| {
                ServiceError::invalid(
                    ErrorDetail::new("dataset_id", "no dataset of this account has this id")
                        .with_value(id),
                )
            })
        });
        let dataset_id = dataset_id.transpose()?;
        let prior_rows = match &dataset_id {
            Some(id) => {
                let (rows, flagged) = self
                    .dataset_rows_for(caller.account(), id.as_str(), &parsed, "dataset_id")
                    .await?;
                notes.extend(flagged);
                rows
            }
            None => Vec::new(),
        };
        data_rows.prior = prior_rows.len();
        prior_rows_check(&parsed, data_rows.prior)?;
        memory_check(&parsed, data_rows, self.config())?;
        let prior = if prior_rows.is_empty() {
            Vec::new()
        } else {
            let document = parsed.clone();
            crate::blocking::run(move || prior_evaluations(document, prior_rows)).await??
        };
        let warnings = serde_json::to_value(&notes).map_err(anyhow::Error::from)?;
        // The campaign and its prior data are stored together or not at all.
        let tx = self.db.begin().await?;
        let stored = tx
            .campaigns()
            .create(
                caller.account(),
                NewCampaign {
                    name: &parsed.name,
                    domain: &parsed.domain,
                    mdl: &document,
                    warnings: &warnings,
                    template_id,
                    dataset_id: dataset_id.as_ref(),
                    budget: i64::from(parsed.optimizer.budget),
                    parameters_count: parsed.parameters.len() as i64,
                    objectives_count: parsed.objectives.len() as i64,
                },
                now_ms(),
            )
            .await
            .map_err(|e| match e {
                store::StoreError::Conflict(_) => ServiceError::Conflict(format!(
                    "A campaign named '{}' already exists in this account.",
                    parsed.name
                )),
                other => other.into(),
            })?;
        if !prior.is_empty() {
            tx.evaluations()
                .record_prior(&stored.id, &prior, now_ms())
                .await?;
        }
        tx.commit().await?;
        detail(stored)
    }

    /// `GET /v1/campaigns`: a page of the caller's campaigns, filtered by `status`/`domain`.
    pub async fn list_campaigns(
        &self,
        caller: &Caller,
        params: &ListParams,
    ) -> Result<(Vec<CampaignSummary>, u64), ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        let (rows, total) = self
            .db
            .campaigns()
            .list(
                caller.account(),
                &CampaignFilter {
                    status: params.filter("status").and_then(CampaignStatus::parse),
                    domain: params.filter("domain"),
                },
                params.sort().field(),
                params.sort().direction() == Direction::Descending,
                params.offset(),
                params.per_page(),
            )
            .await?;
        Ok((
            rows.into_iter()
                .map(|c| summary(&c))
                .collect::<Result<_, _>>()?,
            total,
        ))
    }

    /// `GET /v1/campaigns/{id}`: one of the caller's campaigns.
    pub async fn campaign(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<CampaignDetail, ServiceError> {
        caller.require(Scope::CampaignsRead)?;
        detail(self.own_campaign(caller, id).await?)
    }

    /// `DELETE /v1/campaigns/{id}`: removes one of the caller's campaigns.
    pub async fn delete_campaign(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        caller.require(Scope::CampaignsDelete)?;
        let id = campaign_id(id)?;
        self.db
            .campaigns()
            .delete(caller.account(), &id)
            .await
            .found(Resource::Campaign)
    }

    /// One of the caller's campaigns by the id in a path; another account's, an unknown or a
    /// malformed id is simply not found.
    pub(crate) async fn own_campaign(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<Campaign, ServiceError> {
        self.db
            .campaigns()
            .get(caller.account(), &campaign_id(id)?)
            .await
            .found(Resource::Campaign)
    }
}

/// A campaign id from a path: a malformed one is simply not found.
pub(crate) fn campaign_id(id: &str) -> Result<CampaignId, ServiceError> {
    CampaignId::parse(id).ok_or(ServiceError::NotFound(Resource::Campaign))
}

/// Where an MDL document comes from.
pub(crate) enum MdlSource {
    /// YAML (or JSON) text, e.g. an uploaded file.
    Yaml(String),
    /// An already-parsed document, e.g. a request's `mdl` field.
    Value(Value),
}

/// Reads and validates an MDL document on the blocking pool, never on the async runtime's
/// threads (review M7): `crates/mdl` bounds every document, but reading 256 KiB of YAML still
/// takes a noticeable fraction of a second. `name`, when given, renames the document first.
/// Returns the document (as it is to be stored), the typed MDL and its warnings; an invalid
/// document is 422 `validation_failed` with every issue.
pub(crate) async fn parse_mdl(
    source: MdlSource,
    name: Option<&str>,
) -> Result<(Value, mdl::Mdl, Vec<mdl::Issue>), ServiceError> {
    let name = name.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let mut document = match source {
            MdlSource::Yaml(text) => mdl::yaml_to_value(&text)?,
            MdlSource::Value(document) => document,
        };
        if let (Some(name), Some(object)) = (name, document.as_object_mut()) {
            object.insert("name".into(), Value::String(name));
        }
        let (parsed, warnings) = mdl::from_value(&document)?;
        Ok((document, parsed, warnings))
    })
    .await
    .map_err(|e| ServiceError::Internal(anyhow::anyhow!("MDL validation did not finish: {e}")))?
    .map_err(validation_failed)
}

/// 422 `validation_failed` with one detail per MDL issue (errors and warnings).
/// The most memory one running campaign may need unless configured otherwise: 1 GiB.
pub const DEFAULT_CAMPAIGN_MEMORY_BYTES: u64 = 1 << 30;

/// Refuses (`validation_failed`, 422) a campaign whose worst-case memory while it runs,
/// estimated from its settings and its extra `rows` ([`optimizer::memory`]), is over the
/// budget per running campaign; the message names both and the detail's path the setting
/// that needs the most.
pub(crate) fn memory_check(
    document: &mdl::Mdl,
    rows: optimizer::memory::DataRows,
    config: &crate::ServiceConfig,
) -> Result<(), ServiceError> {
    use optimizer::memory::Part;
    let estimate = optimizer::memory::estimate(document, rows);
    let budget = config.campaign_memory_bytes;
    if estimate.total() <= budget {
        return Ok(());
    }
    let mib = |bytes: u64| bytes.div_ceil(1 << 20);
    let (path, part, advice) = match estimate.largest() {
        Part::Surrogate => (
            "optimizer.surrogate_config.hidden_layers",
            estimate.surrogate,
            "training the surrogate; use fewer or narrower hidden layers",
        ),
        Part::Data if rows.pool > rows.prior => (
            "evaluator.dataset_id",
            estimate.data,
            "the pool's rows; use a dataset with fewer rows",
        ),
        Part::Data if rows.prior > 0 => (
            "dataset_id",
            estimate.data,
            "the warm start's rows; use a dataset with fewer rows",
        ),
        Part::Data => (
            "optimizer.budget",
            estimate.data,
            "the evaluations; use a smaller budget",
        ),
        Part::Acquisition => (
            "parameters",
            estimate.acquisition,
            "the acquisition; use fewer parameters or categories",
        ),
    };
    let message = format!(
        "This campaign may need up to {} MiB of memory while it runs; the limit is {} MiB per \
         running campaign.",
        mib(estimate.total()),
        mib(budget)
    );
    Err(ServiceError::ValidationFailed {
        code: ErrorCode::ValidationFailed,
        details: vec![ErrorDetail::new(
            path,
            format!("{message} About {} MiB of it is for {advice}.", mib(part)),
        )],
        message,
    })
}

/// The most warm-start rows a campaign with 4 or 5 objectives may bring. Its Pareto front is
/// worked out from every row at each iteration and at each read of its results, and with 4 or
/// more objectives that takes time growing with the square of the front: 0.4 s for 20 000
/// rows of which none dominates another, 9 s for 100 000 (`crates/optimizer/README.md`).
pub const MAX_PRIOR_ROWS_MANY_OBJECTIVES: usize = 20_000;

/// Refuses (`validation_failed`, 422, at `dataset_id`) a warm start of more than
/// [`MAX_PRIOR_ROWS_MANY_OBJECTIVES`] rows for 4 or more objectives.
fn prior_rows_check(document: &mdl::Mdl, rows: usize) -> Result<(), ServiceError> {
    let objectives = document.objectives.len();
    if objectives < 4 || rows <= MAX_PRIOR_ROWS_MANY_OBJECTIVES {
        return Ok(());
    }
    let message = format!(
        "With {objectives} objectives a warm start may bring at most 20 000 usable rows; this \
         dataset has {rows}."
    );
    Err(ServiceError::ValidationFailed {
        code: ErrorCode::ValidationFailed,
        details: vec![ErrorDetail::new(
            "dataset_id",
            format!(
                "{message} The Pareto front of more rows takes seconds to work out with 4 or \
                 more objectives; use fewer rows or fewer objectives."
            ),
        )],
        message,
    })
}

/// A warm start's rows as the campaign's prior evaluations (rows outside the design space
/// dropped).
fn prior_evaluations(
    document: mdl::Mdl,
    rows: Vec<(optimizer::encoding::Point, optimizer::campaign::Outcome)>,
) -> Result<Vec<StoredEvaluation>, ServiceError> {
    let mut engine = optimizer::campaign::Campaign::new(document);
    engine
        .warm_start(rows)
        .map_err(|e| ServiceError::Internal(e.into()))?;
    Ok(engine
        .evaluations()
        .iter()
        .map(|e| StoredEvaluation {
            candidate_id: e.id.clone(),
            iteration: 0,
            parameters: serde_json::to_value(&e.parameters).unwrap_or(Value::Null),
            objectives: e.objectives.clone(),
            feasible: e.feasible,
        })
        .collect())
}

fn validation_failed(report: mdl::Report) -> ServiceError {
    ServiceError::ValidationFailed {
        code: ErrorCode::ValidationFailed,
        message: MDL_INVALID.to_owned(),
        details: report
            .issues
            .into_iter()
            .map(|i| {
                let level = match i.level {
                    mdl::Level::Error => IssueLevel::Error,
                    mdl::Level::Warning => IssueLevel::Warning,
                };
                ErrorDetail::new(i.path, i.message).with_level(level)
            })
            .collect(),
    }
}

fn find_template(id: &str) -> Option<&'static Template> {
    TEMPLATES
        .iter()
        .find(|t| t.id == id || template_id_of(t).as_str() == id)
}

/// `tmpl_battery_nmc-cathode` for `battery/nmc-cathode`: a path-safe id.
///
/// # Panics
/// Never for the built-in templates: each slug is lower-case letters, digits, `-` and `/`
/// (`every_template_has_a_path_safe_id` checks them all).
fn template_id_of(t: &Template) -> TemplateId {
    let id = format!("{}_{}", TemplateId::PREFIX, t.id.replace('/', "_"));
    // Built-in slugs are lower-case letters, digits, '-' and '/': the id always parses.
    TemplateId::parse(&id).unwrap_or_else(|| panic!("built-in template {} has no valid id", t.id))
}

fn template_detail(t: &'static Template) -> TemplateDetail {
    // Built-in templates are checked by the optimizer crate's tests, so they parse.
    let mdl = mdl::yaml_to_value(t.yaml).unwrap_or(Value::Null);
    let (domain, name) = t.id.split_once('/').unwrap_or(("", t.id));
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let count = |key: &str| mdl[key].as_array().map_or(0, Vec::len) as u32;
    TemplateDetail {
        summary: TemplateSummary {
            id: template_id_of(t),
            slug: t.id.to_owned(),
            name: name.to_owned(),
            domain: domain.to_owned(),
            description: text(&mdl["description"]),
            parameters_count: count("parameters"),
            objectives_count: count("objectives"),
            default_budget: mdl["optimizer"]["budget"]
                .as_u64()
                .map_or(200, |b| b as u32),
            tags: mdl["metadata"]["tags"]
                .as_array()
                .map(|tags| tags.iter().map(text).collect())
                .unwrap_or_default(),
            custom: false,
        },
        mdl,
    }
}

/// How many `key` entries (parameters, objectives) an MDL document has.
fn mdl_count(mdl: &Value, key: &str) -> u32 {
    mdl[key].as_array().map_or(0, Vec::len) as u32
}

/// An MDL document's budget (200 when it names none).
fn mdl_budget(mdl: &Value) -> u32 {
    mdl["optimizer"]["budget"]
        .as_u64()
        .map_or(200, |b| b as u32)
}

fn custom_detail(t: CustomTemplate) -> TemplateDetail {
    TemplateDetail {
        summary: TemplateSummary {
            id: t.id.clone(),
            slug: t.slug,
            name: t.name,
            domain: t.domain,
            description: t.description,
            parameters_count: mdl_count(&t.mdl, "parameters"),
            objectives_count: mdl_count(&t.mdl, "objectives"),
            default_budget: mdl_budget(&t.mdl),
            tags: t.tags,
            custom: true,
        },
        mdl: t.mdl,
    }
}

fn custom_summary(t: &TemplateSummaryRow) -> TemplateSummary {
    TemplateSummary {
        id: t.id.clone(),
        slug: t.slug.clone(),
        name: t.name.clone(),
        domain: t.domain.clone(),
        description: t.description.clone(),
        parameters_count: t.parameters_count,
        objectives_count: t.objectives_count,
        default_budget: t.default_budget,
        tags: t.tags.clone(),
        custom: true,
    }
}

/// RFC 7396: objects merge key by key, `null` removes, anything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

fn summary(c: &Campaign) -> Result<CampaignSummary, ServiceError> {
    let count = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    Ok(CampaignSummary {
        id: c.id.clone(),
        name: c.name.clone(),
        domain: c.domain.clone(),
        status: c.status,
        created_at: rfc3339_from_millis(c.created_at),
        budget: count(c.budget),
        evaluations_completed: count(c.evaluations_completed),
        parameters_count: count(c.parameters_count),
        objectives_count: count(c.objectives_count),
    })
}

fn detail(c: Campaign) -> Result<CampaignDetail, ServiceError> {
    Ok(CampaignDetail {
        summary: summary(&c)?,
        started_at: c.started_at.map(rfc3339_from_millis),
        current_iteration: u32::try_from(c.current_iteration).unwrap_or(u32::MAX),
        hypervolume: c.hypervolume,
        pareto_size: u32::try_from(c.pareto_size).unwrap_or(u32::MAX),
        best_objectives: c.best_objectives,
        warnings: serde_json::from_value(c.warnings).unwrap_or_default(),
        mdl: c.mdl,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1, 2]});
        merge_patch(
            &mut doc,
            &json!({"a": null, "b": {"c": 9}, "e": [3], "f": "new"}),
        );
        assert_eq!(doc, json!({"b": {"c": 9, "d": 3}, "e": [3], "f": "new"}));
    }

    #[test]
    fn every_template_has_a_path_safe_id_and_its_counts() {
        for t in TEMPLATES {
            let d = template_detail(t);
            let id = d.summary.id.as_str();
            assert!(id.starts_with("tmpl_") && !id.contains('/'));
            assert_eq!(find_template(id).map(|x| x.id), Some(t.id));
            assert!(d.summary.parameters_count > 0 && d.summary.objectives_count > 0);
            assert!(!d.summary.description.is_empty(), "{}", t.id);
        }
    }
}
