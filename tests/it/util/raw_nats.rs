//! A NATS connection spoken by hand (the text protocol, verbose mode): what
//! a stranger on the network can do with no VidPrism code at all.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct RawNats {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl RawNats {
    /// Connects to `127.0.0.1:port` and logs in (no login with `user`
    /// None); the server's answer to CONNECT.
    pub fn login(port: u16, user: Option<(&str, &str)>) -> (RawNats, String) {
        let writer = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        writer
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut raw = RawNats {
            reader: BufReader::new(writer.try_clone().expect("clone")),
            writer,
        };
        let info = raw.line();
        assert!(info.starts_with("INFO "), "{info}");
        let login = match user {
            Some((user, pass)) => serde_json::json!({
                "user": user, "pass": pass, "verbose": true, "pedantic": true, "headers": true
            }),
            None => serde_json::json!({ "verbose": true, "pedantic": true, "headers": true }),
        };
        let answer = raw.send(&format!("CONNECT {login}\r\n"));
        (raw, answer)
    }

    /// The port of a `nats://host:port` address.
    pub fn port_of(url: &str) -> u16 {
        url.rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port in the address")
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .expect("a line from the server");
        line.trim_end().to_owned()
    }

    /// Sends a command; the server's +OK or -ERR for it.
    pub fn send(&mut self, command: &str) -> String {
        self.writer
            .write_all(command.as_bytes())
            .expect("send to the server");
        self.answer()
    }

    fn answer(&mut self) -> String {
        loop {
            let line = self.line();
            if line == "PING" {
                self.writer.write_all(b"PONG\r\n").expect("pong");
            } else if line.starts_with("+OK") || line.starts_with("-ERR") {
                return line;
            }
        }
    }

    /// The next message of a subscription: its subject and payload (its
    /// headers, if it has any, left out).
    pub fn next_message(&mut self) -> (String, Vec<u8>) {
        loop {
            let line = self.line();
            if line == "PING" {
                self.writer.write_all(b"PONG\r\n").expect("pong");
                continue;
            }
            if let Some(message) = self.message(&line) {
                return message;
            }
        }
    }

    /// Every message the server sent this connection so far (a PING's
    /// PONG comes after them): subjects and payloads.
    pub fn messages_so_far(&mut self) -> Vec<(String, Vec<u8>)> {
        self.writer.write_all(b"PING\r\n").expect("ping");
        let mut messages = Vec::new();
        loop {
            let line = self.line();
            if line == "PONG" {
                return messages;
            }
            messages.extend(self.message(&line));
        }
    }

    /// The message a line starts, read whole: its subject and payload
    /// (headers left out); `None` for any other line.
    fn message(&mut self, line: &str) -> Option<(String, Vec<u8>)> {
        // `MSG subject sid [reply] size`, or with headers (this client
        // says it takes them) `HMSG subject sid [reply] header-size size`.
        let (rest, with_headers) = match (line.strip_prefix("MSG "), line.strip_prefix("HMSG ")) {
            (Some(rest), _) => (rest, false),
            (_, Some(rest)) => (rest, true),
            _ => return None,
        };
        let parts: Vec<&str> = rest.split(' ').collect();
        let number = |back: usize| -> usize { parts[parts.len() - back].parse().expect("a size") };
        let size = number(1);
        let header_size = if with_headers { number(2) } else { 0 };
        let mut payload = vec![0; size + 2];
        std::io::Read::read_exact(&mut self.reader, &mut payload).expect("payload");
        payload.truncate(size);
        payload.drain(..header_size);
        Some((parts[0].to_owned(), payload))
    }

    /// Publishes `{}` on `subject` with a reply inbox, as a request would;
    /// the server's answer (+OK, or -ERR for a permission violation).
    pub fn publish(&mut self, subject: &str) -> String {
        self.send(&format!("PUB {subject} _INBOX.test 2\r\n{{}}\r\n"))
    }

    /// Publishes `payload` on `subject` with one header `name: value`;
    /// the server's answer.
    pub fn publish_with_header(
        &mut self,
        subject: &str,
        (name, value): (&str, &str),
        payload: &[u8],
    ) -> String {
        let headers = format!("NATS/1.0\r\n{name}: {value}\r\n\r\n");
        let total = headers.len() + payload.len();
        let mut command =
            format!("HPUB {subject} {} {total}\r\n{headers}", headers.len()).into_bytes();
        command.extend_from_slice(payload);
        command.extend_from_slice(b"\r\n");
        self.writer.write_all(&command).expect("send to the server");
        self.answer()
    }

    /// Publishes `payload` on `subject`; the server's answer.
    pub fn publish_bytes(&mut self, subject: &str, payload: &[u8]) -> String {
        let mut command = format!("PUB {subject} {}\r\n", payload.len()).into_bytes();
        command.extend_from_slice(payload);
        command.extend_from_slice(b"\r\n");
        self.writer.write_all(&command).expect("send to the server");
        self.answer()
    }
}
