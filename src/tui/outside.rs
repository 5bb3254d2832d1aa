//! What the console does outside itself: the clipboard, the browser and hyperlinks. The
//! executor owns the real one; tests record instead.

use std::sync::Arc;

/// What the console does outside itself: the clipboard and the browser. Tests record instead.
pub trait Outside {
    fn copy(&mut self, text: &str);
    fn open(&mut self, url: &str);
    /// Rewrites text already drawn at (x, y) as an OSC 8 hyperlink to `url`.
    fn hyperlink(&mut self, url: &str, cells: &[(u16, u16, String)]) {
        let _ = (url, cells);
    }
}

/// Records copies and opens, for tests.
#[derive(Default, Clone)]
pub struct Recorder {
    pub log: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Outside for Recorder {
    fn copy(&mut self, text: &str) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).push(format!("copy:{text}"));
    }
    fn open(&mut self, url: &str) {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).push(format!("open:{url}"));
    }
}
