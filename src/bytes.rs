//! Byte searches over short distances. Most searches of a bounce end within a line or a
//! field, a few dozen bytes on: there the general `memchr`'s call through a routine chosen at
//! run time costs more than the search itself.

/// The first `needle` in `hay`, for searches that usually end within a line (a line's end, a
/// carriage return). memchr's SSE2 searcher, part of every x86-64 CPU, is inlined in the
/// caller; long searches for a rare byte are better served by `memchr::memchr`.
#[inline(always)]
pub(crate) fn find_near(needle: u8, hay: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(one) = memchr::arch::x86_64::sse2::memchr::One::new(needle) {
        return one.find(hay);
    }
    memchr::memchr(needle, hay)
}

#[cfg(test)]
mod tests {
    /// The inlined search finds what `memchr` finds at every length around the SSE2 searcher's
    /// block sizes and from every alignment, with the needle at every place and nowhere.
    #[test]
    fn find_near_is_memchr() {
        let mut backing = vec![b'a'; 16 + 200];
        for offset in 0..16 {
            for len in 0..200 {
                let hay = &mut backing[offset..offset + len];
                assert_eq!(super::find_near(b'\n', hay), memchr::memchr(b'\n', hay));
                for at in 0..len {
                    hay[at] = b'\n';
                    if at + 3 < len {
                        hay[at + 3] = b'\n';
                    }
                    assert_eq!(
                        super::find_near(b'\n', hay),
                        memchr::memchr(b'\n', hay),
                        "{offset} {len} {at}"
                    );
                    assert_eq!(super::find_near(b'\n', hay), Some(at));
                    hay.fill(b'a');
                }
            }
        }
    }
}
