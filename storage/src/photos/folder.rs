//! Photos in a local folder: one file per key.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hadir_domain::{PhotoKey, PhotoStore, PhotoStoreError, StoredObject};

/// Keeps each object in `root/<key>`. Writes go to a temporary file in the same folder, are
/// made durable, then renamed over the target, and the rename is made durable, so a reader sees
/// the old object or the new one whole, and an object is on disk before `put` returns.
///
/// On Linux the writes of concurrent calls are made durable together (`GroupSync`): one
/// `syncfs` for every write waiting at that moment, before the renames and after them, instead
/// of an `fsync` of each file and of each folder. So the folder must be one file system (no
/// other mounted below it).
#[derive(Clone, Debug)]
pub struct FolderPhotoStore {
    root: PathBuf,
    sync: Arc<GroupSync>,
}

impl FolderPhotoStore {
    /// Uses (and creates if needed) the folder `root`.
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        let sync = Arc::new(GroupSync::new(std::fs::File::open(&root)?));
        Ok(Self { root, sync })
    }

    fn path(&self, key: &PhotoKey) -> PathBuf {
        // A PhotoKey has no empty, `.` or `..` segment and no leading slash, so the join stays
        // below the root.
        self.root.join(key.as_str())
    }

    /// Writes `objects`, each atomically, all durable when it returns `Ok`.
    fn write_all(&self, objects: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
        if !cfg!(target_os = "linux") {
            for (path, bytes) in objects {
                write_atomically(path, bytes)?;
            }
            return Ok(());
        }
        let mut written: Vec<(PathBuf, &Path)> = Vec::with_capacity(objects.len());
        let result = (|| {
            for (path, bytes) in objects {
                let dir = path.parent().unwrap_or(Path::new("."));
                std::fs::create_dir_all(dir)?;
                let tmp = temporary_beside(path);
                written.push((tmp.clone(), path));
                std::fs::File::create(&tmp)?.write_all(bytes)?;
            }
            // The data (and any new folder) on disk before a name points at it: a rename over
            // an object already there never leaves it empty after a crash.
            self.sync.sync()?;
            for (tmp, path) in &written {
                std::fs::rename(tmp, path)?;
            }
            self.sync.sync()
        })();
        if result.is_err() {
            for (tmp, _) in &written {
                let _ = std::fs::remove_file(tmp);
            }
        }
        result
    }
}

/// Group commit for one file system: `sync` returns once a `syncfs` that began after the call
/// has finished, and one `syncfs` serves every caller waiting when it begins. Callers join the
/// next round; when no round is running, one of the round's callers runs it for all.
#[derive(Debug)]
struct GroupSync {
    root: std::fs::File,
    state: Mutex<Rounds>,
    finished: Condvar,
    /// How many `syncfs` calls were made.
    rounds: AtomicU64,
}

#[derive(Debug)]
struct Rounds {
    /// The round new callers join; it has not begun.
    next: Arc<Round>,
    running: bool,
}

/// One `syncfs` and its outcome, shared by the callers it serves.
#[derive(Debug, Default)]
struct Round {
    outcome: OnceLock<Result<(), String>>,
}

impl GroupSync {
    fn new(root: std::fs::File) -> Self {
        Self {
            root,
            state: Mutex::new(Rounds {
                next: Arc::new(Round::default()),
                running: false,
            }),
            finished: Condvar::new(),
            rounds: AtomicU64::new(0),
        }
    }

    fn sync(&self) -> std::io::Result<()> {
        let done = |outcome: &Result<(), String>| {
            outcome
                .clone()
                .map_err(|e| std::io::Error::other(format!("syncfs: {e}")))
        };
        let mut rounds = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mine = Arc::clone(&rounds.next);
        loop {
            if let Some(outcome) = mine.outcome.get() {
                return done(outcome);
            }
            if !rounds.running && Arc::ptr_eq(&rounds.next, &mine) {
                // No round running and ours not begun: run it, for everyone in it.
                rounds.running = true;
                rounds.next = Arc::new(Round::default());
                drop(rounds);
                self.rounds.fetch_add(1, Ordering::Relaxed);
                let outcome = syncfs(&self.root).map_err(|e| e.to_string());
                let _ = mine.outcome.set(outcome);
                let mut rounds = self
                    .state
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                rounds.running = false;
                drop(rounds);
                self.finished.notify_all();
                return done(mine.outcome.get().unwrap_or(&Ok(())));
            }
            rounds = self
                .finished
                .wait(rounds)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

#[cfg(target_os = "linux")]
fn syncfs(file: &std::fs::File) -> std::io::Result<()> {
    rustix::fs::syncfs(file).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn syncfs(file: &std::fs::File) -> std::io::Result<()> {
    file.sync_all()
}

/// A temporary name beside `path`, hidden from listings.
fn temporary_beside(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()))
}

fn unavailable(what: &str, err: &std::io::Error) -> PhotoStoreError {
    PhotoStoreError::Unavailable(format!("{what}: {err}"))
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, PhotoStoreError> + Send + 'static,
) -> Result<T, PhotoStoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PhotoStoreError::Unavailable(format!("folder task failed: {e}")))?
}

/// One object written and made durable on its own: its file and its folder synced.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = temporary_beside(path);
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn walk(root: &Path, dir: &Path, prefix: &str, out: &mut Vec<StoredObject>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue; // temporary files and probes
        }
        let meta = entry.metadata()?;
        if meta.is_dir() {
            walk(root, &entry.path(), prefix, out)?;
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root).map(Path::to_path_buf) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if !rel.starts_with(prefix) {
            continue;
        }
        if let Ok(key) = PhotoKey::new(rel) {
            let modified: DateTime<Utc> = meta.modified()?.into();
            out.push(StoredObject {
                key,
                last_modified: modified,
                size: meta.len(),
            });
        }
    }
    Ok(())
}

#[async_trait]
impl PhotoStore for FolderPhotoStore {
    async fn put(
        &self,
        key: &PhotoKey,
        bytes: Vec<u8>,
        _content_type: &str,
    ) -> Result<(), PhotoStoreError> {
        let store = self.clone();
        let objects = vec![(self.path(key), bytes)];
        blocking(move || {
            store
                .write_all(&objects)
                .map_err(|e| unavailable("write", &e))
        })
        .await
    }

    async fn put_all(
        &self,
        objects: Vec<(PhotoKey, Vec<u8>)>,
        _content_type: &str,
    ) -> Result<(), PhotoStoreError> {
        // One blocking task for all: a check-in's selfie and thumbnail cross threads once.
        let store = self.clone();
        let objects: Vec<(PathBuf, Vec<u8>)> = objects
            .into_iter()
            .map(|(key, bytes)| (self.path(&key), bytes))
            .collect();
        blocking(move || {
            store
                .write_all(&objects)
                .map_err(|e| unavailable("write", &e))
        })
        .await
    }

    async fn get(&self, key: &PhotoKey) -> Result<Vec<u8>, PhotoStoreError> {
        let path = self.path(key);
        let key = key.clone();
        blocking(move || match std::fs::read(&path) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(PhotoStoreError::NotFound(key)),
            Err(e) => Err(unavailable("read", &e)),
        })
        .await
    }

    async fn delete(&self, key: &PhotoKey) -> Result<(), PhotoStoreError> {
        let path = self.path(key);
        blocking(move || match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(unavailable("delete", &e)),
        })
        .await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, PhotoStoreError> {
        let root = self.root.clone();
        let prefix = prefix.to_owned();
        blocking(move || {
            let mut out = Vec::new();
            walk(&root, &root, &prefix, &mut out).map_err(|e| unavailable("list", &e))?;
            out.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(out)
        })
        .await
    }

    async fn presigned_get(
        &self,
        _key: &PhotoKey,
        _expiry: Duration,
    ) -> Result<Option<String>, PhotoStoreError> {
        Ok(None)
    }

    async fn check(&self) -> Result<(), PhotoStoreError> {
        let root = self.root.clone();
        blocking(move || {
            // A write probe: a folder that exists but is read-only (a full or remounted disk)
            // is not ready either.
            let probe = root.join(format!(".probe-{}", uuid::Uuid::new_v4().simple()));
            std::fs::write(&probe, b"ok").map_err(|e| unavailable("probe", &e))?;
            std::fs::remove_file(&probe).map_err(|e| unavailable("probe", &e))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many check-ins storing at once: every object is there whole, no temporary file is left,
    /// and their writes were made durable in shared rounds, fewer than two per call.
    #[test]
    fn concurrent_writes_are_all_stored_and_synced_in_shared_rounds() {
        let dir = tempfile::tempdir().unwrap();
        let store = FolderPhotoStore::new(dir.path()).unwrap();
        let calls: u8 = 32;
        let start = Arc::new(std::sync::Barrier::new(usize::from(calls)));
        let threads: Vec<_> = (0..calls)
            .map(|i| {
                let (store, start) = (store.clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    let objects = vec![
                        (
                            store.path(
                                &PhotoKey::new(format!("selfies/e{}/{i}.jpg", i % 4)).unwrap(),
                            ),
                            vec![i; 5000 + usize::from(i)],
                        ),
                        (
                            store.path(
                                &PhotoKey::new(format!("thumbs/e{}/{i}.jpg", i % 4)).unwrap(),
                            ),
                            vec![i; 100 + usize::from(i)],
                        ),
                    ];
                    start.wait();
                    store.write_all(&objects).unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        for i in 0..calls {
            let selfie =
                std::fs::read(dir.path().join(format!("selfies/e{}/{i}.jpg", i % 4))).unwrap();
            assert_eq!(selfie, vec![i; 5000 + usize::from(i)]);
            let thumb =
                std::fs::read(dir.path().join(format!("thumbs/e{}/{i}.jpg", i % 4))).unwrap();
            assert_eq!(thumb, vec![i; 100 + usize::from(i)]);
        }
        let mut names = Vec::new();
        for sub in ["selfies", "thumbs"] {
            for e in 0..4 {
                for entry in std::fs::read_dir(dir.path().join(format!("{sub}/e{e}"))).unwrap() {
                    names.push(entry.unwrap().file_name().to_string_lossy().into_owned());
                }
            }
        }
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
        let rounds = store.sync.rounds.load(Ordering::Relaxed);
        if cfg!(target_os = "linux") {
            assert!(rounds >= 2, "{rounds}");
            assert!(
                rounds < 2 * u64::from(calls),
                "{rounds} rounds for {calls} calls"
            );
        }
    }
}
