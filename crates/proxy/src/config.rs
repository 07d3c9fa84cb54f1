//! The proxy's configuration file.

use std::time::Duration;

use serde::Deserialize;

/// What `ferry-proxy --config FILE` reads (TOML); the function reads the same text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (default `127.0.0.1:8787`). A function ignores it: its
    /// platform owns the address.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Page origins allowed to call the proxy, e.g. `https://ferry.example.org`.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Upstream hosts requests may go to: `host` (HTTPS) or `http://host:port` (plain HTTP
    /// to that one host and port, for a sandbox on loopback).
    pub upstreams: Vec<String>,
    /// Largest request body forwarded, in bytes (default 25 MB).
    #[serde(default = "default_body_limit")]
    pub body_limit_bytes: usize,
    /// Seconds to wait for an upstream answer (default 60).
    #[serde(default = "default_timeout")]
    pub upstream_timeout_secs: u64,
    /// Stop after this many seconds (for tests); runs until killed when absent.
    #[serde(default)]
    pub exit_after_secs: Option<u64>,
    /// Offer the callback relay (`/_relay`); off by default.
    #[serde(default)]
    pub relay: bool,
    /// How vendors reach this proxy, for relay callback URLs (default `http://{listen}`;
    /// a function must say it: its function URL).
    #[serde(default)]
    pub public_url: Option<String>,
    /// Where relay slots live: absent for this process's memory (one process serves the
    /// page), or a Redis URL (`redis://host:6379/0`) that every instance shares.
    #[serde(default)]
    pub relay_store: Option<String>,
    /// `text` (default) or `json`: one line per request either way.
    #[serde(default)]
    pub log_format: LogFormat,
    /// Seconds a client has to send a request's headers, and how long an idle
    /// keep-alive connection stays open (default 10).
    #[serde(default = "default_header_read_timeout")]
    pub header_read_timeout_secs: u64,
    /// Seconds a client has to send a request's body once its headers arrived
    /// (default 30).
    #[serde(default = "default_body_read_timeout")]
    pub body_read_timeout_secs: u64,
    /// Client connections served at once (default 1024); one more is answered 503 and
    /// closed. A function ignores it (the platform counts its instances).
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Largest upstream answer passed on, in bytes (default 50 MB); a larger one is
    /// refused (502) when its length is announced, or cut off where it passes the limit.
    #[serde(default = "default_answer_limit")]
    pub answer_limit_bytes: usize,
    /// Relay slots open at once (default 1000).
    #[serde(default = "default_relay_slots")]
    pub relay_max_slots: usize,
    /// Callback bytes one relay slot holds until the page collects them (default 1 MiB).
    #[serde(default = "default_relay_slot_bytes")]
    pub relay_slot_bytes: usize,
    /// Callback bytes all slots in this process's memory hold together (default 16 MiB;
    /// with `relay_store`, Redis's own `maxmemory` bounds the store).
    #[serde(default = "default_relay_bytes")]
    pub relay_max_bytes: usize,
    /// `upstreams`, read once.
    #[serde(skip)]
    parsed_upstreams: Vec<Upstream>,
}

/// How the proxy writes its one line per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `GET auth.longenesis.com 200 3ms`.
    #[default]
    Text,
    /// `{"method":"GET","upstream":"auth.longenesis.com","status":200,"duration_ms":3}`.
    Json,
}

/// How the proxy runs: the choice decides which settings make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `ferry-proxy --config FILE`: a long-lived process (or a systemd service).
    Process,
    /// `ferry-proxy-lambda`: an AWS Lambda function; instances come and go and share no
    /// memory.
    Function,
}

/// The environment variable holding the function's config as TOML text.
pub const CONFIG_VARIABLE: &str = "FERRY_PROXY_CONFIG";
/// The environment variable naming the function's config file instead.
pub const CONFIG_FILE_VARIABLE: &str = "FERRY_PROXY_CONFIG_FILE";
/// The config file a function reads when neither variable is set (bundled with it).
pub const BUNDLED_CONFIG: &str = "ferry-proxy.toml";

fn default_header_read_timeout() -> u64 {
    10
}

fn default_body_read_timeout() -> u64 {
    30
}

fn default_max_connections() -> usize {
    1024
}

fn default_answer_limit() -> usize {
    50 * 1024 * 1024
}

fn default_relay_slots() -> usize {
    1000
}

fn default_relay_slot_bytes() -> usize {
    1024 * 1024
}

fn default_relay_bytes() -> usize {
    16 * 1024 * 1024
}

fn default_listen() -> String {
    "127.0.0.1:8787".into()
}

fn default_body_limit() -> usize {
    25 * 1024 * 1024
}

fn default_timeout() -> u64 {
    60
}

impl Config {
    /// Reads the TOML text of a config file.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        let mut config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.parsed_upstreams = config.upstreams.iter().map(|e| Upstream::parse(e)).collect::<Result<_, _>>()?;
        Ok(config)
    }

    /// The function's config: the TOML text in `FERRY_PROXY_CONFIG`, else the file that
    /// `FERRY_PROXY_CONFIG_FILE` names, else `ferry-proxy.toml` bundled beside it.
    pub fn from_environment() -> Result<Config, String> {
        if let Ok(text) = std::env::var(CONFIG_VARIABLE) {
            return Config::from_toml(&text).map_err(|e| format!("{CONFIG_VARIABLE}: {e}"));
        }
        let path = std::env::var(CONFIG_FILE_VARIABLE).unwrap_or_else(|_| BUNDLED_CONFIG.into());
        let text = std::fs::read_to_string(&path).map_err(|e| {
            format!("no config: set {CONFIG_VARIABLE} to the config's TOML text, or {CONFIG_FILE_VARIABLE} to a file, or bundle {BUNDLED_CONFIG} ({path}: {e})")
        })?;
        Config::from_toml(&text).map_err(|e| format!("{path}: {e}"))
    }

    /// Settings that cannot work when the proxy runs in `mode`, as one message that says
    /// what to do instead.
    pub fn check(&self, mode: Mode) -> Result<(), String> {
        if let Some(url) = &self.relay_store {
            if !url.starts_with("redis://") && !url.starts_with("rediss://") {
                return Err(format!("relay_store \"{url}\" is not a Redis URL (write it like redis://127.0.0.1:6379/0)"));
            }
        }
        if mode == Mode::Function && self.relay {
            if self.relay_store.is_none() {
                return Err("relay = true needs relay_store when the proxy runs as a function: its instances share no memory, so a \
                            callback can reach an instance that never opened the slot and be lost. Set relay_store to a Redis URL \
                            that every instance reaches, or set relay = false and have Lumi Say post its result to your own \
                            callback URL (Ferry's Lumi Say settings)."
                    .into());
            }
            if self.public_url.is_none() {
                return Err("relay = true needs public_url when the proxy runs as a function: the function URL vendors post \
                            callbacks to (e.g. https://abc.lambda-url.eu-west-1.on.aws)."
                    .into());
            }
        }
        Ok(())
    }

    /// The upstream timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.upstream_timeout_secs)
    }

    /// The client header read timeout.
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs.max(1))
    }

    /// The client body read timeout.
    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_secs(self.body_read_timeout_secs.max(1))
    }

    /// The allowed upstream that `authority` (the first path segment) names, if any.
    pub fn upstream(&self, authority: &str) -> Option<&Upstream> {
        self.parsed_upstreams.iter().find(|u| u.authority.eq_ignore_ascii_case(authority))
    }
}

/// An allowed upstream: scheme and `host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// `https` or `http`.
    pub scheme: &'static str,
    /// `host` or `host:port`, lowercase.
    pub authority: String,
}

impl Upstream {
    /// Reads a config entry: `host`, `host:port`, `https://host` or `http://host:port`.
    pub fn parse(entry: &str) -> Result<Upstream, String> {
        let entry = entry.trim().trim_end_matches('/');
        let (scheme, authority) = if let Some(rest) = entry.strip_prefix("http://") {
            ("http", rest)
        } else if let Some(rest) = entry.strip_prefix("https://") {
            ("https", rest)
        } else {
            ("https", entry)
        };
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
            return Err(format!("upstream \"{entry}\" is not a host name (write it like auth.longenesis.com or http://127.0.0.1:9000)"));
        }
        if scheme == "http" && !authority.contains(':') {
            return Err(format!("upstream \"{entry}\": plain http is allowed only to a named port, e.g. http://127.0.0.1:9000"));
        }
        Ok(Upstream { scheme, authority: authority.to_ascii_lowercase() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_example() {
        let c = Config::from_toml(
            r#"listen = "127.0.0.1:8787"
allowed_origins = ["http://127.0.0.1:8080"]
upstreams = ["auth.longenesis.com", "engage-openapi.longenesis.com", "http://127.0.0.1:9000"]"#,
        )
        .unwrap();
        assert_eq!(c.upstream("auth.longenesis.com").unwrap().scheme, "https");
        assert_eq!(c.upstream("127.0.0.1:9000").unwrap().scheme, "http");
        assert!(c.upstream("127.0.0.1:9001").is_none());
        assert!(c.upstream("evil.example.org").is_none());
        assert_eq!(c.body_limit_bytes, 25 * 1024 * 1024);
    }

    #[test]
    fn a_function_refuses_a_relay_in_its_own_memory() {
        let base = "upstreams = [\"auth.longenesis.com\"]\nrelay = true\n";
        let memory = Config::from_toml(base).unwrap();
        assert_eq!(memory.listen, "127.0.0.1:8787");
        assert!(memory.check(Mode::Process).is_ok());
        let refused = memory.check(Mode::Function).unwrap_err();
        assert!(refused.contains("relay_store") && refused.contains("your own callback URL"), "{refused}");
        let no_url = Config::from_toml(&format!("{base}relay_store = \"redis://127.0.0.1:6379/0\"")).unwrap();
        assert!(no_url.check(Mode::Function).unwrap_err().contains("public_url"));
        let shared = Config::from_toml(&format!("{base}relay_store = \"redis://127.0.0.1:6379/0\"\npublic_url = \"https://f.example\"")).unwrap();
        assert!(shared.check(Mode::Function).is_ok());
        let wrong = Config::from_toml(&format!("{base}relay_store = \"http://127.0.0.1:6379\"")).unwrap();
        assert!(wrong.check(Mode::Process).unwrap_err().contains("not a Redis URL"));
        assert_eq!(Config::from_toml(&format!("{base}log_format = \"json\"")).unwrap().log_format, LogFormat::Json);
        assert!(Config::from_toml(&format!("{base}log_format = \"xml\"")).is_err());
    }

    #[test]
    fn refuses_unclear_entries() {
        assert!(Upstream::parse("http://example.org").is_err());
        assert!(Upstream::parse("example.org/path").is_err());
        assert!(Config::from_toml("listen = \"x\"\nupstreams = []\nsurprise = 1").is_err());
    }
}
