//! `/account`: who is signed in, and who else has access: signed-in browsers (with "sign out
//! everywhere"), API keys, whether agents may connect with this email, and a mailed link to
//! set a new password. Every action is a plain form post that works without JavaScript.

use domain::auth::UserView;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{user_resource, RequireUser};
use crate::error::AppErrorView;
use crate::format::short_time;
use crate::server_fns::auth::{
    account_access, AccessOverview, EndSession, MailPasswordLink, SetConnectEnabled,
    SignOutEverywhere,
};

/// The signed-in person's account.
#[component]
pub fn AccountPage() -> impl IntoView {
    let user = user_resource();
    let end_session = ServerAction::<EndSession>::new();
    let connect = ServerAction::<SetConnectEnabled>::new();
    let mail_link = ServerAction::<MailPasswordLink>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let access = Resource::new(
        move || (end_session.version().get(), connect.version().get()),
        |_| account_access(),
    );
    let query = use_query_map();
    let mailed = move || {
        mail_link.value().get().is_some_and(|r| r.is_ok())
            || query.read().get("mailed").as_deref() == Some("password")
    };
    view! {
        <Title text="Account" />
        <section>
            <h1>"Account"</h1>
            <RequireUser user here="/account" child=move |user: UserView| view! {
                <dl class="status-list">
                    <dt>"Name"</dt><dd>{user.name}</dd>
                    <dt>"Email"</dt><dd>{user.email}</dd>
                    <dt>"Plan"</dt><dd>{user.plan.as_str()}</dd>
                    <dt>"Account id"</dt><dd>{user.account_id.to_string()}</dd>
                </dl>
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || access.get().map(|result| match result {
                        Ok(access) => view! {
                            <AccessSections access end_session connect mail_link everywhere mailed />
                        }.into_any(),
                        Err(error) => view! { <AppErrorView error /> }.into_any(),
                    })}
                </Suspense>
            } />
        </section>
    }
}

#[component]
fn AccessSections(
    access: AccessOverview,
    end_session: ServerAction<EndSession>,
    connect: ServerAction<SetConnectEnabled>,
    mail_link: ServerAction<MailPasswordLink>,
    everywhere: ServerAction<SignOutEverywhere>,
    mailed: impl Fn() -> bool + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let security = access.security.clone();
    let sessions = access.sessions.clone();
    let keys = access.keys.clone();
    let more_keys = access.keys_total.saturating_sub(keys.len() as u64);
    view! {
        <section aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Signed-in browsers"</h2>
            <p class="muted">
                "A browser stays signed in for 30 days, or until it is unused for 7."
            </p>
            <div class="table-wrap">
            <table class="compact">
                <thead>
                    <tr><th scope="col">"Browser"</th><th scope="col">"From"</th>
                        <th scope="col">"Signed in"</th><th scope="col">"Last used"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th></tr>
                </thead>
                <tbody>
                    {sessions.into_iter().map(|s| {
                        let id = s.id.clone();
                        view! {
                            <tr data-session=s.id.clone()>
                                <td>
                                    {s.user_agent.clone().unwrap_or_else(|| "Unknown browser".to_owned())}
                                    {s.current.then(|| view! { " " <strong>"(this browser)"</strong> })}
                                </td>
                                <td>{s.client_address.clone().unwrap_or_default()}</td>
                                <td>{short_time(&s.created_at)}</td>
                                <td>{short_time(&s.last_seen_at)}</td>
                                <td>
                                    {(!s.current).then(|| view! {
                                        <ActionForm action=end_session>
                                            <input type="hidden" name="id" value=id.clone() />
                                            <button type="submit" class="button">"End session"</button>
                                        </ActionForm>
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            </div>
            <ActionForm action=everywhere>
                <button type="submit" class="button button-danger">"Sign out everywhere"</button>
            </ActionForm>
        </section>
        <section aria-labelledby="keys-heading">
            <h2 id="keys-heading">"API keys"</h2>
            {if keys.is_empty() {
                view! { <p class="muted">"No API keys yet."</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {keys.into_iter().map(|k| view! {
                            <li>
                                <code>{format!("{}…", k.prefix)}</code>" "{k.name.clone()}
                                {k.revoked_at.is_some().then_some(" (revoked)")}
                                <span class="muted">
                                    {format!(" · last used {}", k.last_used_at.as_deref().map_or_else(|| "never".to_owned(), short_time))}
                                </span>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(more_keys > 0).then(|| view! { <p class="muted">{format!("and {more_keys} more")}</p> })}
            <p><a class="button" href="/settings/api-keys">"Manage API keys"</a></p>
        </section>
        <section aria-labelledby="connect-heading">
            <h2 id="connect-heading">"Agents connecting with your email"</h2>
            <p>
                {if security.connect_enabled {
                    "On: an agent that calls POST /v1/connect with your email gets a key only \
                     with the code we mail you."
                } else {
                    "Off: POST /v1/connect issues no key for your email; we tell you by mail when \
                     someone tries."
                }}
            </p>
            <ActionForm action=connect>
                <input type="hidden" name="enabled" value=(!security.connect_enabled).to_string() />
                <button type="submit" class="button">
                    {if security.connect_enabled { "Turn connect off" } else { "Turn connect on" }}
                </button>
            </ActionForm>
        </section>
        <section aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <p>
                {if security.has_password { "Change your password with a link we mail you." }
                 else { "This account has no password yet: set one with a link we mail you." }}
                {(!security.email_verified).then_some(" Your email is not confirmed yet; the link confirms it.")}
            </p>
            {move || mailed().then(|| view! {
                <p class="alert alert-info" role="status">"Sent: check your email for the link."</p>
            })}
            <ActionForm action=mail_link>
                <button type="submit" class="button">"Mail me a link to set a password"</button>
            </ActionForm>
        </section>
    }
}
