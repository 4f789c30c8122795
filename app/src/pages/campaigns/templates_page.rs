//! `/templates`: the built-in templates, each ready to become a campaign.

use leptos::prelude::*;
use leptos_meta::Title;

use super::new_page::Templates;
use crate::server_fns::campaigns::CreateCampaignFromTemplate;
use crate::server_fns::templates::list_templates;

/// The templates gallery; visitors are invited to sign in.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let templates = Resource::new(|| (), |()| list_templates());
    let create = ServerAction::<CreateCampaignFromTemplate>::new();
    view! {
        <Title text="Templates" />
        <section>
            <h1>"Templates"</h1>
            <p class="lead">
                "Ready-made design spaces for common materials problems. Name a campaign and "
                "create it from a template, or " <a href="/campaigns/new#from-mdl">"write your own MDL"</a> "."
            </p>
            <Templates templates create back="/templates" />
        </section>
    }
}
