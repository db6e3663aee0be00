//! A person's name for a device, from the User-Agent it signed in with:
//! "Chrome" and "Linux" rather than forty tokens of history. Only the common
//! browsers and systems; anything else shows its first product name, such as
//! "curl".

/// What a User-Agent says about the program and the system it runs on.
#[derive(Debug, PartialEq, Eq)]
pub struct Device {
    pub browser: Option<String>,
    pub os: Option<&'static str>,
}

/// Browsers by a token only they send, most specific first: Edge, Opera,
/// Yandex and Samsung all also say "Chrome", and Chrome also says "Safari".
const BROWSERS: &[(&str, &str)] = &[
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("YaBrowser/", "Yandex Browser"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
];

/// Systems, most specific first: Android says "Linux", and iOS says
/// "like Mac OS X".
const SYSTEMS: &[(&str, &str)] = &[
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
    ("X11", "Linux"),
];

pub fn parse(user_agent: &str) -> Device {
    let find = |table: &[(&str, &'static str)]| {
        table
            .iter()
            .find(|(token, _)| user_agent.contains(token))
            .map(|&(_, name)| name)
    };
    let browser = find(BROWSERS).map(str::to_owned).or_else(|| {
        // Not a browser: the first product ("curl/8.5.0"), unless it is the
        // "Mozilla/5.0" every browser starts with.
        let product = user_agent.split(['/', ' ']).next()?.trim();
        (!product.is_empty() && product != "Mozilla").then(|| product.to_owned())
    });
    Device {
        browser,
        os: find(SYSTEMS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(browser: Option<&str>, os: Option<&'static str>) -> Device {
        Device {
            browser: browser.map(str::to_owned),
            os,
        }
    }

    #[test]
    fn common_browsers_and_systems() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                ("Chrome", "Linux"),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
                ("Chrome", "Linux"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                ("Edge", "Windows"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
                ("Firefox", "Windows"),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                ("Safari", "macOS"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                ("Safari", "iOS"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
                ("Chrome", "iOS"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
                ("Samsung Internet", "Android"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36",
                ("Yandex Browser", "Windows"),
            ),
            (
                "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/114.0.0.0",
                ("Opera", "ChromeOS"),
            ),
        ];
        for (user_agent, (browser, os)) in cases {
            assert_eq!(
                parse(user_agent),
                device(Some(browser), Some(os)),
                "{user_agent}"
            );
        }
    }

    #[test]
    fn other_programs_show_their_product_name() {
        assert_eq!(parse("curl/8.5.0"), device(Some("curl"), None));
        assert_eq!(parse("node"), device(Some("node"), None));
        assert_eq!(
            parse("Mozilla/5.0 (X11; Linux)"),
            device(None, Some("Linux"))
        );
        assert_eq!(parse(""), device(None, None));
    }
}
