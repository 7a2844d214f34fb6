//! Photos in a local folder: one file per key.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hadir_domain::{PhotoKey, PhotoStore, PhotoStoreError, StoredObject};

/// Keeps each object in `root/<key>`. Writes go to a temporary file in the same folder, are
/// synced, then renamed over the target, so a reader sees the old object or the new one whole.
#[derive(Clone, Debug)]
pub struct FolderPhotoStore {
    root: PathBuf,
}

impl FolderPhotoStore {
    /// Uses (and creates if needed) the folder `root`.
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    fn path(&self, key: &PhotoKey) -> PathBuf {
        // A PhotoKey has no empty, `.` or `..` segment and no leading slash, so the join stays
        // below the root.
        self.root.join(key.as_str())
    }
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

/// Writes each `(path, bytes)` to a temporary file beside its target, syncs it, renames it over
/// the target and syncs the folder, so a reader sees the old object or the new one whole and a
/// crash after the return loses neither. Done in phases over all the objects (write each, sync
/// each, rename each, sync each folder once), so a failure before the renames leaves none of
/// them; the temporary files left are removed.
fn write_atomically(objects: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    let mut temps: Vec<(PathBuf, &Path)> = Vec::with_capacity(objects.len());
    let result = (|| {
        let mut files = Vec::with_capacity(objects.len());
        for (path, bytes) in objects {
            let (tmp, mut file) = create_temp(path)?;
            temps.push((tmp, path));
            file.write_all(bytes)?;
            files.push(file);
        }
        for file in files {
            file.sync_all()?;
        }
        while let Some((tmp, path)) = temps.pop() {
            if let Err(e) = std::fs::rename(&tmp, path) {
                temps.push((tmp, path));
                return Err(e);
            }
        }
        // Make the renames durable, each folder once.
        let mut dirs: Vec<&Path> = objects.iter().map(|(path, _)| parent(path)).collect();
        dirs.sort_unstable();
        dirs.dedup();
        for dir in dirs {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if result.is_err() {
        for (tmp, _) in &temps {
            let _ = std::fs::remove_file(tmp);
        }
    }
    result
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// A new temporary file in `path`'s folder, creating the folder when it is missing (the first
/// object of a day or an employee).
fn create_temp(path: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let dir = parent(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
    };
    let file = match create() {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            create_dir_durably(dir)?;
            create()?
        }
        other => other?,
    };
    Ok((tmp, file))
}

/// Makes `dir` and any missing folder above it, syncing the folder each new one was made in,
/// so that a new folder's entry survives a power cut as the object later written into it does.
fn create_dir_durably(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let above = parent(dir);
    create_dir_durably(above)?;
    match std::fs::create_dir(dir) {
        // Made by a concurrent write a moment ago: synced below all the same.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
        other => other?,
    }
    std::fs::File::open(above)?.sync_all()
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
        let objects = [(self.path(key), bytes)];
        blocking(move || write_atomically(&objects).map_err(|e| unavailable("write", &e))).await
    }

    async fn put_all(
        &self,
        objects: Vec<(PhotoKey, Vec<u8>)>,
        _content_type: &str,
    ) -> Result<(), PhotoStoreError> {
        // One blocking task for all: a check-in's selfie and thumbnail cross threads once.
        let paths: Vec<(PathBuf, Vec<u8>)> = objects
            .into_iter()
            .map(|(key, bytes)| (self.path(&key), bytes))
            .collect();
        blocking(move || write_atomically(&paths).map_err(|e| unavailable("write", &e))).await
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
