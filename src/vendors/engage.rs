//! Longenesis Engage on the page: its settings form and its login.

use ferry_core::vendors::engage::{Settings, UploadMode};
use leptos::prelude::*;

use super::{nothing, LoginFields, SettingsOf, VendorPage};
use crate::components::text_field::TextField;
use crate::steps::map::{DynamicMapping, FieldMapping};

/// Engage in the page's list.
pub const PAGE: VendorPage = VendorPage {
    id: "engage",
    settings: || view! { <EngageSettings/><FieldMapping/><DynamicMapping/> }.into_any(),
    login: || view! { <legend>"Engage account"</legend><LoginFields/> }.into_any(),
    review_tools: nothing,
    report_tools: nothing,
    view: None,
};

/// Engage's URLs, organisation, activity, batch size and endpoint.
#[component]
fn EngageSettings() -> impl IntoView {
    let settings = SettingsOf::<Settings>::new(PAGE.id);
    view! {
        <fieldset>
            <legend>"Longenesis Engage"</legend>
            <div class="grid">
                <TextField id="org-slug" label="Organisation slug" hint="Your organisation's short name in Engage."
                    value=settings.text(|s| s.org_slug.clone()) on_input=settings.setter(|s, v| s.org_slug = v)/>
                <TextField id="activity-slug" label="Activity slug" hint="The Engage activity (survey) the submissions belong to. Rows can carry their own: map a column to the Activity slug field below."
                    value=settings.text(|s| s.activity_slug.clone()) on_input=settings.setter(|s, v| s.activity_slug = v)/>
                <TextField id="batch-size" label="Records per request" kind="number"
                    value=settings.text(|s| s.batch_size.to_string()) on_input=settings.setter(|s, v| s.batch_size = v.trim().parse().unwrap_or(0))/>
                <TextField id="auth-base" label="Auth service URL" kind="url"
                    value=settings.text(|s| s.auth_base.clone()) on_input=settings.setter(|s, v| s.auth_base = v)/>
                <TextField id="realm" label="Realm"
                    value=settings.text(|s| s.realm.clone()) on_input=settings.setter(|s, v| s.realm = v)/>
                <TextField id="api-base" label="Engage API URL" kind="url"
                    value=settings.text(|s| s.api_base.clone()) on_input=settings.setter(|s, v| s.api_base = v)/>
            </div>
            <div class="field" style="margin-top: .9rem">
                {settings.checkbox(
                    "bulk-upload",
                    "Send each batch as an uploaded JSON file (bulk_upload) instead of a JSON body (bulk_post)",
                    |s| s.mode == UploadMode::BulkUpload,
                    |s, upload| s.mode = if upload { UploadMode::BulkUpload } else { UploadMode::BulkPost },
                )}
            </div>
        </fieldset>
    }
}
