//! The check stage: live DNS checks of a bounce's sender, each degrading to a result about its
//! own failure rather than aborting the others.

pub mod nameservers;
