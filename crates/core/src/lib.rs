//! ferry-core: everything Ferry decides, with no I/O, no clock and no browser.
//!
//! Data flows one way: file bytes are read into a [`Sheet`], a [`Mapping`] turns rows
//! into vendor records, a vendor adapter validates them into [`Issue`]s, the send engine cuts batches,
//! builds [`HttpRequest`]s and reads [`HttpResponse`]s into a [`Report`].
//! The caller (the web app, or a test) performs the requests and supplies the time.

pub mod date_columns;
pub mod datetime;
pub mod fingerprint;
pub mod fixes;
pub mod http;
pub mod issue;
pub mod journal;
pub mod mapping;
pub mod phone;
pub mod repeats;
pub mod report;
pub mod row_set;
pub mod saved_mapping;
pub mod send;
pub mod sheet;
pub mod text;
pub mod vendors;

pub use http::{Body, HttpRequest, HttpResponse, Method, Part, TransportError};
pub use issue::{Issue, IssueKind, Severity};
pub use mapping::{FieldKind, FieldSpec, Mapping, Source};
pub use report::{Outcome, OutcomeKind, Report, RowOutcome};
pub use sheet::{read_csv, read_file, FileKind, ReadError, ReadOptions, Row, Sheet};
