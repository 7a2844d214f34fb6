//! The selfie pipeline beside a bare `image` decode of the same file: what the pipeline adds
//! (EXIF, orientation, the clean re-encode, the thumbnail, the hashes) over decoding alone.
//!
//! `cargo bench -p hadir-bench --bench pipeline`

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use hadir_api::selfie::{PipelineLimits, process};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/photos")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn pipeline(c: &mut Criterion) {
    let limits = PipelineLimits::default();
    for name in ["selfie-a-480x640.jpg", "selfie-a-1080x1440.jpg"] {
        let bytes = fixture(name);
        let mut group = c.benchmark_group(name);
        group.bench_function("bare image decode", |b| {
            b.iter(|| image::load_from_memory(black_box(&bytes)).map(|i| i.width()));
        });
        group.bench_function("hadir pipeline", |b| {
            b.iter(|| process(black_box(&bytes), &limits).map(|s| s.jpeg.len()));
        });
        group.finish();
    }
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
