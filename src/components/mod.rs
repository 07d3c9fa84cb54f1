//! Reusable views.

pub mod connection;
pub mod data_grid;
pub mod download;
pub mod file_drop;
pub mod grid_keys;
pub mod later;
pub mod long_cell;
pub mod progress_bar;
pub mod sheet_preview;
pub mod step_indicator;
pub mod text_field;
