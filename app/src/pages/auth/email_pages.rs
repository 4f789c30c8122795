//! The pages around mailed links: "check your email" after sign-up or "forgot password", the
//! confirmation link's page, the set-password link's page, and the "forgot password" form.
//! All work with JavaScript off (plain form posts). A mailed link only opens a page: the
//! change happens when the person presses the button, so a mail scanner that follows links
//! cannot use them up.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{form_error, FormAlert};
use crate::server_fns::auth::{ConfirmEmail, ForgotPassword, SetPassword};

/// `/check-email`: what sign-up and "forgot password" answer, whatever the email.
#[component]
pub fn CheckEmailPage() -> impl IntoView {
    view! {
        <Title text="Check your email" />
        <section class="auth-page">
            <h1>"Check your email"</h1>
            <p>
                "If the address can receive mail, a message from MatterCraft is on its way with a \
                 link to continue. The link works once and expires after a while."
            </p>
            <p class="muted">
                "Nothing arrived after a few minutes? Look in the spam folder, or "
                <a href="/forgot-password">"ask for a new link"</a>"."
            </p>
        </section>
    }
}

/// The `token` of a mailed link, from the address.
fn token_from_query() -> impl Fn() -> String + Copy {
    let query = use_query_map();
    move || query.read().get("token").unwrap_or_default()
}

/// `/verify-email?token=…`: confirms the address and signs in.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = ServerAction::<ConfirmEmail>::new();
    let query = use_query_map();
    let token = token_from_query();
    let error = move || form_error(action.value().get().and_then(Result::err), query);
    view! {
        <Title text="Confirm your email" />
        <section class="auth-page">
            <h1>"Confirm your email"</h1>
            {move || view! { <FormAlert message=error() /> }}
            <p>"Press the button to confirm this address and sign in."</p>
            <ActionForm action>
                <input type="hidden" name="token" value=token />
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Confirm and sign in"
                </button>
            </ActionForm>
        </section>
    }
}

/// `/set-password?token=…`: chooses a (first or new) password and signs in.
#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let action = ServerAction::<SetPassword>::new();
    let query = use_query_map();
    let token = token_from_query();
    let failure = move || action.value().get().and_then(Result::err);
    let error = move || form_error(failure(), query);
    let field_error = move || {
        failure()
            .and_then(|e| e.field("password"))
            .map(|message| view! { <p class="field-error" id="password-error">{message}</p> })
    };
    view! {
        <Title text="Set a password" />
        <section class="auth-page">
            <h1>"Set a password"</h1>
            {move || view! { <FormAlert message=error() /> }}
            <p>"Setting a password signs out every other browser signed in to this account."</p>
            <ActionForm action>
                <input type="hidden" name="token" value=token />
                <div class="field">
                    <label for="password">"New password"</label>
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
                    {field_error}
                </div>
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Set password and sign in"
                </button>
            </ActionForm>
        </section>
    }
}

/// `/forgot-password`: mails a set-password link.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<ForgotPassword>::new();
    let query = use_query_map();
    let error = move || form_error(action.value().get().and_then(Result::err), query);
    view! {
        <Title text="Forgot password" />
        <section class="auth-page">
            <h1>"Forgot password"</h1>
            {move || view! { <FormAlert message=error() /> }}
            <p>
                "We will mail a link to set a new password. It also gets you in when sign-in is \
                 paused after too many attempts."
            </p>
            <ActionForm action>
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="email" maxlength="254" required />
                </div>
                <button type="submit" class="button" disabled=move || action.pending().get()>
                    "Mail me a link"
                </button>
            </ActionForm>
            <p class="muted"><a href="/signin">"Back to sign in"</a></p>
        </section>
    }
}
