//! A QR code as an SVG the page draws itself: the authenticator's secret
//! never leaves the browser to be drawn elsewhere.

use dioxus::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};

/// Modules of light margin around the code, as the standard asks.
const QUIET: i32 = 4;

/// The dark modules of `text`'s QR code as one SVG path, and the side of the
/// square it fills (margin included), in modules; `None` if it is too long.
pub fn path(text: &str) -> Option<(String, i32)> {
    // Medium correction: phones read it from a screen, not from a scratched
    // print.
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = code.size();
    // One rectangle per run of dark modules in a row: a third of the text of
    // one square per module.
    let mut d = String::new();
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if !code.get_module(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < size && code.get_module(x, y) {
                x += 1;
            }
            let run = x - start;
            d.push_str(&format!("M{},{}h{run}v1h-{run}z", start + QUIET, y + QUIET));
        }
    }
    Some((d, size + 2 * QUIET))
}

/// `text` as a QR code: dark on white whatever the theme, which is what
/// scanners expect.
#[component]
pub fn QrCodeImage(text: String, label: String) -> Element {
    let Some((d, side)) = path(&text) else {
        return rsx! {};
    };
    rsx! {
        svg {
            class: "h-48 w-48 rounded-md border border-border bg-white",
            view_box: "0 0 {side} {side}",
            role: "img",
            "aria-label": label,
            "shape-rendering": "crispEdges",
            path { d, fill: "#000" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_otpauth_uri_fits_in_a_small_code_with_its_margin() {
        let uri = "otpauth://totp/Vitals:ada%40example.org?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Vitals";
        let (d, side) = path(uri).unwrap();
        // Version 5 or 6 (37 or 41 modules) plus the margin on both sides.
        assert!((45..=49).contains(&side), "{side}");
        // The top-left finder pattern: a run of 7 dark modules at the
        // margin's corner.
        assert!(d.starts_with(&format!("M{QUIET},{QUIET}h7v1h-7z")));
        let runs = d.matches('M').count();
        assert!((100..1000).contains(&runs), "{runs}");
        assert!(path(&"x".repeat(3000)).is_none());
    }
}
