//! One module per wizard step, each vendor-agnostic: the chosen target's own forms come
//! from [`crate::vendors`].

pub mod bulk_fixes;
pub mod date_orders;
pub mod email_case;
pub mod inferences;
pub mod map;
pub mod phone_country;
pub mod report;
pub mod review;
pub mod saved_mappings;
pub mod send;
pub mod upload;
