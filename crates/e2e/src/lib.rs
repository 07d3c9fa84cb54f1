//! ferry-e2e: Ferry's whole stack on loopback, as real processes.
//!
//! [`Stack::start`] runs `ferry-sandbox` and `ferry-proxy` (the built binaries), serves
//! the built page with a `ferry.config.json` that points at them, and stops everything
//! when dropped. `cargo xtask serve` and the end-to-end tests share it; [`browser`]
//! starts ChromeDriver and a headless Chromium for the tests.

pub mod browser;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use serde_json::json;
use tower_http::services::ServeDir;

/// A folder served over HTTP on loopback (the benchmark's page and files); stops on drop
/// or after `lifetime`.
pub struct StaticSite {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    server: tokio::task::JoinHandle<()>,
}

impl StaticSite {
    /// Serves `dir` on a free loopback port.
    pub async fn start(dir: &Path, lifetime: Duration) -> Result<StaticSite, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
        let router = Router::new().fallback_service(ServeDir::new(dir));
        let server = tokio::spawn(async move {
            let _ = tokio::time::timeout(lifetime, axum::serve(listener, router)).await;
        });
        Ok(StaticSite { url, server })
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Where the pieces listen; port 0 picks a free one.
#[derive(Debug, Clone)]
pub struct Ports {
    /// The page.
    pub page: u16,
    /// The sandbox.
    pub sandbox: u16,
    /// The proxy.
    pub proxy: u16,
}

impl Ports {
    /// Free ports chosen by the system (for tests).
    pub fn any() -> Ports {
        Ports { page: 0, sandbox: 0, proxy: 0 }
    }
}

/// What to start.
#[derive(Debug, Clone)]
pub struct StackOptions {
    /// Folder of the built page (trunk's output).
    pub dist: PathBuf,
    /// Folder holding the `ferry-sandbox` and `ferry-proxy` binaries.
    pub bin_dir: PathBuf,
    /// Ports.
    pub ports: Ports,
    /// Processes stop by themselves after this long.
    pub lifetime: Option<Duration>,
    /// Extra arguments for the sandbox (e.g. `--token-ttl 40`).
    pub sandbox_args: Vec<String>,
}

/// A running sandbox, proxy and page server; everything stops on drop.
pub struct Stack {
    /// The page's URL, e.g. `http://127.0.0.1:8080/`.
    pub page_url: String,
    /// The sandbox's base URL.
    pub sandbox_url: String,
    /// The proxy's base URL.
    pub proxy_url: String,
    children: Vec<ChildGuard>,
    proxy_command: (PathBuf, PathBuf),
    proxy_port: u16,
    page_server: tokio::task::JoinHandle<()>,
    _workdir: TempDir,
}

impl Stack {
    /// Starts the sandbox and the proxy as processes and serves the page in this process.
    pub async fn start(options: StackOptions) -> Result<Stack, String> {
        let workdir = TempDir::new("ferry-stack")?;
        let page_listener = tokio::net::TcpListener::bind(("127.0.0.1", options.ports.page))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{} for the page: {e}", options.ports.page))?;
        let page_addr = page_listener.local_addr().map_err(|e| e.to_string())?;
        let page_url = format!("http://{page_addr}/");
        let lifetime = options.lifetime.map(|d| d.as_secs().max(1));

        // Each server binds its port itself (0 = any free one) and announces it.
        let mut sandbox = Command::new(binary(&options.bin_dir, "ferry-sandbox")?);
        sandbox.args(["--listen", &format!("127.0.0.1:{}", options.ports.sandbox)]).args(&options.sandbox_args);
        if let Some(secs) = lifetime {
            sandbox.args(["--exit-after", &secs.to_string()]);
        }
        let (sandbox, sandbox_port) = ChildGuard::spawn_announcing(sandbox, "ferry-sandbox", Announce::Stderr, listening_port)?;
        let sandbox_url = format!("http://127.0.0.1:{sandbox_port}");

        let config_path = workdir.path().join("proxy.toml");
        let mut config = format!(
            "listen = \"127.0.0.1:{}\"\nallowed_origins = [\"http://{page_addr}\"]\nupstreams = [\"auth.longenesis.com\", \"engage-openapi.longenesis.com\", \"us.engagingnetworks.app\", \"ca.engagingnetworks.app\", \"{sandbox_url}\"]\nrelay = true\nupstream_timeout_secs = 300\n",
            options.ports.proxy
        );
        if let Some(secs) = lifetime {
            config.push_str(&format!("exit_after_secs = {secs}\n"));
        }
        std::fs::write(&config_path, config).map_err(|e| format!("cannot write the proxy config: {e}"))?;
        let mut proxy = Command::new(binary(&options.bin_dir, "ferry-proxy")?);
        proxy.arg("--config").arg(&config_path);
        let (proxy, proxy_port) = ChildGuard::spawn_announcing(proxy, "ferry-proxy", Announce::Stderr, listening_port)?;
        let proxy_url = format!("http://127.0.0.1:{proxy_port}");
        // A restarted proxy must come back on the same port.
        let fixed = std::fs::read_to_string(&config_path)
            .map_err(|e| e.to_string())?
            .replace(&format!("listen = \"127.0.0.1:{}\"", options.ports.proxy), &format!("listen = \"127.0.0.1:{proxy_port}\""));
        std::fs::write(&config_path, fixed).map_err(|e| format!("cannot rewrite the proxy config: {e}"))?;
        let proxy_command = (binary(&options.bin_dir, "ferry-proxy")?, config_path.clone());
        let children = vec![sandbox, proxy];

        let page_config = json!({
            "proxy_url": proxy_url,
            "notice": "Sandbox mode: the platforms are emulated on this computer. Engage: coordinator@example.org / sandbox-password, client secret sandbox-secret. Lumi Say: coordinator / sandbox-password. Engaging Networks: token sandbox-en-token. Participant Kit: token sandbox-pk-token.",
            "engage": {
                "auth_base": sandbox_url,
                "api_base": sandbox_url,
                "realm": "curator-engage",
                "org_slug": "demo-org",
                "activity_slug": "baseline-survey",
                "batch_size": 100
            },
            "lumi_say": {
                "base_url": sandbox_url,
                "project": "demo-project",
                "group_id": "101",
                "batch_size": 500
            },
            "participant_kit": {
                "base_url": sandbox_url,
                "concurrency": 4
            },
            "engaging_networks": {
                "server": sandbox_url,
                "import_name": "Ferry demo",
                "format_name": "ferry-supporters",
                "columns": ["First Name", "Last Name", "Email Address", "PostCode", "OPT-IN #1"]
            }
        });
        let router = Router::new()
            .route("/ferry.config.json", get(move || async move { axum::Json(page_config.clone()) }))
            .fallback_service(ServeDir::new(&options.dist));
        let deadline = options.lifetime;
        let page_server = tokio::spawn(async move {
            let serve = axum::serve(page_listener, router);
            match deadline {
                Some(d) => {
                    let _ = tokio::time::timeout(d, serve).await;
                }
                None => {
                    let _ = serve.await;
                }
            }
        });
        Ok(Stack { page_url, sandbox_url, proxy_url, children, proxy_command, proxy_port, page_server, _workdir: workdir })
    }

    /// What the sandbox holds for an Engage organisation.
    pub async fn engage_records(&self, org: &str) -> Result<serde_json::Value, String> {
        let url = format!("{}/_sandbox/engage/{org}", self.sandbox_url);
        let response = reqwest::get(&url).await.map_err(|e| format!("sandbox inspection failed: {e}"))?;
        response.json().await.map_err(|e| format!("sandbox inspection unreadable: {e}"))
    }

    /// How many participants and submissions Engage's organisation `org` holds (and
    /// requests accepted and refused), without reading them all.
    pub async fn engage_counts(&self, org: &str) -> Result<serde_json::Value, String> {
        let url = format!("{}/_sandbox/engage/{org}/counts", self.sandbox_url);
        let response = reqwest::get(&url).await.map_err(|e| format!("sandbox inspection failed: {e}"))?;
        response.json().await.map_err(|e| format!("sandbox inspection unreadable: {e}"))
    }

    /// Kills the proxy process (for tests of a proxy that goes away mid-send).
    pub fn stop_proxy(&mut self) {
        self.children.retain(|c| c.name != "ferry-proxy");
    }

    /// Starts the proxy again on the same port, with the same config.
    pub fn start_proxy(&mut self) -> Result<(), String> {
        let (bin, config) = &self.proxy_command;
        let mut proxy = Command::new(bin);
        proxy.arg("--config").arg(config);
        let (guard, port) = ChildGuard::spawn_announcing(proxy, "ferry-proxy", Announce::Stderr, listening_port)?;
        if port != self.proxy_port {
            return Err(format!("the proxy came back on port {port}, not {}", self.proxy_port));
        }
        self.children.push(guard);
        Ok(())
    }

    /// Which child process has exited, if any (for `cargo xtask serve`).
    pub fn exited(&mut self) -> Option<String> {
        self.children.iter_mut().find_map(|c| c.child.try_wait().ok().flatten().map(|status| format!("{} exited ({status})", c.name)))
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.page_server.abort();
    }
}

/// The path of a built binary, or a message saying how to build it.
fn binary(dir: &Path, name: &str) -> Result<PathBuf, String> {
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{} is missing: build it with `cargo build -p {name}` (cargo xtask test does)", path.display()))
    }
}

/// The port in a `... listening on http://127.0.0.1:PORT` line (plain or in a JSON log
/// line).
pub fn listening_port(line: &str) -> Option<u16> {
    let rest = line.split("listening on http://").nth(1)?;
    let authority = rest.split([',', ' ', '/', '"']).next()?;
    authority.rsplit(':').next()?.parse().ok()
}

/// Which output stream a child announces its port on.
#[derive(Debug, Clone, Copy)]
pub enum Announce {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// A child process killed when dropped.
pub struct ChildGuard {
    name: &'static str,
    child: Child,
}

impl ChildGuard {
    /// Starts `command` in a process group of its own, with its output going to this
    /// process's stderr. Dropping the guard kills the whole group, so helpers the child
    /// started (Chromium under ChromeDriver) stop too.
    pub fn spawn(mut command: Command, name: &'static str) -> Result<ChildGuard, String> {
        command.stdout(Stdio::inherit()).stderr(Stdio::inherit());
        ChildGuard::spawn_piped(command, name)
    }

    /// Takes charge of a child already started in a process group of its own.
    pub fn adopt(child: Child, name: &'static str) -> ChildGuard {
        ChildGuard { name, child }
    }

    /// The child's process id (also its process group's).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    fn spawn_piped(mut command: Command, name: &'static str) -> Result<ChildGuard, String> {
        use std::os::unix::process::CommandExt;
        let child = command.process_group(0).stdin(Stdio::null()).spawn().map_err(|e| format!("cannot start {name}: {e}"))?;
        Ok(ChildGuard { name, child })
    }

    /// Starts `command` like [`ChildGuard::spawn`] and waits (up to 20 s) for a line on
    /// `stream` from which `port` reads the port it listens on. The stream's further
    /// lines go to this process's stderr.
    pub fn spawn_announcing(mut command: Command, name: &'static str, stream: Announce, port: fn(&str) -> Option<u16>) -> Result<(ChildGuard, u16), String> {
        match stream {
            Announce::Stdout => command.stdout(Stdio::piped()),
            Announce::Stderr => command.stderr(Stdio::piped()),
        };
        let mut guard = ChildGuard::spawn_piped(command, name)?;
        let output: Box<dyn std::io::Read + Send> = match stream {
            Announce::Stdout => Box::new(guard.child.stdout.take().ok_or("no stdout")?),
            Announce::Stderr => Box::new(guard.child.stderr.take().ok_or("no stderr")?),
        };
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut sender = Some(sender);
            for line in std::io::BufReader::new(output).lines().map_while(Result::ok) {
                eprintln!("{line}");
                if let Some(p) = port(&line) {
                    if let Some(s) = sender.take() {
                        let _ = s.send(p);
                    }
                }
            }
        });
        match receiver.recv_timeout(Duration::from_secs(20)) {
            Ok(p) => Ok((guard, p)),
            Err(_) => {
                let status = guard.child.try_wait().ok().flatten().map(|s| format!(" ({s})")).unwrap_or_default();
                Err(format!("{name} did not say which port it listens on within 20 s{status}"))
            }
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh folder under the system's temporary folder.
    pub fn new(prefix: &str) -> Result<TempDir, String> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(TempDir(path))
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The workspace's root folder (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap_or_else(|_| PathBuf::from("."))
}
