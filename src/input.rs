//! The input stage: reads a bounce from a file or stdin under a size cap and normalises it, so
//! that every later stage sees LF line endings and never has to guard against a runaway input.

use std::io::Read;

use thiserror::Error;

/// The default cap on one input: large enough for any bounce with its returned message.
pub const DEFAULT_MAX_SIZE: u64 = 25 * 1024 * 1024;

/// Why an input could not be used at all.
#[derive(Debug, Error)]
pub enum InputError {
    /// Nothing but white space.
    #[error("the input is empty")]
    Empty,
    /// NUL bytes or mostly control characters: an image, an archive, an executable...
    #[error("the input looks like binary data, not an email or SMTP error text")]
    Binary,
    /// Over the cap given with `--max-size`.
    #[error("the input is larger than the limit of {limit} bytes (raise it with --max-size)")]
    TooLarge { limit: u64 },
    /// The file or stdin could not be read.
    #[error("cannot read the input: {0}")]
    Io(#[from] std::io::Error),
}

/// One input, read and normalised.
#[derive(Debug, Clone)]
pub struct Input {
    /// What to call it in messages: the file name, or `-` for stdin.
    pub name: String,
    /// The bytes with CRLF and bare CR turned into LF.
    pub bytes: Vec<u8>,
}

impl Input {
    /// Reads at most `max_size` bytes from `reader`; one byte more is an error, not a truncation.
    pub fn read(name: &str, reader: impl Read, max_size: u64) -> Result<Input, InputError> {
        let mut bytes = Vec::new();
        reader
            .take(max_size.saturating_add(1))
            .read_to_end(&mut bytes)?;
        if bytes.len() as u64 > max_size {
            return Err(InputError::TooLarge { limit: max_size });
        }
        Input::from_bytes(name, bytes)
    }

    /// Checks and normalises bytes already in memory.
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<Input, InputError> {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(InputError::Empty);
        }
        if looks_binary(&bytes) {
            return Err(InputError::Binary);
        }
        Ok(Input {
            name: name.to_string(),
            bytes: normalise_line_endings(&bytes),
        })
    }

    /// Normalises bytes known to be mail (a corpus file, an mbox member) without the binary
    /// check: real bounces occasionally carry a stray NUL byte.
    pub fn from_mail_bytes(name: &str, bytes: Vec<u8>) -> Input {
        Input {
            name: name.to_string(),
            bytes: normalise_line_endings(&bytes),
        }
    }

    /// The input as text; invalid UTF-8 is replaced, never rejected (bounces mix charsets).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// NUL bytes, or more than one byte in ten a control character other than tab, LF, CR, FF or
/// ESC, in the first 64 KiB.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    if head.contains(&0) {
        return true;
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b))
        .count();
    controls * 10 > head.len()
}

/// CRLF and bare CR (seen in Exchange Web Services bounces) become LF.
fn normalise_line_endings(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' => {
                out.push(b'\n');
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings_are_normalised() {
        let input = Input::from_bytes("t", b"a\r\nb\rc\nd".to_vec()).unwrap();
        assert_eq!(input.bytes, b"a\nb\nc\nd");
    }

    #[test]
    fn empty_and_binary_are_refused() {
        assert!(matches!(
            Input::from_bytes("t", b"  \n\t".to_vec()),
            Err(InputError::Empty)
        ));
        assert!(matches!(
            Input::from_bytes("t", b"PK\x03\x04\x00\x00".to_vec()),
            Err(InputError::Binary)
        ));
    }

    #[test]
    fn over_the_cap_is_an_error() {
        let data = [b'a'; 101];
        assert!(matches!(
            Input::read("t", &data[..], 100),
            Err(InputError::TooLarge { limit: 100 })
        ));
        assert!(Input::read("t", &data[..], 101).is_ok());
    }
}
