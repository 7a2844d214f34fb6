//! The one resampling the pipeline uses, written out so that it is exactly the reference's:
//! bilinear, the output pixel `(u, v)` sampled at its centre mapped into the source, samples
//! outside the image black; the source first halved by a 2x2 box filter while the map would
//! shrink it by more than 2x (as dlib's pyramid does), so that bilinear sampling does not alias.

use image::RgbImage;

/// An RGB image as `f32`s, row-major, 3 values a pixel.
#[derive(Clone, Debug)]
struct Plane {
    width: usize,
    height: usize,
    data: Vec<f32>,
}

/// Halves `p` with a 2x2 box filter (an odd last row or column is dropped).
#[must_use]
fn halve_plane(p: &Plane) -> Plane {
    let (w, h) = (p.width / 2, p.height / 2);
    let mut data = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let at = |yy: usize, xx: usize| p.data[(yy * p.width + xx) * 3 + c];
                let sum = at(2 * y, 2 * x)
                    + at(2 * y + 1, 2 * x)
                    + at(2 * y, 2 * x + 1)
                    + at(2 * y + 1, 2 * x + 1);
                data.push(0.25 * sum);
            }
        }
    }
    Plane {
        width: w,
        height: h,
        data,
    }
}

/// Halves an RGB image (exposed for tests).
#[must_use]
pub fn halve(img: &RgbImage) -> Vec<f32> {
    halve_plane(&plane(img)).data
}

fn plane(img: &RgbImage) -> Plane {
    Plane {
        width: img.width() as usize,
        height: img.height() as usize,
        data: img.as_raw().iter().map(|v| f32::from(*v)).collect(),
    }
}

/// Warps `img` to `out_w` x `out_h`: `a` maps output coordinates to source coordinates
/// (pixel-edge convention: pixel `i` spans `[i, i + 1)`). RGB `f32`s in 0..255, row-major.
#[must_use]
#[expect(
    clippy::many_single_char_names,
    reason = "the names of the formulas: a matrix, pixel coordinates"
)]
pub fn warp_affine(img: &RgbImage, a: &[[f64; 3]; 2], out_w: usize, out_h: usize) -> Vec<f32> {
    let mut a = *a;
    let mut src = plane(img);
    let mut shrink = (a[0][0] * a[1][1] - a[0][1] * a[1][0]).abs().sqrt();
    while shrink > 2.0 && src.width.min(src.height) >= 4 {
        src = halve_plane(&src);
        for row in &mut a {
            for v in row.iter_mut() {
                *v /= 2.0;
            }
        }
        shrink /= 2.0;
    }
    let (w, h) = (src.width, src.height);
    #[expect(
        clippy::cast_possible_wrap,
        clippy::cast_possible_truncation,
        reason = "image sides are far below i64::MAX"
    )]
    let tap = |y: i64, x: i64, c: usize| -> f32 {
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            0.0
        } else {
            #[expect(clippy::cast_sign_loss, reason = "checked non-negative above")]
            let (x, y) = (x as usize, y as usize);
            src.data[(y * w + x) * 3 + c]
        }
    };
    let mut out = Vec::with_capacity(out_w * out_h * 3);
    for v in 0..out_h {
        for u in 0..out_w {
            #[expect(clippy::cast_precision_loss, reason = "chip sides are small")]
            let (uf, vf) = (u as f64 + 0.5, v as f64 + 0.5);
            let x = a[0][0] * uf + a[0][1] * vf + a[0][2] - 0.5;
            let y = a[1][0] * uf + a[1][1] * vf + a[1][2] - 0.5;
            let (x0, y0) = (x.floor(), y.floor());
            #[expect(clippy::cast_possible_truncation, reason = "weights are in [0, 1)")]
            let (fx, fy) = ((x - x0) as f32, (y - y0) as f32);
            #[expect(clippy::cast_possible_truncation, reason = "coordinates are small")]
            let (xi, yi) = (x0 as i64, y0 as i64);
            for c in 0..3 {
                let top = tap(yi, xi, c) * (1.0 - fx) + tap(yi, xi + 1, c) * fx;
                let bottom = tap(yi + 1, xi, c) * (1.0 - fx) + tap(yi + 1, xi + 1, c) * fx;
                out.push(top * (1.0 - fy) + bottom * fy);
            }
        }
    }
    out
}
