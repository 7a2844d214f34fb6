//! The photo store port's contract, on both adapters whatever `HADIR_TEST_PHOTOS` says.

use std::sync::Arc;
use std::time::Duration;

use hadir_domain::{PhotoKey, PhotoStore, PhotoStoreError};
use hadir_storage::photos::{FolderPhotoStore, S3PhotoStore};
use hadir_tests::TestS3;

fn key(s: &str) -> PhotoKey {
    PhotoKey::new(s).unwrap()
}

async fn honours_the_contract(store: Arc<dyn PhotoStore>) {
    store.check().await.unwrap();
    let k = key("selfies/2026/11/0d9f0e4e-6f2b-4c69-9a3c-3b1c4b0f2a11.jpg");
    assert!(matches!(
        store.get(&k).await,
        Err(PhotoStoreError::NotFound(_))
    ));

    store
        .put(&k, b"first".to_vec(), "image/jpeg")
        .await
        .unwrap();
    assert_eq!(store.get(&k).await.unwrap(), b"first");
    // A retry overwrites the same object whole.
    store
        .put(&k, b"second, longer".to_vec(), "image/jpeg")
        .await
        .unwrap();
    assert_eq!(store.get(&k).await.unwrap(), b"second, longer");

    store
        .put(&key("thumbs/a.jpg"), b"t".to_vec(), "image/jpeg")
        .await
        .unwrap();
    let listed = store.list("selfies/").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, k);
    assert_eq!(listed[0].size, 14);
    assert_eq!(store.list("").await.unwrap().len(), 2);

    store.delete(&k).await.unwrap();
    assert!(matches!(
        store.get(&k).await,
        Err(PhotoStoreError::NotFound(_))
    ));
    store.delete(&k).await.unwrap(); // deleting twice is fine

    // A check-in's selfie and thumbnail go in together, each to its own folder.
    let (selfie, thumb) = (key("selfies/2026/12/p.jpg"), key("thumbs/2026/12/p.jpg"));
    store
        .put_all(
            vec![
                (selfie.clone(), b"selfie".to_vec()),
                (thumb.clone(), b"thumb".to_vec()),
            ],
            "image/jpeg",
        )
        .await
        .unwrap();
    assert_eq!(store.get(&selfie).await.unwrap(), b"selfie");
    assert_eq!(store.get(&thumb).await.unwrap(), b"thumb");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_folder_store_honours_the_photo_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = FolderPhotoStore::new(dir.path()).unwrap();
    assert!(
        store
            .presigned_get(&key("a"), Duration::from_mins(1))
            .await
            .unwrap()
            .is_none()
    );
    honours_the_contract(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_write_that_fails_half_way_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = FolderPhotoStore::new(dir.path()).unwrap();
    // The second object's folder cannot be made: a file has its name.
    std::fs::write(dir.path().join("thumbs"), b"in the way").unwrap();
    let err = store
        .put_all(
            vec![
                (key("selfies/s.jpg"), b"selfie".to_vec()),
                (key("thumbs/t.jpg"), b"thumb".to_vec()),
            ],
            "image/jpeg",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, PhotoStoreError::Unavailable(_)), "{err:?}");
    // Neither object, and no temporary file of the first.
    assert!(matches!(
        store.get(&key("selfies/s.jpg")).await,
        Err(PhotoStoreError::NotFound(_))
    ));
    let left: Vec<_> = std::fs::read_dir(dir.path().join("selfies"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_s3_store_honours_the_photo_store_contract() {
    let s3 = TestS3::start().await;
    honours_the_contract(Arc::new(S3PhotoStore::new(&s3.config()).unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_s3_server_refuses_a_wrong_secret() {
    let s3 = TestS3::start().await;
    let mut config = s3.config();
    config.secret_key = "not-the-secret".to_owned().into();
    let store = S3PhotoStore::new(&config).unwrap();
    let err = store
        .put(&key("x.jpg"), b"x".to_vec(), "image/jpeg")
        .await
        .unwrap_err();
    assert!(matches!(err, PhotoStoreError::Unavailable(_)), "{err}");
    assert!(err.to_string().contains("403"), "{err}");
    assert!(store.check().await.is_err());
    // Nothing was written.
    let good = S3PhotoStore::new(&s3.config()).unwrap();
    assert!(good.list("").await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_s3_presigned_link_fetches_the_object_without_credentials() {
    let s3 = TestS3::start().await;
    let store = S3PhotoStore::new(&s3.config()).unwrap();
    let k = key("selfies/x.jpg");
    store
        .put(&k, b"pixels".to_vec(), "image/jpeg")
        .await
        .unwrap();
    let url = store
        .presigned_get(&k, Duration::from_mins(1))
        .await
        .unwrap()
        .unwrap();
    assert!(url.contains("X-Amz-Expires=60"), "{url}");
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"pixels");
    // Tampering with the link breaks its signature.
    let tampered = url.replace("selfies/x.jpg", "selfies/y.jpg");
    assert_eq!(
        reqwest::get(&tampered).await.unwrap().status(),
        reqwest::StatusCode::FORBIDDEN
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_s3_server_is_reported_unavailable_and_recovers() {
    let s3 = TestS3::start().await;
    let store = S3PhotoStore::new(&s3.config()).unwrap();
    store.check().await.unwrap();
    s3.stop();
    assert!(matches!(
        store.check().await,
        Err(PhotoStoreError::Unavailable(_))
    ));
    s3.restart().await;
    store.check().await.unwrap();
}
