//! A checked cursor over untrusted bytes, in the style of rustls' `Reader`:
//! every read returns `None` instead of panicking when the input is short.

/// Reads big-endian integers and length-prefixed vectors (RFC 8446
/// section 3) from a byte slice. Nothing here can panic or over-read.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader positioned at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The next `n` bytes, or `None` (consuming nothing) if fewer remain.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    /// Skips `n` bytes; `None` (consuming nothing) if fewer remain.
    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }

    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        match self.take(1)? {
            [b] => Some(*b),
            _ => None,
        }
    }

    /// A big-endian `uint16`.
    pub fn u16(&mut self) -> Option<u16> {
        match self.take(2)? {
            [a, b] => Some(u16::from_be_bytes([*a, *b])),
            _ => None,
        }
    }

    /// A big-endian `uint24`.
    pub fn u24(&mut self) -> Option<u32> {
        match self.take(3)? {
            [a, b, c] => Some(u32::from_be_bytes([0, *a, *b, *c])),
            _ => None,
        }
    }

    /// A big-endian `uint32`.
    pub fn u32(&mut self) -> Option<u32> {
        match self.take(4)? {
            [a, b, c, d] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
            _ => None,
        }
    }

    /// Everything not read yet (the reader is then empty).
    pub fn rest(&mut self) -> &'a [u8] {
        let out = self.buf.get(self.pos..).unwrap_or_default();
        self.pos = self.buf.len();
        out
    }

    /// The unread bytes, without consuming them.
    pub fn peek_rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Number of bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// Number of bytes read so far.
    pub fn used(&self) -> usize {
        self.pos
    }

    /// Whether everything has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// A sub-reader over a vector whose length is a `uint8` prefix
    /// (`opaque x<0..2^8-1>`).
    pub fn sub_u8(&mut self) -> Option<Reader<'a>> {
        let n = self.u8()?;
        self.take(usize::from(n)).map(Reader::new)
    }

    /// A sub-reader over a vector whose length is a `uint16` prefix.
    pub fn sub_u16(&mut self) -> Option<Reader<'a>> {
        let n = self.u16()?;
        self.take(usize::from(n)).map(Reader::new)
    }

    /// A sub-reader over a vector whose length is a `uint24` prefix.
    pub fn sub_u24(&mut self) -> Option<Reader<'a>> {
        let n = self.u24()?;
        self.take(usize::try_from(n).ok()?).map(Reader::new)
    }

    /// Reads `uint16` values until the reader is empty; `None` if an odd
    /// byte is left over.
    pub fn u16_list(&mut self) -> Option<Vec<u16>> {
        let mut out = Vec::with_capacity(self.remaining() / 2);
        while !self.is_empty() {
            out.push(self.u16()?);
        }
        Some(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_bounds() {
        let mut r = Reader::new(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(r.u8(), Some(1));
        assert_eq!(r.u16(), Some(0x0203));
        assert_eq!(r.u24(), Some(0x040506));
        assert_eq!(r.used(), 6);
        assert_eq!(r.u32(), Some(0x0708090a));
        assert!(r.is_empty());
        assert_eq!(r.u8(), None);
        assert_eq!(r.take(0), Some(&[][..]));
        assert_eq!(r.take(usize::MAX), None);
    }

    #[test]
    fn short_reads_consume_nothing() {
        let mut r = Reader::new(&[0xaa, 0xbb, 0xcc]);
        assert_eq!(r.u32(), None);
        assert_eq!(r.remaining(), 3);
        assert_eq!(r.u24(), Some(0xaabbcc));
    }

    #[test]
    fn length_prefixed() {
        let mut r = Reader::new(&[0, 4, 0, 1, 0, 2, 2, 9, 9, 0, 0, 5, 1]);
        let mut list = r.sub_u16().unwrap();
        assert_eq!(list.u16_list(), Some(vec![1, 2]));
        let mut v = r.sub_u8().unwrap();
        assert_eq!(v.rest(), &[9, 9]);
        // uint24 length 5 but only 1 byte left.
        assert!(r.sub_u24().is_none());
        let mut odd = Reader::new(&[0, 1, 2]);
        assert_eq!(odd.u16_list(), None);
        let mut empty = Reader::new(&[]);
        assert!(empty.sub_u8().is_none());
        assert_eq!(empty.peek_rest(), &[] as &[u8]);
    }
}
