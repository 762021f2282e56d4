//! Image validation and thumbnail encoding. Pure and CPU-bound: callers run these on the
//! blocking pool (`tokio::task::spawn_blocking`).

use std::io::Cursor;

use image::{
    DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits,
    codecs::{
        avif::AvifEncoder, gif::GifEncoder, jpeg::JpegEncoder, png::PngEncoder, webp::WebPEncoder,
    },
};

/// Saleor's thumbnail resolutions (`saleor.thumbnail.THUMBNAIL_SIZES`): a requested size is
/// snapped to the closest one, so a handful of files per image serve every request.
pub const THUMBNAIL_SIZES: [u32; 8] = [32, 64, 128, 256, 512, 1024, 2048, 4096];

/// The closest thumbnail size to `requested` (the smaller one on a tie, as Saleor's
/// `min(THUMBNAIL_SIZES, key=abs(x - size))`).
pub fn snap_size(requested: i64) -> u32 {
    let mut best = THUMBNAIL_SIZES[0];
    for size in THUMBNAIL_SIZES {
        if i64::from(size).abs_diff(requested) < i64::from(best).abs_diff(requested) {
            best = size;
        }
    }
    best
}

/// An accepted upload format, found from the file's first bytes (never from its name or
/// the client's declared content type).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl SourceFormat {
    /// Recognises the magic bytes of PNG, JPEG, GIF and WEBP.
    pub fn sniff(data: &[u8]) -> Option<Self> {
        if data.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<Self> {
        [Self::Png, Self::Jpeg, Self::Gif, Self::Webp]
            .into_iter()
            .find(|f| f.content_type() == content_type)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Gif => "gif",
            Self::Webp => "webp",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            Self::Png => ImageFormat::Png,
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Gif => ImageFormat::Gif,
            Self::Webp => ImageFormat::WebP,
        }
    }
}

/// The format a thumbnail is served in (Saleor's `ThumbnailFormatEnum`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ThumbFormat {
    /// The uploaded image's own format.
    Original,
    Webp,
    Avif,
}

impl ThumbFormat {
    /// `original`, `webp` or `avif`, case-insensitively (the URL's format segment).
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "original" => Some(Self::Original),
            "webp" => Some(Self::Webp),
            "avif" => Some(Self::Avif),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Webp => "webp",
            Self::Avif => "avif",
        }
    }

    /// The content type of a thumbnail of an image uploaded as `source`.
    pub fn content_type(self, source: SourceFormat) -> &'static str {
        match self {
            Self::Original => source.content_type(),
            Self::Webp => "image/webp",
            Self::Avif => "image/avif",
        }
    }

    /// The file extension of a thumbnail of an image uploaded as `source`.
    pub fn extension(self, source: SourceFormat) -> &'static str {
        match self {
            Self::Original => source.extension(),
            Self::Webp => "webp",
            Self::Avif => "avif",
        }
    }
}

/// Why an image was refused or could not be processed. The messages are shown to clients.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    /// Not a PNG, JPEG, GIF or WEBP file (Saleor's message for an unsupported upload).
    #[error("Invalid file type.")]
    UnsupportedType,
    /// More pixels than allowed: a decompression bomb or simply too large.
    #[error(
        "Invalid file. The image is {width}x{height} pixels; at most {max_pixels} pixels are accepted."
    )]
    TooManyPixels {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    /// The header or the pixel data could not be decoded.
    #[error("Invalid file. The image could not be decoded: {0}")]
    Corrupt(String),
    /// Encoding the thumbnail failed (not the client's fault).
    #[error("The thumbnail could not be encoded: {0}")]
    Encode(String),
}

/// What validation learned about an accepted upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Probed {
    pub format: SourceFormat,
    pub width: u32,
    pub height: u32,
}

/// Decoder limits for an image of at most `max_pixels` pixels: the dimensions are checked
/// from the header before any pixel buffer is allocated, and allocations stay bounded.
fn limits(max_pixels: u64) -> Limits {
    let mut limits = Limits::default();
    // RGBA with 16-bit channels is 8 bytes per pixel; leave room for the decoder's buffers.
    limits.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    limits
}

fn reader(data: &[u8], format: SourceFormat, max_pixels: u64) -> ImageReader<Cursor<&[u8]>> {
    let mut reader = ImageReader::with_format(Cursor::new(data), format.image_format());
    reader.limits(limits(max_pixels));
    reader
}

/// Checks that `data` is a PNG, JPEG, GIF or WEBP image of at most `max_pixels` pixels that
/// decodes completely (a truncated or corrupt file is refused at upload, not at the first
/// thumbnail request).
pub fn validate(data: &[u8], max_pixels: u64) -> Result<Probed, ImageError> {
    let format = SourceFormat::sniff(data).ok_or(ImageError::UnsupportedType)?;
    let (width, height) = reader(data, format, max_pixels)
        .into_dimensions()
        .map_err(|e| ImageError::Corrupt(e.to_string()))?;
    check_pixels(width, height, max_pixels)?;
    decode(data, format, max_pixels)?;
    Ok(Probed {
        format,
        width,
        height,
    })
}

fn check_pixels(width: u32, height: u32, max_pixels: u64) -> Result<(), ImageError> {
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt("the image is empty".into()));
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            max_pixels,
        });
    }
    Ok(())
}

/// Decodes the (first frame of the) image and applies its EXIF orientation.
fn decode(data: &[u8], format: SourceFormat, max_pixels: u64) -> Result<DynamicImage, ImageError> {
    let corrupt = |e: image::ImageError| ImageError::Corrupt(e.to_string());
    let mut decoder = reader(data, format, max_pixels)
        .into_decoder()
        .map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height, max_pixels)?;
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

/// Makes the thumbnail of an image uploaded as `source`: scaled down (never up) to fit in
/// `size`×`size` keeping the aspect ratio, encoded as `format`. Returns the encoded bytes.
pub fn thumbnail(
    data: &[u8],
    source: SourceFormat,
    size: u32,
    format: ThumbFormat,
    max_pixels: u64,
) -> Result<Vec<u8>, ImageError> {
    let image = decode(data, source, max_pixels)?;
    let image = if image.width() > size || image.height() > size {
        image.thumbnail(size, size)
    } else {
        image
    };
    encode(&image, format.encode_as(source))
}

/// The concrete encoding of a thumbnail format for a source format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Png,
    Jpeg,
    Gif,
    Webp,
    Avif,
}

impl ThumbFormat {
    fn encode_as(self, source: SourceFormat) -> Encoding {
        match (self, source) {
            (Self::Webp, _) | (Self::Original, SourceFormat::Webp) => Encoding::Webp,
            (Self::Avif, _) => Encoding::Avif,
            (Self::Original, SourceFormat::Png) => Encoding::Png,
            (Self::Original, SourceFormat::Jpeg) => Encoding::Jpeg,
            (Self::Original, SourceFormat::Gif) => Encoding::Gif,
        }
    }
}

/// JPEG and AVIF quality, as Saleor's `JPEG_QUAL`/`AVIF_QUAL`.
const QUALITY: u8 = 70;
/// rav1e speed (1 slowest … 10 fastest). Measured on a 2000×2000 PNG → 256 px (2 cores,
/// release build): speed 8 ≈ 330 ms, 9 ≈ 120 ms with equal or smaller files, 10 ≈ 150 ms.
const AVIF_SPEED: u8 = 9;

fn encode(image: &DynamicImage, encoding: Encoding) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    let failed = |e: image::ImageError| ImageError::Encode(e.to_string());
    // Colour types every encoder below accepts: 8-bit RGB(A).
    let image = if image.color().has_alpha() {
        DynamicImage::ImageRgba8(image.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
    };
    match encoding {
        Encoding::Png => image.write_with_encoder(PngEncoder::new(&mut out)),
        Encoding::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, QUALITY)),
        Encoding::Gif => {
            let frame = image.to_rgba8();
            let mut encoder = GifEncoder::new(&mut out);
            encoder.encode(
                frame.as_raw(),
                frame.width(),
                frame.height(),
                image::ExtendedColorType::Rgba8,
            )
        }
        // The pure-Rust WEBP encoder is lossless only.
        Encoding::Webp => image.write_with_encoder(WebPEncoder::new_lossless(&mut out)),
        Encoding::Avif => image.write_with_encoder(AvifEncoder::new_with_speed_quality(
            &mut out, AVIF_SPEED, QUALITY,
        )),
    }
    .map_err(failed)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn sizes_snap_to_the_closest_thumbnail_size() {
        assert_eq!(snap_size(256), 256);
        assert_eq!(snap_size(255), 256);
        assert_eq!(snap_size(300), 256);
        assert_eq!(snap_size(400), 512);
        assert_eq!(snap_size(384), 256, "a tie picks the smaller size");
        assert_eq!(snap_size(48), 32, "a tie picks the smaller size");
        assert_eq!(snap_size(1), 32);
        assert_eq!(snap_size(0), 32);
        assert_eq!(snap_size(-5), 32);
        assert_eq!(snap_size(5000), 4096);
        assert_eq!(snap_size(i64::MAX), 4096);
        assert_eq!(snap_size(i64::MIN), 32);
        for size in THUMBNAIL_SIZES {
            assert_eq!(snap_size(i64::from(size)), size);
        }
    }

    #[test]
    fn formats_parse_case_insensitively() {
        assert_eq!(ThumbFormat::parse("WEBP"), Some(ThumbFormat::Webp));
        assert_eq!(ThumbFormat::parse("avif"), Some(ThumbFormat::Avif));
        assert_eq!(ThumbFormat::parse("Original"), Some(ThumbFormat::Original));
        assert_eq!(ThumbFormat::parse("jpeg"), None);
    }

    #[test]
    fn sniffing_reads_magic_bytes_only() {
        assert_eq!(SourceFormat::sniff(&png(2, 2)), Some(SourceFormat::Png));
        assert_eq!(
            SourceFormat::sniff(b"\xFF\xD8\xFF\xE0rest"),
            Some(SourceFormat::Jpeg)
        );
        assert_eq!(SourceFormat::sniff(b"GIF89a..."), Some(SourceFormat::Gif));
        assert_eq!(
            SourceFormat::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(SourceFormat::Webp)
        );
        assert_eq!(SourceFormat::sniff(b"<svg xmlns=..."), None);
        assert_eq!(SourceFormat::sniff(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(SourceFormat::sniff(b""), None);
    }

    #[test]
    fn validation_accepts_images_and_refuses_the_rest() {
        let ok = validate(&png(30, 20), 1_000).unwrap();
        assert_eq!(
            (ok.format, ok.width, ok.height),
            (SourceFormat::Png, 30, 20)
        );
        assert_eq!(
            validate(b"name,email\nann,a@example.com\n", 1_000),
            Err(ImageError::UnsupportedType)
        );
        // Too many pixels: refused from the header, before decoding.
        assert!(matches!(
            validate(&png(40, 30), 1_000),
            Err(ImageError::TooManyPixels {
                width: 40,
                height: 30,
                ..
            })
        ));
        // A PNG signature followed by garbage, and a truncated PNG.
        let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
        fake.extend_from_slice(&[0x42; 64]);
        assert!(matches!(
            validate(&fake, 1_000),
            Err(ImageError::Corrupt(_))
        ));
        let full = png(30, 20);
        assert!(matches!(
            validate(&full[..full.len() / 2], 1_000),
            Err(ImageError::Corrupt(_))
        ));
    }

    #[test]
    fn a_header_claiming_huge_dimensions_is_refused_without_decoding() {
        // A valid PNG header (IHDR) claiming 100000x100000 pixels, no pixel data.
        let mut data = png(1, 1);
        // IHDR width/height live at bytes 16..24.
        data[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        data[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let err = validate(&data, 50_000_000).unwrap_err();
        assert!(
            matches!(
                err,
                ImageError::TooManyPixels { .. } | ImageError::Corrupt(_)
            ),
            "{err:?}"
        );
    }

    #[test]
    fn thumbnails_keep_the_aspect_ratio_and_never_upscale() {
        let data = png(300, 150);
        let webp = thumbnail(&data, SourceFormat::Png, 64, ThumbFormat::Webp, 1 << 20).unwrap();
        let img = image::load_from_memory_with_format(&webp, ImageFormat::WebP).unwrap();
        assert_eq!((img.width(), img.height()), (64, 32));
        let same = thumbnail(
            &data,
            SourceFormat::Png,
            512,
            ThumbFormat::Original,
            1 << 20,
        )
        .unwrap();
        let img = image::load_from_memory_with_format(&same, ImageFormat::Png).unwrap();
        assert_eq!((img.width(), img.height()), (300, 150));
    }
}
