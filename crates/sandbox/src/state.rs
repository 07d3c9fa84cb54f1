//! The sandbox's in-memory world: accounts, tokens and what each vendor received.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::engage::EngageOrg;
use crate::engaging_networks::EnAccount;
use crate::lumi_say::LumiProject;
use crate::participant_kit::PkOrg;
use crate::Shared;

/// A login the sandbox knows.
#[derive(Debug, Clone)]
pub struct Account {
    /// Login e-mail.
    pub username: String,
    /// Password.
    pub password: String,
    /// Engage organisations this account may import into.
    pub admin_of: Vec<String>,
}

/// An issued access token.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub username: String,
    pub expires: Instant,
}

/// Everything the sandbox holds.
#[derive(Debug)]
pub struct Sandbox {
    /// Keycloak realm name.
    pub realm: String,
    /// Confidential clients: client id → secret.
    pub clients: HashMap<String, String>,
    /// Users.
    pub accounts: Vec<Account>,
    /// Access token lifetime.
    pub token_ttl: Duration,
    /// Import (Engage) and API (Participant Kit) requests allowed per second and account;
    /// more get 429 with Retry-After.
    /// (No vendor documents a limit: this only lets tests see Ferry slow down.)
    pub rate_limit_per_sec: Option<u32>,
    /// Time every Engage import request takes to be answered, counted from its arrival,
    /// the sandbox's own work included (for tests of long sends and the bench's pace).
    pub latency: Duration,
    pub(crate) tokens: HashMap<String, IssuedToken>,
    pub(crate) refresh_tokens: HashMap<String, String>,
    pub(crate) engage: HashMap<String, EngageOrg>,
    pub(crate) lumi: HashMap<String, LumiProject>,
    pub(crate) en: EnAccount,
    pub(crate) pk: PkOrg,
    counter: u64,
}

/// The demo organisation, client and account, also printed by `ferry-sandbox --help`.
pub const DEMO_ORG: &str = "demo-org";
/// The demo client secret.
pub const DEMO_CLIENT_SECRET: &str = "sandbox-secret";
/// The demo login.
pub const DEMO_USERNAME: &str = "coordinator@example.org";
/// The demo password.
pub const DEMO_PASSWORD: &str = "sandbox-password";

impl Default for Sandbox {
    /// One Engage organisation `demo-org` (client secret `sandbox-secret`), its
    /// administrator `coordinator@example.org` / `sandbox-password`, and
    /// `viewer@example.org` / `sandbox-password` without import permissions.
    fn default() -> Self {
        let mut engage = HashMap::new();
        engage.insert(DEMO_ORG.to_string(), EngageOrg::default());
        Sandbox {
            realm: "curator-engage".into(),
            clients: HashMap::from([(DEMO_ORG.to_string(), DEMO_CLIENT_SECRET.to_string())]),
            accounts: vec![
                Account { username: DEMO_USERNAME.into(), password: DEMO_PASSWORD.into(), admin_of: vec![DEMO_ORG.into()] },
                Account { username: "viewer@example.org".into(), password: DEMO_PASSWORD.into(), admin_of: vec![] },
            ],
            token_ttl: Duration::from_secs(300),
            rate_limit_per_sec: None,
            latency: Duration::ZERO,
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            engage,
            lumi: HashMap::from([(crate::lumi_say::DEMO_PROJECT.to_string(), LumiProject::default())]),
            en: EnAccount::default(),
            pk: PkOrg::default(),
            counter: 0,
        }
    }
}

impl Sandbox {
    /// The demo world with access tokens that live for `ttl`.
    pub fn with_token_ttl(ttl: Duration) -> Sandbox {
        Sandbox { token_ttl: ttl, ..Sandbox::default() }
    }

    /// A fresh opaque value with `prefix`, unique within this process.
    pub(crate) fn mint(&mut self, prefix: &str) -> String {
        self.counter += 1;
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        format!("{prefix}-{:x}{:08x}", self.counter, nanos ^ 0x5f3a_91c7)
    }

    /// A pseudo-random number below `n`, for generated ids.
    pub(crate) fn random_below(&mut self, n: u64) -> u64 {
        self.counter += 1;
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        let mut x = nanos ^ self.counter.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x % n
    }

    /// The account behind a live access token.
    pub(crate) fn bearer(&self, authorization: Option<&str>) -> Result<&Account, &'static str> {
        let token = authorization.and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer "))).ok_or("Not authenticated")?;
        let issued = self.tokens.get(token.trim()).ok_or("Invalid or expired token")?;
        if issued.expires <= Instant::now() {
            return Err("Invalid or expired token");
        }
        self.accounts.iter().find(|a| a.username == issued.username).ok_or("Invalid or expired token")
    }
}

/// `POST /_sandbox/reset`: forgets every record and token (accounts stay).
pub(crate) async fn reset(State(shared): State<Shared>) -> Json<Value> {
    let mut s = shared.lock().expect("sandbox state");
    s.tokens.clear();
    s.refresh_tokens.clear();
    for org in s.engage.values_mut() {
        *org = EngageOrg::default();
    }
    for project in s.lumi.values_mut() {
        *project = LumiProject::default();
    }
    s.en = EnAccount::default();
    s.pk = PkOrg::default();
    Json(json!({"reset": true}))
}
