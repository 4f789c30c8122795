//! The landing page of each product area while its features are not yet on this server.

use leptos::prelude::*;
use leptos_meta::Title;

/// The product's areas in the main navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Optimization campaigns (Discover).
    Campaigns,
    /// Part upload, preview and quote (Make).
    Print,
    /// Orders and tracking (Make).
    Orders,
    /// Account, API keys, autopay and webhooks.
    Settings,
}

impl Area {
    fn title(self) -> &'static str {
        match self {
            Area::Campaigns => "Campaigns",
            Area::Print => "Print",
            Area::Orders => "Orders",
            Area::Settings => "Settings",
        }
    }

    fn summary(self) -> &'static str {
        match self {
            Area::Campaigns => {
                "Multi-objective optimization campaigns over a design space written in MDL, with a \
                 live hypervolume chart and Pareto front."
            }
            Area::Print => {
                "Upload an STL part, preview it in 3D, correct its unit and get an instant quote."
            }
            Area::Orders => "Your print orders and their status, from payment to delivery.",
            Area::Settings => "Your account, API keys, autopay limits and webhook endpoints.",
        }
    }
}

/// Describes an area and says plainly that this server does not offer it yet.
#[component]
pub fn AreaPage(area: Area) -> impl IntoView {
    view! {
        <Title text=area.title() />
        <section class="area-page">
            <h1>{area.title()}</h1>
            <p class="lead">{area.summary()}</p>
            <div class="alert alert-info" role="status">
                <p>"This area is not available on this server yet."</p>
            </div>
        </section>
    }
}
