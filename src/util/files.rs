//! Till's own files (config, presets, the audit journal, the request history, the log): owner-only
//! modes whatever the umask, rewrites that are atomic and never follow a symlink, appends that
//! survive a torn tail, a lock that serialises writers across processes, and a JSON-lines reader
//! that skips damaged lines instead of giving up on the whole file.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Creates `dir` (and missing parents) owner-only, whatever the umask. An existing directory
/// is tightened to 0700 only when it is till's own (named `till`, as the platform's config,
/// data and state dirs are): a `TILL_DATA_DIR=/tmp` must not make `/tmp` private.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    if dir.file_name().is_some_and(|n| n == "till") {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::symlink_metadata(dir)?;
        if meta.is_dir() && meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
    }
    Ok(())
}

/// Creates the directory that holds `path`, owner-only.
pub fn private_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => private_dir(dir),
        _ => Ok(()),
    }
}

/// Opens `path` for reading and appending, created 0600, refusing a symlink in its place; an
/// existing file with wider permissions (from an older till) is tightened to 0600.
pub fn open_private_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    no_follow(&mut options);
    let file = options.open(path)?;
    tighten(&file)?;
    Ok(file)
}

/// Applies 0600 to an open regular file when it is wider (an existing file keeps whatever mode
/// it was created with, e.g. by an older till).
pub fn tighten(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = file.metadata()?;
        if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

fn no_follow(options: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = options;
}

/// Replaces `path` with `bytes` so that a reader (or a crash, or a full disk) sees either the
/// old file or the new one, never half of it: a temp file with a random name created
/// exclusively in the same directory (so no symlink is followed and no one else's file is
/// reused), written, fsynced, renamed over `path`, and the directory fsynced. A symlink at
/// `path` is replaced, not written through. The result is 0600 in a 0700 directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let fail =
        |action: &'static str, path: &Path, source: io::Error| WriteError { action, path: path.to_path_buf(), source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    private_dir(&dir).map_err(|e| fail("create", &dir, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // tempfile creates with O_EXCL and mode 0600.
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(|e| fail("create a temporary file next to", path, e))?;
    temp.write_all(bytes).map_err(|e| fail("write", path, e))?;
    temp.as_file().sync_all().map_err(|e| fail("write", path, e))?;
    // On failure the temp file is removed when `temp` drops; the old file is untouched.
    temp.persist(path).map_err(|e| fail("replace", path, e.error))?;
    sync_dir(&dir);
    Ok(())
}

/// Why an atomic write failed: what it was doing, to which file, and the OS error.
#[derive(Debug)]
pub struct WriteError {
    pub action: &'static str,
    pub path: PathBuf,
    pub source: io::Error,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {} {}: {}", self.action, self.path.display(), self.source)
    }
}

impl From<WriteError> for String {
    fn from(e: WriteError) -> String {
        e.to_string()
    }
}

/// Makes a rename or a new file durable. Best effort: not every platform can open a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// An exclusive or shared lock on `<file>.lock` next to `path`, held until dropped. A separate
/// lock file, because a rewrite or a move renames a file at `path`: a lock on the old inode would
/// not stop a process that opens the new one.
pub struct FileLock {
    _file: File,
}

impl FileLock {
    pub fn exclusive(path: &Path) -> Result<FileLock, String> {
        FileLock::take(path, true)
    }

    pub fn shared(path: &Path) -> Result<FileLock, String> {
        FileLock::take(path, false)
    }

    /// A shared lock for a reader, so a line being appended is not mistaken for a torn one;
    /// `None` when there is no file yet (nothing to create just to read) or no lock can be
    /// had (read-only media): the reader tolerates a torn line anyway.
    pub fn for_reading(path: &Path) -> Option<FileLock> {
        if !path.exists() {
            return None;
        }
        FileLock::shared(path).ok()
    }

    fn take(path: &Path, exclusive: bool) -> Result<FileLock, String> {
        let lock_path = lock_path(path);
        private_parent(&lock_path).map_err(|e| format!("cannot create the directory of {}: {e}", path.display()))?;
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        no_follow(&mut options);
        let file = options.open(&lock_path).map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
        let locked = if exclusive { file.lock() } else { file.lock_shared() };
        locked.map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
        Ok(FileLock { _file: file })
    }
}

pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

/// Appends whole lines (`bytes` must end in `\n`) under the exclusive lock, then fsyncs. When
/// the file ends in a torn line (a crash or full disk mid-write), a newline goes first so the
/// new record starts on a line of its own instead of being glued to the damaged one. A
/// failed write is cut back off, so it leaves no torn line behind either.
pub fn append_lines(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let _lock = FileLock::exclusive(path)?;
    append_lines_locked(path, &[bytes], Durability::Synced)
}

/// Whether an append waits for the disk: an audit line must survive a crash before money
/// moves; the request history is diagnostics, and fsyncing megabytes of list pages after every
/// command cost more than the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    Synced,
    Buffered,
}

/// How much [`append_lines_locked`] hands the kernel at once.
const APPEND_CHUNK: usize = 256 * 1024;

/// [`append_lines`] for a caller that already holds the exclusive [`FileLock`] (to rotate the
/// file in the same step), of lines in `parts` (written in order, not joined first).
pub fn append_lines_locked(path: &Path, parts: &[&[u8]], durability: Durability) -> Result<(), String> {
    let fail = |what: &str, e: io::Error| format!("cannot {what} {}: {e}", path.display());
    let mut file = open_private_append(path).map_err(|e| fail("open", e))?;
    let len = file.metadata().map_err(|e| fail("read", e))?.len();
    let torn = len > 0 && last_byte(&mut file).map_err(|e| fail("read", e))? != b'\n';
    let newline: &[u8] = if torn { b"\n" } else { b"" };
    // Gathered into large writes: the history's 500 lines of a long list were 500 system calls.
    let mut gathered = io::BufWriter::with_capacity(APPEND_CHUNK, &mut file);
    let written = gathered
        .write_all(newline)
        .and_then(|()| parts.iter().try_for_each(|part| gathered.write_all(part)))
        .and_then(|()| gathered.flush());
    drop(gathered);
    let written = written.and_then(|()| match durability {
        Durability::Synced => file.sync_data(),
        Durability::Buffered => Ok(()),
    });
    if let Err(e) = written {
        let _ = file.set_len(len);
        return Err(fail("write", e));
    }
    if len == 0
        && durability == Durability::Synced
        && let Some(dir) = path.parent()
    {
        sync_dir(dir);
    }
    Ok(())
}

fn last_byte(file: &mut File) -> io::Result<u8> {
    file.seek(SeekFrom::End(-1))?;
    let mut byte = [0u8; 1];
    file.read_exact(&mut byte)?;
    Ok(byte[0])
}

/// The 1-based numbers of the lines a reader could not use (torn, not UTF-8, not the JSON it
/// expected).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub lines: Vec<usize>,
}

impl Skipped {
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 10;
        let n = self.lines.len();
        let plural = if n == 1 { "" } else { "s" };
        let list: Vec<String> = self.lines.iter().take(SHOWN).map(usize::to_string).collect();
        let more = if n > SHOWN { format!(" and {} more", n - SHOWN) } else { String::new() };
        write!(
            f,
            "skipped {n} damaged line{plural} of {} (line{plural} {}{more})",
            self.path.display(),
            list.join(", ")
        )
    }
}

/// Streams `path` line by line, handing each line that decodes as `T` to `each`, in order. A
/// missing file is empty. Damaged lines are skipped and returned by number; only an I/O error
/// fails the read.
pub fn read_json_lines<T: serde::de::DeserializeOwned>(
    path: &Path,
    mut each: impl FnMut(T),
) -> Result<Skipped, String> {
    let mut skipped = Skipped { path: path.to_path_buf(), lines: Vec::new() };
    let mut options = OpenOptions::new();
    options.read(true);
    no_follow(&mut options);
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(skipped),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            return Ok(skipped);
        }
        number += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        // UTF-8 checked on the whole line: serde skips the bytes of fields it ignores.
        match std::str::from_utf8(&line).ok().and_then(|text| serde_json::from_str::<T>(text).ok()) {
            Some(value) => each(value),
            None => skipped.lines.push(number),
        }
    }
}

/// A tiny tmpfs that tests fill to see what a full disk does. Mounting needs root (CI runs as
/// root); elsewhere `mount` returns `None` and the test says it was skipped.
#[cfg(all(test, target_os = "linux"))]
pub(crate) struct FullDisk {
    pub dir: tempfile::TempDir,
}

#[cfg(all(test, target_os = "linux"))]
impl FullDisk {
    pub fn mount() -> Option<FullDisk> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("skipped: cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(FullDisk { dir })
    }

    /// Takes every free block.
    pub fn fill(&self) {
        if let Ok(mut filler) = File::create(self.dir.path().join("filler")) {
            while filler.write_all(&[0u8; 4096]).is_ok() {}
            let _ = filler.write_all(&[0u8; 1]);
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
impl Drop for FullDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.dir.path()).status();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, PartialEq, Debug)]
    struct Rec {
        n: u32,
    }

    fn read(path: &Path) -> (Vec<u32>, Vec<usize>) {
        let mut got = Vec::new();
        let skipped = read_json_lines::<Rec>(path, |r| got.push(r.n)).unwrap();
        (got, skipped.lines)
    }

    #[test]
    fn an_append_after_a_torn_tail_starts_on_its_own_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        std::fs::write(&path, b"{\"n\":1}\n{\"n\":2, \"cut of").unwrap();
        append_lines(&path, b"{\"n\":3}\n").unwrap();
        assert_eq!(read(&path), (vec![1, 3], vec![2]));
    }

    #[test]
    fn damaged_lines_are_skipped_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let mut bytes = b"{\"n\":1}\ngarbage\n{\"n\":3,\"s\":\"\xff\"}\n\n{\"n\":4}\n".to_vec();
        bytes.extend_from_slice(b"\xc3\x28{\"n\":5}\n{\"n\":6}");
        std::fs::write(&path, bytes).unwrap();
        let (got, skipped) = read(&path);
        assert_eq!(got, vec![1, 4, 6]);
        assert_eq!(skipped, vec![2, 3, 6]);
        let message = read_json_lines::<Rec>(&path, |_| ()).unwrap().to_string();
        assert!(message.contains("skipped 3 damaged lines") && message.contains("lines 2, 3, 6"), "{message}");
        assert_eq!(read(&dir.path().join("missing")), (vec![], vec![]));
    }

    #[test]
    fn an_atomic_write_replaces_a_symlink_instead_of_writing_through_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("config.toml");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert!(!std::fs::symlink_metadata(&path).unwrap().file_type().is_symlink());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 2, "no temporary file left: {leftovers:?}");
    }

    #[cfg(unix)]
    #[test]
    fn files_and_dirs_are_owner_only_whatever_they_were() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("till");
        std::fs::create_dir(&data).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        let journal = data.join("a.jsonl");
        std::fs::write(&journal, b"").unwrap();
        std::fs::set_permissions(&journal, std::fs::Permissions::from_mode(0o644)).unwrap();
        append_lines(&journal, b"{}\n").unwrap();
        write_atomic(&data.join("nested/config.toml"), b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&journal), 0o600);
        assert_eq!(mode(&data.join("nested")), 0o700);
        assert_eq!(mode(&data.join("nested/config.toml")), 0o600);
        assert_eq!(mode(&lock_path(&journal)), 0o600);

        // Someone else's directory (TILL_DATA_DIR=/tmp) is used as it is.
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        append_lines(&shared.join("a.jsonl"), b"{}\n").unwrap();
        assert_eq!(std::fs::metadata(&shared).unwrap().permissions().mode() & 0o7777, 0o1777);
        assert_eq!(mode(&shared.join("a.jsonl")), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn new_directories_are_0700_even_with_a_permissive_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // umask is process-wide; this test only widens it for the two calls below and restores
        // it, and no other test depends on the umask.
        let old = rustix::process::umask(rustix::fs::Mode::empty());
        let made = private_dir(&dir.path().join("a/b"));
        let written = write_atomic(&dir.path().join("c/d.toml"), b"x");
        rustix::process::umask(old);
        made.unwrap();
        written.unwrap();
        for p in ["a", "a/b", "c"] {
            let mode = std::fs::metadata(dir.path().join(p)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{p}");
        }
    }

    /// `std::fs::write` truncated first: a full disk left the file cut off.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_rewrite_on_a_full_disk_leaves_the_old_file_whole() {
        let Some(disk) = FullDisk::mount() else { return };
        let path = disk.dir.path().join("config.toml");
        write_atomic(&path, &[b'a'; 3000]).unwrap();
        disk.fill();
        let err = write_atomic(&path, &[b'b'; 6000]).unwrap_err();
        assert!(err.to_string().contains("No space left on device"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), vec![b'a'; 3000]);
        let names: Vec<_> = std::fs::read_dir(disk.dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn appends_refuse_a_symlink_in_place_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious\n").unwrap();
        let path = dir.path().join("a.jsonl");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        assert!(append_lines(&path, b"{}\n").is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    }
}
