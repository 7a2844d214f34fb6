//! Face evidence per selfie, on one core: detection alone, and the whole job's CPU work
//! (decode the stored JPEG, detect, align and embed the face). Its inverse is the face jobs
//! per second per core. Then the reuse check's parts: preparing a selfie for comparison (with
//! its hashes) and comparing it with one earlier selfie (decoding and preparing that one too,
//! as the job does for each candidate).
//!
//! `cargo bench -p hadir-bench --bench faces`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use hadir_api::faces::analyse;
use hadir_api::selfie::{PipelineLimits, process, reuse_hashes};
use hadir_face::FaceModels;
use hadir_face::copy::{self, Picture};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/photos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn faces(c: &mut Criterion) {
    let models = FaceModels::load().unwrap_or_else(|e| panic!("{e}"));
    let limits = PipelineLimits::default();
    for name in ["selfie-a-480x640.jpg", "selfie-a-1080x1440.jpg"] {
        // What the job reads: the stored selfie (upright, at most 1280 px on its long edge).
        let stored = process(&fixture(name), &limits)
            .unwrap_or_else(|e| panic!("{e}"))
            .jpeg;
        let img = image::load_from_memory(&stored)
            .unwrap_or_else(|e| panic!("{e}"))
            .to_rgb8();
        let mut group = c.benchmark_group(format!("faces {name}"));
        group.bench_function("detect", |b| {
            b.iter(|| models.detect(black_box(&img)).map(|d| d.len()));
        });
        group.bench_function("face job (decode, detect, embed)", |b| {
            b.iter(|| analyse(&models, black_box(&stored), 0.75).map(|a| a.detections.len()));
        });
        let decoded = image::load_from_memory(&stored).unwrap_or_else(|e| panic!("{e}"));
        group.bench_function("reuse: prepare the selfie and its 20 hashes", |b| {
            b.iter(|| {
                let picture = Picture::new(black_box(&img));
                (picture, reuse_hashes(black_box(&decoded), 160).len())
            });
        });
        let later = Picture::new(&img);
        group.bench_function(
            "reuse: compare with one earlier selfie (decode it too)",
            |b| {
                b.iter(|| {
                    let earlier = image::load_from_memory(black_box(&stored))
                        .unwrap_or_else(|e| panic!("{e}"))
                        .to_rgb8();
                    copy::compare(&Picture::new(&earlier), &later).score
                });
            },
        );
        group.finish();
    }
}

criterion_group!(benches, faces);
criterion_main!(benches);
