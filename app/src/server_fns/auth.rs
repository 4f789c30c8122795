//! Sign up, confirm the email, sign in, set a password with a mailed link, sign out (here or
//! everywhere), and the account's security settings.
//!
//! With JavaScript the forms call these as server functions and show errors in place; without
//! it they are plain form posts, and a failure redirects back to the form with `?error=<code>`.

use domain::auth::{AccountSecurity, ApiKeyView, SessionView, UserView};
use leptos::prelude::*;

use crate::error::AppError;

/// Signs up: whatever the email, the answer is "check your email" (a new account gets a
/// confirmation link; an existing one a mail to its owner). Never signs anyone in.
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
    let client = client_info(&services, &headers).await;
    let password = secrecy::SecretString::from(password);
    match services.sign_up(&name, &email, &password, &client).await {
        Ok(_) => {
            leptos_axum::redirect("/check-email");
            Ok(())
        }
        Err(err) => form_failure(&headers, from_service(err), "/signup", &next),
    }
}

/// Checks the password and signs in, then continues to `next`. Throttled per address and per
/// email; a wrong email and a wrong password get the same answer.
#[server(prefix = "/api/fn", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String, next: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let headers = headers().await?;
    let client = client_info(&services, &headers).await;
    let password = secrecy::SecretString::from(password);
    match services.sign_in(&email, &password, &client).await {
        Ok(session) => {
            let token = secrecy::ExposeSecret::expose_secret(&session.token);
            set_session_cookie(&services, Some((token, session.expires_at)));
            leptos_axum::redirect(&safe_next(&next));
            Ok(())
        }
        Err(err) => form_failure(&headers, from_service(err), "/signin", &next),
    }
}

/// Opens a confirmation link: the email is confirmed and this browser signed in.
#[server(prefix = "/api/fn", endpoint = "confirm_email")]
pub async fn confirm_email(token: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let headers = headers().await?;
    let client = client_info(&services, &headers).await;
    match services.confirm_email(&token, &client).await {
        Ok(session) => {
            let token = secrecy::ExposeSecret::expose_secret(&session.token);
            set_session_cookie(&services, Some((token, session.expires_at)));
            leptos_axum::redirect("/account");
            Ok(())
        }
        Err(err) => link_failure(&headers, from_service(err), "/verify-email", &token),
    }
}

/// Sets a password with a mailed link; ends every other session and signs this browser in.
#[server(prefix = "/api/fn", endpoint = "set_password")]
pub async fn set_password(token: String, password: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let headers = headers().await?;
    let client = client_info(&services, &headers).await;
    let password = secrecy::SecretString::from(password);
    match services
        .set_password_with_link(&token, &password, &client)
        .await
    {
        Ok(session) => {
            let token = secrecy::ExposeSecret::expose_secret(&session.token);
            set_session_cookie(&services, Some((token, session.expires_at)));
            leptos_axum::redirect("/account");
            Ok(())
        }
        Err(err) => link_failure(&headers, from_service(err), "/set-password", &token),
    }
}

/// "Forgot password": mails a set-password link when the email has an account; the answer is
/// the same either way.
#[server(prefix = "/api/fn", endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let headers = headers().await?;
    let client = client_info(&services, &headers).await;
    match services.forgot_password(&email, &client).await {
        Ok(()) => {
            leptos_axum::redirect("/check-email");
            Ok(())
        }
        Err(err) => form_failure(&headers, from_service(err), "/forgot-password", "/account"),
    }
}

/// Ends the session and returns to the home page.
#[server(prefix = "/api/fn", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let headers = headers().await?;
    if let Some(token) = session_token(&services, &headers) {
        services.sign_out(&token).await.map_err(from_service)?;
    }
    set_session_cookie(&services, None);
    leptos_axum::redirect("/");
    Ok(())
}

/// Ends every session of the account (every browser, this one too).
#[server(prefix = "/api/fn", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let caller = require_caller().await?;
    services
        .sign_out_everywhere(&caller)
        .await
        .map_err(from_service)?;
    set_session_cookie(&services, None);
    leptos_axum::redirect("/signin");
    Ok(())
}

/// Ends one of the account's other sessions.
#[server(prefix = "/api/fn", endpoint = "end_session")]
pub async fn end_session(id: String) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let caller = require_caller().await?;
    services
        .end_session(&caller, &id)
        .await
        .map_err(from_service)?;
    if wants_html(&headers().await?) {
        leptos_axum::redirect("/account");
    }
    Ok(())
}

/// Mails the signed-in person a link to set a new password.
#[server(prefix = "/api/fn", endpoint = "mail_password_link")]
pub async fn mail_password_link() -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let caller = require_caller().await?;
    services
        .mail_own_password_link(&caller)
        .await
        .map_err(from_service)?;
    if wants_html(&headers().await?) {
        leptos_axum::redirect("/account?mailed=password");
    }
    Ok(())
}

/// Turns `POST /v1/connect` on or off for the account.
#[server(prefix = "/api/fn", endpoint = "set_connect_enabled")]
pub async fn set_connect_enabled(enabled: bool) -> Result<(), AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let caller = require_caller().await?;
    services
        .set_connect_enabled(&caller, enabled)
        .await
        .map_err(from_service)?;
    if wants_html(&headers().await?) {
        leptos_axum::redirect("/account");
    }
    Ok(())
}

/// What the account page shows about access: security switches, sessions and keys.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AccessOverview {
    /// Email confirmed, connect allowed, password set.
    pub security: AccountSecurity,
    /// Signed-in browsers, this one marked.
    pub sessions: Vec<SessionView>,
    /// API keys, newest first (a page of them).
    pub keys: Vec<ApiKeyView>,
    /// Keys in all.
    pub keys_total: u64,
}

/// The signed-in person's sessions, keys and security switches.
#[server(prefix = "/api/fn", endpoint = "account_access")]
pub async fn account_access() -> Result<AccessOverview, AppError> {
    use crate::error::ssr::from_service;
    use crate::server_fns::ssr::*;
    let services = services()?;
    let headers = headers().await?;
    let caller = require_caller().await?;
    let token = session_token(&services, &headers);
    let security = services
        .account_security(&caller)
        .await
        .map_err(from_service)?;
    let sessions = services
        .list_sessions(&caller, token.as_deref())
        .await
        .map_err(from_service)?;
    let params = first_page(&domain::auth::API_KEY_LIST, &[])?;
    let (keys, keys_total) = services
        .list_api_keys(&caller, &params)
        .await
        .map_err(from_service)?;
    Ok(AccessOverview {
        security,
        sessions,
        keys,
        keys_total,
    })
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

/// Like [`form_failure`] for the pages a mailed link opens: back to the page with its token.
#[cfg(feature = "ssr")]
fn link_failure(
    headers: &http::HeaderMap,
    error: AppError,
    page: &str,
    token: &str,
) -> Result<(), AppError> {
    if crate::server_fns::ssr::wants_html(headers) {
        use crate::server_fns::ssr::with_query;
        leptos_axum::redirect(&with_query(
            page,
            &[("error", error.code.as_str()), ("token", token)],
        ));
        Ok(())
    } else {
        Err(error)
    }
}
