//! Product images of the demo store: real PNG files, stored and served like uploads, so the
//! demo looks right without internet (no remote placeholder URLs).

use std::{io::Cursor, sync::OnceLock};

use image::{ImageFormat, Rgb, RgbImage};
use sha2::{Digest, Sha256};

use super::{ValidImage, codec};

/// Side of a demo image, in pixels.
const SIDE: u32 = 512;

/// Background and accent colours, one pair per image variant.
const PALETTE: [([u8; 3], [u8; 3]); 8] = [
    ([236, 239, 244], [94, 129, 172]),
    ([250, 240, 230], [208, 135, 112]),
    ([235, 245, 235], [106, 153, 85]),
    ([245, 236, 250], [160, 110, 180]),
    ([255, 248, 225], [215, 170, 60]),
    ([230, 244, 248], [70, 150, 170]),
    ([248, 232, 236], [190, 90, 110]),
    ([238, 238, 238], [90, 90, 90]),
];

/// Number of distinct demo images.
pub const VARIANTS: usize = PALETTE.len();

/// Demo image number `n` (cycling through the palette): a soft background with a disc and
/// a band in the accent colour. Encoded once per process.
pub fn image(n: usize) -> ValidImage {
    static IMAGES: OnceLock<Vec<ValidImage>> = OnceLock::new();
    let all = IMAGES.get_or_init(|| PALETTE.iter().map(|&(bg, fg)| render(bg, fg)).collect());
    all[n % all.len()].clone()
}

fn render(bg: [u8; 3], fg: [u8; 3]) -> ValidImage {
    let c = f64::from(SIDE) / 2.0;
    let img = RgbImage::from_fn(SIDE, SIDE, |x, y| {
        let (dx, dy) = (f64::from(x) - c, f64::from(y) - c * 0.9);
        let in_disc = dx * dx + dy * dy < (c * 0.45) * (c * 0.45);
        let in_band = y > SIDE * 3 / 4 && y < SIDE * 3 / 4 + SIDE / 16;
        Rgb(if in_disc || in_band { fg } else { bg })
    });
    let mut data = Vec::new();
    img.write_to(&mut Cursor::new(&mut data), ImageFormat::Png)
        .expect("encoding a PNG into memory cannot fail");
    let probed = codec::validate(&data, u64::from(SIDE) * u64::from(SIDE))
        .expect("the demo image is a valid PNG");
    ValidImage {
        probed,
        sha256: hex::encode(Sha256::digest(&data)),
        data,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_images_are_distinct_pngs() {
        let (a, b) = (super::image(0), super::image(1));
        assert_eq!(a.probed.width, 512);
        assert_ne!(a.sha256, b.sha256);
        assert_eq!(super::image(8).sha256, a.sha256);
    }
}
