//! Helpers shared by the integration tests: checks that a figure was written as a valid PNG
//! (size, 150 dpi, not blank) and SVG.

use std::path::Path;

/// Pixel size of every PNG (8 x 5 in at 150 dpi).
const WIDTH: u32 = 1200;
const HEIGHT: u32 = 750;
/// 150 dpi in pixels per metre, as the PNG pHYs chunk stores it.
const PER_METRE: u32 = 5906;

/// The 4-byte big-endian number at `at`.
fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// Checks `NAME.png` (signature, IHDR size, 150 dpi, not blank) and `NAME.svg` (root element).
pub fn check_figure(dir: &Path, name: &str) {
    let png = std::fs::read(dir.join(format!("{name}.png"))).unwrap_or_else(|e| panic!("{name}.png: {e}"));
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}.png: PNG signature");
    assert_eq!(&png[12..16], b"IHDR", "{name}.png: IHDR first");
    assert_eq!((be32(&png, 16), be32(&png, 20)), (WIDTH, HEIGHT), "{name}.png: pixel size");
    let phys = png.windows(4).position(|w| w == b"pHYs").unwrap_or_else(|| panic!("{name}.png: no pHYs chunk"));
    assert_eq!((be32(&png, phys + 4), be32(&png, phys + 8), png[phys + 12]), (PER_METRE, PER_METRE, 1), "{name}: dpi");
    // A white page with only axes compresses to a few kB; a drawn figure with text is larger.
    assert!(png.len() > 20_000, "{name}.png is only {} bytes", png.len());
    let svg = std::fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap_or_else(|e| panic!("{name}.svg: {e}"));
    let root = svg.trim_start().trim_start_matches(|c| c != '<');
    assert!(root.starts_with("<svg") || root.starts_with("<?xml"), "{name}.svg: root element");
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"), "{name}.svg: complete svg element");
    assert!(svg.contains("<text"), "{name}.svg: has text");
    // The font the PNG's text was laid out with comes first, then fallbacks.
    assert!(svg.contains("font-family=\"DejaVu Sans, Verdana, sans-serif\""), "{name}.svg: font family");
    assert!(svg.len() > 2_000, "{name}.svg is only {} bytes", svg.len());
}
