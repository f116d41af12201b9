//! Why the DNS layer could not be set up: a bad `--assume`, an unreadable or malformed zone
//! file, a bad `--nameserver`. Lookup failures are not errors: they are [`super::DnsAnswer`]s.

use std::path::PathBuf;

use thiserror::Error;

use super::ZoneParseError;

/// A DNS configuration the run cannot start with.
#[derive(Debug, Error)]
pub enum DnsError {
    /// An `--assume 'NAME TYPE VALUE'` string that does not parse.
    #[error("bad assumption {input:?}: column {column}: {kind}", column = .error.column, kind = .error.kind)]
    Assume {
        input: String,
        error: ZoneParseError,
    },
    /// A zone file that does not parse.
    #[error("{}: {error}", path.display())]
    Zone {
        path: PathBuf,
        error: ZoneParseError,
    },
    /// A zone file that cannot be read.
    #[error("cannot read zone file {}: {source}", path.display())]
    ZoneIo {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A name server that is not `ADDR`, `ADDR:PORT` or `[IPV6]:PORT`.
    #[error("bad name server address {input:?} (expected ADDR, ADDR:PORT or [IPV6]:PORT)")]
    ServerAddr { input: String },
    /// No name server given and none found in the system configuration.
    #[error("no name server configured (none in {path}; give one with --nameserver)")]
    NoNameServers { path: String },
    /// The system resolver configuration could not be read.
    #[error("cannot read {path}: {source}")]
    SystemConfig {
        path: String,
        source: std::io::Error,
    },
    /// hickory refused the configuration.
    #[error("cannot set up the DNS resolver: {message}")]
    Setup { message: String },
}
