//! A job's log lines as a list: time, level and message.

use domain::campaigns::JobLogLine;
use leptos::prelude::*;

use crate::format::short_time;

/// Log lines, oldest first, each with its time and level.
#[component]
pub fn LogTail(lines: Vec<JobLogLine>) -> impl IntoView {
    if lines.is_empty() {
        return view! { <p class="muted">"Nothing logged yet."</p> }.into_any();
    }
    view! {
        <ol class="log-tail" aria-label="Log lines, oldest first">
            {lines
                .into_iter()
                .map(|l| {
                    view! {
                        <li class=format!("log-{}", l.level.as_str()) data-level=l.level.as_str()>
                            <time datetime=l.timestamp.clone()>{short_time(&l.timestamp)}</time>
                            " "
                            <span class=format!("badge badge-{}", l.level.as_str())>{l.level.as_str()}</span>
                            " "
                            <span class="log-message">{l.message}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}
