//! `/settings`: the settings areas.

use leptos::prelude::*;
use leptos_meta::Title;

/// Links to each settings area.
#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Settings" />
        <section>
            <h1>"Settings"</h1>
            <div class="cards">
                <article class="card">
                    <h2>"API keys"</h2>
                    <p>"Keys for agents and scripts, with scopes, expiry and address allowlists."</p>
                    <a class="button" href="/settings/api-keys">"API keys"</a>
                </article>
                <article class="card">
                    <h2>"Account"</h2>
                    <p>"Your name, email and plan."</p>
                    <a class="button" href="/account">"Account"</a>
                </article>
                <article class="card">
                    <h2>"Autopay and webhooks"</h2>
                    <p>"Payment limits and webhook endpoints are not available on this server yet."</p>
                </article>
            </div>
        </section>
    }
}
