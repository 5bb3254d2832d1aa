//! A QR code drawn with half-block characters: each text row holds two module rows, so a
//! checkout URL fits an 80×24 screen. Light modules are drawn lit, dark ones left dark, with a
//! one-module quiet zone, which scans on the usual dark terminal background.

use qrcode::{Color, EcLevel, QrCode};
use ratatui::text::Line;

/// The lines of the code, or `None` if the text cannot be encoded.
pub fn lines(text: &str) -> Option<Vec<Line<'static>>> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 1usize;
    let size = width + 2 * quiet;
    // Light (lit) when outside the symbol or a light module.
    let lit = |x: usize, y: usize| -> bool {
        if x < quiet || y < quiet || x >= width + quiet || y >= width + quiet {
            return true;
        }
        colors[(y - quiet) * width + (x - quiet)] == Color::Light
    };
    let mut out = Vec::with_capacity(size.div_ceil(2));
    for y in (0..size).step_by(2) {
        let row: String = (0..size)
            .map(|x| match (lit(x, y), y + 1 < size && lit(x, y + 1)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            })
            .collect();
        out.push(Line::from(row));
    }
    Some(out)
}

/// Size in cells (columns, rows) of the code for `text`.
pub fn size(text: &str) -> Option<(u16, u16)> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::L).ok()?;
    let size = code.width() + 2;
    Some((size as u16, size.div_ceil(2) as u16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sandbox_checkout_url_fits_80x24() {
        let url = "http://127.0.0.1:40123/pay/cs_Jj50OBe7EZvI3pe23ToHWLmUKDPdy8nNjkYVbnT3BviNXpO/";
        let (w, h) = size(url).unwrap();
        assert!(w <= 40 && h <= 20, "{w}×{h}");
        let lines = lines(url).unwrap();
        assert_eq!(lines.len() as u16, h);
        // The quiet zone makes the first row fully lit.
        assert!(lines[0].to_string().chars().all(|c| c == '█' || c == '▀'));
    }
}
