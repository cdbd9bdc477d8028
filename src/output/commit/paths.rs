//! The output paths checked before anything is read: none empty, none the
//! same file as another output or as one of the run's inputs.

use std::path::{Path, PathBuf};

use super::folder_of;
use crate::error::Error;

/// A key that is equal for two paths naming the same file, existing or not.
fn identity(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let parent = folder_of(path);
    match std::fs::canonicalize(parent) {
        Ok(dir) => Some(dir.join(path.file_name()?)),
        // A folder that does not exist (yet): compare the absolute paths as
        // written, so that two outputs into it are still seen to collide.
        Err(_) => std::path::absolute(path).ok(),
    }
}

/// Whether two paths name one file: the same canonical path, or (hard links)
/// the same device and inode.
fn same_file(a: &Path, b: &Path) -> bool {
    if identity(a).is_some_and(|x| identity(b).is_some_and(|y| x == y)) {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    false
}

/// A file's device and inode, when it exists.
#[cfg(unix)]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_identity(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// The device and inode of standard input when it is a regular file (a
/// redirection); None for a terminal, a pipe or a closed descriptor.
#[cfg(unix)]
fn stdin_identity() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    meta.is_file().then(|| (meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn stdin_identity() -> Option<(u64, u64)> {
    None
}

/// Command-line checks on the output paths, before anything is read (exit 2):
/// no empty path; `-` is standard output only for `-o`; two outputs may not
/// name the same file, and no output may name one of the run's inputs.
///
/// `inputs` are (what it is, path) pairs; `-` (standard input) is skipped.
pub fn check_paths(inputs: &[(&str, &str)], outputs: &[(&str, Option<&str>)]) -> Result<(), Error> {
    // (what it is, its path, whether it is an input)
    let mut seen: Vec<(&str, &Path, bool)> = Vec::new();
    // Standard input redirected from a file (`- < leads.csv`): that file is
    // an input too, known by its device and inode alone.
    let mut stdin_file = None;
    for &(what, path) in inputs {
        if path == "-" {
            stdin_file = stdin_file.or(stdin_identity().map(|id| (what, id)));
        } else if !path.is_empty() {
            seen.push((what, Path::new(path), true));
        }
    }
    for &(flag, path) in outputs {
        let Some(path) = path else { continue };
        if path.is_empty() {
            return Err(Error::usage(format!(
                "{flag} \"\": the output path is empty; give a file name, or - for standard output"
            )));
        }
        if path == "-" {
            if flag != "-o" {
                return Err(Error::usage(format!(
                    "{flag} -: standard output is for the CSV; give a file name (or /dev/stdout with -q)"
                )));
            }
            continue;
        }
        let p = Path::new(path);
        // Devices and pipes (/dev/null, /dev/stdout) may take several outputs.
        if std::fs::metadata(p).is_ok_and(|m| !m.is_file()) {
            continue;
        }
        if let Some((what, _)) = stdin_file.filter(|(_, id)| file_identity(p) == Some(*id)) {
            return Err(Error::usage(format!(
                "{flag} {path}: the same file as {what} (read from standard input); \
                 an output may not replace one of the run's inputs; give it another file"
            )));
        }
        if let Some((other, _, input)) = seen.iter().find(|(_, o, _)| same_file(o, p)) {
            let fix = if *input {
                "an output may not replace one of the run's inputs; give it another file"
            } else {
                "give each output its own file"
            };
            return Err(Error::usage(format!("{flag} {path}: the same file as {other}; {fix}")));
        }
        seen.push((flag, p, false));
    }
    Ok(())
}
