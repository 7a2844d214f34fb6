//! Face evidence per selfie, on one core: detection alone, and the whole job's CPU work
//! (decode the stored JPEG, detect, align and embed the face). Its inverse is the face jobs
//! per second per core.
//!
//! `cargo bench -p hadir-bench --bench faces`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use hadir_api::faces::analyse;
use hadir_api::selfie::{PipelineLimits, process};
use hadir_face::FaceModels;

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
        group.finish();
    }
}

criterion_group!(benches, faces);
criterion_main!(benches);
