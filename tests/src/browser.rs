//! A real headless Chromium for whole journeys through the console and the phone app, driven
//! over `WebDriver` (`chromedriver`, plain HTTP on loopback) with `fantoccini`.
//!
//! Chromium and its driver are Debian's (`chromium`, `chromium-driver`; `scripts/test.sh`
//! installs them). A test that needs them fails with a message saying so; none skips. The
//! driver runs in its own process group, stopped (with every Chromium it started) when the
//! `Browser` is dropped, even if the test panicked. Each journey saves numbered screenshots to
//! `target/browser-screenshots/<journey>-<backend>/`, printed at the start.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::DbKind;

/// Where Debian puts them.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What kind of screen the journey runs on.
#[derive(Clone, Copy, Debug)]
pub enum Screen {
    /// A laptop: 1280 x 800.
    Desktop,
    /// A phone: 360 x 800 (`mobileEmulation`), touch, a mobile user agent.
    Phone,
}

/// A started browser; the driver and its browsers stop when this is dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    /// The driver's address, for the Chrome `DevTools` commands it forwards.
    driver_url: String,
    shots: PathBuf,
    taken: usize,
    pub downloads: tempfile::TempDir,
    _profile: tempfile::TempDir,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("shots", &self.shots)
            .finish_non_exhaustive()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The folder of a journey's screenshots, emptied.
#[must_use]
pub fn screenshot_dir(journey: &str, db: DbKind) -> PathBuf {
    let backend = match db {
        DbKind::Sqlite => "sqlite",
        DbKind::Postgres => "postgres",
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/browser-screenshots")
        .join(format!("{journey}-{backend}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the screenshot folder");
    dir
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session; `extra` adds Chromium arguments
    /// (a fake camera, for example).
    pub async fn start(shots: PathBuf, screen: Screen, extra: &[String]) -> Self {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(path).exists(),
                "this test needs {path}: install Debian's {package} (scripts/test.sh does: \
                 apt-get install chromium chromium-driver fonts-dejavu-core)"
            );
        }
        println!("screenshots of this journey: {}", shots.display());
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a profile folder");
        let downloads = tempfile::tempdir().expect("a download folder");
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--lang=id-ID",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        if matches!(screen, Screen::Desktop) {
            args.push("--window-size=1280,800".into());
        }
        args.extend(extra.iter().cloned());
        let mut options = json!({
            "binary": CHROMIUM,
            "args": args,
            "prefs": {
                "download.default_directory": downloads.path().display().to_string(),
                "download.prompt_for_download": false,
            },
        });
        if matches!(screen, Screen::Phone) {
            options["mobileEmulation"] = json!({
                "deviceMetrics": {"width": 360, "height": 800, "pixelRatio": 2.0, "touch": true},
                "userAgent": "Mozilla/5.0 (Linux; Android 13; Pixel 6a) AppleWebKit/537.36 \
                              (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
            });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        // The driver takes a moment to listen.
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Self {
                        client,
                        driver,
                        driver_url: url.clone(),
                        shots,
                        taken: 0,
                        downloads,
                        _profile: profile,
                    };
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("no WebDriver session: {last:?}");
    }

    /// Saves a numbered screenshot named `label`.
    pub async fn shot(&mut self, label: &str) {
        self.taken += 1;
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = self.shots.join(format!("{:02}-{label}.png", self.taken));
        std::fs::write(&path, png).expect("the screenshot is saved");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigation");
    }

    /// The element `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// The element `css` once it is shown (every view of the phone app is in the page from
    /// the start, hidden but one: being there is not being on the screen).
    pub async fn wait_displayed(&self, css: &str) -> fantoccini::elements::Element {
        for _ in 0..150 {
            let element = self.find(css).await;
            if element.is_displayed().await.unwrap_or(false) {
                return element;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{css} was never shown; the page reads: {}",
            self.text().await
        );
    }

    /// Whether `css` is on the page now.
    pub async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Clicks `css` once it is shown and enabled (a screen that is still appearing is not
    /// yet clickable).
    pub async fn click(&self, css: &str) {
        let mut last = None;
        for _ in 0..150 {
            let element = self.find(css).await;
            // In the middle of the screen, away from fixed bars at the edges.
            let _ = self
                .client
                .execute(
                    "arguments[0].scrollIntoView({block: 'center'});",
                    vec![serde_json::to_value(&element).unwrap_or_default()],
                )
                .await;
            if element.is_displayed().await.unwrap_or(false)
                && element.is_enabled().await.unwrap_or(false)
            {
                match element.click().await {
                    Ok(()) => return,
                    Err(e) => last = Some(e),
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let view = self
            .js("return document.body ? document.body.dataset.view || '' : ''")
            .await;
        panic!(
            "{css} never became clickable: {last:?}; the page (view {view}) reads: {}",
            self.text().await
        );
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        self.find(css).await.send_keys(text).await.expect("typing");
    }

    /// Sends keys to the page (the keyboard shortcuts listen on the document).
    pub async fn keys(&self, keys: &str) {
        self.find("body").await.send_keys(keys).await.expect("keys");
    }

    /// Runs `script` in the page.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .expect("a script")
    }

    /// The page's text (read by script, so a page that is being replaced is no error).
    pub async fn text(&self) -> String {
        match self
            .client
            .execute(
                "return document.body ? document.body.innerText : ''",
                Vec::new(),
            )
            .await
        {
            Ok(Value::String(text)) => text,
            _ => String::new(),
        }
    }

    /// Waits until `check` holds for the page's text.
    pub async fn wait_text(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        for _ in 0..100 {
            let text = self.text().await;
            if check(&text) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed {what}: {}", self.text().await);
    }

    /// Waits until `check` holds for the text of the element `css` (an htmx swap or a key
    /// handler may land a moment after the action that caused it); the text it last saw.
    pub async fn wait_element_text(&self, css: &str, check: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if check(&last) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never showed the text expected; it last read {last:?}");
    }

    /// Runs a Chrome `DevTools` command on the page (`Emulation.setGeolocationOverride`,
    /// `Network.emulateNetworkConditions`, `Browser.setPermission`...), through the driver.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        let session = self
            .client
            .session_id()
            .await
            .expect("the session id")
            .expect("a session");
        let res = reqwest::Client::new()
            .post(format!(
                "{}/session/{session}/goog/cdp/execute",
                self.driver_url
            ))
            .json(&json!({"cmd": cmd, "params": params}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{cmd}: {status} {body}");
        body["value"].clone()
    }

    /// Puts the phone at `(latitude, longitude)` with `accuracy_m`.
    pub async fn set_location(&self, latitude: f64, longitude: f64, accuracy_m: f64) {
        self.cdp(
            "Emulation.setGeolocationOverride",
            json!({"latitude": latitude, "longitude": longitude, "accuracy": accuracy_m}),
        )
        .await;
    }

    /// Grants (`granted`) or refuses (`denied`) `permission` (`geolocation`, `camera`) to
    /// `origin`.
    pub async fn set_permission(&self, origin: &str, permission: &str, setting: &str) {
        self.cdp(
            "Browser.setPermission",
            json!({"origin": origin, "permission": {"name": permission}, "setting": setting}),
        )
        .await;
    }

    /// Takes the network away (`true`) or gives it back.
    pub async fn set_offline(&self, offline: bool) {
        self.cdp("Network.enable", json!({})).await;
        self.cdp(
            "Network.emulateNetworkConditions",
            json!({"offline": offline, "latency": 0, "downloadThroughput": -1,
                   "uploadThroughput": -1}),
        )
        .await;
    }

    /// The files downloaded so far, waiting up to 10 s for one ending in `ext`.
    pub async fn download(&self, ext: &str) -> PathBuf {
        // Complete once Chromium has no partial download left and the file's size holds still
        // (the named file may appear before its last bytes are written).
        let mut last: Option<(PathBuf, u64)> = None;
        for _ in 0..150 {
            let entries: Vec<PathBuf> = std::fs::read_dir(self.downloads.path())
                .map(|d| d.flatten().map(|e| e.path()).collect())
                .unwrap_or_default();
            let partial = entries
                .iter()
                .any(|p| p.extension().is_some_and(|e| e == "crdownload"));
            let done = entries
                .iter()
                .find(|p| p.extension().is_some_and(|e| e == ext))
                .map(|p| (p.clone(), std::fs::metadata(p).map_or(0, |m| m.len())));
            if let Some((path, size)) = &done
                && !partial
                && *size > 0
                && last.as_ref() == Some(&(path.clone(), *size))
            {
                return path.clone();
            }
            last = done;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no complete .{ext} was downloaded");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The whole group: chromedriver and every Chromium process it started.
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}

/// Writes `photo` (any image) as a one-frame 480x640 `y4m` video, the fake camera's input
/// (`--use-file-for-fake-video-capture`); Chromium plays it in a loop.
#[expect(
    clippy::many_single_char_names,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "the colour formulas' names; values clamped to 0..=255 before the cast"
)]
pub fn fake_camera(photo: &[u8], path: &Path) {
    let img = image::load_from_memory(photo)
        .expect("a fixture photo")
        .resize_exact(480, 640, image::imageops::FilterType::Triangle)
        .to_rgb8();
    let (w, h) = (480usize, 640usize);
    let mut y_plane = vec![0u8; w * h];
    let mut u_plane = vec![0u8; (w / 2) * (h / 2)];
    let mut v_plane = vec![0u8; (w / 2) * (h / 2)];
    let luma = |p: &image::Rgb<u8>| {
        let [r, g, b] = p.0.map(f64::from);
        (16.0 + 0.257 * r + 0.504 * g + 0.098 * b)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    for (x, y, p) in img.enumerate_pixels() {
        y_plane[y as usize * w + x as usize] = luma(p);
    }
    for cy in 0..h / 2 {
        for cx in 0..w / 2 {
            let (mut r, mut g, mut b) = (0.0, 0.0, 0.0);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                #[expect(clippy::cast_possible_truncation, reason = "480 and 640 fit a u32")]
                let p = img.get_pixel((cx * 2 + dx) as u32, (cy * 2 + dy) as u32).0;
                r += f64::from(p[0]) / 4.0;
                g += f64::from(p[1]) / 4.0;
                b += f64::from(p[2]) / 4.0;
            }
            u_plane[cy * (w / 2) + cx] = (128.0 - 0.148 * r - 0.291 * g + 0.439 * b)
                .round()
                .clamp(0.0, 255.0) as u8;
            v_plane[cy * (w / 2) + cx] = (128.0 + 0.439 * r - 0.368 * g - 0.071 * b)
                .round()
                .clamp(0.0, 255.0) as u8;
        }
    }
    let mut out = b"YUV4MPEG2 W480 H640 F10:1 Ip A1:1 C420\nFRAME\n".to_vec();
    out.extend_from_slice(&y_plane);
    out.extend_from_slice(&u_plane);
    out.extend_from_slice(&v_plane);
    std::fs::write(path, out).expect("the fake camera's file");
}
