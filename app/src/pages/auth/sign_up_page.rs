//! `/signup`: name, email and password. Works with JavaScript off (a plain form post).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{form_error, next_path, FormAlert};
use crate::server_fns::auth::SignUp;

/// The sign-up form.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let query = use_query_map();
    let next = move || next_path(query);
    let failure = move || action.value().get().and_then(Result::err);
    let error = move || form_error(failure(), query);
    let field_error = move |field: &'static str| {
        move || {
            failure()
                .and_then(|e| e.field(field))
                .map(|message| view! { <p class="field-error" id=format!("{field}-error")>{message}</p> })
        }
    };
    view! {
        <Title text="Create an account" />
        <section class="auth-page">
            <h1>"Create an account"</h1>
            {move || view! { <FormAlert message=error() /> }}
            <ActionForm action>
                <div class="field">
                    <label for="name">"Name"</label>
                    <input id="name" name="name" type="text" autocomplete="name" maxlength="100" required />
                    {field_error("name")}
                </div>
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="email" maxlength="254" required />
                    {field_error("email")}
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="new-password"
                        minlength="10"
                        aria-describedby="password-hint"
                        required
                    />
                    <p class="hint" id="password-hint">"At least 10 characters."</p>
                    {field_error("password")}
                </div>
                <input type="hidden" name="next" value=next />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Create account"
                </button>
            </ActionForm>
            <p class="muted">"Already have an account? " <a href="/signin">"Sign in"</a></p>
        </section>
    }
}
