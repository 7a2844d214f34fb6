//! Face evidence for Hadir's selfies: where the faces are (`BlazeFace`, front model) and who the
//! face is (dlib's face recognition `ResNet`, 128 values; same person under about 0.6).
//!
//! Both models are ONNX files embedded in the binary (`models/face/`, with their licences and
//! provenance) and run by tract, in-process, on the CPU: nothing is downloaded and nothing leaves
//! the server. The arithmetic follows `scripts/models/reference_pipeline.py` exactly (the
//! executable specification this crate's tests compare with): letterbox to 128x128, decode 896
//! anchors, weighted non-max suppression, align the eyes, nose and mouth to dlib's chip
//! geometry with a least-squares similarity, warp a 150x150 chip, embed.
//!
//! A face signal never refuses anything by itself: the server turns it into flags with their
//! score and threshold, for a person to decide.

pub mod copy;
mod image_ops;

/// The repository's photo fixtures, for this crate's tests.
#[cfg(test)]
mod test_photos {
    use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};

    /// A fixture, decoded and turned upright by its EXIF orientation.
    pub(crate) fn fixture(name: &str) -> RgbImage {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/photos")
            .join(name);
        let mut decoder = ImageReader::open(&path)
            .unwrap()
            .with_guessed_format()
            .unwrap()
            .into_decoder()
            .unwrap();
        let orientation = decoder.orientation().unwrap();
        let mut img = DynamicImage::from_decoder(decoder).unwrap();
        img.apply_orientation(orientation);
        img.to_rgb8()
    }
}

use std::io::Cursor;

use image::RgbImage;
use tract_onnx::prelude::*;

pub use image_ops::{halve, warp_affine};

const DETECTOR: &[u8] = include_bytes!("../../models/face/blazeface_front_128.onnx");
const EMBEDDER: &[u8] = include_bytes!("../../models/face/face_recognition_resnet.onnx");

/// The detector's input size.
const DET_SIZE: usize = 128;
/// Candidates below this score are dropped before suppression.
const MIN_SCORE: f32 = 0.5;
/// Candidates overlapping this much are one face.
const NMS_IOU: f32 = 0.3;
/// A detection at or above this score is a face.
pub const FACE_THRESHOLD: f32 = 0.75;
/// dlib's documented same-person distance.
pub const SAME_PERSON_DISTANCE: f32 = 0.6;
/// The embedding's input size.
const CHIP: usize = 150;

/// dlib's chip geometry for a 150 px chip with padding 0.25, at the points `BlazeFace` marks:
/// the eye centres (the person's right eye first, the eye on the image's left), the nose tip
/// and the mouth centre; pixel-edge coordinates.
const TEMPLATE: [(f64, f64); 4] = [
    (48.049_183, 47.099_033),
    (100.976_133, 47.099_033),
    (74.512_7, 77.062_5),
    (74.512_675, 105.407_325),
];

/// The grids of the detector's anchors: `(cells per row, anchors per cell)`.
const ANCHOR_LAYERS: [(usize, usize); 2] = [(16, 2), (8, 6)];

/// Why a face could not be looked for.
#[derive(Debug, thiserror::Error)]
pub enum FaceError {
    #[error("face model: {0}")]
    Model(String),
}

impl From<TractError> for FaceError {
    fn from(e: TractError) -> Self {
        FaceError::Model(e.to_string())
    }
}

type Runnable = std::sync::Arc<TypedSimplePlan>;

/// A face found in an image, in the image's pixel coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    pub score: f32,
    /// `(x0, y0, x1, y1)`.
    pub bbox: [f32; 4],
    /// The person's right eye, left eye, nose tip, mouth centre, right ear, left ear.
    pub keypoints: [(f32, f32); 6],
}

/// A face's 128 values (not normalised: compare with [`distance`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Embedding(pub [f32; 128]);

impl Embedding {
    /// The values as bytes (little-endian `f32`s), for storing.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// From [`Embedding::to_bytes`]; `None` unless it holds exactly 128 values.
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() != 128 * 4 {
            return None;
        }
        let mut out = [0f32; 128];
        for (v, chunk) in out.iter_mut().zip(bytes.chunks_exact(4)) {
            *v = f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        Some(Self(out))
    }
}

/// The Euclidean distance between two faces: under [`SAME_PERSON_DISTANCE`] the same person.
#[must_use]
pub fn distance(a: &Embedding, b: &Embedding) -> f32 {
    a.0.iter()
        .zip(b.0.iter())
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

/// The two models, loaded and optimised once (tens of milliseconds) and shared.
#[derive(Debug)]
pub struct FaceModels {
    detector: Runnable,
    embedder: Runnable,
}

fn load(bytes: &[u8], shape: [usize; 4]) -> Result<Runnable, FaceError> {
    Ok(tract_onnx::onnx()
        .model_for_read(&mut Cursor::new(bytes))?
        .with_input_fact(0, f32::fact(shape).into())?
        .into_optimized()?
        .into_runnable()?)
}

fn sigmoid(logit: f32) -> f32 {
    1.0 / (1.0 + (-logit.clamp(-100.0, 100.0)).exp())
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let area = |r: &[f32; 4]| (r[2] - r[0]) * (r[3] - r[1]);
    inter / (area(a) + area(b) - inter + 1e-9)
}

/// The anchor centres, in the order of the detector's outputs (896).
fn anchors() -> Vec<(f32, f32)> {
    let mut out = Vec::with_capacity(896);
    for (grid, per_cell) in ANCHOR_LAYERS {
        for cell in 0..grid * grid {
            #[expect(
                clippy::cast_precision_loss,
                reason = "grids are 16 cells wide at most"
            )]
            let (ax, ay) = (
                ((cell % grid) as f32 + 0.5) / grid as f32,
                ((cell / grid) as f32 + 0.5) / grid as f32,
            );
            out.extend(std::iter::repeat_n((ax, ay), per_cell));
        }
    }
    out
}

/// Weighted non-max suppression (as `MediaPipe` does it): each group of overlapping candidates
/// becomes the score-weighted mean of their boxes and keypoints, with the group's best score.
fn weighted_nms(mut candidates: Vec<Detection>) -> Vec<Detection> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut faces = Vec::new();
    while let Some(best) = candidates.first().cloned() {
        let (group, rest): (Vec<Detection>, Vec<Detection>) = candidates
            .into_iter()
            .partition(|c| iou(&best.bbox, &c.bbox) >= NMS_IOU);
        let total: f32 = group.iter().map(|c| c.score).sum();
        let mut bbox = [0f32; 4];
        let mut keypoints = [(0f32, 0f32); 6];
        for c in &group {
            let w = c.score / total;
            for (b, v) in bbox.iter_mut().zip(c.bbox) {
                *b += v * w;
            }
            for (k, (x, y)) in keypoints.iter_mut().zip(c.keypoints) {
                k.0 += x * w;
                k.1 += y * w;
            }
        }
        faces.push(Detection {
            score: best.score,
            bbox,
            keypoints,
        });
        candidates = rest;
    }
    faces
}

/// The least-squares similarity (rotation, uniform scale, translation; no reflection) that maps
/// `src` onto `dst`, as a 2x3 matrix: in two dimensions it has a closed form.
#[must_use]
pub fn similarity(src: &[(f64, f64)], dst: &[(f64, f64)]) -> [[f64; 3]; 2] {
    #[expect(clippy::cast_precision_loss, reason = "a handful of points")]
    let n = src.len().max(1) as f64;
    let mean = |p: &[(f64, f64)]| {
        let (x, y) = p.iter().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
        (x / n, y / n)
    };
    let (ms, md) = (mean(src), mean(dst));
    let (mut dot, mut cross, mut norm) = (0.0, 0.0, 0.0);
    for (s, d) in src.iter().zip(dst) {
        let (sx, sy) = (s.0 - ms.0, s.1 - ms.1);
        let (dx, dy) = (d.0 - md.0, d.1 - md.1);
        dot += sx * dx + sy * dy;
        cross += sx * dy - sy * dx;
        norm += sx * sx + sy * sy;
    }
    let (a, b) = if norm > 0.0 {
        (dot / norm, cross / norm)
    } else {
        (1.0, 0.0)
    };
    [
        [a, -b, md.0 - (a * ms.0 - b * ms.1)],
        [b, a, md.1 - (b * ms.0 + a * ms.1)],
    ]
}

/// The inverse of an invertible 2x3 affine map.
#[must_use]
#[expect(
    clippy::many_single_char_names,
    reason = "the names of the textbook inverse of a 2x2 matrix"
)]
pub fn invert(m: &[[f64; 3]; 2]) -> [[f64; 3]; 2] {
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let (a, b, c, d) = (m[1][1] / det, -m[0][1] / det, -m[1][0] / det, m[0][0] / det);
    [
        [a, b, -(a * m[0][2] + b * m[1][2])],
        [c, d, -(c * m[0][2] + d * m[1][2])],
    ]
}

impl FaceModels {
    /// Loads and optimises both embedded models.
    pub fn load() -> Result<Self, FaceError> {
        Ok(Self {
            detector: load(DETECTOR, [1, DET_SIZE, DET_SIZE, 3])?,
            embedder: load(EMBEDDER, [1, CHIP, CHIP, 3])?,
        })
    }

    /// Every face in `img` with its score (at least 0.5; a face counts from
    /// [`FACE_THRESHOLD`]), best first.
    pub fn detect(&self, img: &RgbImage) -> Result<Vec<Detection>, FaceError> {
        let (w, h) = (f64::from(img.width()), f64::from(img.height()));
        let size = f64::from(u32::try_from(DET_SIZE).unwrap_or(128));
        let s = size / w.max(h);
        let (pad_x, pad_y) = ((size - w * s) / 2.0, (size - h * s) / 2.0);
        let letterbox = warp_affine(
            img,
            &[[1.0 / s, 0.0, -pad_x / s], [0.0, 1.0 / s, -pad_y / s]],
            DET_SIZE,
            DET_SIZE,
        );
        let input: Vec<f32> = letterbox.iter().map(|v| v / 127.5 - 1.0).collect();
        let tensor = tract_ndarray::Array4::from_shape_vec((1, DET_SIZE, DET_SIZE, 3), input)
            .map_err(|e| FaceError::Model(e.to_string()))?;
        let outputs = self.detector.run(tvec!(Tensor::from(tensor).into()))?;
        // By shape: the scores of the 512 and of the 384 anchors, then their regressors.
        let mut scores: Vec<f32> = Vec::with_capacity(896);
        let mut regs: Vec<f32> = Vec::with_capacity(896 * 16);
        let mut by_shape: Vec<(usize, usize, Vec<f32>)> = outputs
            .iter()
            .map(|o| {
                let view = o.to_plain_array_view::<f32>()?;
                let shape = view.shape().to_vec();
                Ok((
                    shape.get(1).copied().unwrap_or(0),
                    shape.get(2).copied().unwrap_or(0),
                    view.iter().copied().collect(),
                ))
            })
            .collect::<TractResult<_>>()?;
        by_shape.sort_by_key(|(anchors, width, _)| (*width, usize::MAX - *anchors));
        for (anchors, width, values) in by_shape {
            match width {
                1 => scores.extend(values),
                16 => regs.extend(values),
                _ => {
                    return Err(FaceError::Model(format!(
                        "unexpected detector output of {anchors} x {width}"
                    )));
                }
            }
        }
        if scores.len() != 896 || regs.len() != 896 * 16 {
            return Err(FaceError::Model(
                "the detector's outputs are not 896 anchors".into(),
            ));
        }
        #[expect(
            clippy::cast_possible_truncation,
            reason = "image coordinates fit an f32"
        )]
        let (sf, px, py) = (s as f32, pad_x as f32, pad_y as f32);
        #[expect(clippy::cast_precision_loss, reason = "128")]
        let det = DET_SIZE as f32;
        let candidates = anchors()
            .into_iter()
            .zip(scores)
            .zip(regs.chunks_exact(16))
            .filter_map(|(((ax, ay), logit), r)| {
                let score = sigmoid(logit);
                if score < MIN_SCORE {
                    return None;
                }
                let (cx, cy) = (ax * det + r[0], ay * det + r[1]);
                let (bw, bh) = (r[2], r[3]);
                let back_x = |x: f32| (x - px) / sf;
                let back_y = |y: f32| (y - py) / sf;
                let mut keypoints = [(0f32, 0f32); 6];
                for (k, kp) in keypoints.iter_mut().enumerate() {
                    *kp = (
                        back_x(ax * det + r[4 + 2 * k]),
                        back_y(ay * det + r[5 + 2 * k]),
                    );
                }
                Some(Detection {
                    score,
                    bbox: [
                        back_x(cx - bw / 2.0),
                        back_y(cy - bh / 2.0),
                        back_x(cx + bw / 2.0),
                        back_y(cy + bh / 2.0),
                    ],
                    keypoints,
                })
            })
            .collect();
        Ok(weighted_nms(candidates))
    }

    /// The 150x150 chip of `face` as dlib aligns it (eyes, nose tip and mouth centre onto its
    /// template; the ears are not used: hijab and hair hide them), RGB 0..255.
    #[must_use]
    pub fn chip(img: &RgbImage, face: &Detection) -> Vec<f32> {
        let points: Vec<(f64, f64)> = face.keypoints[..4]
            .iter()
            .map(|(x, y)| (f64::from(*x), f64::from(*y)))
            .collect();
        let to_chip = similarity(&points, &TEMPLATE);
        warp_affine(img, &invert(&to_chip), CHIP, CHIP)
    }

    /// The embedding of `face` in `img`.
    pub fn embed(&self, img: &RgbImage, face: &Detection) -> Result<Embedding, FaceError> {
        let chip = Self::chip(img, face);
        let tensor = tract_ndarray::Array4::from_shape_vec((1, CHIP, CHIP, 3), chip)
            .map_err(|e| FaceError::Model(e.to_string()))?;
        let outputs = self.embedder.run(tvec!(Tensor::from(tensor).into()))?;
        let view = outputs
            .first()
            .ok_or_else(|| FaceError::Model("no embedding".into()))?
            .to_plain_array_view::<f32>()?;
        let values: Vec<f32> = view.iter().copied().collect();
        let array: [f32; 128] = values
            .try_into()
            .map_err(|_| FaceError::Model("the embedding is not 128 values".into()))?;
        Ok(Embedding(array))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_photos::fixture;

    fn models() -> &'static FaceModels {
        static MODELS: std::sync::OnceLock<FaceModels> = std::sync::OnceLock::new();
        MODELS.get_or_init(|| FaceModels::load().unwrap())
    }

    fn faces(img: &RgbImage) -> Vec<Detection> {
        models()
            .detect(img)
            .unwrap()
            .into_iter()
            .filter(|f| f.score >= FACE_THRESHOLD)
            .collect()
    }

    fn embedding(name: &str) -> Embedding {
        let img = fixture(name);
        let found = faces(&img);
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        models().embed(&img, &found[0]).unwrap()
    }

    /// The scores the reference pipeline measured (onnxruntime and tract's Python bindings).
    #[test]
    fn one_face_in_each_selfie_and_none_in_the_cat_or_the_coffee() {
        for (name, reference) in [
            ("selfie-a-480x640.jpg", Some(0.929)),
            ("selfie-a-1080x1440.jpg", Some(0.929)),
            ("selfie-a-exif-gps-orientation6.jpg", Some(0.928)),
            ("selfie-a-resaved-360x480-q60.jpg", Some(0.920)),
            ("selfie-b-480x640.jpg", Some(0.793)),
            ("not-a-face-cat-480x640.jpg", None),
            ("not-a-face-coffee-480x640.png", None),
        ] {
            let img = fixture(name);
            let all = models().detect(&img).unwrap();
            let found = faces(&img);
            match reference {
                Some(score) => {
                    assert_eq!(found.len(), 1, "{name}: {all:?}");
                    assert!(
                        (found[0].score - score).abs() < 0.01,
                        "{name}: {}",
                        found[0].score
                    );
                }
                None => assert!(found.is_empty(), "{name}: {all:?}"),
            }
        }
        // The cat is the nearest miss: 0.556 in the reference, below the threshold.
        let cat = models()
            .detect(&fixture("not-a-face-cat-480x640.jpg"))
            .unwrap();
        assert!(
            cat.first().is_some_and(|c| (c.score - 0.556).abs() < 0.02),
            "{cat:?}"
        );
    }

    #[test]
    fn the_same_face_matches_and_another_does_not() {
        let a = embedding("selfie-a-480x640.jpg");
        for name in [
            "selfie-a-1080x1440.jpg",
            "selfie-a-exif-gps-orientation6.jpg",
            "selfie-a-resaved-360x480-q60.jpg",
        ] {
            let d = distance(&a, &embedding(name));
            assert!(d < 0.2, "{name}: {d}");
        }
        let b = embedding("selfie-b-480x640.jpg");
        let d = distance(&a, &b);
        assert!((d - 0.81).abs() < 0.05, "selfie-b: {d}");
        // Mirrored (a front camera's preview): still the same person.
        let mirrored = image::imageops::flip_horizontal(&fixture("selfie-a-480x640.jpg"));
        let found = faces(&mirrored);
        let m = models().embed(&mirrored, &found[0]).unwrap();
        assert!(distance(&a, &m) < 0.4, "{}", distance(&a, &m));
        // Stored and read back, unchanged.
        assert_eq!(Embedding::from_bytes(&a.to_bytes()), Some(a));
    }

    #[test]
    fn the_similarity_is_exact_for_points_that_fit_one() {
        let src = [(10.0, 20.0), (30.0, 20.0), (20.0, 35.0), (20.0, 45.0)];
        // Rotate 90 degrees, scale 2, move by (5, 7).
        let dst: Vec<(f64, f64)> = src
            .iter()
            .map(|(x, y)| (5.0 - 2.0 * y, 7.0 + 2.0 * x))
            .collect();
        let m = similarity(&src, &dst);
        for ((x, y), (dx, dy)) in src.iter().zip(&dst) {
            let (mx, my) = (
                m[0][0] * x + m[0][1] * y + m[0][2],
                m[1][0] * x + m[1][1] * y + m[1][2],
            );
            assert!((mx - dx).abs() < 1e-9 && (my - dy).abs() < 1e-9);
        }
        let back = invert(&m);
        let (x, y) = dst[0];
        let (bx, by) = (
            back[0][0] * x + back[0][1] * y + back[0][2],
            back[1][0] * x + back[1][1] * y + back[1][2],
        );
        assert!((bx - src[0].0).abs() < 1e-9 && (by - src[0].1).abs() < 1e-9);
    }
}
