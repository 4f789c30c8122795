//! Sign up, sign in, sign out and "who am I" for the browser.
//!
//! With JavaScript the forms call these as server functions and show errors in place; without
//! it they are plain form posts, and a failure redirects back to the form with `?error=<code>`.

use domain::auth::UserView;
use leptos::prelude::*;

use crate::error::AppError;

/// Creates an account with a password and signs it in, then continues to `next`.
#[server(prefix = "/api/fn", endpoint = "sign_up")]
pub async fn sign_up(
    name: String,
    email: String,
    password: String,
    next: String,
) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let headers = headers().await?;
    let password = secrecy::SecretString::from(password);
    match services.sign_up(&name, &email, &password).await {
        Ok(session) => {
            let token = secrecy::ExposeSecret::expose_secret(&session.token);
            set_session_cookie(&headers, Some((token, session.expires_at)));
            leptos_axum::redirect(&safe_next(&next));
            Ok(())
        }
        Err(err) => form_failure(&headers, from_service(err), "/signup", &next),
    }
}

/// Checks the password and signs in, then continues to `next`. Throttled per email and per
/// address; a wrong email and a wrong password get the same answer.
#[server(prefix = "/api/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let headers = headers().await?;
    let ip = client_ip(&services, &headers).await;
    let password = secrecy::SecretString::from(password);
    match services.sign_in(&email, &password, ip).await {
        Ok(session) => {
            let token = secrecy::ExposeSecret::expose_secret(&session.token);
            set_session_cookie(&headers, Some((token, session.expires_at)));
            leptos_axum::redirect(&safe_next(&next));
            Ok(())
        }
        Err(err) => form_failure(&headers, from_service(err), "/signin", &next),
    }
}

/// Ends the session and returns to the home page.
#[server(prefix = "/api/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let headers = headers().await?;
    if let Some(token) = session_token(&headers) {
        services.sign_out(&token).await.map_err(from_service)?;
    }
    set_session_cookie(&headers, None);
    leptos_axum::redirect("/");
    Ok(())
}

/// The signed-in person, or `None`.
#[server(prefix = "/api/fn", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    Ok(crate::server_fns::ssr::signed_in()
        .await?
        .map(|(user, _)| user))
}

/// Without JavaScript, sends the browser back to the form with the error code; with it,
/// returns the error for the form to show.
#[cfg(feature = "ssr")]
fn form_failure(
    headers: &http::HeaderMap,
    error: AppError,
    form: &str,
    next: &str,
) -> Result<(), AppError> {
    if crate::server_fns::ssr::wants_html(headers) {
        use crate::server_fns::ssr::{safe_next, with_query};
        leptos_axum::redirect(&with_query(
            form,
            &[("error", error.code.as_str()), ("next", &safe_next(next))],
        ));
        Ok(())
    } else {
        Err(error)
    }
}
