//! Ferry's web page: Leptos components and the browser transport. Every rule, check and
//! payload lives in `ferry-core`; this crate shows them and performs the requests.

pub mod app;
pub mod blob_reader;
pub mod check_job;
pub mod components;
pub mod focus;
pub mod handoff;
pub mod import;
pub mod inbox;
pub mod journal_store;
pub mod page_config;
pub mod phone_job;
pub mod read_watchdog;
pub mod relay;
pub mod send_driver;
pub mod spare_worker;
pub mod state;
pub mod steps;
pub mod transport;
pub mod vendors;
pub mod worker;
pub mod worker_job;
pub mod worker_messages;
pub mod worker_protocol;

/// Installs the panic hook and mounts the app on `<body>`.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
    // Ready before the user has chosen a file.
    spare_worker::warm();
}
