//! Reading helpers shared by the importers: bounded line reading and sniffing binary input.

use std::io::{self, BufRead};

/// One line read by [`read_line_capped`].
pub enum Line {
    /// End of input.
    Eof,
    /// A line (without its `\n`/`\r\n`).
    Ok,
    /// A line longer than the cap: it was consumed, but only the first `cap` bytes are kept.
    TooLong,
}

/// Reads one line into `buf` (cleared first), keeping at most `cap` bytes, so a file
/// without newlines cannot make us allocate without bound.
pub fn read_line_capped(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Line> {
    buf.clear();
    let mut any = false;
    let mut too_long = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (content, take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(p) => (p, p + 1, true),
            None => (chunk.len(), chunk.len(), false),
        };
        let room = cap.saturating_sub(buf.len());
        let keep = content.min(room);
        buf.extend_from_slice(&chunk[..keep]);
        if keep < content {
            too_long = true;
        }
        reader.consume(take);
        if done {
            break;
        }
    }
    if !any {
        return Ok(Line::Eof);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(if too_long { Line::TooLong } else { Line::Ok })
}

/// Skips a UTF-8 byte order mark, and tells whether the start of the input looks binary
/// (a NUL byte in the first block): no text format we read contains one, and reporting one
/// error beats reporting one per "line" of an image or archive.
pub fn sniff(reader: &mut dyn BufRead) -> io::Result<Option<String>> {
    let head = reader.fill_buf()?;
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    }
    let head = reader.fill_buf()?;
    let window = &head[..head.len().min(8192)];
    Ok(window.iter().position(|&b| b == 0).map(|offset| {
        format!("input looks binary (NUL byte at offset {offset}), not a text file of this format")
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn capped_lines() {
        let mut r: &[u8] = b"abc\r\ndefghij\n\nlast";
        let mut buf = Vec::new();
        assert!(matches!(
            read_line_capped(&mut r, &mut buf, 4).unwrap(),
            Line::Ok
        ));
        assert_eq!(buf, b"abc");
        assert!(matches!(
            read_line_capped(&mut r, &mut buf, 4).unwrap(),
            Line::TooLong
        ));
        assert_eq!(buf, b"defg");
        assert!(matches!(
            read_line_capped(&mut r, &mut buf, 4).unwrap(),
            Line::Ok
        ));
        assert_eq!(buf, b"");
        assert!(matches!(
            read_line_capped(&mut r, &mut buf, 4).unwrap(),
            Line::Ok
        ));
        assert_eq!(buf, b"last");
        assert!(matches!(
            read_line_capped(&mut r, &mut buf, 4).unwrap(),
            Line::Eof
        ));
    }

    #[test]
    fn sniffs_binary_and_bom() {
        let mut r: &[u8] = b"\xEF\xBB\xBF{}";
        assert_eq!(sniff(&mut r).unwrap(), None);
        assert_eq!(r, b"{}");
        let mut r: &[u8] = b"PK\x03\x04\x00\x00";
        assert!(sniff(&mut r).unwrap().is_some());
    }
}
