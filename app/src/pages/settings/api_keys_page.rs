//! `/settings/api-keys`: create a key (shown once, with a copy button), list keys, revoke.

use std::collections::BTreeSet;

use domain::auth::{ApiKeyView, CreatedApiKey, Scope, UserView};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::error::AppErrorView;
use crate::pages::auth::{user_resource, RequireUser};
use crate::server_fns::api_keys::{list_api_keys, CreateApiKey, RevokeApiKey};

/// The API keys page (signed-in users only).
#[component]
pub fn ApiKeysPage() -> impl IntoView {
    // Every resource of the page is created here, once. The keys do not wait for the user
    // resource: a source that read it raced with it during server rendering (an empty list
    // could be rendered and serialised before the user resolved, and the page then failed to
    // hydrate). For a signed-out visitor the list fails and is never shown: RequireUser
    // redirects instead.
    let user = user_resource();
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let keys = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_keys(),
    );
    view! {
        <Title text="API keys" />
        <section>
            <h1>"API keys"</h1>
            <p class="lead">
                "Agents and scripts authenticate with "
                <code>"Authorization: Bearer <key>"</code>
                ". Give each key only the scopes it needs."
            </p>
            <RequireUser
                user
                here="/settings/api-keys"
                child=move |_: UserView| view! { <KeyManager keys create revoke /> }
            />
        </section>
    }
}

#[component]
fn KeyManager(
    keys: Resource<Result<Vec<ApiKeyView>, crate::error::AppError>>,
    create: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    view! {
        <noscript>
            <div class="alert alert-info"><p>"Creating and revoking keys needs JavaScript."</p></div>
        </noscript>
        <CreateKeyForm create />
        <h2>"Your keys"</h2>
        <Transition fallback=|| view! { <p class="muted">"Loading keys…"</p> }>
            {move || {
                keys.get()
                    .map(|result| match result {
                        Ok(list) if list.is_empty() => {
                            view! { <p class="muted">"No keys yet."</p> }.into_any()
                        }
                        Ok(list) => view! { <KeyTable keys=list revoke /> }.into_any(),
                        Err(error) => view! { <AppErrorView error /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn CreateKeyForm(create: ServerAction<CreateApiKey>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let selected = RwSignal::new(BTreeSet::<Scope>::new());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateApiKey {
            name: name.get_untracked(),
            scopes: selected.get_untracked().into_iter().collect(),
            expires_on: Some(expires.get_untracked()),
        });
    };
    let failure = move || create.value().get().and_then(Result::err);
    let created = move || create.value().get().and_then(Result::ok);
    view! {
        <form class="panel form" on:submit=on_submit aria-labelledby="create-key-heading">
            <h2 id="create-key-heading">"Create a key"</h2>
            <div class="field">
                <label for="key-name">"Name"</label>
                <input id="key-name" type="text" maxlength="100" required
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev)) />
            </div>
            <fieldset class="field scopes">
                <legend>"Scopes"</legend>
                {Scope::ALL
                    .iter()
                    .copied()
                    .map(|scope| {
                        let id = format!("scope-{}", scope.as_str().replace(':', "-"));
                        view! {
                            <div class="checkbox">
                                <input type="checkbox" id=id.clone()
                                    prop:checked=move || selected.with(|s| s.contains(&scope))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        selected.update(|s| { if on { s.insert(scope); } else { s.remove(&scope); } });
                                    } />
                                <label for=id>
                                    <code>{scope.as_str()}</code>
                                    " — "
                                    {scope.description()}
                                </label>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <div class="field">
                <label for="key-expires">"Expires on (optional)"</label>
                <input id="key-expires" type="date"
                    prop:value=move || expires.get()
                    on:input=move |ev| expires.set(event_target_value(&ev)) />
            </div>
            {move || failure().map(|error| view! { <AppErrorView error /> })}
            <button type="submit" class="button" disabled=move || create.pending().get()>
                "Create key"
            </button>
        </form>
        {move || created().map(|key| view! { <NewKey key /> })}
    }
}

/// The new key, shown this once, with a copy button.
#[component]
fn NewKey(key: CreatedApiKey) -> impl IntoView {
    let copied = RwSignal::new(false);
    let secret = key.api_key.expose().to_owned();
    let copy = move |_| {
        browser::copy(&secret);
        copied.set(true);
    };
    view! {
        <div class="panel new-key" role="status">
            <h2>{format!("Key \u{201c}{}\u{201d} created", key.key.name)}</h2>
            <p class="alert alert-error">
                "Copy this key now. It is shown only this once; MatterCraft keeps only a hash of it."
            </p>
            <div class="copy-row">
                <input id="new-key" type="text" readonly aria-label="New API key"
                    prop:value=key.api_key.expose().to_owned() />
                <button type="button" class="button" on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
        </div>
    }
}

#[component]
fn KeyTable(keys: Vec<ApiKeyView>, revoke: ServerAction<RevokeApiKey>) -> impl IntoView {
    let confirming = RwSignal::new(None::<String>);
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Scopes"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Requests"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {keys
                        .into_iter()
                        .map(|key| {
                            let id = key.id.to_string();
                            let revoked = key.revoked_at.is_some();
                            let scopes = key.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
                            view! {
                                <tr>
                                    <td>{key.name.clone()}</td>
                                    <td><code>{format!("{}…", key.prefix)}</code></td>
                                    <td>{scopes}</td>
                                    <td>{day(&key.created_at)}</td>
                                    <td>{key.expires_at.as_deref().map_or("never".to_owned(), day)}</td>
                                    <td>{key.last_used_at.as_deref().map_or("never".to_owned(), day)}</td>
                                    <td>{key.request_count}</td>
                                    <td>
                                        {if revoked {
                                            view! { <span class="muted">"Revoked"</span> }.into_any()
                                        } else {
                                            view! { <RevokeControl id=id.clone() name=key.name.clone() confirming revoke /> }.into_any()
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// "Revoke", then "Yes, revoke" / "Cancel": a key is never revoked by one stray click.
#[component]
fn RevokeControl(
    id: String,
    name: String,
    confirming: RwSignal<Option<String>>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let row = id.clone();
    let asking = move || confirming.with(|c| c.as_deref() == Some(row.as_str()));
    let ask_id = id.clone();
    let label = format!("Revoke key {name}");
    view! {
        <Show
            when=asking
            fallback=move || {
                let ask_id = ask_id.clone();
                view! {
                    <button type="button" class="button-secondary" aria-label=label.clone()
                        on:click=move |_| confirming.set(Some(ask_id.clone()))>
                        "Revoke"
                    </button>
                }
            }
        >
            {
                let id = id.clone();
                view! {
                    <span class="confirm" role="group" aria-label="Confirm revocation">
                        <button type="button" class="button-danger"
                            on:click=move |_| {
                                revoke.dispatch(RevokeApiKey { id: id.clone() });
                                confirming.set(None);
                            }>
                            "Yes, revoke"
                        </button>
                        <button type="button" class="button-secondary" on:click=move |_| confirming.set(None)>
                            "Cancel"
                        </button>
                    </span>
                }
            }
        </Show>
    }
}

/// `2026-11-23T10:00:00.000Z` → `2026-11-23`.
fn day(rfc3339: &str) -> String {
    rfc3339.get(..10).unwrap_or(rfc3339).to_owned()
}

#[cfg(feature = "hydrate")]
mod browser {
    pub fn copy(text: &str) {
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(text);
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    pub fn copy(_text: &str) {}
}
