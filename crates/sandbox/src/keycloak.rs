//! The Longenesis Auth service: Keycloak's OpenID Connect token endpoint.
//!
//! Password and refresh-token grants for confidential clients, form-encoded, with
//! Keycloak's standard success body and error bodies (vendor-docs/NOTES.md).

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::state::IssuedToken;
use crate::Shared;

fn error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({ "error": error, "error_description": description }))).into_response()
}

/// `POST /realms/{realm}/protocol/openid-connect/token`.
pub async fn token(State(shared): State<Shared>, Path(realm): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    let mut s = shared.lock().expect("sandbox state");
    if realm != s.realm {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "Realm does not exist" }))).into_response();
    }
    let is_form = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form: Vec<(String, String)> = if is_form { serde_urlencoded::from_bytes(&body).unwrap_or_default() } else { Vec::new() };
    let param = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());

    let Some(grant_type) = param("grant_type") else {
        return error(StatusCode::BAD_REQUEST, "invalid_request", "Missing form parameter: grant_type");
    };
    let client_id = param("client_id").unwrap_or_default();
    let Some(secret) = s.clients.get(&client_id).cloned() else {
        return error(StatusCode::UNAUTHORIZED, "invalid_client", "Invalid client or Invalid client credentials");
    };
    if param("client_secret").as_deref() != Some(secret.as_str()) {
        return error(StatusCode::UNAUTHORIZED, "unauthorized_client", "Invalid client or Invalid client credentials");
    }
    let username = match grant_type.as_str() {
        "password" => {
            let (user, pass) = (param("username").unwrap_or_default(), param("password").unwrap_or_default());
            match s.accounts.iter().find(|a| a.username.eq_ignore_ascii_case(user.trim()) && a.password == pass) {
                Some(a) => a.username.clone(),
                None => return error(StatusCode::UNAUTHORIZED, "invalid_grant", "Invalid user credentials"),
            }
        }
        "refresh_token" => match param("refresh_token").and_then(|r| s.refresh_tokens.remove(&r)) {
            Some(user) => user,
            None => return error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid refresh token"),
        },
        _ => return error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Unsupported grant_type"),
    };
    let access = s.mint("sbx-access");
    let refresh = s.mint("sbx-refresh");
    let ttl = s.token_ttl;
    s.tokens.insert(access.clone(), IssuedToken { username: username.clone(), expires: Instant::now() + ttl });
    s.refresh_tokens.insert(refresh.clone(), username);
    let session = s.mint("session");
    Json(json!({
        "access_token": access,
        "expires_in": ttl.as_secs(),
        "refresh_expires_in": 1800,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "not-before-policy": 0,
        "session_state": session,
        "scope": "profile email"
    }))
    .into_response()
}
