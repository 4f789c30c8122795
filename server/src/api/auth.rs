//! Authentication and rate limiting for `/v1`.
//!
//! [`layer`] runs once per request: it turns the `Authorization: Bearer` key (or the browser's
//! session cookie, or a websocket ticket in `?ticket=` on `/ws/` routes) into a [`Caller`],
//! counts the request against the caller's limit (per account, whichever key or session it
//! uses; per client address when anonymous), refuses it with 429 when over, and puts
//! `X-RateLimit-*` headers on every response. Handlers then take [`Authenticated`] or
//! [`Scoped`], the one place scopes are enforced.

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::auth::{cookie_value, Scope};
use services::rate_limit::RateDecision;
use services::{AuthFailure, Caller, ServiceError};

use super::ApiError;
use crate::state::AppState;

enum Credential {
    Bearer(String),
    Session(String),
    /// A websocket ticket (`?ticket=` on `/ws/` routes).
    Ticket(String),
    None,
}

/// What the query of a `/ws/` route carries: a ticket, or an API key in `?token=` (refused).
enum WsQuery {
    Ticket(String),
    KeyInUrl,
}

fn ws_query(query: Option<&str>) -> Option<WsQuery> {
    let mut found = None;
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*name {
            "token" => return Some(WsQuery::KeyInUrl),
            "ticket" => found = Some(WsQuery::Ticket(value.into_owned())),
            _ => {}
        }
    }
    found
}

fn credential(headers: &HeaderMap, cookie_name: &str) -> Result<Credential, ServiceError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().unwrap_or_default();
        return match value.split_once(' ') {
            Some((scheme, key)) if scheme.eq_ignore_ascii_case("bearer") => {
                Ok(Credential::Bearer(key.trim().to_owned()))
            }
            _ => Err(ServiceError::Unauthenticated(AuthFailure::Invalid)),
        };
    }
    Ok(headers
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|cookies| cookie_value(cookies, cookie_name))
        .map_or(Credential::None, |token| {
            Credential::Session(token.to_owned())
        }))
}

/// The client's address (see [`services::network::client_address`]).
pub fn client_ip(
    headers: &HeaderMap,
    extensions: &http::Extensions,
    trusted_proxies: &[ipnet::IpNet],
) -> Option<IpAddr> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    services::network::client_address(forwarded, peer, trusted_proxies)
}

/// The `/v1` middleware: authenticate, count, limit, annotate.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let services = &state.services;
    let ip = client_ip(
        req.headers(),
        req.extensions(),
        &state.settings.trusted_proxies,
    );
    // A websocket client that cannot send headers puts a short-lived ticket in the URL
    // (`POST /v1/ws-tickets`), never its API key: URLs end up in proxy logs and history.
    let ws_query = req
        .uri()
        .path()
        .starts_with("/ws/")
        .then(|| ws_query(req.uri().query()))
        .flatten();
    let credential = match ws_query {
        Some(WsQuery::KeyInUrl) => {
            return ApiError::Refused {
                code: domain::error::ErrorCode::InvalidApiKey,
                message: "API keys are not accepted in a URL. Send the key in the \
                          Authorization header, or get a ticket from POST /v1/ws-tickets and \
                          open the websocket with ?ticket=…."
                    .into(),
            }
            .into_response();
        }
        Some(WsQuery::Ticket(ticket)) if !req.headers().contains_key(header::AUTHORIZATION) => {
            Ok(Credential::Ticket(ticket))
        }
        _ => credential(req.headers(), services.session_cookie_name()),
    };
    let resolved = match credential {
        Ok(Credential::Bearer(raw)) => services.authenticate_key(&raw, ip).await.map(Some),
        Ok(Credential::Ticket(ticket)) => {
            services.authenticate_ws_ticket(&ticket, ip).await.map(Some)
        }
        Ok(Credential::Session(token)) => services
            .session(&token)
            .await
            .map(|found| found.map(|(_, caller)| caller)),
        Ok(Credential::None) => Ok(None),
        Err(err) => Err(err),
    };
    let (bucket, limit) = match &resolved {
        Ok(Some(caller)) => (caller.rate_bucket(), services.limit_for_plan(caller.plan)),
        _ => (
            format!(
                "ip:{}",
                ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
            ),
            services.anonymous_limit(),
        ),
    };
    let decision = match services.count_request(&bucket, limit).await {
        Ok(decision) => decision,
        Err(err) => {
            // Fail open: an unreachable database is reported by the handler, not as a 429.
            tracing::warn!(error = %err, "rate limit not counted");
            None
        }
    };
    let mut response = match (decision, resolved) {
        (Some(d), _) if !d.allowed => ApiError::RateLimited {
            retry_after_secs: d.retry_after_secs,
        }
        .into_response(),
        (_, Err(err)) => ApiError::from(err).into_response(),
        (_, Ok(caller)) => {
            if let Some(caller) = caller {
                req.extensions_mut().insert(caller);
            }
            next.run(req).await
        }
    };
    if let Some(d) = decision {
        add_rate_headers(response.headers_mut(), &d);
    }
    response
}

fn add_rate_headers(headers: &mut HeaderMap, d: &RateDecision) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(d.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(d.remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(d.reset_at));
}

/// An authenticated caller (any scope). 401 `invalid_api_key` when there is none.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .map(Authenticated)
            .ok_or_else(|| ApiError::from(ServiceError::Unauthenticated(AuthFailure::Missing)))
    }
}

/// A scope an endpoint requires, as a type: `Scoped<scope::Admin>`.
pub trait RequiredScope: Send + Sync + 'static {
    /// The scope.
    const SCOPE: Scope;
}

/// An authenticated caller holding scope `S`; 401 without credentials, 403 `forbidden`
/// naming the scope when it is missing.
#[derive(Debug, Clone)]
pub struct Scoped<S: RequiredScope>(pub Caller, pub PhantomData<S>);

impl<St: Send + Sync, S: RequiredScope> FromRequestParts<St> for Scoped<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, Self::Rejection> {
        let Authenticated(caller) = Authenticated::from_request_parts(parts, state).await?;
        caller.require(S::SCOPE)?;
        Ok(Scoped(caller, PhantomData))
    }
}

/// Type-level scopes for [`Scoped`].
pub mod scope {
    use domain::auth::Scope;

    use super::RequiredScope;

    macro_rules! scopes {
        ($($name:ident => $scope:ident),* $(,)?) => {$(
            #[doc = concat!("Requires `", stringify!($scope), "`.")]
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl RequiredScope for $name {
                const SCOPE: Scope = Scope::$scope;
            }
        )*};
    }

    scopes! {
        CampaignsRead => CampaignsRead,
        CampaignsWrite => CampaignsWrite,
        CampaignsDelete => CampaignsDelete,
        DatasetsRead => DatasetsRead,
        DatasetsWrite => DatasetsWrite,
        TemplatesRead => TemplatesRead,
        FilesWrite => FilesWrite,
        OrdersRead => OrdersRead,
        OrdersWrite => OrdersWrite,
        WebhooksWrite => WebhooksWrite,
        SettingsWrite => SettingsWrite,
        Admin => Admin,
    }
}
