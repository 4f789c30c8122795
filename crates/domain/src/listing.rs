//! Paging, sorting and filtering of Discover lists (SPEC §3).
//!
//! A [`ListSpec`] says what one resource allows; [`ListParams::parse`] turns the raw query
//! string pairs into validated parameters or reports every problem at once, so the API can
//! answer 400 with one detail per bad parameter.

use crate::error::ErrorDetail;

/// Default page size.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// Largest page size a client may ask for.
pub const MAX_PER_PAGE: u32 = 100;

/// A filter that a list accepts, e.g. `status` limited to a set of values.
#[derive(Debug, Clone, Copy)]
pub struct FilterSpec {
    /// Query parameter name.
    pub name: &'static str,
    /// When set, the only values accepted.
    pub allowed: Option<&'static [&'static str]>,
}

/// What one list endpoint accepts.
#[derive(Debug, Clone, Copy)]
pub struct ListSpec {
    /// Fields that `sort` may name.
    pub sort_fields: &'static [&'static str],
    /// Sort used when the client gives none, e.g. `-created_at`.
    pub default_sort: &'static str,
    /// Filters that may be given, ANDed together.
    pub filters: &'static [FilterSpec],
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first.
    Ascending,
    /// Largest first (`-` prefix).
    Descending,
}

/// A validated sort: a field the resource allows and a direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    field: &'static str,
    direction: Direction,
}

impl Sort {
    /// The sort field, always one of the spec's `sort_fields`.
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// The direction.
    pub fn direction(&self) -> Direction {
        self.direction
    }
}

/// Validated list parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    page: u32,
    per_page: u32,
    sort: Sort,
    filters: Vec<(&'static str, String)>,
}

impl ListParams {
    /// The first page at the largest size, in the spec's default order (for callers that show
    /// a whole short list, like the web pages).
    pub fn largest_first_page(spec: &ListSpec) -> Result<Self, Vec<ErrorDetail>> {
        let per_page = MAX_PER_PAGE.to_string();
        Self::parse([("per_page", per_page.as_str())], spec)
    }

    /// Parses raw query pairs against `spec`, reporting every problem.
    ///
    /// Unknown parameters are rejected too, so a misspelt filter never silently widens a list.
    pub fn parse<'a, I>(pairs: I, spec: &ListSpec) -> Result<Self, Vec<ErrorDetail>>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut errors = Vec::new();
        let mut page = 1;
        let mut per_page = DEFAULT_PER_PAGE;
        let mut sort_raw: Option<&str> = None;
        let mut filters = Vec::new();

        for (key, value) in pairs {
            match key {
                "page" => match value.parse::<u32>() {
                    Ok(p) if p >= 1 => page = p,
                    _ => errors.push(
                        ErrorDetail::new("page", "page must be a whole number of at least 1")
                            .with_value(value),
                    ),
                },
                "per_page" => match value.parse::<u32>() {
                    Ok(p) if (1..=MAX_PER_PAGE).contains(&p) => per_page = p,
                    _ => errors.push(
                        ErrorDetail::new(
                            "per_page",
                            format!("per_page must be a whole number from 1 to {MAX_PER_PAGE}"),
                        )
                        .with_value(value),
                    ),
                },
                "sort" => sort_raw = Some(value),
                other => match spec.filters.iter().find(|f| f.name == other) {
                    // No stored value holds one, and PostgreSQL refuses NUL in any text.
                    Some(filter) if value.chars().any(char::is_control) => errors.push(
                        ErrorDetail::new(
                            filter.name,
                            format!("{} must not contain control characters", filter.name),
                        )
                        .with_value(value),
                    ),
                    Some(filter) => match filter.allowed {
                        Some(allowed) if !allowed.contains(&value) => errors.push(
                            ErrorDetail::new(
                                filter.name,
                                format!("{} must be one of: {}", filter.name, allowed.join(", ")),
                            )
                            .with_value(value),
                        ),
                        _ => filters.push((filter.name, value.to_owned())),
                    },
                    None => {
                        let known: Vec<&str> = ["page", "per_page", "sort"]
                            .into_iter()
                            .chain(spec.filters.iter().map(|f| f.name))
                            .collect();
                        errors.push(
                            ErrorDetail::new(
                                other,
                                format!("unknown query parameter; accepted: {}", known.join(", ")),
                            )
                            .with_value(value),
                        );
                    }
                },
            }
        }

        let sort = match parse_sort(sort_raw.unwrap_or(spec.default_sort), spec) {
            Ok(sort) => Some(sort),
            Err(detail) => {
                errors.push(detail);
                None
            }
        };

        match sort {
            Some(sort) if errors.is_empty() => Ok(Self {
                page,
                per_page,
                sort,
                filters,
            }),
            _ => Err(errors),
        }
    }

    /// The page, starting at 1.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// Items per page, 1 to [`MAX_PER_PAGE`].
    pub fn per_page(&self) -> u32 {
        self.per_page
    }

    /// Rows to skip for this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }

    /// The validated sort.
    pub fn sort(&self) -> &Sort {
        &self.sort
    }

    /// The filters given, in query order; each name is one of the spec's filters.
    pub fn filters(&self) -> &[(&'static str, String)] {
        &self.filters
    }

    /// The value of one filter, if given.
    pub fn filter(&self, name: &str) -> Option<&str> {
        self.filters
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn parse_sort(raw: &str, spec: &ListSpec) -> Result<Sort, ErrorDetail> {
    let (direction, name) = match raw.strip_prefix('-') {
        Some(rest) => (Direction::Descending, rest),
        None => (Direction::Ascending, raw),
    };
    spec.sort_fields
        .iter()
        .find(|f| **f == name)
        .map(|field| Sort { field, direction })
        .ok_or_else(|| {
            ErrorDetail::new(
                "sort",
                format!(
                    "cannot sort by '{name}'; sortable fields: {} (prefix '-' for descending)",
                    spec.sort_fields.join(", ")
                ),
            )
            .with_value(raw)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &[&str] = &["queued", "running", "completed"];
    const SPEC: ListSpec = ListSpec {
        sort_fields: &["created_at", "name"],
        default_sort: "-created_at",
        filters: &[
            FilterSpec {
                name: "status",
                allowed: Some(STATUS),
            },
            FilterSpec {
                name: "domain",
                allowed: None,
            },
        ],
    };

    fn parse(q: &[(&'static str, &'static str)]) -> Result<ListParams, Vec<ErrorDetail>> {
        ListParams::parse(q.iter().copied(), &SPEC)
    }

    #[test]
    fn a_control_character_in_a_filter_is_a_400_not_a_database_error() {
        for value in ["\0", "battery\0", "\n", "a\tb"] {
            let errors = parse(&[("domain", value)]).unwrap_err();
            assert_eq!(errors.len(), 1, "{value:?}");
            assert_eq!(errors[0].path, "domain");
        }
        assert!(parse(&[("domain", "battery cells")]).is_ok());
    }

    #[test]
    fn defaults_are_first_page_of_twenty_newest_first() {
        let p = parse(&[]).unwrap();
        assert_eq!((p.page(), p.per_page(), p.offset()), (1, 20, 0));
        assert_eq!(p.sort().field(), "created_at");
        assert_eq!(p.sort().direction(), Direction::Descending);
        assert!(p.filters().is_empty());
    }

    #[test]
    fn the_largest_first_page_holds_a_hundred_in_the_default_order() {
        let p = ListParams::largest_first_page(&SPEC).unwrap();
        assert_eq!((p.page(), p.per_page(), p.offset()), (1, MAX_PER_PAGE, 0));
        assert_eq!(p.sort().field(), "created_at");
        assert_eq!(p.sort().direction(), Direction::Descending);
    }

    #[test]
    fn page_and_per_page_give_the_offset() {
        let p = parse(&[("page", "3"), ("per_page", "50")]).unwrap();
        assert_eq!((p.page(), p.per_page(), p.offset()), (3, 50, 100));
    }

    #[test]
    fn per_page_above_one_hundred_is_rejected() {
        let errs = parse(&[("per_page", "101")]).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, "per_page");
        assert_eq!(errs[0].value, Some("101".into()));
    }

    #[test]
    fn page_zero_and_non_numbers_are_rejected() {
        assert_eq!(parse(&[("page", "0")]).unwrap_err()[0].path, "page");
        assert_eq!(parse(&[("page", "two")]).unwrap_err()[0].path, "page");
        assert_eq!(
            parse(&[("per_page", "-1")]).unwrap_err()[0].path,
            "per_page"
        );
    }

    #[test]
    fn sort_without_prefix_is_ascending_and_with_dash_descending() {
        let asc = parse(&[("sort", "name")]).unwrap();
        assert_eq!(
            (asc.sort().field(), asc.sort().direction()),
            ("name", Direction::Ascending)
        );
        let desc = parse(&[("sort", "-name")]).unwrap();
        assert_eq!(desc.sort().direction(), Direction::Descending);
    }

    #[test]
    fn unknown_sort_field_is_rejected_naming_the_sortable_fields() {
        let errs = parse(&[("sort", "-colour")]).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, "sort");
        assert!(errs[0].message.contains("created_at, name"));
    }

    #[test]
    fn filters_are_kept_and_enum_filters_checked() {
        let p = parse(&[("status", "running"), ("domain", "water")]).unwrap();
        assert_eq!(p.filter("status"), Some("running"));
        assert_eq!(p.filter("domain"), Some("water"));
        let errs = parse(&[("status", "sleeping")]).unwrap_err();
        assert_eq!(errs[0].path, "status");
        assert!(errs[0].message.contains("queued, running, completed"));
    }

    #[test]
    fn unknown_parameters_are_rejected() {
        let errs = parse(&[("stauts", "running")]).unwrap_err();
        assert_eq!(errs[0].path, "stauts");
        assert!(errs[0].message.contains("status"));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errs = parse(&[("page", "0"), ("per_page", "1000"), ("sort", "x")]).unwrap_err();
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["page", "per_page", "sort"]);
    }
}
