//! Times the service sends (RFC 3339), told the way people say them: "5
//! minutes ago", "вчера". The browser's `Date` and `Intl` do the parsing
//! and the wording in each language, so no date crate enters the wasm.

use js_sys::{Array, Date, Intl, Object};
use wasm_bindgen::JsValue;

/// How long ago, as `Intl.RelativeTimeFormat` takes it: a negative count of
/// the largest unit that fits. `None` under a minute ("just now").
fn ago(seconds: f64) -> Option<(f64, &'static str)> {
    const UNITS: &[(f64, &str)] = &[(86_400.0, "day"), (3_600.0, "hour"), (60.0, "minute")];
    UNITS
        .iter()
        .find(|(size, _)| seconds >= *size)
        .map(|&(size, unit)| (-(seconds / size).floor(), unit))
}

/// "5 minutes ago" in `language` ("en" or "ru"); `None` for under a minute
/// or a time the browser cannot read.
pub fn relative(rfc3339: &str, language: &str) -> Option<String> {
    let then = Date::parse(rfc3339);
    if then.is_nan() {
        return None;
    }
    let (count, unit) = ago((Date::now() - then).max(0.0) / 1000.0)?;
    let options = Object::new();
    // "yesterday" rather than "1 day ago".
    let _ = js_sys::Reflect::set(&options, &"numeric".into(), &"auto".into());
    let format = Intl::RelativeTimeFormat::new(&Array::of1(&language.into()), &options);
    Some(format.format(count, unit).into())
}

/// The date and time in `language`'s usual form, for a tooltip.
pub fn local(rfc3339: &str, language: &str) -> String {
    Date::new(&JsValue::from_f64(Date::parse(rfc3339)))
        .to_locale_string(language, &JsValue::UNDEFINED)
        .into()
}

/// The browser's offset from UTC, in minutes east, at a local time as a
/// `datetime-local` input gives it ("2026-11-30T09:15"): daylight saving
/// time makes it differ from date to date.
pub fn offset_at(local: &str) -> i32 {
    let date = Date::new(&JsValue::from_str(local));
    if date.get_time().is_nan() {
        return 0;
    }
    -(date.get_timezone_offset() as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_unit_that_fits() {
        assert_eq!(ago(59.0), None);
        assert_eq!(ago(60.0), Some((-1.0, "minute")));
        assert_eq!(ago(3_599.0), Some((-59.0, "minute")));
        assert_eq!(ago(7_300.0), Some((-2.0, "hour")));
        assert_eq!(ago(86_400.0 * 3.5), Some((-3.0, "day")));
    }
}
