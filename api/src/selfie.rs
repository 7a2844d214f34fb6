//! The selfie pipeline: bytes from a phone in, a clean upright JPEG, a thumbnail and hashes out.
//!
//! Order matters. The bytes are sniffed (the declared type is ignored), the header is checked
//! against pixel and memory limits before any pixel is decoded (a decompression bomb is refused
//! in microseconds), EXIF is read as evidence, then the image is decoded, turned upright,
//! scaled down and encoded anew. The stored JPEG is made from pixels only: no EXIF, no GPS, no
//! trailing bytes of the original can survive.
//!
//! All of this is CPU work: callers run it through [`CpuPool`], never on an async worker.

use std::io::Cursor;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use hadir_domain::checkin::PerceptualHash;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

/// Limits and output sizes of the pipeline (settings under `[photos]`).
#[derive(Clone, Copy, Debug)]
pub struct PipelineLimits {
    /// Widest and tallest picture decoded, in pixels.
    pub max_side_px: u32,
    /// Most pixels decoded (width x height).
    pub max_pixels: u64,
    /// Long edge of the stored photo.
    pub stored_long_edge_px: u32,
    /// Long edge of the thumbnail.
    pub thumbnail_long_edge_px: u32,
    /// JPEG quality of the stored photo (1-100).
    pub jpeg_quality: u8,
}

impl Default for PipelineLimits {
    fn default() -> Self {
        Self {
            max_side_px: 8_000,
            max_pixels: 24_000_000,
            stored_long_edge_px: 1280,
            thumbnail_long_edge_px: 160,
            jpeg_quality: 85,
        }
    }
}

/// Why the bytes are not a usable selfie. Each maps to a 415 or 422 with its own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelfieError {
    #[error("the selfie is empty")]
    Empty,
    #[error("the selfie is not an image (neither JPEG nor PNG by its bytes)")]
    NotAnImage,
    #[error("the selfie is {0}, which is not accepted; send JPEG or PNG")]
    UnsupportedFormat(String),
    #[error("the selfie is {width}x{height} pixels, over the limit of {limit}")]
    TooManyPixels {
        width: u32,
        height: u32,
        limit: String,
    },
    #[error("the selfie is truncated: the JPEG has no end marker")]
    Truncated,
    #[error("the selfie cannot be decoded: {0}")]
    Corrupt(String),
}

impl SelfieError {
    /// Whether the answer is 415 (not an image at all) rather than 422 (a broken image).
    #[must_use]
    pub fn is_unsupported_type(&self) -> bool {
        matches!(
            self,
            SelfieError::NotAnImage | SelfieError::UnsupportedFormat(_)
        )
    }
}

/// What EXIF said, kept as evidence (the stored photo carries none of it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExifEvidence {
    /// `DateTimeOriginal`, as the camera wrote it (no zone).
    pub captured_at: Option<NaiveDateTime>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// A selfie made safe to store.
#[derive(Clone, Debug)]
pub struct ProcessedSelfie {
    /// The stored photo: upright, long edge within the limit, JPEG without metadata.
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// The thumbnail's pixels (long edge `thumbnail_long_edge_px`), which the hash was made
    /// from; [`ProcessedSelfie::thumbnail_jpeg`] encodes them for whoever stores a thumbnail.
    thumbnail_pixels: DynamicImage,
    /// SHA-256 of `jpeg` (hex).
    pub sha256: String,
    pub phash: PerceptualHash,
    pub exif: ExifEvidence,
    /// `jpeg` or `png`: what the bytes were.
    pub source_format: &'static str,
}

impl ProcessedSelfie {
    /// The thumbnail as a JPEG (quality 75), for review lists and reference faces. A check-in
    /// does not store one: its thumbnail is made from the stored selfie when first needed
    /// ([`thumbnail_of_stored`]).
    pub fn thumbnail_jpeg(&self) -> Result<Vec<u8>, SelfieError> {
        encode_jpeg(&self.thumbnail_pixels, THUMBNAIL_QUALITY)
    }
}

/// JPEG quality of thumbnails.
const THUMBNAIL_QUALITY: u8 = 75;

/// The thumbnail of a stored selfie (an upright JPEG without metadata, as [`process`] stores
/// it): decoded straight to about the thumbnail's size where the JPEG allows, scaled with the
/// box filter, encoded like [`ProcessedSelfie::thumbnail_jpeg`]. The same bytes as the
/// pipeline's thumbnail for a selfie stored as it came.
pub fn thumbnail_of_stored(jpeg: &[u8], long_edge: u32) -> Result<Vec<u8>, SelfieError> {
    let pixels = match decode_reduced(jpeg, long_edge) {
        Some(small) => small,
        None => image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg)
            .map_err(|e| decode_error(&e))?,
    };
    encode_jpeg(&thumbnail(&pixels, long_edge)?, THUMBNAIL_QUALITY)
}

/// Hex SHA-256.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Runs the whole pipeline on `bytes`.
pub fn process(bytes: &[u8], limits: &PipelineLimits) -> Result<ProcessedSelfie, SelfieError> {
    if bytes.is_empty() {
        return Err(SelfieError::Empty);
    }
    let format = image::guess_format(bytes).map_err(|_| SelfieError::NotAnImage)?;
    let source_format = match format {
        ImageFormat::Jpeg => {
            if jpeg_end(bytes).is_none() {
                return Err(SelfieError::Truncated);
            }
            "jpeg"
        }
        ImageFormat::Png => "png",
        other => {
            return Err(SelfieError::UnsupportedFormat(
                other
                    .extensions_str()
                    .first()
                    .copied()
                    .unwrap_or("?")
                    .to_uppercase(),
            ));
        }
    };

    // The usual selfie, an upright JPEG small enough to be stored as it came (the phone app's
    // 480x640), is read from its own markers (size, EXIF, orientation) and decoded straight to
    // about the thumbnail's size: its pixels serve only the thumbnail and the hash. It is stored
    // as its own image data with every metadata segment and every byte after its end removed:
    // nothing to re-encode, no second generation of compression loss.
    let long_edge = limits.thumbnail_long_edge_px;
    if format == ImageFormat::Jpeg
        && let Some(header) = jpeg_header(bytes)
        && header.width.max(header.height) <= limits.max_side_px.min(limits.stored_long_edge_px)
        && u64::from(header.width) * u64::from(header.height) <= limits.max_pixels
        && header
            .exif
            .and_then(image::metadata::Orientation::from_exif_chunk)
            .is_none_or(|o| o == image::metadata::Orientation::NoTransforms)
        && let (Some(small), Some(jpeg)) = (decode_reduced(bytes, long_edge), strip_jpeg(bytes))
    {
        let exif = header.exif.map(read_exif).unwrap_or_default();
        let size = (header.width, header.height);
        return finish(jpeg, size, &small, long_edge, exif, source_format);
    }

    // Anything else is decoded whole; turned upright, scaled and encoded anew unless it is an
    // upright JPEG within the stored size (then stripped as above).
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side_px);
    decoder_limits.max_image_height = Some(limits.max_side_px);
    // RGBA at 4 bytes a pixel, plus room for the decoder's own buffers.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(6));
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(|e| decode_error(&e))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(SelfieError::TooManyPixels {
            width,
            height,
            limit: format!("{} pixels", limits.max_pixels),
        });
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let exif = decoder
        .exif_metadata()
        .ok()
        .flatten()
        .map(|raw| read_exif(&raw))
        .unwrap_or_default();
    let upright = orientation == image::metadata::Orientation::NoTransforms;
    let keeps_its_bytes =
        format == ImageFormat::Jpeg && upright && width.max(height) <= limits.stored_long_edge_px;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|e| decode_error(&e))?;
    img.apply_orientation(orientation);
    let stripped = keeps_its_bytes.then(|| strip_jpeg(bytes)).flatten();
    let (jpeg, size) = if let Some(jpeg) = stripped {
        (jpeg, (img.width(), img.height()))
    } else {
        let stored = shrink(&img, limits.stored_long_edge_px)?;
        let jpeg = encode_jpeg(&stored, limits.jpeg_quality)?;
        (jpeg, (stored.width(), stored.height()))
    };
    finish(jpeg, size, &img, long_edge, exif, source_format)
}

/// The selfie from its stored JPEG and its upright pixels: the thumbnail (long edge
/// `thumbnail_long_edge`) and the hash are made from `pixels`.
fn finish(
    jpeg: Vec<u8>,
    (width, height): (u32, u32),
    pixels: &DynamicImage,
    thumbnail_long_edge: u32,
    exif: ExifEvidence,
    source_format: &'static str,
) -> Result<ProcessedSelfie, SelfieError> {
    let thumbnail_pixels = thumbnail(pixels, thumbnail_long_edge)?;
    let phash = perceptual_hash(&thumbnail_pixels);
    Ok(ProcessedSelfie {
        sha256: sha256_hex(&jpeg),
        jpeg,
        width,
        height,
        thumbnail_pixels,
        phash,
        exif,
        source_format,
    })
}

fn decode_error(e: &image::ImageError) -> SelfieError {
    match e {
        image::ImageError::Limits(_) => SelfieError::TooManyPixels {
            width: 0,
            height: 0,
            limit: "the decoder's limits".into(),
        },
        image::ImageError::Unsupported(u) => SelfieError::UnsupportedFormat(u.to_string()),
        other => SelfieError::Corrupt(other.to_string()),
    }
}

/// The JPEG decoded straight to the smallest of 1/8, 1/4 and 1/2 of its size whose long edge
/// still reaches `long_edge` (the inverse DCT of each block made at that size: for the phone's
/// 480x640 selfie about 0.75 of a whole decode, and nothing left to scale down). `None` when
/// that is not worth it or not possible: no reduction reaches `long_edge`, the output would be
/// large enough for the decoder to start threads of its own, the colours are not YCbCr or RGB,
/// or the data does not decode; the caller then decodes the whole image, as before.
fn decode_reduced(bytes: &[u8], long_edge: u32) -> Option<DynamicImage> {
    // jpeg-decoder hands wider outputs (width squared over 128 squared) to threads it starts.
    const SINGLE_THREADED_MAX_WIDTH: u32 = 128;
    let decode = || {
        let mut decoder = jpeg_decoder::Decoder::new(bytes);
        decoder.read_info().ok()?;
        let info = decoder.info()?;
        if !matches!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24) {
            return None;
        }
        let (w, h) = (u32::from(info.width), u32::from(info.height));
        let long = w.max(h);
        if long < 2 * long_edge {
            return None;
        }
        // The requested size keeps the aspect; the decoder picks the smallest reduction whose
        // output is at least that large on one side.
        let requested = |side: u32| {
            let scaled = u64::from(side) * u64::from(long_edge);
            u16::try_from(scaled.div_ceil(u64::from(long))).ok()
        };
        let (sw, sh) = decoder.scale(requested(w)?, requested(h)?).ok()?;
        let (sw, sh) = (u32::from(sw), u32::from(sh));
        if sw.max(sh) < long_edge || sw > SINGLE_THREADED_MAX_WIDTH {
            return None;
        }
        let pixels = decoder.decode().ok()?;
        image::RgbImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageRgb8)
    };
    // A decoder bug on a hostile file must not take the worker down: the whole decode then
    // gets to say what is wrong with it.
    std::panic::catch_unwind(decode).ok().flatten()
}

/// The image scaled so that its long edge is at most `long_edge` (never enlarged), with a
/// bilinear filter on SIMD (`fast_image_resize`): image's own resizers cost several times the
/// decode for a phone photo.
fn shrink(img: &DynamicImage, long_edge: u32) -> Result<DynamicImage, SelfieError> {
    shrink_with(img, long_edge, fast_image_resize::FilterType::Bilinear)
}

/// The thumbnail (and the picture the hash is made from): scaled by averaging each output
/// pixel's block of the image (a box filter), which at a thumbnail's factor of 4 or more costs
/// half a bilinear filter's taps for the same smoothness.
fn thumbnail(img: &DynamicImage, long_edge: u32) -> Result<DynamicImage, SelfieError> {
    shrink_with(img, long_edge, fast_image_resize::FilterType::Box)
}

fn shrink_with(
    img: &DynamicImage,
    long_edge: u32,
    filter: fast_image_resize::FilterType,
) -> Result<DynamicImage, SelfieError> {
    let (w, h) = (img.width(), img.height());
    if w.max(h) <= long_edge {
        return Ok(img.clone());
    }
    let scale = f64::from(long_edge) / f64::from(w.max(h));
    let scaled = |side: u32| -> u32 {
        // Within u32 by construction: a side times a factor below 1, rounded.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "see above"
        )]
        let v = (f64::from(side) * scale).round() as u32;
        v.max(1)
    };
    let mut out = DynamicImage::new(scaled(w), scaled(h), image::ColorType::Rgb8);
    // Decoded JPEGs are RGB already; anything else (grey, alpha) is converted once.
    let converted;
    let src = if matches!(img, DynamicImage::ImageRgb8(_)) {
        img
    } else {
        converted = DynamicImage::ImageRgb8(img.to_rgb8());
        &converted
    };
    fast_image_resize::Resizer::new()
        .resize(
            src,
            &mut out,
            &fast_image_resize::ResizeOptions::new()
                .resize_alg(fast_image_resize::ResizeAlg::Convolution(filter)),
        )
        .map_err(|e| SelfieError::Corrupt(format!("resizing failed: {e}")))?;
    Ok(out)
}

/// A baseline JPEG of the pixels alone (the SIMD encoder of the `jpeg-encoder` crate).
fn encode_jpeg(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, SelfieError> {
    let converted;
    let rgb = if let Some(rgb) = img.as_rgb8() {
        rgb
    } else {
        converted = img.to_rgb8();
        &converted
    };
    let (Ok(width), Ok(height)) = (u16::try_from(rgb.width()), u16::try_from(rgb.height())) else {
        return Err(SelfieError::Corrupt("too large to encode".into()));
    };
    let mut out = Vec::with_capacity(64 * 1024);
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(rgb.as_raw(), width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| SelfieError::Corrupt(format!("re-encoding failed: {e}")))?;
    Ok(out)
}

/// The gradient hashes an edited copy of a stored selfie would be near: the selfie's own,
/// its mirror image's, and those of both turned by 3 and 6 degrees either way and shown a
/// little smaller (7%), as a cropped and tilted copy would be undone. Made as the pipeline makes
/// the hash, from the thumbnail's size; the first two come first.
#[must_use]
pub fn reuse_hashes(img: &DynamicImage, thumbnail_long_edge_px: u32) -> Vec<PerceptualHash> {
    let thumb = thumbnail(img, thumbnail_long_edge_px).unwrap_or_else(|_| img.clone());
    let upright = thumb.to_luma8();
    let mirrored = image::imageops::flip_horizontal(&upright);
    let mut hashes = vec![
        perceptual_hash(&DynamicImage::ImageLuma8(upright.clone())),
        perceptual_hash(&DynamicImage::ImageLuma8(mirrored.clone())),
    ];
    for grey in [&upright, &mirrored] {
        for degrees in [-6, -3, 0, 3, 6] {
            for zoom in [100, 93] {
                if degrees == 0 && zoom == 100 {
                    continue;
                }
                let turned =
                    hadir_face::copy::turn(grey, f64::from(degrees), f64::from(zoom) / 100.0);
                hashes.push(perceptual_hash(&DynamicImage::ImageLuma8(turned)));
            }
        }
    }
    hashes
}

/// A 64-bit gradient hash: robust to rescaling and recompression, different for other faces.
///
/// The picture in grey, scaled to 9x8 with a triangle filter, each pixel compared with its right
/// neighbour: the hash of `image_hasher` (`HashAlg::Gradient`, 8x8, `FilterType::Triangle`,
/// first bit lowest), which every stored hash was made with. The grey picture is `image`'s own
/// conversion, as in the library; the scaling is done here in the same floating point steps as
/// `image`'s resampler (bit for bit the same: a test compares the hashes on the fixtures and on
/// random pictures), on one channel instead of the generic resampler's four: for a 160 px
/// thumbnail the whole hash takes 65 µs instead of 90.
fn perceptual_hash(img: &DynamicImage) -> PerceptualHash {
    let converted;
    let grey = if let Some(grey) = img.as_luma8() {
        grey
    } else {
        converted = img.to_luma8();
        &converted
    };
    let (width, height) = (grey.width() as usize, grey.height() as usize);
    let small = triangle_resize(grey.as_raw(), width, height, HASH_COLUMNS + 1, HASH_ROWS);
    let mut bits = 0u64;
    for (row, line) in small.chunks(HASH_COLUMNS + 1).enumerate() {
        let mut byte = 0u8;
        for (n, pair) in line.windows(2).enumerate() {
            byte |= u8::from(pair[0] < pair[1]) << n;
        }
        // The library's first byte is the hash's most significant.
        bits |= u64::from(byte) << (8 * (HASH_ROWS - 1 - row));
    }
    PerceptualHash(bits)
}

const HASH_COLUMNS: usize = 8;
const HASH_ROWS: usize = 8;

/// The hash as `image_hasher` makes it: what [`perceptual_hash`] is tested against.
#[cfg(test)]
fn library_hash(img: &DynamicImage) -> PerceptualHash {
    use image_hasher::{HashAlg, HasherConfig};
    let hasher = HasherConfig::new()
        .hash_size(8, 8)
        .hash_alg(HashAlg::Gradient)
        .resize_filter(image::imageops::FilterType::Triangle)
        .to_hasher();
    let hash = hasher.hash_image(img);
    let mut bits = [0u8; 8];
    for (dst, src) in bits.iter_mut().zip(hash.as_bytes()) {
        *dst = *src;
    }
    PerceptualHash(u64::from_be_bytes(bits))
}

/// `image::imageops::resize` with `FilterType::Triangle` on 8-bit grey, in the same floating
/// point steps in the same order (columns first, kept in `f32`, then rows, rounded), so the
/// result is the same to the last bit.
#[expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    reason = "the library's own conversions, reproduced: sides far below 2^24"
)]
fn triangle_resize(
    grey: &[u8],
    width: usize,
    height: usize,
    new_width: usize,
    new_height: usize,
) -> Vec<u8> {
    if width == 0 || height == 0 {
        return vec![0; new_width * new_height];
    }
    if (width, height) == (new_width, new_height) {
        return grey.to_vec();
    }
    // For each output position: the first input index and the normalised weights.
    let taps = |len: usize, new_len: usize, out: usize| -> (usize, Vec<f32>) {
        let ratio = len as f32 / new_len as f32;
        let sratio = if ratio < 1.0 { 1.0 } else { ratio };
        let support = sratio; // the triangle's support is 1
        let centre = (out as f32 + 0.5) * ratio;
        let left = ((centre - support).floor() as i64).clamp(0, len as i64 - 1);
        let right = ((centre + support).ceil() as i64).clamp(left + 1, len as i64);
        let centre = centre - 0.5;
        let mut weights: Vec<f32> = (left..right)
            .map(|i| {
                let x = ((i as f32 - centre) / sratio).abs();
                if x < 1.0 { 1.0 - x } else { 0.0 }
            })
            .collect();
        let mut sum = 0.0f32;
        for w in &weights {
            sum += w;
        }
        for w in &mut weights {
            *w /= sum;
        }
        (left as usize, weights)
    };
    // Columns: height -> new_height, in f32.
    let mut columns = vec![0.0f32; width * new_height];
    for out_y in 0..new_height {
        let (top, weights) = taps(height, new_height, out_y);
        let row = &mut columns[out_y * width..(out_y + 1) * width];
        for (i, w) in weights.iter().enumerate() {
            let src = &grey[(top + i) * width..(top + i + 1) * width];
            for (t, &p) in row.iter_mut().zip(src) {
                *t += f32::from(p) * w;
            }
        }
    }
    // Rows: width -> new_width, clamped and rounded to the nearest.
    let mut out = vec![0u8; new_width * new_height];
    for out_x in 0..new_width {
        let (first, weights) = taps(width, new_width, out_x);
        for y in 0..new_height {
            let row = &columns[y * width..(y + 1) * width];
            let mut t = 0.0f32;
            for (i, w) in weights.iter().enumerate() {
                t += row[first + i] * w;
            }
            out[y * new_width + out_x] = t.clamp(0.0, 255.0).round() as u8;
        }
    }
    out
}

/// Walks a JPEG from its start marker to its end marker, handing each piece to `piece` with
/// its marker: the start marker, every marker segment (with its length), the entropy-coded data
/// after each scan header (marker 0, restart markers included), and the end marker. Returns the
/// offset just past the end marker, or `None` when the data ends first or is not a JPEG.
fn walk_jpeg(bytes: &[u8], mut piece: impl FnMut(u8, &[u8])) -> Option<usize> {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return None;
    }
    piece(0xD8, &bytes[..2]);
    let mut i = 2;
    loop {
        // Markers may be padded with extra 0xFF bytes.
        while *bytes.get(i)? == 0xFF && *bytes.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        match marker {
            0xD9 => {
                piece(marker, &bytes[i..i + 2]);
                return Some(i + 2);
            }
            0x01 | 0xD0..=0xD7 => {
                piece(marker, &bytes[i..i + 2]);
                i += 2;
            }
            _ => {
                let len = usize::from(u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]));
                if len < 2 {
                    return None;
                }
                let end = i + 2 + len;
                piece(marker, bytes.get(i..end)?);
                i = end;
                if marker == 0xDA {
                    // Entropy-coded data runs to the next marker that is neither a stuffed
                    // 0xFF00 nor a restart marker.
                    let start = i;
                    loop {
                        // Most of a JPEG is this data: skip to its next 0xFF at once.
                        i += memchr::memchr(0xFF, bytes.get(i..)?)?;
                        let next = *bytes.get(i + 1)?;
                        if next != 0x00 && !(0xD0..=0xD7).contains(&next) && next != 0xFF {
                            break;
                        }
                        i += if next == 0xFF { 1 } else { 2 };
                    }
                    piece(0, &bytes[start..i]);
                }
            }
        }
    }
}

/// What a JPEG's markers before its first scan tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct JpegHeader<'a> {
    width: u32,
    height: u32,
    /// The EXIF block after its `Exif\0\0` prefix (the last one, as `image`'s decoder reads).
    exif: Option<&'a [u8]>,
}

/// Reads a JPEG's frame size and EXIF block from the marker segments before its first scan,
/// without touching the image data. `None` when the bytes are not a JPEG, or end or break off
/// before a frame header.
fn jpeg_header(bytes: &[u8]) -> Option<JpegHeader<'_>> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut exif = None;
    let mut i = 2;
    loop {
        while *bytes.get(i)? == 0xFF && *bytes.get(i + 1)? == 0xFF {
            i += 1; // fill bytes
        }
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        let len = usize::from(u16::from_be_bytes([*bytes.get(i + 2)?, *bytes.get(i + 3)?]));
        if len < 2 {
            return None;
        }
        let segment = bytes.get(i + 4..i + 2 + len)?;
        match marker {
            // Start of frame (every coding process), not DHT, JPG or DAC.
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                let height = u16::from_be_bytes([*segment.get(1)?, *segment.get(2)?]);
                let width = u16::from_be_bytes([*segment.get(3)?, *segment.get(4)?]);
                return Some(JpegHeader {
                    width: u32::from(width),
                    height: u32::from(height),
                    exif,
                });
            }
            0xE1 => {
                if let Some(block) = segment.strip_prefix(b"Exif\0\0".as_slice()) {
                    exif = Some(block);
                }
            }
            // A scan or the end before any frame; markers without a length.
            0xDA | 0xD9 | 0x01 | 0xD0..=0xD7 => return None,
            _ => {}
        }
        i += 2 + len;
    }
}

/// The offset just past a JPEG's end-of-image marker; `None` when the data ends first (a
/// truncated upload).
#[must_use]
pub fn jpeg_end(bytes: &[u8]) -> Option<usize> {
    walk_jpeg(bytes, |_, _| {})
}

/// The JPEG `bytes` with only what decoding needs: the frame, tables and scans are copied; every
/// application segment but JFIF (APP0) and Adobe's colour transform (APP14), every comment,
/// and every byte after the end marker are dropped. `None` when the data does not walk as a
/// JPEG to its end.
#[must_use]
pub fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    walk_jpeg(bytes, |marker, piece| {
        if !matches!(marker, 0xE1..=0xED | 0xEF | 0xFE) {
            out.extend_from_slice(piece);
        }
    })?;
    Some(out)
}

/// Reads capture time and GPS position from a raw EXIF block; anything unreadable is absent.
fn read_exif(raw: &[u8]) -> ExifEvidence {
    let raw = raw.strip_prefix(b"Exif\0\0").unwrap_or(raw);
    // Phones write EXIF with small defects (a stray next-IFD offset, say): keep what parses.
    let parsed = exif::Reader::new()
        .continue_on_error(true)
        .read_raw(raw.to_vec())
        .or_else(|e| e.distill_partial_result(drop));
    let Ok(exif) = parsed else {
        return ExifEvidence::default();
    };
    let captured_at = exif
        .get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)
        .and_then(|f| match &f.value {
            exif::Value::Ascii(v) => v.first().cloned(),
            _ => None,
        })
        .and_then(|ascii| {
            let text = String::from_utf8(ascii).ok()?;
            NaiveDateTime::parse_from_str(text.trim_end_matches('\0'), "%Y:%m:%d %H:%M:%S").ok()
        });
    let coordinate = |tag, ref_tag, negative: &[u8]| -> Option<f64> {
        let field = exif.get_field(tag, exif::In::PRIMARY)?;
        let exif::Value::Rational(parts) = &field.value else {
            return None;
        };
        let [d, m, s] = parts.as_slice() else {
            return None;
        };
        let mut value = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        if let Some(r) = exif.get_field(ref_tag, exif::In::PRIMARY)
            && let exif::Value::Ascii(v) = &r.value
            && v.first()
                .is_some_and(|s| s.first().is_some_and(|c| negative.contains(c)))
        {
            value = -value;
        }
        value.is_finite().then_some(value)
    };
    ExifEvidence {
        captured_at,
        latitude: coordinate(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, b"S"),
        longitude: coordinate(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, b"W"),
    }
}

/// A bounded pool for CPU work: at most one job per core runs at once, on tokio's blocking
/// threads, so image work never stalls an async worker and a burst of uploads queues instead
/// of multiplying memory.
///
/// Images go through two lanes. A large image (more pixels than `large_pixels`) also needs a
/// place in the large lane, which has one place fewer than there are cores: whatever big photos
/// arrive, a core is left for ordinary selfies. A job that cannot start within its lane's wait
/// is refused (503 + `Retry-After`) instead of queueing without end.
#[derive(Clone, Debug)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
    large: Arc<Semaphore>,
    lanes: Lanes,
}

/// Which images are large and how long each lane may wait.
#[derive(Clone, Copy, Debug)]
pub struct Lanes {
    pub large_pixels: u64,
    pub small_wait: std::time::Duration,
    pub large_wait: std::time::Duration,
}

impl Default for Lanes {
    fn default() -> Self {
        Self {
            large_pixels: 3_000_000,
            small_wait: std::time::Duration::from_secs(10),
            large_wait: std::time::Duration::from_secs(2),
        }
    }
}

/// Why an image job did not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpuError {
    /// It could not start within its lane's wait: retry after this many seconds.
    Busy(u64),
    /// The job itself failed (a bug).
    Failed(String),
}

impl CpuPool {
    #[must_use]
    pub fn new(size: usize) -> Self {
        Self::with_lanes(size, Lanes::default())
    }

    #[must_use]
    pub fn with_lanes(size: usize, lanes: Lanes) -> Self {
        let size = size.max(1);
        Self {
            permits: Arc::new(Semaphore::new(size)),
            large: Arc::new(Semaphore::new(size.saturating_sub(1).max(1))),
            lanes,
        }
    }

    /// Runs `job` on a blocking thread once a permit is free, keeping the caller's span.
    pub async fn run<T, F>(&self, job: F) -> Result<T, String>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| "the CPU pool is closed".to_owned())?;
        Self::spawn(job).await
    }

    /// Runs image work on `pixels` pixels (`None`: unknown, treated as small) in its lane, or
    /// refuses it when it cannot start within the lane's wait.
    pub async fn run_image<T, F>(&self, pixels: Option<u64>, job: F) -> Result<T, CpuError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let large = pixels.is_some_and(|p| p > self.lanes.large_pixels);
        let wait = if large {
            self.lanes.large_wait
        } else {
            self.lanes.small_wait
        };
        let busy = || CpuError::Busy(wait.as_secs().clamp(1, 30));
        let closed = |_| CpuError::Failed("the CPU pool is closed".into());
        let deadline = tokio::time::Instant::now() + wait;
        let _lane = if large {
            Some(
                tokio::time::timeout_at(deadline, self.large.acquire())
                    .await
                    .map_err(|_| busy())?
                    .map_err(closed)?,
            )
        } else {
            None
        };
        let _permit = tokio::time::timeout_at(deadline, self.permits.acquire())
            .await
            .map_err(|_| busy())?
            .map_err(closed)?;
        Self::spawn(job).await.map_err(CpuError::Failed)
    }

    async fn spawn<T, F>(job: F) -> Result<T, String>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(job))
            .await
            .map_err(|e| format!("a CPU job failed: {e}"))
    }
}

/// The pixels of an image from its header alone (nothing is decoded); `None` when the header
/// cannot be read (the pipeline then refuses the bytes quickly anyway).
#[must_use]
pub fn header_pixels(bytes: &[u8]) -> Option<u64> {
    if let Some(header) = jpeg_header(bytes) {
        return Some(u64::from(header.width) * u64::from(header.height));
    }
    let (w, h) = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()?;
    Some(u64::from(w) * u64::from(h))
}

/// The EXIF capture time read as local time in `tz`, in UTC.
#[must_use]
pub fn exif_time_in(tz: chrono_tz::Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {

    use super::*;
    use std::path::PathBuf;
    use std::time::Instant;

    fn fixture(name: &str) -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/photos")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn run(name: &str) -> Result<ProcessedSelfie, SelfieError> {
        process(&fixture(name), &PipelineLimits::default())
    }

    /// Every photo fixture (the hostile files aside).
    const PHOTOS: [&str; 7] = [
        "selfie-a-480x640.jpg",
        "selfie-a-1080x1440.jpg",
        "selfie-a-resaved-360x480-q60.jpg",
        "selfie-a-edited-crop-tilt-bright-mirror.jpg",
        "selfie-b-480x640.jpg",
        "not-a-face-cat-480x640.jpg",
        "not-a-face-coffee-480x640.png",
    ];

    /// A thumbnail made later from any stored selfie (kept as it came, or shrunk and encoded
    /// anew) looks like the one the pipeline's pixels make: the same size, a hash within
    /// `BITS` of the pipeline's.
    #[test]
    fn a_stored_selfie_makes_its_thumbnail_later() {
        const BITS: u32 = 4;
        for name in PHOTOS {
            let s = run(name).unwrap();
            let later = thumbnail_of_stored(&s.jpeg, 160).unwrap_or_else(|e| panic!("{name}: {e}"));
            let later = image::load_from_memory(&later).unwrap();
            let now = image::load_from_memory(&s.thumbnail_jpeg().unwrap()).unwrap();
            assert_eq!(
                (later.width(), later.height()),
                (now.width(), now.height()),
                "{name}"
            );
            let bits = perceptual_hash(&later).distance(s.phash);
            assert!(bits <= BITS, "{name}: {bits} bits");
        }
        assert!(thumbnail_of_stored(b"not a jpeg", 160).is_err());
    }

    /// The box-filtered thumbnail (since 2026-12-06) keeps the hash of every fixture within
    /// `BITS` of the bilinear one's, so the hashes stored before it still find the copies made
    /// after it (the face job reads candidates within 16 bits).
    #[test]
    fn the_box_thumbnails_hash_stays_near_the_bilinear_ones() {
        const BITS: u32 = 2;
        for name in PHOTOS {
            let img = image::load_from_memory(&fixture(name)).unwrap();
            let before = perceptual_hash(&shrink(&img, 160).unwrap());
            let after = perceptual_hash(&thumbnail(&img, 160).unwrap());
            let bits = before.distance(after);
            assert!(bits <= BITS, "{name}: {bits} bits");
        }
    }

    #[test]
    fn the_reduced_decode_hashes_as_the_whole_one() {
        const BITS: u32 = 2;
        for name in [
            "selfie-a-480x640.jpg",
            "selfie-b-480x640.jpg",
            "not-a-face-cat-480x640.jpg",
        ] {
            let bytes = fixture(name);
            let small = decode_reduced(&bytes, 160).unwrap_or_else(|| panic!("{name}"));
            assert_eq!((small.width(), small.height()), (120, 160), "{name}");
            let whole = image::load_from_memory(&bytes).unwrap();
            let reduced = perceptual_hash(&thumbnail(&small, 160).unwrap());
            let bits = reduced.distance(perceptual_hash(&thumbnail(&whole, 160).unwrap()));
            assert!(bits <= BITS, "{name}: {bits} bits");
        }
        // What is not worth it or not possible is left to the whole decode.
        for name in [
            "selfie-a-resaved-360x480-q60.jpg", // 1/2 would be too wide for one thread
            "selfie-a-exif-gps-orientation6.jpg", // 640x480 as stored: 1/4 likewise
            "not-a-face-coffee-480x640.png",
            "bad-not-an-image.jpg",
        ] {
            assert!(decode_reduced(&fixture(name), 160).is_none(), "{name}");
        }
        assert!(decode_reduced(&fixture("selfie-a-480x640.jpg"), 320).is_none());
    }

    /// A damaged upload gets the answer the whole decode gives it, whichever way the pipeline
    /// took: where the reduced decode fails, the whole one decides. On 240 copies of the phone's
    /// selfie with bytes of its scan or of its tables changed, a stretch zeroed, or a stretch
    /// repeated, the pipeline accepts or refuses (with the same error) as it does with the
    /// reduced decode out of reach (a thumbnail of 320 px, which 1/2 would make too wide).
    #[test]
    fn a_damaged_selfie_is_judged_as_the_whole_decode_judges_it() {
        let good = fixture("selfie-a-480x640.jpg");
        let sos = good.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let scan = sos + 2 + usize::from(u16::from_be_bytes([good[sos + 2], good[sos + 3]]));
        let scan_len = good.len() - 2 - scan; // the scan, without the end marker
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |below: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % u64::try_from(below).unwrap()).unwrap()
        };
        let whole_only = PipelineLimits {
            thumbnail_long_edge_px: 320,
            ..PipelineLimits::default()
        };
        let (mut accepted, mut refused) = (0, 0);
        for n in 0..240 {
            let mut bytes = good.clone();
            match n % 4 {
                0 => {
                    for _ in 0..=next(8) {
                        let at = scan + next(scan_len);
                        bytes[at] = u8::try_from(next(256)).unwrap();
                    }
                }
                1 => {
                    let at = scan + next(scan_len - 512);
                    bytes[at..at + 16 + next(496)].fill(0);
                }
                2 => {
                    let at = scan + next(scan_len - 512);
                    let stretch = bytes[at..at + 16 + next(496)].to_vec();
                    bytes.splice(at..at, stretch);
                }
                _ => {
                    // The tables and the frame header, between the start marker and the scan.
                    let at = 2 + next(scan - 2);
                    bytes[at] = u8::try_from(next(256)).unwrap();
                }
            }
            let reduced = process(&bytes, &PipelineLimits::default());
            let whole = process(&bytes, &whole_only);
            match (&reduced, &whole) {
                (Ok(_), Ok(_)) => accepted += 1,
                (Err(a), Err(b)) => {
                    assert_eq!(a, b, "copy {n}");
                    refused += 1;
                }
                _ => panic!(
                    "copy {n}: {:?} with the reduced decode, {:?} without",
                    reduced.map(|_| ()),
                    whole.map(|_| ())
                ),
            }
        }
        // The damage reaches both answers (228 and 12 with this seed), so both ways are
        // compared on each.
        assert!(
            accepted >= 100 && refused >= 10,
            "{accepted} accepted, {refused} refused"
        );
    }

    #[test]
    fn the_phone_selfie_takes_the_reduced_decode() {
        // Same thumbnail as `decode_reduced` alone makes: the pipeline took that way.
        let bytes = fixture("selfie-a-480x640.jpg");
        let s = run("selfie-a-480x640.jpg").unwrap();
        let small = decode_reduced(&bytes, 160).unwrap();
        let thumb = encode_jpeg(&thumbnail(&small, 160).unwrap(), THUMBNAIL_QUALITY).unwrap();
        assert_eq!(s.thumbnail_jpeg().unwrap(), thumb);
        assert_eq!(s.phash, perceptual_hash(&small));
        // Made again later from the stored selfie, the thumbnail is the same bytes.
        assert_eq!(thumbnail_of_stored(&s.jpeg, 160).unwrap(), thumb);
    }

    /// The hash made here is the library's, bit for bit: on every photo fixture, their
    /// thumbnails and grey versions, and on random pictures of many sizes.
    #[test]
    fn the_hash_is_the_librarys_to_the_bit() {
        let mut pictures = Vec::new();
        for name in PHOTOS {
            let img = image::load_from_memory(&fixture(name)).unwrap();
            let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
            let thumb = thumbnail(&rgb, 160).unwrap();
            pictures.push(DynamicImage::ImageLuma8(thumb.to_luma8()));
            pictures.push(thumb);
            pictures.push(rgb);
        }
        // A small deterministic generator: smooth gradients with noise, sizes from 1x1 up.
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for n in 0..300 {
            let width = 1 + u32::try_from(next() % 200).unwrap();
            let height = 1 + u32::try_from(next() % 200).unwrap();
            let (slope_x, slope_y) = (next() % 7, next() % 5);
            let noise = 1 + next() % 60;
            let mut px = |x: u32, y: u32| {
                let level = u64::from(x) * slope_x + u64::from(y) * slope_y + next() % noise;
                u8::try_from(level % 256).unwrap()
            };
            pictures.push(if n % 2 == 0 {
                DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
                    image::Rgb([px(x, y), px(y, x), px(x + 3, y)])
                }))
            } else {
                DynamicImage::ImageLuma8(image::GrayImage::from_fn(width, height, |x, y| {
                    image::Luma([px(x, y)])
                }))
            });
        }
        pictures.push(DynamicImage::ImageRgb8(image::RgbImage::new(9, 8)));
        for (i, img) in pictures.iter().enumerate() {
            assert_eq!(
                perceptual_hash(img),
                library_hash(img),
                "picture {i}: {}x{} {:?}",
                img.width(),
                img.height(),
                img.color()
            );
        }
    }

    fn has_exif(jpeg: &[u8]) -> bool {
        jpeg.windows(6).any(|w| w == b"Exif\0\0")
    }

    #[test]
    fn a_typical_selfie_is_accepted_and_stored_clean() {
        let s = run("selfie-a-480x640.jpg").unwrap();
        assert_eq!((s.width, s.height), (480, 640));
        assert_eq!(s.source_format, "jpeg");
        assert!(!has_exif(&s.jpeg));
        assert_eq!(jpeg_end(&s.jpeg), Some(s.jpeg.len()), "no trailing bytes");
        let thumb = image::load_from_memory(&s.thumbnail_jpeg().unwrap()).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (120, 160));
        // An upright JPEG within the limit keeps its image data: the same pixels, no second
        // generation of compression, only the metadata gone.
        let original = image::load_from_memory(&fixture("selfie-a-480x640.jpg")).unwrap();
        let stored = image::load_from_memory(&s.jpeg).unwrap();
        assert_eq!(original.to_rgb8(), stored.to_rgb8());
        assert!(s.jpeg.len() <= fixture("selfie-a-480x640.jpg").len());
    }

    #[test]
    fn a_full_resolution_selfie_is_stored_at_the_long_edge_limit() {
        let s = run("selfie-a-1080x1440.jpg").unwrap();
        assert_eq!((s.width, s.height), (960, 1280));
        let back = image::load_from_memory(&s.jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (960, 1280));
    }

    #[test]
    fn exif_is_read_as_evidence_then_dropped_and_the_photo_is_stored_upright() {
        let raw = fixture("selfie-a-exif-gps-orientation6.jpg");
        let stored_sideways = image::load_from_memory(&raw).unwrap();
        let s = run("selfie-a-exif-gps-orientation6.jpg").unwrap();
        // Orientation 6 rotates by 90 degrees: width and height swap.
        assert_eq!(
            (s.width, s.height),
            (stored_sideways.height(), stored_sideways.width())
        );
        assert!(s.height > s.width, "a portrait selfie stands upright");
        assert_eq!(
            s.exif.captured_at,
            NaiveDateTime::parse_from_str("2026-11-02 07:12:00", "%Y-%m-%d %H:%M:%S").ok()
        );
        let (lat, lon) = (s.exif.latitude.unwrap(), s.exif.longitude.unwrap());
        assert!(
            (-7.5..-6.5).contains(&lat) && (107.0..108.0).contains(&lon),
            "{lat},{lon}"
        );
        assert!(!has_exif(&s.jpeg));
        assert!(!s.jpeg.windows(4).any(|w| w == b"GPS\0"));
    }

    /// The phone's selfie with the EXIF block of the rotated fixture put in, its orientation
    /// set to upright: an upright portrait JPEG that carries capture time and position.
    fn upright_selfie_with_exif() -> Vec<u8> {
        let rotated = fixture("selfie-a-exif-gps-orientation6.jpg");
        let mut app1 = None;
        walk_jpeg(&rotated, |marker, piece| {
            if marker == 0xE1 && app1.is_none() {
                app1 = Some(piece.to_vec());
            }
        });
        let mut app1 = app1.unwrap();
        // Marker, length, `Exif\0\0`, then the TIFF block.
        let turned = image::metadata::Orientation::remove_from_exif_chunk(&mut app1[10..]);
        assert_eq!(turned, Some(image::metadata::Orientation::Rotate90));
        let selfie = fixture("selfie-a-480x640.jpg");
        [&selfie[..2], &app1, &selfie[2..]].concat()
    }

    /// The markers read here say what `image`'s decoder says: size, EXIF block, orientation.
    #[test]
    fn the_jpeg_header_reads_as_the_decoder_does() {
        let with_exif = upright_selfie_with_exif();
        let mut files: Vec<(String, Vec<u8>)> = [
            "selfie-a-480x640.jpg",
            "selfie-a-1080x1440.jpg",
            "selfie-a-exif-gps-orientation6.jpg",
            "selfie-a-resaved-360x480-q60.jpg",
            "selfie-a-edited-crop-tilt-bright-mirror.jpg",
            "selfie-b-480x640.jpg",
            "not-a-face-cat-480x640.jpg",
            "bad-polyglot.jpg",
            "bad-truncated.jpg",
        ]
        .into_iter()
        .map(|name| (name.to_owned(), fixture(name)))
        .collect();
        files.push(("upright with EXIF".into(), with_exif));
        for (name, bytes) in &files {
            let header = jpeg_header(bytes).unwrap_or_else(|| panic!("{name}"));
            let mut decoder = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Jpeg)
                .into_decoder()
                .unwrap();
            assert_eq!(
                (header.width, header.height),
                decoder.dimensions(),
                "{name}"
            );
            let orientation = decoder.orientation().unwrap();
            let exif = decoder.exif_metadata().unwrap();
            assert_eq!(header.exif, exif.as_deref(), "{name}");
            assert_eq!(
                header
                    .exif
                    .and_then(image::metadata::Orientation::from_exif_chunk)
                    .unwrap_or(image::metadata::Orientation::NoTransforms),
                orientation,
                "{name}"
            );
        }
        for name in [
            "not-a-face-coffee-480x640.png",
            "bad-not-an-image.jpg",
            "bad-empty.jpg",
        ] {
            assert!(jpeg_header(&fixture(name)).is_none(), "{name}");
        }
    }

    /// An upright selfie's EXIF evidence is read from its markers on the reduced way, the same
    /// as on the whole decode's.
    #[test]
    fn an_upright_selfie_with_exif_keeps_its_evidence_on_the_reduced_way() {
        let bytes = upright_selfie_with_exif();
        let s = process(&bytes, &PipelineLimits::default()).unwrap();
        let small = decode_reduced(&bytes, 160).unwrap();
        assert_eq!(
            s.phash,
            perceptual_hash(&small),
            "the reduced way was taken"
        );
        assert_eq!((s.width, s.height), (480, 640));
        assert_eq!(
            s.exif.captured_at,
            NaiveDateTime::parse_from_str("2026-11-02 07:12:00", "%Y-%m-%d %H:%M:%S").ok()
        );
        let mut decoder = ImageReader::with_format(Cursor::new(&bytes), ImageFormat::Jpeg)
            .into_decoder()
            .unwrap();
        let raw = decoder.exif_metadata().unwrap().unwrap();
        assert_eq!(s.exif, read_exif(&raw));
        assert!(s.exif.latitude.is_some());
        assert!(!has_exif(&s.jpeg));
        assert_eq!(
            s.jpeg,
            fixture("selfie-a-480x640.jpg"),
            "the image data as it came"
        );
    }

    #[test]
    fn a_resaved_copy_hashes_close_and_another_face_far() {
        let a = run("selfie-a-480x640.jpg").unwrap().phash;
        let resaved = run("selfie-a-resaved-360x480-q60.jpg").unwrap().phash;
        let big = run("selfie-a-1080x1440.jpg").unwrap().phash;
        let b = run("selfie-b-480x640.jpg").unwrap().phash;
        let cat = run("not-a-face-cat-480x640.jpg").unwrap().phash;
        let coffee = run("not-a-face-coffee-480x640.png").unwrap().phash;
        let limit = hadir_domain::checkin::Thresholds::default().duplicate_max_distance;
        assert!(a.distance(resaved) <= limit, "{}", a.distance(resaved));
        assert!(a.distance(big) <= limit, "{}", a.distance(big));
        for other in [b, cat, coffee] {
            assert!(a.distance(other) > limit + 6, "{}", a.distance(other));
        }
        assert!(b.distance(cat) > limit && cat.distance(coffee) > limit);
    }

    #[test]
    fn a_png_is_recognised_by_its_bytes_and_stored_as_jpeg() {
        let s = run("not-a-face-coffee-480x640.png").unwrap();
        assert_eq!(s.source_format, "png");
        assert_eq!(image::guess_format(&s.jpeg).unwrap(), ImageFormat::Jpeg);
    }

    #[test]
    fn the_polyglot_loses_its_trailing_bytes() {
        let raw = fixture("bad-polyglot.jpg");
        let end = jpeg_end(&raw).unwrap();
        assert!(end < raw.len(), "the fixture has bytes after its end");
        let s = run("bad-polyglot.jpg").unwrap();
        assert_eq!(jpeg_end(&s.jpeg), Some(s.jpeg.len()));
        for needle in [&b"<?php"[..], b"PK\x03\x04"] {
            assert!(!s.jpeg.windows(needle.len()).any(|w| w == needle));
        }
    }

    #[test]
    fn hostile_files_are_refused_with_their_reason() {
        assert_eq!(run("bad-empty.jpg").unwrap_err(), SelfieError::Empty);
        assert_eq!(
            run("bad-not-an-image.jpg").unwrap_err(),
            SelfieError::NotAnImage
        );
        assert_eq!(
            run("bad-truncated.jpg").unwrap_err(),
            SelfieError::Truncated
        );
        assert!(
            run("bad-not-an-image.jpg")
                .unwrap_err()
                .is_unsupported_type()
        );
        assert!(!run("bad-truncated.jpg").unwrap_err().is_unsupported_type());
    }

    #[test]
    fn the_bomb_is_refused_by_its_header_before_any_pixel_is_decoded() {
        let raw = fixture("bad-bomb-50000x50000.png");
        let started = Instant::now();
        let err = process(&raw, &PipelineLimits::default()).unwrap_err();
        // Not a timing assertion: the error proves no decode ran (it would have allocated
        // 2.5 GB first); the time is printed for the curious.
        eprintln!("bomb refused in {:?}", started.elapsed());
        assert!(matches!(err, SelfieError::TooManyPixels { .. }), "{err:?}");
    }

    #[test]
    fn the_cpu_pool_runs_jobs_and_returns_their_values() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let pool = CpuPool::new(1);
        let v = rt.block_on(pool.run(|| 40 + 2)).unwrap();
        assert_eq!(v, 42);
    }

    #[test]
    fn large_images_leave_a_core_to_small_ones_and_are_shed_when_they_cannot_start() {
        use std::sync::mpsc;
        use std::time::Duration;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        let pool = CpuPool::with_lanes(
            2,
            Lanes {
                large_pixels: 1_000_000,
                small_wait: Duration::from_secs(5),
                large_wait: Duration::from_millis(200),
            },
        );
        rt.block_on(async {
            // A large job that holds its lane until told to finish.
            let (release, held) = mpsc::channel::<()>();
            let p = pool.clone();
            let big = tokio::spawn(async move {
                p.run_image(Some(24_000_000), move || held.recv().ok())
                    .await
            });
            tokio::time::sleep(Duration::from_millis(50)).await;
            // A second large image cannot start in time: shed.
            let shed = pool.run_image(Some(24_000_000), || ()).await;
            assert_eq!(shed, Err(CpuError::Busy(1)));
            // Ordinary selfies still run, one after the other, on the core left to them.
            for i in 0..3 {
                assert_eq!(pool.run_image(Some(307_200), move || i).await, Ok(i));
            }
            assert_eq!(pool.run_image(None, || 7).await, Ok(7));
            release.send(()).unwrap();
            assert_eq!(big.await.unwrap(), Ok(Some(())));
            // With the lane free again, a large image runs.
            assert_eq!(pool.run_image(Some(24_000_000), || 1).await, Ok(1));
        });
    }

    #[test]
    fn the_header_gives_the_pixels_without_decoding() {
        let bytes = fixture("selfie-a-480x640.jpg");
        assert_eq!(header_pixels(&bytes), Some(480 * 640));
        assert_eq!(header_pixels(b"not an image"), None);
    }
}
