//! An S3-compatible server inside the test process (s3s over a folder), checking AWS
//! Signature Version 4 on every request, so that a wrong secret is refused as a real store
//! would refuse it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hadir_storage::photos::S3Config;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::task::JoinSet;

/// A running server; stops when dropped.
#[derive(Debug)]
pub struct TestS3 {
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
    pub bucket: String,
    addr: SocketAddr,
    root: PathBuf,
    dir: Option<tempfile::TempDir>,
    tasks: Arc<Mutex<JoinSet<()>>>,
}

impl TestS3 {
    /// A server on a free loopback port over a new temporary folder, with one bucket.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        let mut server = Self::serve(
            &root,
            "127.0.0.1:0".parse().expect("address"),
            "hadir-test-access",
            "hadir-test-secret-0123456789",
            "hadir-test",
        )
        .await
        .expect("start the S3 test server");
        server.dir = Some(dir);
        server
    }

    /// A server on `addr` over `root` (which must exist), creating `bucket` in it.
    pub async fn serve(
        root: &Path,
        addr: SocketAddr,
        access_key: &str,
        secret_key: &str,
        bucket: &str,
    ) -> std::io::Result<Self> {
        std::fs::create_dir_all(root.join(bucket))?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let server = Self {
            endpoint: format!("http://{addr}"),
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
            bucket: bucket.to_owned(),
            addr,
            root: root.to_path_buf(),
            dir: None,
            tasks: Arc::new(Mutex::new(JoinSet::new())),
        };
        server.accept(listener)?;
        Ok(server)
    }

    fn accept(&self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        let fs = s3s_fs::FileSystem::new(&self.root)
            .map_err(|e| std::io::Error::other(format!("s3s-fs: {e:?}")))?;
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(
            self.access_key.clone(),
            self.secret_key.clone(),
        ));
        let service = builder.build();
        let tasks = Arc::clone(&self.tasks);
        let mut set = self.tasks.lock().expect("tasks");
        set.spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                // As S3 services do: an object's answer, written as headers and then the body,
                // would otherwise wait out the client's delayed ACK (40 ms) between the two.
                let _ = socket.set_nodelay(true);
                let conn = ConnBuilder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(socket), service.clone())
                    .into_owned();
                tasks.lock().expect("tasks").spawn(async move {
                    let _ = conn.await;
                });
            }
        });
        Ok(())
    }

    /// The photo store settings that reach this server.
    #[must_use]
    pub fn config(&self) -> S3Config {
        S3Config {
            endpoint: self.endpoint.clone(),
            region: "us-east-1".into(),
            bucket: self.bucket.clone(),
            path_style: true,
            access_key: self.access_key.clone(),
            secret_key: self.secret_key.clone().into(),
            request_timeout: Duration::from_secs(5),
        }
    }

    /// Stops listening and drops every open connection: the store is down.
    pub fn stop(&self) {
        self.tasks.lock().expect("tasks").abort_all();
    }

    /// Serves again on the same port, over the same objects.
    pub async fn restart(&self) {
        self.stop();
        let mut attempt = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) => {
                    attempt += 1;
                    assert!(attempt < 50, "cannot rebind {}: {e}", self.addr);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        };
        self.accept(listener).expect("restart the S3 test server");
    }

    /// Where the bucket's objects are on disk.
    #[must_use]
    pub fn bucket_dir(&self) -> PathBuf {
        self.root.join(&self.bucket)
    }
}

impl Drop for TestS3 {
    fn drop(&mut self) {
        if let Ok(mut set) = self.tasks.lock() {
            set.abort_all();
        }
    }
}
