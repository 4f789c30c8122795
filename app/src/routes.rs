//! The whole route tree in one place.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::layout::Layout;
use crate::pages::area_page::{Area, AreaPage};
use crate::pages::auth::account_page::AccountPage;
use crate::pages::auth::email_pages::{
    CheckEmailPage, ForgotPasswordPage, SetPasswordPage, VerifyEmailPage,
};
use crate::pages::auth::sign_in_page::SignInPage;
use crate::pages::auth::sign_up_page::SignUpPage;
use crate::pages::campaigns::dashboard_page::CampaignDashboardPage;
use crate::pages::campaigns::list_page::CampaignsPage;
use crate::pages::campaigns::new_page::NewCampaignPage;
use crate::pages::campaigns::templates_page::TemplatesPage;
use crate::pages::datasets::dataset_page::DatasetPage;
use crate::pages::datasets::list_page::DatasetsPage;
use crate::pages::home_page::HomePage;
use crate::pages::jobs::job_page::JobPage;
use crate::pages::jobs::list_page::JobsPage;
use crate::pages::not_found_page::NotFoundPage;
use crate::pages::print::print_page::PrintPage;
use crate::pages::settings::api_keys_page::ApiKeysPage;
use crate::pages::settings::settings_page::SettingsPage;

/// The root component: metadata, stylesheet and routes inside the shared layout.
///
/// Pages render in `Async` mode: the server waits for their data, so every page is complete
/// HTML without JavaScript, and redirects (e.g. to sign in) are real HTTP redirects.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/mattercraft.css" />
        <Title formatter=|title: String| {
            if title.is_empty() { "MatterCraft".to_owned() } else { format!("{title} · MatterCraft") }
        } />
        <Router>
            <Layout>
                <Routes fallback=NotFoundPage>
                    <Route path=path!("") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/campaigns") view=CampaignsPage ssr=SsrMode::Async />
                    <Route path=path!("/campaigns/new") view=NewCampaignPage ssr=SsrMode::Async />
                    <Route path=path!("/campaigns/:id") view=CampaignDashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/templates") view=TemplatesPage ssr=SsrMode::Async />
                    <Route path=path!("/datasets") view=DatasetsPage ssr=SsrMode::Async />
                    <Route path=path!("/datasets/:id") view=DatasetPage ssr=SsrMode::Async />
                    <Route path=path!("/jobs") view=JobsPage ssr=SsrMode::Async />
                    <Route path=path!("/jobs/:id") view=JobPage ssr=SsrMode::Async />
                    <Route path=path!("/print") view=PrintPage ssr=SsrMode::Async />
                    <Route path=path!("/orders") view=|| view! { <AreaPage area=Area::Orders /> } ssr=SsrMode::Async />
                    <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/settings/api-keys") view=ApiKeysPage ssr=SsrMode::Async />
                    <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/check-email") view=CheckEmailPage ssr=SsrMode::Async />
                    <Route path=path!("/verify-email") view=VerifyEmailPage ssr=SsrMode::Async />
                    <Route path=path!("/set-password") view=SetPasswordPage ssr=SsrMode::Async />
                    <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
