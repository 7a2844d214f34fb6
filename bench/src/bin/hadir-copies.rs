//! How often the reuse check calls two different photos copies, and how often it misses a real
//! copy, on a folder of photos: every ordered pair of different photos is compared
//! (`hadir_face::copy::compare`), and each photo against edited copies of itself (cropped,
//! turned, brightened or darkened, mirrored, resized and recompressed at random). Prints the
//! score distributions, the gradient-hash distances of the pairs (what the hash alone would
//! have flagged), and a fit of the different pairs' upper tail, the basis of the per-pair
//! false-match rate in docs/FACES.md.
//!
//! `cargo run --release -p hadir-bench --bin hadir-copies -- DIR [DIR...]`

use std::path::PathBuf;

use clap::Parser;
use hadir_api::selfie::reuse_hashes;
use hadir_bench::Rng;
use hadir_domain::checkin::PerceptualHash;
use hadir_face::copy::{COPY_THRESHOLD, Edit, Picture, compare};
use image::{DynamicImage, RgbImage, imageops};

#[derive(Parser)]
struct Args {
    /// Folders of photos (JPEG or PNG).
    dirs: Vec<PathBuf>,
    /// Edited copies made of each photo.
    #[arg(long, default_value_t = 4)]
    copies: usize,
    /// The hash distance the look-up allows.
    #[arg(long, default_value_t = 10)]
    max_distance: u32,
    /// Print every pair's score and hash distance (for a small folder, such as frames of one
    /// scene: the honest retakes a copy must not be confused with).
    #[arg(long)]
    each: bool,
}

struct Photo {
    name: String,
    picture: Picture,
    hashes: Vec<PerceptualHash>,
    rgb: RgbImage,
}

/// A photo as the server stores it: upright, at most 1280 px, JPEG quality 85.
fn stored(img: &DynamicImage) -> DynamicImage {
    let img = if img.width().max(img.height()) > 1280 {
        img.resize(1280, 1280, imageops::FilterType::Triangle)
    } else {
        img.clone()
    };
    jpeg(&img.to_rgb8(), 85)
}

fn jpeg(img: &RgbImage, quality: u8) -> DynamicImage {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .unwrap_or_else(|e| panic!("{e}"));
    image::load_from_memory(&out).unwrap_or_else(|e| panic!("{e}"))
}

/// An edited copy: up to 10% cropped off each side, turned up to 8 degrees, brightness moved
/// by up to 40 levels, mirrored half the time, 300 to 700 px across, quality 50 to 90.
fn edit(img: &RgbImage, rng: &mut Rng) -> (String, RgbImage) {
    let crop = [(); 4].map(|()| rng.uniform(0.0, 0.10));
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "within the ranges drawn"
    )]
    let edit = Edit {
        crop,
        degrees: rng.uniform(-8.0, 8.0),
        brighten: rng.uniform(-40.0, 40.0) as i16,
        mirror: rng.next_u64().is_multiple_of(2),
        width: rng.uniform(300.0, 700.0) as u32,
        quality: rng.uniform(50.0, 90.0) as u8,
    };
    let what = format!(
        "crop {:.0}/{:.0}/{:.0}/{:.0}% turn {:.1} light {:+} {}width {} q{}",
        crop[0] * 100.0,
        crop[1] * 100.0,
        crop[2] * 100.0,
        crop[3] * 100.0,
        edit.degrees,
        edit.brighten,
        if edit.mirror { "mirror " } else { "" },
        edit.width,
        edit.quality
    );
    (what, edit.apply(img))
}

fn load(path: &PathBuf) -> Option<Photo> {
    let img = image::open(path).ok()?;
    let img = stored(&img);
    let rgb = img.to_rgb8();
    Some(Photo {
        name: path.file_name()?.to_string_lossy().into_owned(),
        picture: Picture::new(&rgb),
        hashes: reuse_hashes(&img, 160),
        rgb,
    })
}

fn nearest(a: &Photo, b: &Photo, indexed_only: bool) -> u32 {
    let theirs = a.hashes[0];
    let ours = if indexed_only {
        &b.hashes[..2]
    } else {
        &b.hashes[..]
    };
    ours.iter().map(|h| h.distance(theirs)).min().unwrap_or(65)
}

fn quantiles(sorted: &[f32]) -> String {
    let at = |q: f64| {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "an index"
        )]
        let i = ((sorted.len() - 1) as f64 * q).round() as usize;
        sorted[i]
    };
    format!(
        "min {:.3} p1 {:.3} p50 {:.3} p99 {:.3} p99.9 {:.3} max {:.3}",
        at(0.0),
        at(0.01),
        at(0.5),
        at(0.99),
        at(0.999),
        at(1.0)
    )
}

fn main() {
    let args = Args::parse();
    let mut paths: Vec<PathBuf> = args
        .dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap_or_else(|e| panic!("{}: {e}", d.display())))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| {
                ["jpg", "jpeg", "png"].contains(&x.to_string_lossy().to_lowercase().as_str())
            })
        })
        .collect();
    paths.sort();
    let photos: Vec<Photo> = paths.iter().filter_map(load).collect();
    println!("{} photos", photos.len());

    // Different photos: every ordered pair.
    let started = std::time::Instant::now();
    let mut different: Vec<f32> = Vec::new();
    let (mut hash_near, mut hash_near_any) = (0usize, 0usize);
    let mut worst: Vec<(f32, String)> = Vec::new();
    let mut different_distances: Vec<u32> = Vec::new();
    for (i, a) in photos.iter().enumerate() {
        for (j, b) in photos.iter().enumerate() {
            if i == j {
                continue;
            }
            if nearest(a, b, true) <= args.max_distance {
                hash_near += 1;
            }
            let distance = nearest(a, b, false);
            different_distances.push(distance);
            if distance <= args.max_distance {
                hash_near_any += 1;
            }
            let found = compare(&a.picture, &b.picture);
            if args.each {
                println!(
                    "  {} <- {}: score {:.3}, hash {} bits",
                    a.name, b.name, found.score, distance
                );
            }
            different.push(found.score);
            worst.push((found.score, format!("{} <- {}", a.name, b.name)));
        }
    }
    let pairs = different.len();
    #[expect(clippy::cast_precision_loss, reason = "counts")]
    let per_pair_ms = started.elapsed().as_secs_f64() * 1000.0 / pairs.max(1) as f64;
    different.sort_by(f32::total_cmp);
    worst.sort_by(|a, b| b.0.total_cmp(&a.0));
    let copies_called = different.iter().filter(|s| **s >= COPY_THRESHOLD).count();
    println!("different photos: {pairs} ordered pairs, {per_pair_ms:.1} ms a comparison");
    println!("  scores: {}", quantiles(&different));
    println!("  called copies at {COPY_THRESHOLD}: {copies_called}");
    println!(
        "  within {} bits by hash: {hash_near} (the selfie's and its mirror image's), {hash_near_any} (with the turned and cropped variants)",
        args.max_distance
    );
    println!("  highest scores:");
    for (score, pair) in worst.iter().take(8) {
        println!("    {score:.3}  {pair}");
    }
    // Pairs whose best registration is no plausible edit, or that have too little texture,
    // score -1 and can never be copies; the tail is fitted on the others: a normal through
    // their mean and spread, and an exponential through their top 5% (its rate from the mean
    // excess over their 95th percentile). The rate per pair is the part registered times the
    // tail beyond the threshold.
    let registered: Vec<f64> = different
        .iter()
        .map(|s| f64::from(*s))
        .filter(|s| *s > -1.0)
        .collect();
    #[expect(clippy::cast_precision_loss, reason = "counts")]
    let (n, share) = (
        registered.len() as f64,
        registered.len() as f64 / pairs.max(1) as f64,
    );
    let mean = registered.iter().sum::<f64>() / n;
    let sd = (registered.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n).sqrt();
    let z = (f64::from(COPY_THRESHOLD) - mean) / sd;
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "an index"
    )]
    let p95 = registered
        .get(((n - 1.0) * 0.95) as usize)
        .copied()
        .unwrap_or(0.0);
    let top: Vec<f64> = registered.iter().copied().filter(|s| *s > p95).collect();
    #[expect(clippy::cast_precision_loss, reason = "counts")]
    let excess = top.iter().map(|s| s - p95).sum::<f64>() / top.len().max(1) as f64;
    let tail = 0.05 * (-(f64::from(COPY_THRESHOLD) - p95) / excess).exp();
    println!(
        "  registered as a plausible edit with texture: {} of {pairs} ({:.1}%)",
        registered.len(),
        share * 100.0
    );
    println!(
        "  their tail: mean {mean:.3} sd {sd:.3}, threshold {z:.1} sd above (normal {:.1e}); top 5% (p95 {p95:.3}, mean excess {excess:.3}) exponential {tail:.1e}",
        normal_tail(z)
    );
    println!(
        "  per pair of different photos: normal {:.1e}, exponential {:.1e}",
        share * normal_tail(z),
        share * tail
    );

    // Real copies: each photo against edited copies of itself.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut copies: Vec<f32> = Vec::new();
    let (mut missed, mut hash_missed) = (Vec::new(), 0usize);
    let mut copy_distances: Vec<u32> = Vec::new();
    for photo in &photos {
        for _ in 0..args.copies {
            let (what, edited) = edit(&photo.rgb, &mut rng);
            let copy = Photo {
                name: what.clone(),
                picture: Picture::new(&edited),
                hashes: reuse_hashes(&DynamicImage::ImageRgb8(edited.clone()), 160),
                rgb: edited,
            };
            let distance = nearest(photo, &copy, false);
            copy_distances.push(distance);
            if distance > args.max_distance {
                hash_missed += 1;
            }
            let found = compare(&photo.picture, &copy.picture);
            copies.push(found.score);
            if !found.is_copy(COPY_THRESHOLD) {
                missed.push(format!("{:.3} {} ({what})", found.score, photo.name));
            }
        }
    }
    copies.sort_by(f32::total_cmp);
    println!("edited copies: {}", copies.len());
    println!("  scores: {}", quantiles(&copies));
    println!("  missed at {COPY_THRESHOLD}: {}", missed.len());
    for m in missed.iter().take(12) {
        println!("    {m}");
    }
    println!(
        "  beyond {} bits of every variant's hash (not looked at): {hash_missed}",
        args.max_distance
    );
    for d in [12, 14, 16, 18] {
        let beyond = copy_distances.iter().filter(|x| **x > d).count();
        let near = different_distances.iter().filter(|x| **x <= d).count();
        println!("  at {d} bits: copies beyond {beyond}, different pairs within {near}");
    }
}

/// The upper tail of the standard normal beyond `z` (Abramowitz and Stegun 7.1.26).
fn normal_tail(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-x * x).exp();
    if x >= 0.0 {
        0.5 * erfc
    } else {
        1.0 - 0.5 * erfc
    }
}
