//! The photo store adapters: a local folder (the embedded default) and S3.

mod folder;
mod s3;

pub use folder::FolderPhotoStore;
pub use s3::{S3Config, S3PhotoStore};
