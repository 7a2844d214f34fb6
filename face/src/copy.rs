//! Whether one selfie is an edited copy of another: the second stage of the reuse check.
//!
//! The 64-bit gradient hash finds candidates cheaply, but two unrelated selfies (a face in front
//! of an office wall) land within its threshold about once per thousand pairs. This stage
//! decides on the pixels: it registers the later photo onto the earlier one with an affine map
//! (which covers a resize, a crop, a tilt and a mirror image) and a gain and offset (which cover
//! brightening and contrast), by Gauss-Newton from a few starting guesses on an image pyramid,
//! and then correlates the fine detail of the two (a band-pass of the grey picture, where a
//! photo's own texture lives: hair, fabric, the sensor's grain). A copy keeps that detail
//! through recompression and small edits; a new photo of the same face at the same desk does
//! not, because the face, the hands and the light never fall on the same pixels twice. The
//! score is the lowest correlation among the picture's textured blocks, so a background that
//! happens to line up cannot carry a face that does not.

#![expect(
    clippy::many_single_char_names,
    reason = "the formulas' names: pictures a and b, their sizes, the normal equations h and g"
)]

use image::{RgbImage, imageops};

/// Long edge of the finest level, in pixels.
const WORK_EDGE: u32 = 192;
/// Levels of the pyramid, each half the previous one (192, 96, 48, 24).
const LEVELS: usize = 4;
/// A copy's score is at or above this (band-pass correlation of its weakest textured block).
pub const COPY_THRESHOLD: f32 = 0.5;
/// The registered pictures must share at least this part of the earlier one.
const MIN_OVERLAP: f64 = 0.45;

/// A grey picture, row-major, values 0 to 255.
#[derive(Clone, Debug)]
struct Grey {
    w: usize,
    h: usize,
    px: Vec<f32>,
}

impl Grey {
    fn at(&self, x: usize, y: usize) -> f32 {
        self.px[y * self.w + x]
    }

    /// Bilinear sample at `(x, y)` in pixel-centre coordinates (pixel `i` at `i`), or `None`
    /// outside the picture.
    fn sample(&self, x: f64, y: f64) -> Option<f32> {
        if !(x >= 0.0 && y >= 0.0) {
            return None;
        }
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "non-negative and checked against the size below"
        )]
        let (x0, y0) = (x as usize, y as usize);
        if x0 + 1 >= self.w || y0 + 1 >= self.h {
            return None;
        }
        #[expect(clippy::cast_possible_truncation, reason = "a fraction in 0..1")]
        let (fx, fy) = (x.fract() as f32, y.fract() as f32);
        let i = y0 * self.w + x0;
        let top = self.px[i] * (1.0 - fx) + self.px[i + 1] * fx;
        let bottom = self.px[i + self.w] * (1.0 - fx) + self.px[i + self.w + 1] * fx;
        Some(top * (1.0 - fy) + bottom * fy)
    }

    /// Half the size, by a 2x2 box.
    fn halve(&self) -> Grey {
        let (w, h) = (self.w / 2, self.h / 2);
        let mut px = Vec::with_capacity(w * h);
        for y in 0..h {
            for x in 0..w {
                let s = self.at(2 * x, 2 * y)
                    + self.at(2 * x + 1, 2 * y)
                    + self.at(2 * x, 2 * y + 1)
                    + self.at(2 * x + 1, 2 * y + 1);
                px.push(0.25 * s);
            }
        }
        Grey { w, h, px }
    }

    /// Central differences (one-sided at the edges), per pixel.
    fn gradients(&self) -> (Grey, Grey) {
        let (w, h) = (self.w, self.h);
        let mut gx = vec![0.0; w * h];
        let mut gy = vec![0.0; w * h];
        for y in 0..h {
            for x in 0..w {
                let (l, r) = (x.saturating_sub(1), (x + 1).min(w - 1));
                let (t, b) = (y.saturating_sub(1), (y + 1).min(h - 1));
                #[expect(clippy::cast_precision_loss, reason = "1 or 2")]
                let (dx, dy) = ((r - l).max(1) as f32, (b - t).max(1) as f32);
                gx[y * w + x] = (self.at(r, y) - self.at(l, y)) / dx;
                gy[y * w + x] = (self.at(x, b) - self.at(x, t)) / dy;
            }
        }
        (Grey { w, h, px: gx }, Grey { w, h, px: gy })
    }
}

/// One level of a picture's pyramid: the picture and its gradients.
#[derive(Clone, Debug)]
struct Level {
    img: Grey,
    gx: Grey,
    gy: Grey,
}

/// A photo prepared for comparison: grey, its long edge `WORK_EDGE`, with its pyramid.
/// Prepare each photo once and compare it with many.
#[derive(Clone, Debug)]
pub struct Picture {
    /// Finest first.
    levels: Vec<Level>,
}

impl Picture {
    /// Prepares an RGB photo (upright, as stored).
    #[must_use]
    pub fn new(img: &RgbImage) -> Self {
        let (w, h) = img.dimensions();
        let long = w.max(h).max(1);
        let scale = f64::from(WORK_EDGE) / f64::from(long);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a positive size no larger than WORK_EDGE"
        )]
        let size = |v: u32| ((f64::from(v) * scale).round() as u32).max(16);
        let grey = image::DynamicImage::ImageRgb8(img.clone()).to_luma8();
        let small = imageops::resize(&grey, size(w), size(h), imageops::FilterType::Triangle);
        let mut img = Grey {
            w: small.width() as usize,
            h: small.height() as usize,
            px: small.as_raw().iter().map(|v| f32::from(*v)).collect(),
        };
        let mut levels = Vec::with_capacity(LEVELS);
        for i in 0..LEVELS {
            let (gx, gy) = img.gradients();
            let next = (i + 1 < LEVELS).then(|| img.halve());
            levels.push(Level { img, gx, gy });
            match next {
                Some(n) if n.w >= 8 && n.h >= 8 => img = n,
                _ => break,
            }
        }
        Self { levels }
    }
}

/// How well the later photo registers onto the earlier one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CopyMatch {
    /// The band-pass correlation of the weakest textured block, -1 to 1 (a copy: at or above
    /// [`COPY_THRESHOLD`]).
    pub score: f32,
    /// Whether the copy is a mirror image of the original.
    pub mirrored: bool,
    /// The part of the earlier picture the later one covers, 0 to 1.
    pub overlap: f32,
}

impl CopyMatch {
    /// Whether this is a copy at `threshold` (normally [`COPY_THRESHOLD`]).
    #[must_use]
    pub fn is_copy(&self, threshold: f32) -> bool {
        self.score >= threshold && f64::from(self.overlap) >= MIN_OVERLAP
    }
}

/// An affine map from the earlier picture's normalised coordinates (0 to 1 across and down) to
/// the later one's: `(t0 u + t1 v + t2, t3 u + t4 v + t5)`.
type Affine = [f64; 6];

/// The result of registering at one level.
#[derive(Clone, Copy, Debug)]
struct Fit {
    map: Affine,
    /// Mean squared residual over the variance of the earlier picture (0: perfect).
    cost: f64,
    /// The part of the earlier picture that falls inside the later one.
    overlap: f64,
}

/// Registers `later` onto `earlier` and scores how much of the earlier photo's fine detail the
/// later one keeps.
#[must_use]
pub fn compare(earlier: &Picture, later: &Picture) -> CopyMatch {
    let coarse = earlier.levels.len().min(later.levels.len()) - 1;
    // Starting guesses at the coarsest level: upright or mirrored, tilted either way, cropped.
    let mut starts: Vec<Fit> = Vec::new();
    for mirrored in [false, true] {
        for degrees in [-10.0, 0.0, 10.0] {
            for zoom in [1.0, 0.88, 0.78] {
                let map = start(
                    mirrored,
                    degrees,
                    zoom,
                    &earlier.levels[coarse].img,
                    &later.levels[coarse].img,
                );
                let fit = refine(&earlier.levels[coarse].img, &later.levels[coarse], map, 10);
                if let Some(fit) = fit {
                    starts.push(fit);
                }
            }
        }
    }
    starts.sort_by(|a, b| a.cost.total_cmp(&b.cost));
    // The two best guesses down to the third finest level, the better of them to the second;
    // its map (in coordinates that do not depend on the level) is within a fraction of a
    // pixel at the finest, where the detail is compared.
    let best = starts
        .into_iter()
        .take(2)
        .filter_map(|fit| {
            (2..coarse).rev().try_fold(fit, |f, level| {
                refine(&earlier.levels[level].img, &later.levels[level], f.map, 6)
            })
        })
        .min_by(|a, b| a.cost.total_cmp(&b.cost))
        .and_then(|fit| match (earlier.levels.get(1), later.levels.get(1)) {
            (Some(a), Some(b)) if coarse > 1 => refine(&a.img, b, fit.map, 6),
            _ => Some(fit),
        })
        .filter(|fit| plausible(&fit.map, &earlier.levels[0].img, &later.levels[0].img));
    best.map_or(
        CopyMatch {
            score: -1.0,
            mirrored: false,
            overlap: 0.0,
        },
        |fit| score(&earlier.levels[0].img, &later.levels[0].img, &fit),
    )
}

/// Whether a map is an edit a copy could have gone through: about as large (a crop or a frame
/// up to 40% either way), turned by at most 20 degrees, and not stretched one way more than
/// 25% (a copy keeps its proportions). A map outside these found some other fit, not a copy.
fn plausible(map: &Affine, a: &Grey, b: &Grey) -> bool {
    #[expect(clippy::cast_precision_loss, reason = "small picture sizes")]
    let (wa, ha, wb, hb) = (a.w as f64, a.h as f64, b.w as f64, b.h as f64);
    // The map in pixels: earlier offsets to later offsets, the later one unmirrored.
    let det_sign = (map[0] * map[4] - map[1] * map[3]).signum();
    let (j00, j01) = (det_sign * map[0] * wb / wa, det_sign * map[1] * wb / ha);
    let (j10, j11) = (map[3] * hb / wa, map[4] * hb / ha);
    // Singular values of a 2x2 matrix, in closed form.
    let e = f64::midpoint(j00, j11);
    let f = (j00 - j11) / 2.0;
    let g = f64::midpoint(j10, j01);
    let h = (j10 - j01) / 2.0;
    let q = (e * e + h * h).sqrt();
    let r = (f * f + g * g).sqrt();
    let (s1, s2) = (q + r, (q - r).abs());
    let expected = (wb * hb / (wa * ha)).sqrt();
    let scale = (s1 * s2).sqrt() / expected;
    let turn = h.atan2(e).to_degrees().abs();
    s2 > 0.0 && s1 / s2 <= 1.25 && (0.6..=1.7).contains(&scale) && turn <= 20.0
}

/// The map of a guess: the later picture mirrored or not, turned by `degrees` and showing the
/// central `zoom` of the earlier one, in each picture's own pixel geometry.
fn start(mirrored: bool, degrees: f64, zoom: f64, a: &Grey, b: &Grey) -> Affine {
    #[expect(clippy::cast_precision_loss, reason = "small picture sizes")]
    let (wa, ha, wb, hb) = (a.w as f64, a.h as f64, b.w as f64, b.h as f64);
    let (s, c) = degrees.to_radians().sin_cos();
    // Pixel offsets from the earlier picture's centre, turned and scaled into the later one's
    // scale (which shows the same scene at `wb / wa`, magnified by `1 / zoom`).
    let k = wb / wa / zoom;
    // later_px = centre_b + k R (earlier_px - centre_a); then normalise and mirror.
    // earlier_px = (u wa, v ha); later_u = later_px_x / wb.
    let m = [
        k * c * wa / wb,
        -k * s * ha / wb,
        0.5 - k * (c * wa * 0.5 - s * ha * 0.5) / wb,
        k * s * wa / hb,
        k * c * ha / hb,
        0.5 - k * (s * wa * 0.5 + c * ha * 0.5) / hb,
    ];
    if mirrored {
        [-m[0], -m[1], 1.0 - m[2], m[3], m[4], m[5]]
    } else {
        m
    }
}

#[expect(
    clippy::needless_range_loop,
    reason = "the rows and columns of the normal equations"
)]
/// Gauss-Newton on the affine map, with the gain and offset solved in closed form at each
/// step; `None` when too little of the pictures overlaps or the picture is flat.
fn refine(a: &Grey, b: &Level, mut map: Affine, iterations: usize) -> Option<Fit> {
    #[expect(clippy::cast_precision_loss, reason = "small picture sizes")]
    let (wa, ha, wb, hb) = (a.w as f64, a.h as f64, b.img.w as f64, b.img.h as f64);
    let (mut gain, mut offset) = (1.0_f64, 0.0_f64);
    let mut last = None;
    for step in 0..=iterations {
        let mut h = [[0.0_f64; 6]; 6];
        let mut g = [0.0_f64; 6];
        let (mut n, mut sa, mut sb, mut sab, mut sbb, mut saa, mut see) =
            (0.0_f64, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for Mapped { x, y, u, v, bx, by } in mapped(a, &b.img, map) {
            let Some(bv) = b.img.sample(bx, by) else {
                continue;
            };
            let av = f64::from(a.at(x, y));
            let bv = f64::from(bv);
            let e = av - gain * bv - offset;
            n += 1.0;
            sa += av;
            sb += bv;
            sab += av * bv;
            sbb += bv * bv;
            saa += av * av;
            see += e * e;
            if step == iterations {
                continue;
            }
            let gx = f64::from(b.gx.sample(bx, by).unwrap_or(0.0)) * wb * gain;
            let gy = f64::from(b.gy.sample(bx, by).unwrap_or(0.0)) * hb * gain;
            let j = [gx * u, gx * v, gx, gy * u, gy * v, gy];
            for r in 0..6 {
                g[r] += j[r] * e;
                for c in r..6 {
                    h[r][c] += j[r] * j[c];
                }
            }
        }
        if n < 16.0 || n / (wa * ha) < MIN_OVERLAP * 0.5 {
            return None;
        }
        let var_a = saa / n - (sa / n).powi(2);
        let var_b = sbb / n - (sb / n).powi(2);
        if var_a < 1.0 || var_b < 1.0 {
            return None;
        }
        last = Some(Fit {
            map,
            cost: see / n / var_a,
            overlap: n / (wa * ha),
        });
        gain = (sab / n - sa / n * sb / n) / var_b;
        offset = sa / n - gain * sb / n;
        if step == iterations {
            break;
        }
        for r in 0..6 {
            for c in 0..r {
                h[r][c] = h[c][r];
            }
            // A little damping keeps a flat direction from throwing the map away.
            h[r][r] *= 1.0 + 1e-3;
            h[r][r] += 1e-6;
        }
        let Some(delta) = solve(h, g) else {
            break;
        };
        for (m, d) in map.iter_mut().zip(delta) {
            *m += d;
        }
    }
    last
}

/// A pixel of the earlier picture: its place, its normalised coordinates and where the map
/// puts it in the later picture (pixel-centre coordinates).
struct Mapped {
    x: usize,
    y: usize,
    u: f64,
    v: f64,
    bx: f64,
    by: f64,
}

/// Every pixel of `a`, mapped into `b` by `map`.
fn mapped(a: &Grey, b: &Grey, map: Affine) -> impl Iterator<Item = Mapped> {
    #[expect(clippy::cast_precision_loss, reason = "small picture sizes")]
    let (wa, ha, wb, hb) = (a.w as f64, a.h as f64, b.w as f64, b.h as f64);
    let width = a.w;
    (0..a.h).flat_map(move |y| {
        (0..width).map(move |x| {
            #[expect(clippy::cast_precision_loss, reason = "small picture sizes")]
            let (u, v) = ((x as f64 + 0.5) / wa, (y as f64 + 0.5) / ha);
            Mapped {
                x,
                y,
                u,
                v,
                bx: (map[0] * u + map[1] * v + map[2]) * wb - 0.5,
                by: (map[3] * u + map[4] * v + map[5]) * hb - 0.5,
            }
        })
    })
}

#[expect(clippy::needless_range_loop, reason = "rows and columns")]
/// Solves `h x = g` (6x6) by Gaussian elimination with partial pivoting.
fn solve(mut h: [[f64; 6]; 6], mut g: [f64; 6]) -> Option<[f64; 6]> {
    for col in 0..6 {
        let pivot = (col..6).max_by(|&i, &j| h[i][col].abs().total_cmp(&h[j][col].abs()))?;
        if h[pivot][col].abs() < 1e-12 {
            return None;
        }
        h.swap(col, pivot);
        g.swap(col, pivot);
        for row in col + 1..6 {
            let f = h[row][col] / h[col][col];
            for k in col..6 {
                h[row][k] -= f * h[col][k];
            }
            g[row] -= f * g[col];
        }
    }
    let mut x = [0.0; 6];
    for row in (0..6).rev() {
        let mut s = g[row];
        for k in row + 1..6 {
            s -= h[row][k] * x[k];
        }
        x[row] = s / h[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Blocks across and down in which the fine detail is correlated.
const BLOCKS: usize = 4;
/// A score needs at least this many textured blocks.
const MIN_BLOCKS: usize = 6;

/// The band-pass correlation of the registered pictures: the later one warped into the
/// earlier one's frame, both filtered, correlated block by block over what both show; the
/// score is the weakest textured block's.
fn score(a: &Grey, b: &Grey, fit: &Fit) -> CopyMatch {
    #[expect(clippy::cast_precision_loss, reason = "small picture sizes")]
    let (wa, ha) = (a.w as f64, a.h as f64);
    let m = fit.map;
    let mut warped = vec![0.0_f32; a.w * a.h];
    let mut inside = vec![0.0_f32; a.w * a.h];
    for Mapped { x, y, bx, by, .. } in mapped(a, b, m) {
        if let Some(s) = b.sample(bx, by) {
            warped[y * a.w + x] = s;
            inside[y * a.w + x] = 1.0;
        }
    }
    let band_a = band_pass(&a.px, &vec![1.0; a.w * a.h], a.w, a.h);
    let band_b = band_pass(&warped, &inside, a.w, a.h);
    // Only pixels whose whole filter support lies inside the later picture count.
    let support = blur(&inside, a.w, a.h, 3);
    let mut blocks = [[(0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64); BLOCKS]; BLOCKS];
    let mut counted = 0usize;
    for y in 0..a.h {
        for x in 0..a.w {
            let i = y * a.w + x;
            if support[i] < 0.999 {
                continue;
            }
            counted += 1;
            let (p, q) = (f64::from(band_a[i]), f64::from(band_b[i]));
            let block = &mut blocks[y * BLOCKS / a.h][x * BLOCKS / a.w];
            block.0 += 1.0;
            block.1 += p;
            block.2 += q;
            block.3 += p * p;
            block.4 += q * q;
            block.5 += p * q;
        }
    }
    // A block counts when it is mostly inside and the earlier picture has detail there (a
    // flat wall's band-pass is mostly compression noise in any photo).
    let mut energies = Vec::new();
    let mut correlations = Vec::new();
    #[expect(clippy::cast_precision_loss, reason = "small picture sizes")]
    let block_area = (a.w * a.h) as f64 / (BLOCKS * BLOCKS) as f64;
    for (n, sp, sq, spp, sqq, spq) in blocks.iter().flatten().copied() {
        if n < block_area * 0.5 {
            continue;
        }
        let var_p = spp / n - (sp / n).powi(2);
        let var_q = sqq / n - (sq / n).powi(2);
        let cov = spq / n - sp / n * sq / n;
        energies.push(var_p);
        correlations.push((var_p, cov / (var_p * var_q).sqrt().max(1e-9)));
    }
    energies.sort_by(f64::total_cmp);
    let median = energies.get(energies.len() / 2).copied().unwrap_or(0.0);
    let textured: Vec<f64> = correlations
        .iter()
        .filter(|(e, _)| *e >= median * 0.25 && *e > 0.5)
        .map(|(_, r)| *r)
        .collect();
    // Too few textured blocks to tell a copy from a look-alike (a foggy or blank picture).
    let weakest = if textured.len() < MIN_BLOCKS {
        -1.0
    } else {
        textured.iter().copied().fold(f64::INFINITY, f64::min)
    };
    #[expect(clippy::cast_precision_loss, reason = "small picture sizes")]
    let overlap = counted as f64 / (wa * ha);
    #[expect(clippy::cast_possible_truncation, reason = "scores and fractions")]
    CopyMatch {
        score: weakest as f32,
        mirrored: m[0] * m[4] - m[1] * m[3] < 0.0,
        overlap: overlap.max(0.0).min(fit.overlap) as f32,
    }
}

/// A band-pass of `px` where `mask` is 1: a small blur minus a wider one, each normalised by
/// the mask's own blur so the border of a warped picture does not ring.
fn band_pass(px: &[f32], mask: &[f32], w: usize, h: usize) -> Vec<f32> {
    let masked: Vec<f32> = px.iter().zip(mask).map(|(p, m)| p * m).collect();
    let fine_num = blur(&masked, w, h, 1);
    let fine_den = blur(mask, w, h, 1);
    let wide_num = blur(&masked, w, h, 3);
    let wide_den = blur(mask, w, h, 3);
    (0..w * h)
        .map(|i| {
            let fine = fine_num[i] / fine_den[i].max(1e-3);
            let wide = wide_num[i] / wide_den[i].max(1e-3);
            fine - wide
        })
        .collect()
}

/// A box blur of radius `r` run twice (close to a Gaussian), edges clamped; running sums, so
/// the cost does not depend on the radius.
fn blur(px: &[f32], w: usize, h: usize, r: usize) -> Vec<f32> {
    let once = |src: &[f32]| -> Vec<f32> {
        let across = box_pass(src, (w, h), r, (1, w));
        box_pass(&across, (h, w), r, (w, 1))
    };
    once(&once(px))
}

/// One box pass of radius `r` along lines of `len` samples `step` apart, `lines` of them
/// starting `line_step` apart (rows: `(1, w)`; columns: `(w, 1)`).
fn box_pass(
    src: &[f32],
    (len, lines): (usize, usize),
    r: usize,
    (step, line_step): (usize, usize),
) -> Vec<f32> {
    let mut out = vec![0.0_f32; src.len()];
    #[expect(clippy::cast_precision_loss, reason = "a small radius")]
    let (norm, lead) = (1.0 / (2 * r + 1) as f32, (r + 1) as f32);
    for line in 0..lines {
        let base = line * line_step;
        let at = |i: usize| src[base + i.min(len - 1) * step];
        let mut sum = at(0) * lead;
        for i in 1..=r {
            sum += at(i);
        }
        for i in 0..len {
            out[base + i * step] = sum * norm;
            sum += at(i + r + 1) - at(i.saturating_sub(r));
        }
    }
    out
}

/// `img` turned by `degrees` about its centre and scaled by `zoom`, by the nearest pixel, the
/// edges repeated where the turn uncovers them.
#[must_use]
pub fn turn<P: image::Pixel>(
    img: &image::ImageBuffer<P, Vec<P::Subpixel>>,
    degrees: f64,
    zoom: f64,
) -> image::ImageBuffer<P, Vec<P::Subpixel>> {
    let (w, h) = img.dimensions();
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    image::ImageBuffer::from_fn(w, h, |x, y| {
        let (dx, dy) = (
            (f64::from(x) + 0.5 - cx) / zoom,
            (f64::from(y) + 0.5 - cy) / zoom,
        );
        let (sx, sy) = (c * dx + s * dy + cx, -s * dx + c * dy + cy);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped into the picture"
        )]
        let (sx, sy) = (
            sx.clamp(0.0, f64::from(w - 1)) as u32,
            sy.clamp(0.0, f64::from(h - 1)) as u32,
        );
        *img.get_pixel(sx, sy)
    })
}

/// What a cheat does to an old selfie before sending it again (for the tests and the rates
/// benchmark): crop fractions off each side, turn, move the brightness, mirror, resize to
/// `width` across and save as a JPEG at `quality`.
#[derive(Clone, Copy, Debug)]
pub struct Edit {
    /// Fractions cropped off the left, top, right and bottom.
    pub crop: [f64; 4],
    pub degrees: f64,
    pub brighten: i16,
    pub mirror: bool,
    pub width: u32,
    pub quality: u8,
}

impl Edit {
    /// The edited copy, decoded again.
    #[must_use]
    pub fn apply(&self, img: &RgbImage) -> RgbImage {
        let (w, h) = img.dimensions();
        let [left, top, right, bottom] = self.crop;
        let (fw, fh) = (f64::from(w), f64::from(h));
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "fractions of the picture's size"
        )]
        let (x0, y0, cw, ch) = (
            (fw * left) as u32,
            (fh * top) as u32,
            ((fw * (1.0 - left - right)) as u32).max(16),
            ((fh * (1.0 - top - bottom)) as u32).max(16),
        );
        let cropped = imageops::crop_imm(img, x0, y0, cw, ch).to_image();
        let mut turned = turn(&cropped, self.degrees, 1.0);
        for p in turned.pixels_mut() {
            p.0 = p
                .0
                .map(|v| u8::try_from((i16::from(v) + self.brighten).clamp(0, 255)).unwrap_or(255));
        }
        if self.mirror {
            imageops::flip_horizontal_in_place(&mut turned);
        }
        let height = (self.width * ch / cw).max(16);
        let resized = imageops::resize(&turned, self.width, height, imageops::FilterType::Triangle);
        let mut out = Vec::new();
        let encoded = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, self.quality)
            .encode_image(&resized);
        match encoded
            .ok()
            .and_then(|()| image::load_from_memory(&out).ok())
        {
            Some(decoded) => decoded.to_rgb8(),
            None => resized,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_photos::fixture;

    fn edit(
        img: &RgbImage,
        crop: f64,
        degrees: f64,
        brighten: i16,
        mirror: bool,
        width: u32,
    ) -> RgbImage {
        Edit {
            crop: [crop, crop, 0.0, 0.0],
            degrees,
            brighten,
            mirror,
            width,
            quality: 70,
        }
        .apply(img)
    }

    fn picture(img: &RgbImage) -> Picture {
        Picture::new(img)
    }

    #[test]
    fn copies_of_a_selfie_are_copies() {
        let a = fixture("selfie-a-480x640.jpg");
        let original = picture(&a);
        for (what, copy) in [
            ("1080x1440", fixture("selfie-a-1080x1440.jpg")),
            (
                "EXIF-rotated",
                fixture("selfie-a-exif-gps-orientation6.jpg"),
            ),
            ("resaved q60", fixture("selfie-a-resaved-360x480-q60.jpg")),
            ("mirrored", edit(&a, 0.0, 0.0, 0, true, 480)),
            (
                "cropped 6%, turned 4°, brighter",
                edit(&a, 0.06, 4.0, 30, false, 400),
            ),
            (
                "cropped 8%, turned -6°, mirrored",
                edit(&a, 0.08, -6.0, -20, true, 360),
            ),
            (
                "cropped 10%, turned 8°",
                edit(&a, 0.10, 8.0, 15, false, 480),
            ),
        ] {
            let found = compare(&original, &picture(&copy));
            eprintln!("{what}: {found:?}");
            assert!(found.is_copy(COPY_THRESHOLD), "{what}: {found:?}");
        }
    }

    #[test]
    fn other_photos_are_not_copies() {
        let names = [
            "selfie-a-480x640.jpg",
            "selfie-b-480x640.jpg",
            "not-a-face-cat-480x640.jpg",
            "not-a-face-coffee-480x640.png",
        ];
        let pictures: Vec<Picture> = names.iter().map(|n| picture(&fixture(n))).collect();
        for (i, a) in pictures.iter().enumerate() {
            for (j, b) in pictures.iter().enumerate() {
                if i != j {
                    let found = compare(a, b);
                    eprintln!("{} / {}: {found:?}", names[i], names[j]);
                    assert!(
                        !found.is_copy(COPY_THRESHOLD),
                        "{} / {}: {found:?}",
                        names[i],
                        names[j]
                    );
                }
            }
        }
    }
}
