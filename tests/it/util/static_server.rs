//! A tiny static web server for the browser tests: GET and HEAD of files
//! under a few mounted folders, with byte ranges (HLS and DASH players
//! read segments by range), one connection at a time per thread, closed
//! after each answer. Test use only: 127.0.0.1, no path may leave a mount.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub struct StaticServer {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl StaticServer {
    /// Serves each `(url prefix, folder)` pair.
    pub fn start(mounts: Vec<(String, PathBuf)>) -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
        let port = listener.local_addr().expect("address").port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let mounts = Arc::new(mounts);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let mounts = Arc::clone(&mounts);
                std::thread::spawn(move || {
                    let _ = serve(stream, &mounts);
                });
            }
        });
        StaticServer { port, stop }
    }

    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        "m3u8" => "application/vnd.apple.mpegurl",
        "mpd" => "application/dash+xml",
        "mp4" | "m4s" => "video/mp4",
        "vtt" => "text/vtt",
        "jpg" => "image/jpeg",
        _ => "application/octet-stream",
    }
}

fn resolve(mounts: &[(String, PathBuf)], url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next()?;
    let (prefix, root) = mounts.iter().find(|(p, _)| path.starts_with(p.as_str()))?;
    let rest = Path::new(&path[prefix.len()..]);
    if rest
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    Some(root.join(rest))
}

fn serve(stream: TcpStream, mounts: &[(String, PathBuf)]) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("range") {
                range = value.trim().strip_prefix("bytes=").map(str::to_owned);
            }
        }
    }
    let mut parts = request.split_whitespace();
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("/");
    let mut out = stream;
    let file = resolve(mounts, target).and_then(|p| std::fs::File::open(&p).ok().map(|f| (p, f)));
    let Some((path, mut file)) = file.filter(|(p, _)| p.is_file()) else {
        let body = b"not found";
        write!(
            out,
            "HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        return out.write_all(body);
    };
    let size = file.metadata()?.len();
    let (status, start, end) = match range.as_deref().and_then(|r| r.split_once('-')) {
        Some((a, b)) => {
            let start: u64 = a.parse().unwrap_or(0);
            let end: u64 = b
                .parse()
                .unwrap_or(size.saturating_sub(1))
                .min(size.saturating_sub(1));
            ("206 Partial Content", start, end)
        }
        None => ("200 OK", 0, size.saturating_sub(1)),
    };
    let len = if size == 0 { 0 } else { end + 1 - start };
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {}\r\nContent-Length: {len}\r\nAccept-Ranges: bytes\r\n",
        content_type(&path)
    )?;
    if status.starts_with("206") {
        write!(out, "Content-Range: bytes {start}-{end}/{size}\r\n")?;
    }
    write!(
        out,
        "Access-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n"
    )?;
    if method == "HEAD" {
        return Ok(());
    }
    file.seek(SeekFrom::Start(start))?;
    std::io::copy(&mut file.take(len), &mut out)?;
    Ok(())
}
