//! The template gallery: one card per built-in template, each with a small form that names a
//! new campaign and creates it from the template (a plain form post before hydration).

use domain::campaigns::TemplateSummary;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::error::{AppError, AppErrorView};
use crate::server_fns::campaigns::CreateCampaignFromTemplate;

/// The templates as cards with a create form each; `back` is the page the gallery is on
/// (where a failed plain form post returns).
#[component]
pub fn TemplateGallery(
    templates: Vec<TemplateSummary>,
    create: ServerAction<CreateCampaignFromTemplate>,
    back: &'static str,
) -> impl IntoView {
    let query = use_query_map();
    // The template whose form was submitted last, so its card shows the outcome.
    let submitted = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(input) = create.input().get() {
            submitted.set(Some(input.template_id));
        }
    });
    let failure_for = move |template_id: &str| -> Option<AppError> {
        let js_failure = create
            .value()
            .get()
            .and_then(Result::err)
            .filter(|_| submitted.get().as_deref() == Some(template_id));
        js_failure.or_else(|| {
            let q = query.read();
            (q.get("template").as_deref() == Some(template_id))
                .then(|| q.get("error"))
                .flatten()
                .map(|code| AppError::from_code(&code))
        })
    };
    view! {
        <ul class="gallery" role="list">
            {templates
                .into_iter()
                .map(|t| {
                    let key = t.slug.replace('/', "-");
                    let heading = format!("tpl-{key}-heading");
                    let name_id = format!("tpl-{key}-name");
                    let budget_id = format!("tpl-{key}-budget");
                    let hint_id = format!("tpl-{key}-hint");
                    let slug = t.slug.clone();
                    let form_slug = t.slug.clone();
                    let card_slug = t.slug.clone();
                    let labelled_by = heading.clone();
                    view! {
                        <li>
                            <article class="card template-card" aria-labelledby=labelled_by
                                data-template=card_slug>
                                <h3 id=heading>{t.name.clone()}</h3>
                                <p class="muted">
                                    <span class="badge">{t.domain.clone()}</span>
                                    " "
                                    <code>{t.slug.clone()}</code>
                                </p>
                                <p>{t.description.clone()}</p>
                                <dl class="facts">
                                    <dt>"Parameters"</dt>
                                    <dd>{t.parameters_count}</dd>
                                    <dt>"Objectives"</dt>
                                    <dd>{t.objectives_count}</dd>
                                    <dt>"Default budget"</dt>
                                    <dd>{t.default_budget}</dd>
                                </dl>
                                <ul class="tags" aria-label="Tags">
                                    {t.tags.iter().map(|tag| view! { <li>{tag.clone()}</li> }).collect_view()}
                                </ul>
                                <ActionForm action=create>
                                    <input type="hidden" name="template_id" value=form_slug />
                                    <input type="hidden" name="back" value=back />
                                    <div class="field">
                                        <label for=name_id.clone()>"Campaign name"</label>
                                        <input id=name_id name="name" type="text" required
                                            maxlength="128" pattern="[A-Za-z0-9_\\-]{1,128}"
                                            autocomplete="off" aria-describedby=hint_id.clone() />
                                        <p class="hint" id=hint_id>"Letters, digits, - and _."</p>
                                    </div>
                                    <div class="field">
                                        <label for=budget_id.clone()>"Evaluation budget"</label>
                                        <input id=budget_id name="budget" type="number" min="10"
                                            max="10000" step="1" value=t.default_budget />
                                    </div>
                                    {move || failure_for(&slug).map(|error| view! { <AppErrorView error /> })}
                                    <button type="submit" class="button"
                                        disabled=move || create.pending().get()>
                                        "Create campaign"
                                    </button>
                                </ActionForm>
                            </article>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
