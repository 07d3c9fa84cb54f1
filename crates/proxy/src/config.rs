//! The proxy's configuration file.

use std::time::Duration;

use serde::Deserialize;

/// What `ferry-proxy --config FILE` reads (TOML).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8787`.
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
    /// How vendors reach this proxy, for relay callback URLs (default `http://{listen}`).
    #[serde(default)]
    pub public_url: Option<String>,
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
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        for entry in &config.upstreams {
            Upstream::parse(entry)?;
        }
        Ok(config)
    }

    /// The upstream timeout.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.upstream_timeout_secs)
    }

    /// The allowed upstream that `authority` (the first path segment) names, if any.
    pub fn upstream(&self, authority: &str) -> Option<Upstream> {
        let wanted = authority.to_ascii_lowercase();
        let parsed: Vec<Upstream> = self.upstreams.iter().filter_map(|e| Upstream::parse(e).ok()).collect();
        parsed.into_iter().find(|u| u.authority == wanted)
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
        assert_eq!(c.upstream("127.0.0.1:9001"), None);
        assert_eq!(c.upstream("evil.example.org"), None);
        assert_eq!(c.body_limit_bytes, 25 * 1024 * 1024);
    }

    #[test]
    fn refuses_unclear_entries() {
        assert!(Upstream::parse("http://example.org").is_err());
        assert!(Upstream::parse("example.org/path").is_err());
        assert!(Config::from_toml("listen = \"x\"\nupstreams = []\nsurprise = 1").is_err());
    }
}
