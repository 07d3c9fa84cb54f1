//! One adapter per vendor, each a file that reads like the vendor's document.
//!
//! Adding a vendor: one new file here and one line in [`VENDORS`].

pub mod engage;

use crate::mapping::FieldSpec;

/// What the page needs to know about a target before choosing it.
#[derive(Debug, Clone, Copy)]
pub struct Vendor {
    /// Stable id, used in settings and saved mappings.
    pub id: &'static str,
    /// The product's name.
    pub name: &'static str,
    /// One line on what a record is.
    pub summary: &'static str,
    /// The fields a record has.
    pub fields: &'static [FieldSpec],
    /// Prefix of fields the user names (e.g. `answers.` + question id), if any.
    pub dynamic_prefix: Option<&'static str>,
}

/// Every target Ferry can send to.
pub const VENDORS: &[Vendor] = &[engage::VENDOR];
