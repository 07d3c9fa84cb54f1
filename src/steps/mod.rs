//! One module per wizard step.

pub mod bulk_fixes;
pub mod en_format;
pub mod lumi_say_lists;
pub mod map;
pub mod pk_settings;
pub mod report;
pub mod saved_mappings;
pub mod review;
pub mod send;
pub mod upload;
