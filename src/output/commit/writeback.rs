//! Writing an output that is fsynced at the end without waiting for all of
//! it at the end.

use std::fs::File;
use std::io::{self, Write};

/// A file being written that is to be fsynced at the end: every 8 MiB it asks
/// the kernel to start writing the bytes so far to disk, so the disk works
/// while the rest is formatted and the final fsync waits only for the tail.
pub(super) struct Writeback<'a> {
    file: &'a File,
    written: u64,
    started: u64,
    sync: bool,
}

impl<'a> Writeback<'a> {
    /// `sync`: the file is fsynced at the end, so start writeback on the way.
    pub(super) fn new(file: &'a File, sync: bool) -> Writeback<'a> {
        Writeback { file, written: 0, started: 0, sync }
    }
}

impl Write for Writeback<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = (&*self.file).write(buf)?;
        self.written += n as u64;
        if self.sync && self.written - self.started >= 8 << 20 {
            start_writeback(self.file, self.started, self.written - self.started);
            self.started = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.file).flush()
    }
}

/// Starts writeback of a byte range without waiting for it (advisory: errors
/// are left to the final fsync, which reports them).
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: sync_file_range reads no memory of ours; the descriptor is open
    // for the lifetime of `file`, and any failure only returns an error code.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset as i64, len as i64, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}
