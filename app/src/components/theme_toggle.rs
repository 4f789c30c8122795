//! The light/dark theme switch. The choice is saved in `localStorage` and applied before the
//! first paint by the shell's boot script; without a saved choice the system setting wins.

use leptos::prelude::*;

/// A button that flips between light and dark and remembers the choice.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let (dark, set_dark) = signal(false);
    // Runs only in the browser, after hydration: pick up the theme the page is showing.
    Effect::new(move |_| set_dark.set(browser::is_dark()));
    let toggle = move |_| {
        let next = !dark.get_untracked();
        browser::apply(next);
        set_dark.set(next);
    };
    view! {
        <button
            type="button"
            class="theme-toggle"
            aria-pressed=move || dark.get().to_string()
            title="Switch between light and dark colours"
            on:click=toggle
        >
            <span aria-hidden="true">{move || if dark.get() { "☀" } else { "☾" }}</span>
            " Dark theme"
        </button>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    const KEY: &str = "mc-theme";

    fn root() -> Option<web_sys::Element> {
        web_sys::window()?.document()?.document_element()
    }

    pub fn is_dark() -> bool {
        match root()
            .and_then(|r| r.get_attribute("data-theme"))
            .as_deref()
        {
            Some("dark") => true,
            Some(_) => false,
            None => web_sys::window()
                .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
                .is_some_and(|m| m.matches()),
        }
    }

    pub fn apply(dark: bool) {
        let theme = if dark { "dark" } else { "light" };
        if let Some(root) = root() {
            let _ = root.set_attribute("data-theme", theme);
        }
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(KEY, theme);
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    pub fn is_dark() -> bool {
        false
    }

    pub fn apply(_dark: bool) {}
}
