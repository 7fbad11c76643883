//! Reading the files a user names (scenarios, sweeps, targets, manifests): regular files only, and no larger
//! than a cap, so that `/dev/zero`, a FIFO or a folder given by mistake is refused at once with a message
//! instead of blocking or filling memory.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// The largest scenario, sweep or targets file read: a town of the most venues supported fits with room.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

fn refused(path: &Path, why: String) -> Error {
    Error::Read { path: path.to_path_buf(), source: std::io::Error::other(why) }
}

/// Reads a regular file of at most `max` bytes as UTF-8 text.
pub fn read_text(path: &Path, max: u64) -> Result<String> {
    let bytes = read_bytes(path, max)?;
    String::from_utf8(bytes).map_err(|e| {
        refused(
            path,
            format!("it is not UTF-8 text (a byte that is not UTF-8 at offset {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// Reads a regular file of at most `max` bytes.
pub fn read_bytes(path: &Path, max: u64) -> Result<Vec<u8>> {
    let file = open_regular(path)?;
    let len = file.metadata().map_err(|e| Error::read(path, e))?.len();
    if len > max {
        return Err(too_big(path, len, max));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // `take` guards against a file that grows while it is read.
    file.take(max + 1).read_to_end(&mut bytes).map_err(|e| Error::read(path, e))?;
    if bytes.len() as u64 > max {
        return Err(too_big(path, bytes.len() as u64, max));
    }
    Ok(bytes)
}

/// Opens a file for reading after checking, without opening it, that it is a regular file (opening a FIFO
/// would block until someone writes to it).
pub fn open_regular(path: &Path) -> Result<std::fs::File> {
    let meta = std::fs::metadata(path).map_err(|e| Error::read(path, e))?;
    if !meta.is_file() {
        return Err(refused(path, format!("it is {}, not a regular file", kind_of(&meta))));
    }
    std::fs::File::open(path).map_err(|e| Error::read(path, e))
}

fn too_big(path: &Path, len: u64, max: u64) -> Error {
    refused(path, format!("it is {}, more than the {} a file read here may have", size(len), size(max)))
}

/// A size in words a user reads: bytes, KiB, MiB or GiB.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

/// What a path that is not a regular file is, in words.
pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_symlink() {
        return "a link";
    }
    if t.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_folders_and_big_files_are_refused_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_text(dir.path(), 100).unwrap_err().to_string();
        assert!(err.contains("a folder, not a regular file"), "{err}");
        if Path::new("/dev/zero").exists() {
            let err = read_text(Path::new("/dev/zero"), 100).unwrap_err().to_string();
            assert!(err.contains("a device, not a regular file"), "{err}");
        }
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; 101]).unwrap();
        let err = read_text(&big, 100).unwrap_err().to_string();
        assert!(err.contains("101 bytes, more than the 100 bytes"), "{err}");
        std::fs::write(&big, [0xff, 0xfe]).unwrap();
        assert!(read_text(&big, 100).unwrap_err().to_string().contains("not UTF-8"));
    }
}
