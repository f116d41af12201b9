//! The render stage, the only one that writes for the user: a text report for a person and a
//! JSON object for programs, both walking the same [`Report`].

use serde::Serialize;

use crate::bounce::Bounce;
use crate::classify::Classification;

/// Everything the pipeline found for one input.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The input's name (a file name, or `-` for stdin).
    pub input: String,
    pub bounce: Bounce,
    /// One per recipient of `bounce`, in the same order.
    pub classifications: Vec<Classification>,
}
