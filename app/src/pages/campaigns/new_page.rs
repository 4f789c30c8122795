//! `/campaigns/new`: create a campaign from a template in the gallery, or from an MDL document
//! written in the editor (validated as you type).

use domain::auth::UserView;
use domain::campaigns::TemplateSummary;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::mdl_editor::MdlEditor;
use crate::components::template_gallery::TemplateGallery;
use crate::error::{AppError, AppErrorView};
use crate::pages::auth::{user_resource, RequireUser};
use crate::server_fns::campaigns::{CreateCampaignFromMdl, CreateCampaignFromTemplate};
use crate::server_fns::templates::list_templates;

/// The new-campaign page (signed-in users only).
#[component]
pub fn NewCampaignPage() -> impl IntoView {
    let user = user_resource();
    let templates = Resource::new(|| (), |()| list_templates());
    let from_template = ServerAction::<CreateCampaignFromTemplate>::new();
    let from_mdl = ServerAction::<CreateCampaignFromMdl>::new();
    view! {
        <Title text="New campaign" />
        <section>
            <h1>"New campaign"</h1>
            <p class="lead">
                "Start from a built-in template, or describe your own design space in MDL."
            </p>
            <RequireUser
                user
                here="/campaigns/new"
                child=move |_: UserView| {
                    view! {
                        <nav class="page-toc" aria-label="On this page">
                            <a href="#from-template">"From a template"</a>
                            " · "
                            <a href="#from-mdl">"From an MDL document"</a>
                        </nav>
                        <section aria-labelledby="from-template">
                            <h2 id="from-template">"From a template"</h2>
                            <Templates templates create=from_template back="/campaigns/new" />
                        </section>
                        <section aria-labelledby="from-mdl">
                            <h2 id="from-mdl">"From an MDL document"</h2>
                            <MdlEditor create=from_mdl />
                        </section>
                    }
                }
            />
        </section>
    }
}

/// The gallery once the templates are loaded (shared with the templates page).
#[component]
pub fn Templates(
    templates: Resource<Result<Option<Vec<TemplateSummary>>, AppError>>,
    create: ServerAction<CreateCampaignFromTemplate>,
    back: &'static str,
) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading templates…"</p> }>
            {move || {
                templates
                    .get()
                    .map(|result| match result {
                        Ok(Some(list)) => {
                            view! { <TemplateGallery templates=list create back /> }.into_any()
                        }
                        Ok(None) => {
                            view! {
                                <p>
                                    <a href=format!("/signin?next={back}")>"Sign in"</a>
                                    " to browse the templates and create campaigns from them."
                                </p>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <AppErrorView error /> }.into_any(),
                    })
            }}
        </Suspense>
    }
}
