//! The print catalog (SPEC §6, `GET /v1/catalog`): twelve materials over SLA, SLS, SLM and FDM,
//! named as the seed (`mattercloud-guide.txt`) names them (`sla_white`, "Photosensitive Resin
//! White"). The ids of the first catalog (`sla-white-resin`, …) stay accepted as aliases, so a
//! reference stored under one keeps resolving.
//!
//! Prices are the platform's list prices in CNY: `base_rate_per_g` in yuan per gram of printed
//! part (as the seed's `0.3`), `minimum_fee_cents` in fen.

use domain::files::{Catalog, CatalogItem, Process};

use crate::Services;

/// One process and material.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Material {
    /// The id quotes name, e.g. `sla_white`.
    pub id: &'static str,
    /// Earlier ids that still resolve to this material.
    pub aliases: &'static [&'static str],
    /// The printing process.
    pub process: Process,
    /// Display name.
    pub name: &'static str,
    /// g/cm³.
    pub density_g_cm3: f64,
    /// Fen per gram of printed part (integer, so quotes add up exactly).
    pub rate_fen_per_g: i64,
    /// The smallest charge for an order line, in fen.
    pub minimum_fee_cents: i64,
    /// Lead time in days, fastest and slowest.
    pub lead_time_days: (u32, u32),
}

impl Material {
    /// As `GET /v1/catalog` shows it.
    pub fn item(&self) -> CatalogItem {
        CatalogItem {
            id: self.id.to_owned(),
            process: self.process,
            material: self.name.to_owned(),
            density_g_cm3: self.density_g_cm3,
            base_rate_per_g: self.rate_fen_per_g as f64 / 100.0,
            minimum_fee_cents: self.minimum_fee_cents,
            lead_time_min_days: self.lead_time_days.0,
            lead_time_max_days: self.lead_time_days.1,
        }
    }
}

/// The material with this id or alias.
pub fn material(id: &str) -> Option<&'static Material> {
    MATERIALS
        .iter()
        .find(|m| m.id == id || m.aliases.contains(&id))
}

impl Services {
    /// `GET /v1/catalog`: the processes and materials (public).
    pub fn catalog(&self) -> Catalog {
        Catalog {
            items: MATERIALS.iter().map(Material::item).collect(),
            required_user_inputs: [
                "material_id",
                "quantity",
                "ship_country",
                "shipping_address_json",
            ]
            .map(str::to_owned)
            .to_vec(),
            supported_execution_modes: ["agent_assisted", "agent_autonomous", "human_manual"]
                .map(str::to_owned)
                .to_vec(),
        }
    }
}

/// The catalog. `sla_white` is the seed's own example, figure for figure.
pub const MATERIALS: [Material; 12] = [
    Material {
        id: "sla_white",
        aliases: &["sla-white-resin"],
        process: Process::Sla,
        name: "Photosensitive Resin White",
        density_g_cm3: 1.12,
        rate_fen_per_g: 30,
        minimum_fee_cents: 5_000,
        lead_time_days: (3, 6),
    },
    Material {
        id: "sla_transparent",
        aliases: &["sla-transparent"],
        process: Process::Sla,
        name: "Photosensitive Resin Transparent",
        density_g_cm3: 1.12,
        rate_fen_per_g: 60,
        minimum_fee_cents: 6_000,
        lead_time_days: (4, 7),
    },
    Material {
        id: "sla_full_color",
        aliases: &["sla-full-color"],
        process: Process::Sla,
        name: "Photosensitive Resin Full-color",
        density_g_cm3: 1.18,
        rate_fen_per_g: 300,
        minimum_fee_cents: 10_000,
        lead_time_days: (5, 8),
    },
    Material {
        id: "sla_engineering",
        aliases: &["sla-engineering"],
        process: Process::Sla,
        name: "Photosensitive Resin Engineering",
        density_g_cm3: 1.15,
        rate_fen_per_g: 80,
        minimum_fee_cents: 6_000,
        lead_time_days: (4, 7),
    },
    Material {
        id: "sla_high_temp",
        aliases: &["sla-high-temp"],
        process: Process::Sla,
        name: "Photosensitive Resin High-temp",
        density_g_cm3: 1.20,
        rate_fen_per_g: 120,
        minimum_fee_cents: 8_000,
        lead_time_days: (4, 7),
    },
    Material {
        id: "sls_nylon_gufeng_white",
        aliases: &["sls-nylon-gufeng-white"],
        process: Process::Sls,
        name: "Nylon Gufeng White",
        density_g_cm3: 0.95,
        rate_fen_per_g: 90,
        minimum_fee_cents: 6_000,
        lead_time_days: (4, 7),
    },
    Material {
        id: "sls_hp_black",
        aliases: &["sls-hp-black"],
        process: Process::Sls,
        name: "Nylon HP Black",
        density_g_cm3: 1.01,
        rate_fen_per_g: 110,
        minimum_fee_cents: 6_000,
        lead_time_days: (4, 7),
    },
    Material {
        id: "sls_nylon_11",
        aliases: &["sls-nylon-11"],
        process: Process::Sls,
        name: "Imported Nylon 11",
        density_g_cm3: 1.04,
        rate_fen_per_g: 160,
        minimum_fee_cents: 8_000,
        lead_time_days: (5, 9),
    },
    Material {
        id: "slm_stainless_steel",
        aliases: &["slm-stainless-steel"],
        process: Process::Slm,
        name: "Stainless Steel",
        density_g_cm3: 7.98,
        rate_fen_per_g: 300,
        minimum_fee_cents: 30_000,
        lead_time_days: (7, 12),
    },
    Material {
        id: "slm_titanium_alloy",
        aliases: &["slm-titanium"],
        process: Process::Slm,
        name: "Titanium Alloy",
        density_g_cm3: 4.43,
        rate_fen_per_g: 900,
        minimum_fee_cents: 60_000,
        lead_time_days: (8, 14),
    },
    Material {
        id: "fdm_pla",
        aliases: &["fdm-pla"],
        process: Process::Fdm,
        name: "PLA",
        density_g_cm3: 1.24,
        rate_fen_per_g: 20,
        minimum_fee_cents: 2_000,
        lead_time_days: (2, 5),
    },
    Material {
        id: "fdm_abs",
        aliases: &["fdm-abs"],
        process: Process::Fdm,
        name: "ABS",
        density_g_cm3: 1.04,
        rate_fen_per_g: 25,
        minimum_fee_cents: 2_500,
        lead_time_days: (2, 5),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sla_white_is_the_seeds_example_figure_for_figure() {
        let item = material("sla_white").unwrap().item();
        assert_eq!(item.material, "Photosensitive Resin White");
        assert_eq!(item.process, Process::Sla);
        assert_eq!(item.density_g_cm3, 1.12);
        assert_eq!(item.base_rate_per_g, 0.3);
        assert_eq!(item.minimum_fee_cents, 5_000);
        assert_eq!((item.lead_time_min_days, item.lead_time_max_days), (3, 6));
    }

    #[test]
    fn every_earlier_id_resolves_to_the_material_it_named() {
        let earlier = [
            ("sla-white-resin", "sla_white"),
            ("sla-transparent", "sla_transparent"),
            ("sla-full-color", "sla_full_color"),
            ("sla-engineering", "sla_engineering"),
            ("sla-high-temp", "sla_high_temp"),
            ("sls-nylon-gufeng-white", "sls_nylon_gufeng_white"),
            ("sls-hp-black", "sls_hp_black"),
            ("sls-nylon-11", "sls_nylon_11"),
            ("slm-stainless-steel", "slm_stainless_steel"),
            ("slm-titanium", "slm_titanium_alloy"),
            ("fdm-pla", "fdm_pla"),
            ("fdm-abs", "fdm_abs"),
        ];
        for (old, new) in earlier {
            assert_eq!(material(old).map(|m| m.id), Some(new), "{old}");
        }
        assert!(material("sla_black").is_none());
    }

    #[test]
    fn ids_are_snake_case_and_no_id_or_alias_is_used_twice() {
        let mut seen = std::collections::HashSet::new();
        for m in &MATERIALS {
            assert!(
                m.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                m.id
            );
            for name in std::iter::once(&m.id).chain(m.aliases) {
                assert!(seen.insert(*name), "{name} twice");
            }
        }
    }
}
