//! bouncedoc: tells a mail administrator why an email bounced and exactly what to change.
//!
//! The data flows one way, one module per stage, plain data between them:
//! [`input`] → [`bounce`] (parse) → [`classify`] → checks ([`dns`], [`spf`], [`dkim`],
//! [`dmarc`], [`rdns`]) → diagnose → [`render`].

pub mod bounce;
pub mod check;
pub mod classify;
pub mod diagnose;
pub mod dkim;
pub mod dmarc;
pub mod dns;
pub mod input;
pub mod rdns;
pub mod render;
pub mod spf;
pub mod verify;
