//! `/account`: who is signed in.

use domain::auth::UserView;
use leptos::prelude::*;
use leptos_meta::Title;

use super::{user_resource, RequireUser};

/// The signed-in person's account.
#[component]
pub fn AccountPage() -> impl IntoView {
    let user = user_resource();
    view! {
        <Title text="Account" />
        <section>
            <h1>"Account"</h1>
            <RequireUser user here="/account" child=|user: UserView| view! {
                <dl class="status-list">
                    <dt>"Name"</dt><dd>{user.name}</dd>
                    <dt>"Email"</dt><dd>{user.email}</dd>
                    <dt>"Plan"</dt><dd>{user.plan.as_str()}</dd>
                    <dt>"Account id"</dt><dd>{user.account_id.to_string()}</dd>
                </dl>
                <p><a class="button" href="/settings/api-keys">"Manage API keys"</a></p>
            } />
        </section>
    }
}
